// The preview of a change (credit and charge lines, net, VAT per rate, gross, and what follows:
// interim invoice, credit note, next invoice or nothing) and the result once it is confirmed.
import { html, nothing, type TemplateResult } from "lit";
import type { Messages } from "../i18n.js";
import type { ChangePreview, ChangeRequest, ChangeResult, PortalContract } from "../portal-api.js";
import { backButton, changeLabel, heading, itemLabel, type ViewBase } from "./shared.js";

/** "Tarifwechsel: Premium", built from the contract's own names so it reads right in both locales. */
export function describeRequest(
  t: Messages,
  contract: PortalContract,
  request: ChangeRequest,
): string {
  switch (request.type) {
    case "switch_template":
      return changeLabel(
        t,
        request.type,
        contract.switchOptions.find((option) => option.templateId === request.templateId)?.name ??
          request.templateId,
      );
    case "add_addon": {
      const name =
        contract.addonOptions.find((option) => option.articleId === request.articleId)?.name ??
        request.articleId;
      return changeLabel(t, request.type, itemLabel(name, request.quantity));
    }
    case "remove_item":
      return changeLabel(
        t,
        request.type,
        contract.items.find((item) => item.id === request.itemId)?.name ?? request.itemId,
      );
    case "change_quantity":
      return changeLabel(
        t,
        request.type,
        itemLabel(
          contract.items.find((item) => item.id === request.itemId)?.name ?? request.itemId,
          request.quantity,
        ),
      );
  }
}

export interface PreviewProps extends ViewBase {
  contract: PortalContract;
  request: ChangeRequest;
  preview: ChangePreview;
  onBack(): void;
  onConfirm(): void;
}

export function renderPreview(v: PreviewProps): TemplateResult {
  const { t, f, preview } = v;
  const money = (cents: number, signed = false) => f.money(cents, preview.currency, signed);
  // Charging the customer needs the "obligation to pay" wording on the button (§ 312j BGB).
  const payable = preview.grossAmount > 0 && preview.settlement !== "none";
  return html`
    <section>
      ${backButton(t.back, v.onBack)} ${heading(t.previewHeading)}
      <p><strong>${describeRequest(t, v.contract, v.request)}</strong></p>
      <p>${t.previewFor(f.date(preview.effectiveDate), f.date(preview.computedOn))}</p>
      ${
        preview.requestedDate !== preview.effectiveDate
          ? html`<p class="notice" part="notice">
              ${t.previewMoved(f.date(preview.requestedDate), f.date(preview.effectiveDate))}
            </p>`
          : nothing
      }
      ${
        // Without lines the settlement below ("no prorated billing") says all there is to say.
        preview.lines.length === 0
          ? nothing
          : html`<div class="table-wrap" role="region" tabindex="0" aria-labelledby="view-heading">
              <table part="table preview-lines" aria-labelledby="view-heading">
                <thead>
                  <tr>
                    <th scope="col">${t.position}</th>
                    <th scope="col">${t.period}</th>
                    <th scope="col" class="num">${t.amountNet}</th>
                  </tr>
                </thead>
                <tbody>
                  ${preview.lines.map((line) => {
                    const name = itemLabel(line.name || line.description, line.quantity || 1);
                    const credit = line.netAmount < 0;
                    return html`<tr
                      class=${credit ? "credit" : "charge"}
                      part=${credit ? "credit-line" : "charge-line"}
                    >
                      <th scope="row">${credit ? t.creditLine(name) : t.chargeLine(name)}</th>
                      <td>${f.span(line.periodStart, line.periodEnd)}</td>
                      <td class="num">${money(line.netAmount, true)}</td>
                    </tr>`;
                  })}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row" colspan="2">${t.netTotal}</th>
                    <td class="num" data-total="net">${money(preview.netAmount)}</td>
                  </tr>
                  ${preview.taxBreakdown.map(
                    (entry) =>
                      html`<tr>
                        <th scope="row" colspan="2">${t.vat(f.percent(entry.taxRate))}</th>
                        <td class="num">${money(entry.taxAmount)}</td>
                      </tr>`,
                  )}
                  <tr class="total">
                    <th scope="row" colspan="2">${t.grossTotal}</th>
                    <td class="num" data-total="gross">${money(preview.grossAmount)}</td>
                  </tr>
                </tfoot>
              </table>
            </div>`
      }
      <p class="settlement" part="settlement">${settlementText(t, v, preview)}</p>
      <p part="new-price">
        ${t.newPrice(
          f.date(preview.effectiveDate),
          f.money(preview.recurringAfter.grossAmount, preview.currency),
          t.perInterval[preview.recurringAfter.billingInterval],
        )}
      </p>
      <div class="actions" part="actions">
        <button type="button" part="button" @click=${v.onBack}>${t.back}</button>
        <button
          type="button"
          part="button button-primary"
          class="primary"
          aria-disabled=${v.busy ? "true" : "false"}
          @click=${v.onConfirm}
        >
          ${payable ? t.confirmPay : t.confirm}
        </button>
      </div>
    </section>
  `;
}

function settlementText(t: Messages, v: ViewBase, preview: ChangePreview): string {
  const amount = v.f.money(Math.abs(preview.grossAmount), preview.currency);
  const later = preview.effectiveDate > preview.computedOn;
  switch (preview.settlement) {
    case "interim_invoice":
      return t.settlement.interim_invoice(amount, later);
    case "credit_note":
      return t.settlement.credit_note(amount, later);
    case "next_invoice":
      return t.settlement.next_invoice(v.f.money(preview.grossAmount, preview.currency, true));
    case "none":
      return t.settlement.none();
  }
}

export interface ResultProps extends ViewBase {
  /** Taken at confirm time: after the change the contract's options no longer name the old target. */
  label: string;
  result: ChangeResult;
  onBack(): void;
}

export function renderResult(v: ResultProps): TemplateResult {
  const { t, f, result } = v;
  const applied = result.change.status === "applied";
  const label = v.label;
  const date = f.date(result.change.effectiveDate);
  const invoice = result.invoice;
  // The whole result region takes focus: a screen reader reads heading and outcome in one go.
  return html`
    <section class="result" part="result" aria-labelledby="view-heading" tabindex="-1" data-focus>
      <h2 id="view-heading" part="heading">${applied ? t.resultApplied : t.resultScheduled}</h2>
      <p>${applied ? t.resultAppliedText(label, date) : t.resultScheduledText(label, date)}</p>
      ${
        invoice
          ? // "Gutschrift … über 8,06 €": the kind already says which way the money goes.
            html`<p part="result-invoice">
              ${t.resultInvoice(t.invoiceKind[invoice.kind], invoice.number, f.money(Math.abs(invoice.grossAmount), invoice.currency))}
            </p>`
          : nothing
      }
      <div class="actions" part="actions">
        <button type="button" part="button button-primary" class="primary" @click=${v.onBack}>
          ${t.backToContract}
        </button>
      </div>
    </section>
  `;
}
