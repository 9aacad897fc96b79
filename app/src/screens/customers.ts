// <tarif-customers>: customers with a search over name, e-mail and customer number (server
// side, paged), and the contracts — of everyone or of one customer — filtered by status.
import { html, nothing } from "lit";
import { query, type Page } from "../api.js";
import { href } from "../router.js";
import { Screen, formValues } from "../screen.js";
import type { Contract, ContractTemplate, Customer } from "../types.js";

export class TarifCustomers extends Screen {
  static override properties = {
    ...Screen.properties,
    customers: { state: true },
    nextCursor: { state: true },
    contracts: { state: true },
    templates: { state: true },
    selected: { state: true },
    status: { state: true },
  };
  declare customers: Customer[];
  declare nextCursor: string | null;
  declare contracts: Contract[];
  declare templates: Map<string, string>;
  declare selected: Customer | null;
  declare status: string;
  private search = "";

  constructor() {
    super();
    this.customers = [];
    this.nextCursor = null;
    this.contracts = [];
    this.templates = new Map();
    this.selected = null;
    this.status = "";
  }

  protected async load() {
    const [customers, templates] = await Promise.all([
      this.api.get<Page<Customer>>(`/customers${query({ limit: 100 })}`),
      this.api.get<Page<ContractTemplate>>("/contract-templates?limit=100"),
    ]);
    this.showCustomers(customers, false);
    this.templates = new Map(templates.data.map((t) => [t.id, t.name]));
    await this.loadContracts();
  }

  /** Shows a page of customers: the measured step of the 100-row budget. */
  showCustomers(page: Page<Customer>, append: boolean) {
    this.customers = append ? [...this.customers, ...page.data] : page.data;
    this.nextCursor = page.nextCursor;
  }

  private async find(event: SubmitEvent) {
    event.preventDefault();
    this.search = formValues(event.target as HTMLFormElement).q ?? "";
    await this.act(async () =>
      this.showCustomers(
        await this.api.get<Page<Customer>>(`/customers${query({ limit: 100, q: this.search })}`),
        false,
      ),
    );
  }

  private async more() {
    await this.act(async () =>
      this.showCustomers(
        await this.api.get<Page<Customer>>(
          `/customers${query({ limit: 100, q: this.search, cursor: this.nextCursor })}`,
        ),
        true,
      ),
    );
  }

  private async loadContracts() {
    const page = await this.api.get<Page<Contract>>(
      `/contracts${query({ limit: 100, customerId: this.selected?.id, status: this.status })}`,
    );
    this.contracts = page.data;
  }

  private async choose(customer: Customer | null) {
    this.selected = customer;
    await this.act(() => this.loadContracts());
  }

  private async filter(event: Event) {
    this.status = (event.target as HTMLSelectElement).value;
    await this.act(() => this.loadContracts());
  }

  private async createCustomer(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const v = formValues(form);
    const ok = await this.act(async () => {
      const customer = await this.api.post<Customer>("/customers", {
        name: v.name,
        ...(v.email ? { email: v.email } : {}),
        ...(v.externalRef ? { externalRef: v.externalRef } : {}),
      });
      this.customers = [...this.customers, customer];
      return this.t.saved;
    });
    if (ok) form.reset();
  }

  private async saveBilling(event: SubmitEvent, customer: Customer) {
    event.preventDefault();
    const f = formValues(event.target as HTMLFormElement);
    const optional = (text: string | undefined) => (text?.trim() ? text.trim() : null);
    const hasAddress = ["line1", "line2", "postalCode", "city"].some((key) =>
      optional(f[`billingAddress.${key}`]),
    );
    await this.act(async () => {
      const saved = await this.api.patch<Customer>(`/customers/${customer.id}`, {
        kind: f.kind,
        billingAddress: hasAddress
          ? {
              line1: f["billingAddress.line1"] ?? "",
              line2: optional(f["billingAddress.line2"]),
              postalCode: f["billingAddress.postalCode"] ?? "",
              city: f["billingAddress.city"] ?? "",
              country: (f["billingAddress.country"] ?? "").toUpperCase(),
            }
          : null,
        vatId: optional(f.vatId),
        buyerReference: optional(f.buyerReference),
      });
      this.customers = this.customers.map((c) => (c.id === saved.id ? saved : c));
      this.selected = saved;
      return this.t.saved;
    });
  }

