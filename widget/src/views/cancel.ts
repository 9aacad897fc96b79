// Cancelling a contract: the earliest possible end, an optional later period end, the
// confirmation ("Jetzt kündigen", § 312k BGB wording) and the result.
import { html, nothing, type TemplateResult } from "lit";
import type { CancelContractResult, PortalContract } from "../portal-api.js";
import { backButton, heading, type ViewBase } from "./shared.js";

/** The ends the customer may pick; falls back to the earliest alone if the API sent no list. */
export function cancellationChoices(contract: PortalContract): string[] {
  if (contract.cancellationEndDates.length > 0) return contract.cancellationEndDates;
  return contract.earliestCancellationDate ? [contract.earliestCancellationDate] : [];
}

export interface CancelProps extends ViewBase {
  contract: PortalContract;
  endDate: string;
  onChoose(endDate: string): void;
  onConfirm(): void;
  onBack(): void;
}

export function renderCancel(v: CancelProps): TemplateResult {
  const { t, f, contract } = v;
  const choices = cancellationChoices(contract);
  const earliest = contract.earliestCancellationDate ?? choices[0];
  const dropsChanges = contract.scheduledChanges.some((change) => change.effectiveDate > v.endDate);
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    v.onConfirm();
  };
  return html`
    <section>
      ${backButton(t.backToContract, v.onBack)} ${heading(t.cancelHeading)}
      <p>
        <strong>${contract.tariff.name}</strong> –
        ${f.money(contract.recurringGrossAmount, contract.currency)}
        ${t.perInterval[contract.tariff.billingInterval]}
      </p>
      ${earliest ? html`<p part="earliest-end">${t.earliestEnd}: <strong>${f.date(earliest)}</strong></p>` : nothing}
      <form part="form" @submit=${submit}>
        ${
          choices.length > 1
            ? html`<fieldset part="fieldset">
                <legend>${t.chooseEnd}</legend>
                ${choices.map(
                  (date, index) =>
                    html`<label class="choice">
                      <input
                        type="radio"
                        name="end"
                        .value=${date}
                        .checked=${v.endDate === date}
                        @change=${() => v.onChoose(date)}
                      />
                      <span>${index === 0 ? t.earliestOption(f.date(date)) : f.date(date)}</span>
                    </label>`,
                )}
              </fieldset>`
            : nothing
        }
        ${dropsChanges ? html`<p class="notice" part="notice">${t.cancelDropsChanges}</p>` : nothing}
        <div class="actions" part="actions">
          <button type="button" part="button" @click=${v.onBack}>${t.back}</button>
          <button
            type="submit"
            part="button button-danger"
            class="danger"
            aria-disabled=${v.busy ? "true" : "false"}
          >
            ${t.cancelNow}
          </button>
        </div>
      </form>
    </section>
  `;
}

export interface CancelledProps extends ViewBase {
  result: CancelContractResult;
  onBack(): void;
}

export function renderCancelled(v: CancelledProps): TemplateResult {
  const { t, f } = v;
  return html`
    <section class="result" part="result" aria-labelledby="view-heading" tabindex="-1" data-focus>
      <h2 id="view-heading" part="heading">${t.cancelledHeading}</h2>
      <p>${t.cancelledText(f.date(v.result.endDate))}</p>
      <div class="actions" part="actions">
        <button type="button" part="button button-primary" class="primary" @click=${v.onBack}>
          ${t.backToContract}
        </button>
      </div>
    </section>
  `;
}
