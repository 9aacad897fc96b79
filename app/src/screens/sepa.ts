// <tarif-sepa>: SEPA direct debit — the creditor settings, one customer's mandate, collection
// runs (create for a date, see the items, download the pain.008 file, cancel) and the returned
// debits.
import { html, nothing } from "lit";
import { ApiError, type Page } from "../api.js";
import { Screen, formValues } from "../screen.js";
import type { BankTransaction, Customer } from "../types.js";

interface Creditor {
  creditorName: string;
  iban: string;
  bic: string | null;
  creditorId: string;
}

interface Mandate {
  reference: string;
  signatureDate: string;
  iban: string;
  status: string;
  sequenceType: string;
}

interface Run {
  id: string;
  status: string;
  collectionDate: string;
  numberOfTransactions: number;
  controlSum: number;
  currency: string;
  items?: {
    id: string;
    invoiceNumber: string;
    amount: number;
    mandateReference: string;
    status: string;
  }[];
}

const orNull = (error: unknown) => {
  if (error instanceof ApiError && error.problem.status === 404) return null;
  throw error;
};

export class TarifSepa extends Screen {
  static override properties = {
    ...Screen.properties,
    creditor: { state: true },
    runs: { state: true },
    run: { state: true },
    customers: { state: true },
    customerId: { state: true },
    mandate: { state: true },
    returns: { state: true },
  };
  declare creditor: Creditor | null;
  declare runs: Run[];
  declare run: Run | null;
  declare customers: Customer[];
  declare customerId: string;
  declare mandate: Mandate | null;
  declare returns: BankTransaction[];

  constructor() {
    super();
    this.creditor = null;
    this.runs = [];
    this.run = null;
    this.customers = [];
    this.customerId = "";
    this.mandate = null;
    this.returns = [];
  }

  protected async load() {
    const [creditor, runs, customers, returns] = await Promise.all([
      this.api.get<Creditor>("/settings/creditor").catch(orNull),
      this.api.get<Page<Run>>("/collection-runs?limit=50"),
      this.api.get<Page<Customer>>("/customers?limit=100"),
      this.api.get<Page<BankTransaction>>("/bank-transactions?status=return&limit=50"),
    ]);
    this.creditor = creditor;
    this.runs = runs.data;
    this.customers = customers.data;
    this.returns = returns.data;
  }

  private async saveCreditor(event: SubmitEvent) {
    event.preventDefault();
    const v = formValues(event.target as HTMLFormElement);
    await this.act(async () => {
      this.creditor = await this.api.put<Creditor>("/settings/creditor", {
        creditorName: v.creditorName,
        iban: v.iban,
        creditorId: v.creditorId,
        ...(v.bic ? { bic: v.bic } : {}),
      });
      return this.t.saved;
    });
  }

  private async chooseCustomer(event: Event) {
    this.customerId = (event.target as HTMLSelectElement).value;
    await this.act(async () => {
      this.mandate = this.customerId
        ? await this.api.get<Mandate>(`/customers/${this.customerId}/mandate`).catch(orNull)
        : null;
    });
  }

  private async saveMandate(event: SubmitEvent) {
    event.preventDefault();
    const v = formValues(event.target as HTMLFormElement);
    await this.act(async () => {
      this.mandate = await this.api.put<Mandate>(`/customers/${this.customerId}/mandate`, {
        reference: v.reference,
        signatureDate: v.signatureDate,
        iban: v.iban,
      });
      return this.t.saved;
    });
  }

  private async createRun(event: SubmitEvent) {
    event.preventDefault();
    const { collectionDate } = formValues(event.target as HTMLFormElement);
    await this.act(async () => {
      this.run = await this.api.post<Run>("/collection-runs", { collectionDate });
      await this.load();
      return this.t.saved;
    });
  }

  private async openRun(run: Run) {
    await this.act(async () => {
      this.run = await this.api.get<Run>(`/collection-runs/${run.id}`);
    });
  }

  private async cancelRun(run: Run) {
    await this.act(async () => {
      this.run = await this.api.post<Run>(`/collection-runs/${run.id}/cancel`, {});
      await this.load();
      return this.t.saved;
    });
  }

  override render() {
    const t = this.t.sepa;
    return html`<h1>${t.heading}</h1>
      ${this.renderLoading()} ${this.renderNotice()} ${this.renderCreditor()}
      ${this.renderMandate()} ${this.renderRuns()}
      <section aria-labelledby="returns-heading">
        <h2 id="returns-heading">${this.t.invoices.returns}</h2>
        ${
          this.returns.length === 0
            ? html`<p>${this.t.empty}</p>`
            : html`<ul>
                ${this.returns.map(
                  (r) =>
                    html`<li>
                      ${r.bookingDate ? this.fmt.date(r.bookingDate) : ""}
                      ${r.amount !== null ? this.fmt.money(r.amount, r.currency ?? "EUR") : ""}
                      ${r.counterpartName ?? ""} — ${r.statusReason ?? r.purpose ?? ""}
                    </li>`,
                )}
              </ul>`
        }
      </section>`;
  }

