// Pieces every view of the widget uses: the props they share, the heading that receives focus
// after navigation, the back button, and the labels built from a change's type and target.
import { html, nothing, type TemplateResult } from "lit";
import type { Formatters } from "../format.js";
import type { Messages } from "../i18n.js";
import type { ChangeType, PortalContract } from "../portal-api.js";

export interface ViewBase {
  t: Messages;
  f: Formatters;
  /** A request of this view is in flight: actions ignore further clicks until it settles. */
  busy: boolean;
}

/** The host moves focus to `[data-focus]` after the customer navigates, so screen readers follow. */
export function heading(text: string, id = "view-heading"): TemplateResult {
  return html`<h2 id=${id} part="heading" tabindex="-1" data-focus>${text}</h2>`;
}

export function backButton(label: string, onClick: () => void): TemplateResult {
  return html`<button type="button" class="link" part="button back-button" @click=${onClick}>
    <span aria-hidden="true">←</span> ${label}
  </button>`;
}

export function itemLabel(name: string, quantity: number): string {
  return quantity === 1 ? name : `${quantity} × ${name}`;
}

export function changeLabel(t: Messages, type: ChangeType, target: string): string {
  return t.changeLabel[type](target);
}

/** "35,70 € pro Monat": the contract's gross price, as consumers are shown prices. */
export function pricePerPeriod(v: ViewBase, contract: PortalContract): string {
  return `${v.f.money(contract.recurringGrossAmount, contract.currency)} ${v.t.perInterval[contract.tariff.billingInterval]}`;
}

export function statusBadge(t: Messages, contract: PortalContract): TemplateResult {
  return html`<span class="badge badge-${contract.status}" part="badge status-${contract.status}"
    >${t.status[contract.status]}</span
  >`;
}

export function fieldError(
  id: string,
  message: string | undefined,
): TemplateResult | typeof nothing {
  return message
    ? html`<p id=${id} class="field-error" part="field-error">${message}</p>`
    : nothing;
}