  private renderBilling(c: Customer) {
    const t = this.t.billing;
    const ct = this.t.company;
    const a = c.billingAddress;
    return html`<section aria-labelledby="billing-heading">
      <h2 id="billing-heading">${t.edit(c.name)}</h2>
      <form @submit=${(e: SubmitEvent) => this.saveBilling(e, c)} novalidate>
        ${this.renderReadOnlyNote()}
        <label
          >${t.kind}
          <select name="kind" ?disabled=${!this.isOwner}>
            ${(["consumer", "business"] as const).map(
              (kind) =>
                html`<option value=${kind} ?selected=${(c.kind ?? "consumer") === kind}>
                  ${t.kinds[kind]}
                </option>`,
            )}
          </select></label
        >
        <div class="row">
          ${this.field("billingAddress.line1", ct.line1, a?.line1, { max: 100 })}
          ${this.field("billingAddress.line2", ct.line2, a?.line2, { max: 100 })}
          ${this.field("billingAddress.postalCode", ct.postalCode, a?.postalCode, { max: 16 })}
          ${this.field("billingAddress.city", ct.city, a?.city, { max: 60 })}
          ${this.field("billingAddress.country", ct.country, a?.country ?? "DE", { max: 2 })}
        </div>
        <div class="row">
          ${this.field("vatId", t.vatId, c.vatId, { max: 20 })}
          ${this.field("buyerReference", t.buyerReference, c.buyerReference, { max: 100 })}
        </div>
        <button type="submit" ?disabled=${this.busy || !this.isOwner}>${this.t.save}</button>
      </form>
    </section>`;
  }

  override render() {
    const t = this.t.customers;
    const customerName = new Map(this.customers.map((c) => [c.id, c.name]));
    return html`<h1>${this.t.nav.customers}</h1>
      ${this.renderLoading()} ${this.renderNotice()}
      <section aria-labelledby="customers-heading">
        <h2 id="customers-heading">${t.heading}</h2>
        <form role="search" @submit=${this.find}>
          <div class="row">
            <label>${t.search}<input name="q" type="search" /></label>
            <button type="submit">${this.t.search}</button>
          </div>
        </form>
        <div class="table-wrap" tabindex="0">
          <table>
            <thead>
              <tr>
                <th scope="col">${t.name}</th>
                <th scope="col">${t.email}</th>
                <th scope="col">${t.ref}</th>
                <th scope="col">${t.contracts}</th>
              </tr>
            </thead>
            <tbody>
              ${this.customers.map(
                (c) =>
                  html`<tr>
                    <td>${c.name}</td>
                    <td>${c.email ?? this.t.none}</td>
                    <td>${c.externalRef ?? this.t.none}</td>
                    <td>
                      <button
                        class="secondary"
                        aria-pressed=${this.selected?.id === c.id ? "true" : "false"}
                        @click=${() => this.choose(this.selected?.id === c.id ? null : c)}
                      >
                        ${t.contracts}<span class="skip-label"> · ${c.name}</span>
                      </button>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        ${
          this.nextCursor
            ? html`<button class="secondary" @click=${this.more}>${t.more}</button>`
            : nothing
        }
      </section>
      ${this.selected ? this.renderBilling(this.selected) : nothing}
      <section aria-labelledby="contracts-heading">
        <h2 id="contracts-heading">
          ${t.contracts}${this.selected ? html` · ${this.selected.name}` : nothing}
        </h2>
        <label
          >${t.status}
          <select @change=${this.filter}>
            <option value="">${this.t.invoices.all}</option>
            ${Object.entries(t.statuses).map(
              ([value, label]) =>
                html`<option value=${value} ?selected=${this.status === value}>${label}</option>`,
            )}
          </select></label
        >
        ${
          this.contracts.length === 0
            ? html`<p>${this.t.empty}</p>`
            : html`<div class="table-wrap" tabindex="0">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">${t.name}</th>
                      <th scope="col">${t.tariff}</th>
                      <th scope="col">${t.status}</th>
                      <th scope="col">${t.startDate}</th>
                      <th scope="col"><span class="muted">${t.open}</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    ${this.contracts.map(
                      (contract) =>
                        html`<tr>
                          <td>${customerName.get(contract.customerId) ?? contract.customerId}</td>
                          <td>${this.templates.get(contract.templateId) ?? contract.templateId}</td>
                          <td>${t.statuses[contract.status]}</td>
                          <td>${this.fmt.date(contract.startDate)}</td>
                          <td>
                            <a href=${href({ name: "contract", id: contract.id })}
                              >${t.open}<span class="skip-label">
                                · ${customerName.get(contract.customerId) ?? ""}
                                ${this.templates.get(contract.templateId) ?? ""}</span
                              ></a
                            >
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
      </section>
      ${
        this.isOwner
          ? html`<section aria-labelledby="new-customer">
              <h2 id="new-customer">${t.newCustomer}</h2>
              <form @submit=${this.createCustomer}>
                <div class="row">
                  <label>${t.name}<input name="name" required /></label>
                  <label>${t.email}<input name="email" type="email" /></label>
                  <label>${t.ref}<input name="externalRef" /></label>
                  <button type="submit" ?disabled=${this.busy}>${this.t.create}</button>
                </div>
              </form>
            </section>`
          : nothing
      }`;
  }
}
