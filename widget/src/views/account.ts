// The "Offener Betrag / Zahlungsart" view: what the customer owes (open invoices with dunning
// fees), how it is collected (active or blocked SEPA mandate, or transfer), the merchant's
// account for a transfer, and the form for a new SEPA mandate with the mandate text to consent to.
import { html, nothing, type TemplateResult } from "lit";
import type { Locale } from "../format.js";
import type { NewMandateResult, PortalAccount, PortalOpenInvoice } from "../portal-api.js";
import { fieldError, heading, type ViewBase } from "./shared.js";

export type MandateField = "iban" | "accountHolder" | "consent";

export interface MandateDraft {
  iban: string;
  accountHolder: string;
  consent: boolean;
  errors: Partial<Record<MandateField, string>>;
  /** Made when the form is first shown, renewed on every edit: one mandate per submitted form. */
  key: string;
}

export interface AccountState {
  account: PortalAccount | null;
  draft: MandateDraft;
  created: NewMandateResult | null;
}

export interface AccountProps extends ViewBase {
  locale: Locale;
  state: AccountState;
  onDraft(patch: Partial<Pick<MandateDraft, "iban" | "accountHolder" | "consent">>): void;
  onSubmit(): void;
  onBack(): void;
}

/** "de89370400440532013000" → "DE89 3704 0044 0532 0130 00": easier to compare with the bank card. */
export function groupIban(value: string): string {
  return value
    .replace(/\s+/g, "")
    .toUpperCase()
    .replace(/(.{4})(?=.)/g, "$1 ");
}

/** The checks the widget can make itself; the IBAN's check digits are the API's to judge. */
export function validateMandateDraft(
  t: ViewBase["t"],
  draft: MandateDraft,
): Partial<Record<MandateField, string>> {
  const errors: Partial<Record<MandateField, string>> = {};
  if (draft.iban.trim() === "") errors.iban = t.mandateIbanEmpty;
  if (draft.accountHolder.trim() === "") errors.accountHolder = t.mandateHolderEmpty;
  if (!draft.consent) errors.consent = t.mandateConsentMissing;
  return errors;
}

