// <tarif-contract>: one contract — items, current period, change history with its scheduled
// changes (withdraw one), invoices, the "Kundencenter" tab choosing which tariffs of the group
// this customer is offered, a tariff switch by the merchant with the portal's preview, and the
// cancellation.
import { html, nothing } from "lit";
import { query, type Page } from "../api.js";
import { href } from "../router.js";
import { Screen, formValues } from "../screen.js";
import type {
  Contract,
  ContractChange,
  ContractTemplate,
  Customer,
  InvoiceListEntry,
} from "../types.js";

type Tab = "overview" | "changes" | "invoices" | "customerCenter";
const TABS: Tab[] = ["overview", "changes", "invoices", "customerCenter"];

interface Preview {
  effectiveDate: string;
  currency: string;
  lines: { description: string; periodStart: string; periodEnd: string; netAmount: number }[];
  netAmount: number;
  taxAmount: number;
  grossAmount: number;
  settlement: { kind: string } | string | null;
}

export class TarifContract extends Screen {
  static override properties = {
    ...Screen.properties,
    contractId: { attribute: "contract-id" },
    tab: { state: true },
    contract: { state: true },
    customer: { state: true },
    templates: { state: true },
    changes: { state: true },
    invoices: { state: true },
    preview: { state: true },
  };
  declare contractId: string;
  declare tab: Tab;
  declare contract: Contract | undefined;
  declare customer: Customer | undefined;
  declare templates: ContractTemplate[];
  declare changes: ContractChange[];
  declare invoices: InvoiceListEntry[];
  declare preview: { request: Record<string, string>; result: Preview } | null;

  constructor() {
    super();
    this.tab = "overview";
    this.templates = [];
    this.changes = [];
    this.invoices = [];
    this.preview = null;
  }

  protected async load() {
    const id = this.contractId;
    const [contract, templates, changes, invoices] = await Promise.all([
      this.api.get<Contract>(`/contracts/${id}`),
      this.api.get<Page<ContractTemplate>>("/contract-templates?limit=100"),
      this.api.get<Page<ContractChange>>(`/contracts/${id}/changes?limit=100`),
      this.api.get<Page<InvoiceListEntry>>(`/invoices${query({ contractId: id, limit: 100 })}`),
    ]);
    this.contract = contract;
    this.templates = templates.data;
    this.changes = changes.data;
    this.invoices = invoices.data;
    this.customer = await this.api.get<Customer>(`/customers/${contract.customerId}`);
  }

  private get template() {
    return this.templates.find((t) => t.id === this.contract?.templateId);
  }

  private get groupTemplates() {
    const group = this.template?.templateGroupId;
    return this.templates.filter((t) => t.templateGroupId === group);
  }

  private async saveOffered(event: SubmitEvent) {
    event.preventDefault();
    const ids = new FormData(event.target as HTMLFormElement).getAll("offered").map(String);
    await this.act(async () => {
      await this.api.put(`/contracts/${this.contractId}/customer-center`, {
        offeredTemplateIds: ids,
      });
      this.contract = { ...this.contract!, offeredTemplateIds: ids };
      return this.t.saved;
    });
  }

  private changeRequest(form: HTMLFormElement) {
    const v = formValues(form);
    return {
      type: "switch_template",
      templateId: v.templateId ?? "",
      ...(v.effectiveDate ? { effectiveDate: v.effectiveDate } : {}),
    };
  }

  private async showPreview(event: SubmitEvent) {
    event.preventDefault();
    const request = this.changeRequest(event.target as HTMLFormElement);
    await this.act(async () => {
      const result = await this.api.post<Preview>(
        `/contracts/${this.contractId}/changes/preview`,
        request,
      );
      this.preview = { request, result };
    });
  }

  private async apply() {
    const request = this.preview?.request;
    if (!request) return;
    await this.act(async () => {
      await this.api.post(`/contracts/${this.contractId}/changes`, request);
      this.preview = null;
      await this.load();
      return this.t.contract.applied;
    });
  }

  private async withdraw(changeId: string) {
    await this.act(async () => {
      await this.api.delete(`/contracts/${this.contractId}/changes/${changeId}`);
      await this.load();
      return this.t.saved;
    });
  }

