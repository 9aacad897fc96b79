// The contract list and the contract detail view (tariff, items, price per period, next billing
// date, scheduled changes with withdraw) with the entry points into the change and cancel flows.
import { html, nothing, type TemplateResult } from "lit";
import type {
  ChangeType,
  PortalAction,
  PortalContract,
  PortalContractItem,
  PortalOverview,
} from "../portal-api.js";
import {
  backButton,
  changeLabel,
  heading,
  pricePerPeriod,
  statusBadge,
  type ViewBase,
} from "./shared.js";

export interface ListProps extends ViewBase {
  overview: PortalOverview;
  onOpen(contractId: string): void;
}

export function renderContractList(v: ListProps): TemplateResult {
  const { t, f, overview } = v;
  const contracts = overview.contracts;
  return html`
    <section>
      ${heading(overview.merchant.name ? t.contractsOf(overview.merchant.name) : t.contractsHeading)}
      ${
        contracts.length === 0
          ? html`<p class="empty" part="empty">${t.emptyContracts}</p>`
          : html`<ul class="cards" part="contract-list">
              ${contracts.map(
                (contract) =>
                  html`<li class="card" part="card contract-card">
                    <h3 id="c-${contract.id}">${contract.tariff.name}</h3>
                    ${statusBadge(t, contract)}
                    <dl class="facts">
                      <div>
                        <dt>${t.price}</dt>
                        <dd>
                          ${pricePerPeriod(v, contract)} <span class="muted">${t.inclVat}</span>
                        </dd>
                      </div>
                      ${
                        contract.endDate
                          ? html`<div>
                              <dt>${t.endsOn}</dt>
                              <dd>${f.date(contract.endDate)}</dd>
                            </div>`
                          : contract.nextBillingDate
                            ? html`<div>
                                <dt>${t.nextBilling}</dt>
                                <dd>${f.date(contract.nextBillingDate)}</dd>
                              </div>`
                            : nothing
                      }
                    </dl>
                    <button
                      type="button"
                      part="button"
                      aria-describedby="c-${contract.id}"
                      @click=${() => v.onOpen(contract.id)}
                    >
                      ${t.openContract}
                    </button>
                  </li>`,
              )}
            </ul>`
      }
    </section>
  `;
}

export interface DetailProps extends ViewBase {
  contract: PortalContract;
  allowedActions: PortalAction[];
  onBack(): void;
  onStartChange(type: ChangeType, itemId?: string): void;
  onWithdraw(changeId: string): void;
  onStartCancel(): void;
}