function invoiceRows(v: AccountProps, invoices: PortalOpenInvoice[]): TemplateResult {
  const { t, f } = v;
  return html`<div
    class="table-wrap"
    role="region"
    tabindex="0"
    aria-labelledby="open-invoices-heading"
  >
    <table class="stack" part="table open-invoices" aria-labelledby="open-invoices-heading">
      <thead>
        <tr>
          <th scope="col">${t.invoiceNumber}</th>
          <th scope="col">${t.dueDate}</th>
          <th scope="col" class="num">${t.openAmountCol}</th>
          <th scope="col" class="num">${t.dunningFeesCol}</th>
          <th scope="col" class="num">${t.totalDueCol}</th>
          <th scope="col">${t.dunningLevelCol}</th>
          <th scope="col">${t.paymentReferenceCol}</th>
        </tr>
      </thead>
      <tbody>
        ${invoices.map(
          (invoice) =>
            html`<tr part="open-invoice">
              <th scope="row">
                <span
                  >${invoice.number}
                  ${
                    invoice.kind === "fee"
                      ? html`<span class="muted">(${t.invoiceKind.fee})</span>`
                      : nothing
                  }</span
                >
              </th>
              <td data-label=${t.dueDate}>${f.date(invoice.dueDate)}</td>
              <td data-label=${t.openAmountCol} class="num">
                ${f.money(invoice.openAmount, invoice.currency)}
              </td>
              <td data-label=${t.dunningFeesCol} class="num">
                ${f.money(invoice.dunningFees, invoice.currency)}
              </td>
              <td data-label=${t.totalDueCol} class="num">
                <strong>${f.money(invoice.totalDue, invoice.currency)}</strong>
              </td>
              <td data-label=${t.dunningLevelCol}>
                ${
                  invoice.status === "collection_pending"
                    ? t.collectionPending
                    : invoice.dunningLevel
                      ? t.dunningLevel[invoice.dunningLevel]
                      : "–"
                }
              </td>
              <td data-label=${t.paymentReferenceCol}><code>${invoice.paymentReference}</code></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function paymentMethod(v: AccountProps, account: PortalAccount): TemplateResult {
  const { t } = v;
  const method = account.paymentMethod;
  if (method.kind === "none") return html`<p part="payment-method">${t.noPaymentMethod}</p>`;
  if (method.status === "active")
    return html`<dl class="facts" part="payment-method facts">
      <div>
        <dt>${t.paymentMethodHeading}</dt>
        <dd>${t.mandateActive(method.ibanMasked)}</dd>
      </div>
      <div>
        <dt>${t.accountHolderLabel}</dt>
        <dd>${method.accountHolder}</dd>
      </div>
      <div>
        <dt>${t.mandateReferenceLabel}</dt>
        <dd>${method.reference}</dd>
      </div>
    </dl>`;
  const reason = method.reasonClass ? t.blockedReason[method.reasonClass] : undefined;
  return html`<div class="notice" part="payment-method notice mandate-blocked">
    <p>${t.mandateBlocked(method.ibanMasked)}</p>
    ${reason ? html`<p class="muted">${reason}</p>` : nothing}
  </div>`;
}

function transfer(v: AccountProps, account: PortalAccount): TemplateResult | typeof nothing {
  const { t } = v;
  const details = account.transfer;
  if (!details || account.openInvoices.length === 0) return nothing;
  return html`<h3 id="transfer-heading">${t.transferHeading}</h3>
    <dl class="facts" part="transfer facts" aria-labelledby="transfer-heading">
      <div>
        <dt>${t.transferRecipient}</dt>
        <dd>${details.recipient}</dd>
      </div>
      <div>
        <dt>${t.transferIban}</dt>
        <dd><code>${details.iban}</code></dd>
      </div>
      ${
        details.bic
          ? html`<div>
              <dt>${t.transferBic}</dt>
              <dd><code>${details.bic}</code></dd>
            </div>`
          : nothing
      }
    </dl>
    <p class="muted">${t.transferHint}</p>`;
}

function mandateForm(v: AccountProps, account: PortalAccount): TemplateResult | typeof nothing {
  const { t, state } = v;
  const consent = account.mandateConsent;
  if (!account.canUpdateMandate || !consent) return nothing;
  const draft = state.draft;
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    v.onSubmit();
  };
  const describedBy = (field: MandateField, extra = "") =>
    [extra, draft.errors[field] ? `${field}-error` : ""].filter(Boolean).join(" ") || nothing;
  const title =
    account.paymentMethod.kind === "sepa_mandate" && account.paymentMethod.status === "active"
      ? t.replaceMandateHeading
      : t.newMandateHeading;
  return html`<h3 id="mandate-heading">${title}</h3>
    <form part="form mandate-form" aria-labelledby="mandate-heading" novalidate @submit=${submit}>
      <div class="field" part="field">
        <label for="iban">${t.ibanLabel}</label>
        <input
          id="iban"
          name="iban"
          type="text"
          part="input"
          inputmode="text"
          autocomplete="off"
          autocapitalize="characters"
          spellcheck="false"
          maxlength="42"
          .value=${draft.iban}
          aria-invalid=${draft.errors.iban ? "true" : "false"}
          aria-describedby=${describedBy("iban", "iban-hint")}
          @input=${(event: Event) => v.onDraft({ iban: (event.target as HTMLInputElement).value })}
          @change=${(event: Event) =>
            v.onDraft({ iban: groupIban((event.target as HTMLInputElement).value) })}
        />
        <p id="iban-hint" class="muted">${t.ibanHint}</p>
        ${fieldError("iban-error", draft.errors.iban)}
      </div>
      <div class="field" part="field">
        <label for="account-holder">${t.holderLabel}</label>
        <input
          id="account-holder"
          name="accountHolder"
          type="text"
          part="input"
          autocomplete="name"
          maxlength="70"
          .value=${draft.accountHolder}
          aria-invalid=${draft.errors.accountHolder ? "true" : "false"}
          aria-describedby=${describedBy("accountHolder")}
          @input=${(event: Event) =>
            v.onDraft({ accountHolder: (event.target as HTMLInputElement).value })}
        />
        ${fieldError("accountHolder-error", draft.errors.accountHolder)}
      </div>
      <div class="consent" part="consent" id="consent-text">${consent.text[v.locale]}</div>
      <label class="choice">
        <input
          id="consent"
          name="consent"
          type="checkbox"
          .checked=${draft.consent}
          aria-invalid=${draft.errors.consent ? "true" : "false"}
          aria-describedby=${describedBy("consent", "consent-text")}
          @change=${(event: Event) =>
            v.onDraft({ consent: (event.target as HTMLInputElement).checked })}
        />
        <span>${t.consentLabel}</span>
      </label>
      ${fieldError("consent-error", draft.errors.consent)}
      <div class="actions" part="actions">
        <button
          type="submit"
          part="button button-primary"
          class="primary"
          aria-disabled=${v.busy ? "true" : "false"}
        >
          ${t.giveMandate}
        </button>
      </div>
    </form>`;
}

export function renderAccount(v: AccountProps): TemplateResult {
  const { t, f, state } = v;
  const account = state.account;
  if (state.created)
    return html`<section>
      <div class="result" part="result mandate-created" tabindex="-1" data-focus>
        <h2 part="heading">${t.mandateCreatedHeading}</h2>
        <p>${t.mandateCreatedText(state.created.reference)}</p>
        <p>${t.mandateActive(state.created.ibanMasked)}</p>
      </div>
      <div class="actions" part="actions">
        <button type="button" part="button" @click=${v.onBack}>${t.backToAccount}</button>
      </div>
    </section>`;
  if (!account)
    return html`<section aria-busy=${v.busy ? "true" : "false"}>
      ${heading(t.accountHeading)}
      ${v.busy ? html`<p class="loading" part="loading">${t.loading}</p>` : nothing}
    </section>`;
  return html`<section aria-busy=${v.busy ? "true" : "false"}>
    ${heading(t.accountHeading)}
    <p part="open-amount">
      ${t.openAmountLabel}:
      <strong class="amount">${f.money(account.openAmount, account.currency)}</strong>
    </p>
    <h3 id="open-invoices-heading">${t.openInvoicesHeading}</h3>
    ${
      account.openInvoices.length === 0
        ? html`<p class="empty" part="empty">${t.nothingOpen}</p>`
        : invoiceRows(v, account.openInvoices)
    }
    <h3>${t.paymentMethodHeading}</h3>
    ${paymentMethod(v, account)} ${transfer(v, account)} ${mandateForm(v, account)}
  </section>`;
}