  private async cancelContract(event: SubmitEvent) {
    event.preventDefault();
    const { endDate } = formValues(event.target as HTMLFormElement);
    await this.act(async () => {
      const result = await this.api.post<{ endDate: string }>(
        `/contracts/${this.contractId}/cancel`,
        endDate ? { endDate } : {},
      );
      await this.load();
      return this.t.contract.cancelled(this.fmt.date(result.endDate));
    });
  }

  private selectTab(tab: Tab) {
    this.tab = tab;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`#tab-${tab}`)?.focus(),
    );
  }

  private onTabKey(event: KeyboardEvent) {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    this.selectTab(TABS[(TABS.indexOf(this.tab) + step + TABS.length) % TABS.length]!);
  }

  override render() {
    const t = this.t.contract;
    const c = this.contract;
    return html`<p><a href=${href({ name: "customers" })}>${this.t.back}</a></p>
      <h1>${t.heading(this.customer?.name ?? "…")}</h1>
      ${this.renderLoading()} ${this.renderNotice()}
      ${
        c
          ? html`<div
                role="tablist"
                aria-label=${t.tabsLabel}
                class="row"
                @keydown=${this.onTabKey}
              >
                ${TABS.map(
                  (tab) =>
                    html`<button
                      role="tab"
                      id="tab-${tab}"
                      class=${this.tab === tab ? "" : "secondary"}
                      aria-selected=${this.tab === tab ? "true" : "false"}
                      aria-controls="panel"
                      tabindex=${this.tab === tab ? 0 : -1}
                      @click=${() => this.selectTab(tab)}
                    >
                      ${t.tabs[tab]}
                    </button>`,
                )}
              </div>
              <div role="tabpanel" id="panel" aria-labelledby="tab-${this.tab}">
                ${
                  this.tab === "overview"
                    ? this.renderOverview(c)
                    : this.tab === "changes"
                      ? this.renderChanges()
                      : this.tab === "invoices"
                        ? this.renderInvoices()
                        : this.renderCustomerCenter(c)
                }
              </div>`
          : nothing
      }`;
  }

  private renderOverview(c: Contract) {
    const t = this.t.contract;
    // A contract bills in its plan's currency, which each of its invoices carries (the first is
    // issued with the contract); the resource itself names none.
    const currency = this.invoices[0]?.currency ?? "EUR";
    return html`<dl class="facts">
        <dt>${this.t.customers.tariff}</dt>
        <dd>${this.template?.name ?? c.templateId}</dd>
        <dt>${this.t.customers.status}</dt>
        <dd>${this.t.customers.statuses[c.status]}</dd>
        <dt>${t.period}</dt>
        <dd>${this.fmt.span(c.currentPeriod.start, c.currentPeriod.end)}</dd>
        <dt>${t.nextBilling}</dt>
        <dd>${this.fmt.date(c.nextBillingDate)}</dd>
        ${
          c.endDate
            ? html`<dt>${t.endDate}</dt>
                <dd>${this.fmt.date(c.endDate)}</dd>`
            : nothing
        }
      </dl>
      <h2>${t.items}</h2>
      <div class="table-wrap" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">${this.t.catalogue.name}</th>
              <th scope="col" class="num">${t.quantity}</th>
              <th scope="col" class="num">${t.periodAmount}</th>
            </tr>
          </thead>
          <tbody>
            ${c.items.map(
              (item) =>
                html`<tr>
                  <td>${item.name}</td>
                  <td class="num">${item.quantity}</td>
                  <td class="num">${this.fmt.money(item.periodAmount, currency)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${this.isOwner && c.status !== "ended" ? this.renderChangeForm(c) : nothing}`;
  }

  private renderChangeForm(c: Contract) {
    const t = this.t.contract;
    const targets = this.groupTemplates.filter((x) => x.id !== c.templateId);
    const p = this.preview?.result;
    return html`<h2>${t.change}</h2>
      <form @submit=${this.showPreview}>
        <div class="row">
          <label
            >${t.target}
            <select name="templateId" required>
              ${targets.map((x) => html`<option value=${x.id}>${x.name}</option>`)}
            </select></label
          >
          <label>${t.effectiveDate}<input name="effectiveDate" type="date" /></label>
          <button type="submit" ?disabled=${this.busy || targets.length === 0}>${t.preview}</button>
        </div>
      </form>
      ${
        p
          ? html`<section aria-labelledby="preview-heading">
              <h3 id="preview-heading">${t.previewHeading} · ${this.fmt.date(p.effectiveDate)}</h3>
              <div class="table-wrap" tabindex="0">
                <table>
                  <tbody>
                    ${p.lines.map(
                      (line) =>
                        html`<tr>
                          <td>${line.description}</td>
                          <td>${this.fmt.span(line.periodStart, line.periodEnd)}</td>
                          <td class="num">${this.fmt.money(line.netAmount, p.currency, true)}</td>
                        </tr>`,
                    )}
                    <tr>
                      <th scope="row" colspan="2">${this.t.invoices.amount}</th>
                      <td class="num">${this.fmt.money(p.grossAmount, p.currency, true)}</td>
                    </tr>
                  </tbody>
                </table>
              </div>
              <button @click=${this.apply} ?disabled=${this.busy}>${t.apply}</button>
            </section>`
          : nothing
      }
      <h2>${t.cancelContract}</h2>
      <form @submit=${this.cancelContract}>
        <div class="row">
          <label>${t.cancelEnd}<input name="endDate" type="date" /></label>
          <button type="submit" class="secondary" ?disabled=${this.busy}>
            ${t.cancelContract}
          </button>
        </div>
      </form>`;
  }

  private renderChanges() {
    const t = this.t.contract;
    if (this.changes.length === 0) return html`<p>${this.t.empty}</p>`;
    return html`<div class="table-wrap" tabindex="0">
      <table>
        <thead>
          <tr>
            <th scope="col">${t.effectiveDate}</th>
            <th scope="col">${t.changeType}</th>
            <th scope="col">${t.changeStatus}</th>
            <th scope="col"><span class="muted">${t.cancelScheduled}</span></th>
          </tr>
        </thead>
        <tbody>
          ${this.changes.map(
            (change) =>
              html`<tr>
                <td>${this.fmt.date(change.effectiveDate)}</td>
                <td>${change.type ?? ""} ${change.kind ? `(${change.kind})` : ""}</td>
                <td>${change.status}</td>
                <td>
                  ${
                    change.status === "scheduled" && this.isOwner
                      ? html`<button class="secondary" @click=${() => this.withdraw(change.id)}>
                          ${t.cancelScheduled}
                        </button>`
                      : nothing
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderInvoices() {
    const t = this.t.invoices;
    if (this.invoices.length === 0) return html`<p>${this.t.empty}</p>`;
    return html`<div class="table-wrap" tabindex="0">
      <table>
        <thead>
          <tr>
            <th scope="col">${t.number}</th>
            <th scope="col">${t.date}</th>
            <th scope="col">${t.status}</th>
            <th scope="col" class="num">${t.amount}</th>
          </tr>
        </thead>
        <tbody>
          ${this.invoices.map(
            (invoice) =>
              html`<tr>
                <td>
                  <a href=${href({ name: "invoices", id: invoice.id })}
                    >${invoice.number ?? invoice.id}</a
                  >
                </td>
                <td>${this.fmt.date(invoice.issueDate)}</td>
                <td>${t.statuses[invoice.status] ?? invoice.status}</td>
                <td class="num">${this.fmt.money(invoice.grossAmount, invoice.currency)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderCustomerCenter(c: Contract) {
    const t = this.t.contract;
    return html`<form @submit=${this.saveOffered}>
      <fieldset ?disabled=${!this.isOwner}>
        <legend>${t.offered}</legend>
        ${this.groupTemplates.map(
          (x) =>
            html`<label class="check"
              ><input
                type="checkbox"
                name="offered"
                value=${x.id}
                ?checked=${c.offeredTemplateIds.includes(x.id)}
              />
              ${x.name}</label
            >`,
        )}
        <p class="muted">${t.offeredHint}</p>
      </fieldset>
      ${this.renderOwnerSave()}
    </form>`;
  }
}