export function renderContractDetail(v: DetailProps): TemplateResult {
  const { t, f, contract } = v;
  const interval = contract.tariff.billingInterval;
  const active = contract.status === "active";
  // The API already filters the options by the merchant's switches; this only hides empty entry points.
  const canSwitch =
    active &&
    contract.switchOptions.length > 0 &&
    (v.allowedActions.includes("switch_up") || v.allowedActions.includes("switch_down"));
  const canAdd =
    active && contract.addonOptions.length > 0 && v.allowedActions.includes("add_addon");
  const canCancel = contract.canCancel && v.allowedActions.includes("cancel");
  return html`
    <section>
      ${backButton(t.backToList, v.onBack)} ${heading(contract.tariff.name)}
      ${statusBadge(t, contract)}
      <dl class="facts" part="facts">
        <div>
          <dt>${t.contractNumber}</dt>
          <dd>${contract.id}</dd>
        </div>
        <div>
          <dt>${t.billing}</dt>
          <dd>${t.intervalName[interval]}</dd>
        </div>
        <div>
          <dt>${t.currentPeriod}</dt>
          <dd>${f.span(contract.currentPeriod.start, contract.currentPeriod.end)}</dd>
        </div>
        ${
          contract.nextBillingDate
            ? html`<div>
                <dt>${t.nextBilling}</dt>
                <dd>${f.date(contract.nextBillingDate)}</dd>
              </div>`
            : nothing
        }
        ${
          contract.endDate
            ? html`<div>
                <dt>${t.endsOn}</dt>
                <dd>${f.date(contract.endDate)}</dd>
              </div>`
            : nothing
        }
      </dl>
      <h3 id="items-heading">${t.itemsHeading}</h3>
      <div class="table-wrap" role="region" tabindex="0" aria-labelledby="items-heading">
        <table part="table items" aria-labelledby="items-heading">
          <thead>
            <tr>
              <th scope="col">${t.item}</th>
              <th scope="col" class="num">${t.quantity}</th>
              <th scope="col" class="num">${t.pricePerInterval(t.perInterval[interval])}</th>
              <th scope="col"><span class="sr-only">${t.actions}</span></th>
            </tr>
          </thead>
          <tbody>
            ${contract.items.map((item) => itemRow(v, item, active))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colspan="2">${t.netTotal}</th>
              <td class="num">${f.money(contract.recurringNetAmount, contract.currency)}</td>
              <td></td>
            </tr>
            <tr>
              <th scope="row" colspan="2">${t.vatTotal}</th>
              <td class="num">${f.money(contract.recurringTaxAmount, contract.currency)}</td>
              <td></td>
            </tr>
            <tr class="total">
              <th scope="row" colspan="2">${t.grossPerInterval(t.perInterval[interval])}</th>
              <td class="num">${f.money(contract.recurringGrossAmount, contract.currency)}</td>
              <td></td>
            </tr>
          </tfoot>
        </table>
      </div>
      ${
        contract.scheduledChanges.length > 0
          ? html`<h3 id="scheduled-heading">${t.scheduledHeading}</h3>
              <ul class="plain" part="scheduled-changes" aria-labelledby="scheduled-heading">
                ${contract.scheduledChanges.map((change) => {
                  const label = t.scheduledOn(
                    changeLabel(t, change.type, change.summary),
                    f.date(change.effectiveDate),
                  );
                  return html`<li class="row" part="scheduled-change">
                    <span id="s-${change.id}">${label}</span>
                    <button
                      type="button"
                      part="button"
                      aria-describedby="s-${change.id}"
                      aria-disabled=${v.busy ? "true" : "false"}
                      @click=${() => v.onWithdraw(change.id)}
                    >
                      ${t.cancelScheduled}
                    </button>
                  </li>`;
                })}
              </ul>`
          : nothing
      }
      ${
        canSwitch || canAdd || canCancel
          ? html`<div class="actions" part="actions">
              ${canSwitch ? html`<button type="button" part="button button-primary" class="primary" @click=${() => v.onStartChange("switch_template")}>${t.switchTariff}</button>` : nothing}
              ${canAdd ? html`<button type="button" part="button" @click=${() => v.onStartChange("add_addon")}>${t.addAddon}</button>` : nothing}
              ${canCancel ? html`<button type="button" part="button button-danger" class="danger" @click=${v.onStartCancel}>${t.cancelContract}</button>` : nothing}
            </div>`
          : nothing
      }
    </section>
  `;
}

function itemRow(v: DetailProps, item: PortalContractItem, active: boolean): TemplateResult {
  const { t, f, contract } = v;
  const quantity =
    active && item.quantityChangeable && v.allowedActions.includes("change_quantity");
  const remove = active && item.removable && v.allowedActions.includes("remove_item");
  return html`<tr>
    <th scope="row" id="i-${item.id}">${item.name}</th>
    <td class="num">${item.quantity}</td>
    <td class="num">${f.money(item.periodAmount, contract.currency)}</td>
    <td class="row-actions">
      ${quantity ? html`<button type="button" part="button" class="small" aria-describedby="i-${item.id}" @click=${() => v.onStartChange("change_quantity", item.id)}>${t.changeQuantity}</button>` : nothing}
      ${remove ? html`<button type="button" part="button" class="small" aria-describedby="i-${item.id}" @click=${() => v.onStartChange("remove_item", item.id)}>${t.removeItem}</button>` : nothing}
    </td>
  </tr>`;
}