  private renderCreditor() {
    const t = this.t.sepa;
    const c = this.creditor;
    return html`<section aria-labelledby="creditor-heading">
      <h2 id="creditor-heading">${t.creditor}</h2>
      <form @submit=${this.saveCreditor}>
        <fieldset ?disabled=${!this.isOwner}>
          <legend>${t.creditor}</legend>
          <label
            >${t.creditorName}<input name="creditorName" required .value=${c?.creditorName ?? ""}
          /></label>
          <label
            >IBAN<input name="iban" required placeholder=${c?.iban ?? ""} autocomplete="off"
          /></label>
          <label>BIC<input name="bic" .value=${c?.bic ?? ""} /></label>
          <label
            >${t.creditorId}<input name="creditorId" required .value=${c?.creditorId ?? ""}
          /></label>
        </fieldset>
        ${this.isOwner ? html`<div><button type="submit" ?disabled=${this.busy}>${this.t.save}</button></div>` : nothing}
      </form>
    </section>`;
  }

  private renderMandate() {
    const t = this.t.sepa;
    const m = this.mandate;
    return html`<section aria-labelledby="mandate-heading">
      <h2 id="mandate-heading">${t.mandates}</h2>
      <label
        >${this.t.customers.heading}
        <select @change=${this.chooseCustomer}>
          <option value="">—</option>
          ${this.customers.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
        </select></label
      >
      ${
        this.customerId
          ? html`${
              m
                ? html`<p>${m.reference} · ${m.iban} · ${m.status} · ${m.sequenceType}</p>`
                : html`<p>${t.noMandate}</p>`
            }
            ${
              this.canBook
                ? html`<form @submit=${this.saveMandate}>
                    <div class="row">
                      <label
                        >${t.reference}<input
                          name="reference"
                          required
                          .value=${m?.reference ?? ""}
                      /></label>
                      <label
                        >${t.signatureDate}<input
                          name="signatureDate"
                          type="date"
                          required
                          .value=${m?.signatureDate ?? ""}
                      /></label>
                      <label>IBAN<input name="iban" required autocomplete="off" /></label>
                      <button type="submit" ?disabled=${this.busy}>${this.t.save}</button>
                    </div>
                  </form>`
                : nothing
            }`
          : nothing
      }
    </section>`;
  }

  private renderRuns() {
    const t = this.t.sepa;
    const run = this.run;
    return html`<section aria-labelledby="runs-heading">
      <h2 id="runs-heading">${t.runs}</h2>
      ${
        this.canBook
          ? html`<form @submit=${this.createRun}>
              <div class="row">
                <label
                  >${t.collectionDate}<input name="collectionDate" type="date" required
                /></label>
                <button type="submit" ?disabled=${this.busy}>${t.createRun}</button>
              </div>
            </form>`
          : nothing
      }
      <div class="table-wrap" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">${t.collectionDate}</th>
              <th scope="col">${this.t.customers.status}</th>
              <th scope="col" class="num">${t.count}</th>
              <th scope="col" class="num">${this.t.invoices.amount}</th>
              <th scope="col"><span class="muted">${this.t.customers.open}</span></th>
            </tr>
          </thead>
          <tbody>
            ${this.runs.map(
              (r) =>
                html`<tr>
                  <td>${this.fmt.date(r.collectionDate)}</td>
                  <td>${r.status}</td>
                  <td class="num">${r.numberOfTransactions}</td>
                  <td class="num">${this.fmt.money(r.controlSum, r.currency)}</td>
                  <td>
                    <button class="secondary" @click=${() => this.openRun(r)}>
                      ${this.t.customers.open}<span class="skip-label"> · ${r.collectionDate}</span>
                    </button>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${
        run
          ? html`<h3>${t.run(this.fmt.date(run.collectionDate))}</h3>
              <ul>
                ${(run.items ?? []).map(
                  (item) =>
                    html`<li>
                      ${item.invoiceNumber} · ${item.mandateReference} ·
                      ${this.fmt.money(item.amount, run.currency)} · ${item.status}
                    </li>`,
                )}
              </ul>
              <div class="row">
                <a
                  class="button"
                  href=${`${this.api.base}/api/v1/collection-runs/${run.id}/pain008.xml`}
                  download
                  >${t.download}</a
                >
                ${
                  this.canBook && run.status === "open"
                    ? html`<button
                        class="secondary"
                        @click=${() => this.cancelRun(run)}
                        ?disabled=${this.busy}
                      >
                        ${t.cancelRun}
                      </button>`
                    : nothing
                }
              </div>`
          : nothing
      }
    </section>`;
  }
}
