// <tarif-payments>: Zahlungseingänge — finAPI access (credentials, the finAPI user), bank
// connections added through finAPI's web form with status, accounts and last sync, "sync now",
// the bank transactions by status, and the review queue: each line with its ranked candidates,
// assign to one or several invoices with the remainder as credit or ignored, ignore, undo, and
// bulk actions over the selected lines.
import { html, nothing } from "lit";
import { ApiError, query, type Page } from "../api.js";
import { Screen, formValues } from "../screen.js";
import type { BankConnection, BankTransaction, InvoiceListEntry } from "../types.js";

interface FinapiSettings {
  clientId: string;
  environment: string;
  user: { id: string } | null;
}

interface RunResult {
  imported: number;
  matched: number;
  toReview: number;
}

interface BulkAnswer {
  succeeded: number;
  failed: number;
}

/** How many ids `GET /api/v1/invoices?ids=` takes at once. */
const MAX_INVOICE_IDS = 90;
export class TarifPayments extends Screen {
  static override properties = {
    ...Screen.properties,
    settings: { state: true },
    connections: { state: true },
    transactions: { state: true },
    status: { state: true },
    invoices: { state: true },
    selected: { state: true },
  };
  declare settings: FinapiSettings | null;
  declare connections: BankConnection[];
  declare transactions: BankTransaction[];
  declare status: string;
  declare invoices: Map<string, InvoiceListEntry>;
  declare selected: Set<string>;

  constructor() {
    super();
    this.settings = null;
    this.connections = [];
    this.transactions = [];
    this.status = "review";
    this.invoices = new Map();
    this.selected = new Set();
  }

  protected async load() {
    this.settings = await this.api.get<FinapiSettings>("/finapi/settings").catch((error) => {
      if (error instanceof ApiError && error.problem.status === 404) return null;
      throw error;
    });
    if (this.settings?.user)
      this.connections = (
        await this.api.get<Page<BankConnection>>("/finapi/bank-connections")
      ).data;
    await this.loadTransactions();
  }

  private async loadTransactions() {
    const page = await this.api.get<Page<BankTransaction>>(
      `/bank-transactions${query({ limit: 100, status: this.status })}`,
    );
    // The candidates' invoices first, so each suggestion shows number and what is still open.
    const ids = [
      ...new Set(
        page.data.flatMap((tx) => [
          ...(tx.review?.candidates.map((c) => c.invoiceId) ?? []),
          ...tx.invoiceIds,
        ]),
      ),
    ].filter((id) => !this.invoices.has(id));
    // One request per 90 ids (the API's cap on `ids`), not one per invoice.
    const loaded: InvoiceListEntry[] = [];
    for (let at = 0; at < ids.length; at += MAX_INVOICE_IDS) {
      const chunk = ids.slice(at, at + MAX_INVOICE_IDS);
      const page = await this.api.get<Page<InvoiceListEntry>>(
        `/invoices${query({ ids: chunk.join(","), limit: 100 })}`,
      );
      loaded.push(...page.data);
    }
    this.invoices = new Map([...this.invoices, ...loaded.map((i) => [i.id, i] as const)]);
    this.transactions = page.data;
    this.selected = new Set();
  }

  private async saveCredentials(event: SubmitEvent) {
    event.preventDefault();
    const v = formValues(event.target as HTMLFormElement);
    await this.act(async () => {
      const body = v.baseUrl
        ? { clientId: v.clientId, clientSecret: v.clientSecret, baseUrl: v.baseUrl }
        : { clientId: v.clientId, clientSecret: v.clientSecret, environment: v.environment };
      this.settings = await this.api.put<FinapiSettings>("/finapi/settings", body);
      return this.t.payments.credentialsSaved(this.settings.environment);
    });
  }

  private async createUser() {
    await this.act(async () => {
      await this.api.post("/finapi/user", {});
      await this.load();
      return this.t.payments.userExists;
    });
  }

  private async addConnection(event: SubmitEvent) {
    event.preventDefault();
    const { bankSearch } = formValues(event.target as HTMLFormElement);
    await this.act(async () => {
      await this.api.post("/finapi/bank-connections", bankSearch ? { bankSearch } : {});
      this.connections = (
        await this.api.get<Page<BankConnection>>("/finapi/bank-connections")
      ).data;
      return this.t.payments.formHint;
    });
  }

  private async refreshConnections() {
    await this.act(async () => {
      this.connections = (
        await this.api.get<Page<BankConnection>>("/finapi/bank-connections")
      ).data;
    });
  }

  private async sync() {
    await this.act(async () => {
      const result = await this.api.post<RunResult>("/reconciliation/runs", {});
      await this.load();
      return this.t.payments.syncResult(result.imported, result.matched, result.toReview);
    });
  }

  private async filter(event: Event) {
    this.status = (event.target as HTMLSelectElement).value;
    await this.act(() => this.loadTransactions());
  }

  private async assign(event: SubmitEvent, tx: BankTransaction) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const invoiceIds = new FormData(form).getAll("invoiceIds").map(String);
    const { remainder } = formValues(form);
    await this.act(async () => {
      await this.api.post(`/bank-transactions/${tx.id}/assign`, {
        invoiceIds,
        ...(remainder && remainder !== "none" ? { remainder } : {}),
      });
      await this.loadTransactions();
      return this.t.saved;
    });
  }

  private async decide(tx: BankTransaction, action: "ignore" | "undo") {
    await this.act(async () => {
      if (action === "undo") await this.api.post(`/bank-transactions/${tx.id}/undo`, {});
      else
        await this.api.post(`/bank-transactions/${tx.id}/assign`, {
          invoiceIds: [],
          remainder: "ignore",
        });
      await this.loadTransactions();
      return this.t.saved;
    });
  }

  private async bulk(action: "ignore" | "undo" | "assign_top_candidate") {
    const transactionIds = [...this.selected];
    await this.act(async () => {
      const answer = await this.api.post<BulkAnswer>("/bank-transactions/bulk", {
        transactionIds,
        action,
      });
      await this.loadTransactions();
      return this.t.payments.bulkResult(answer.succeeded, answer.failed);
    });
  }

  private toggle(id: string, on: boolean) {
    const next = new Set(this.selected);
    if (on) next.add(id);
    else next.delete(id);
    this.selected = next;
  }

  override render() {
    const t = this.t.payments;
    return html`<h1>${t.heading}</h1>
      ${this.renderLoading()} ${this.renderNotice()} ${this.isOwner ? this.renderFinapi() : nothing}
      ${this.renderConnections()}
      <section aria-labelledby="tx-heading">
        <h2 id="tx-heading">${t.transactions}</h2>
        <label
          >${t.filter}
          <select @change=${this.filter}>
            <option value="">${this.t.invoices.all}</option>
            ${Object.entries(t.statuses).map(
              ([value, label]) =>
                html`<option value=${value} ?selected=${this.status === value}>${label}</option>`,
            )}
          </select></label
        >
        ${this.canBook && this.transactions.length > 0 ? this.renderBulk() : nothing}
        ${
          this.transactions.length === 0
            ? html`<p>${this.t.empty}</p>`
            : html`<ul class="lines">
                ${this.transactions.map((tx) => this.renderTransaction(tx))}
              </ul>`
        }
      </section>`;
  }

  private renderFinapi() {
    const t = this.t.payments;
    const s = this.settings;
    return html`<section aria-labelledby="finapi-heading">
      <h2 id="finapi-heading">${t.finapi}</h2>
      <form @submit=${this.saveCredentials}>
        <div class="row">
          <label>${t.clientId}<input name="clientId" required .value=${s?.clientId ?? ""} /></label>
          <label
            >${t.clientSecret}<input
              name="clientSecret"
              type="password"
              autocomplete="off"
              required
          /></label>
          <label
            >${t.environment}
            <select name="environment">
              <option value="sandbox" ?selected=${s?.environment === "sandbox"}>Sandbox</option>
              <option value="live" ?selected=${s?.environment === "live"}>Live</option>
            </select></label
          >
        </div>
        <details>
          <summary>finAPI URL (${this.t.payments.environment})</summary>
          <label
            >URL<input name="baseUrl" type="url" placeholder="https://sandbox.finapi.io"
          /></label>
        </details>
        <div><button type="submit" ?disabled=${this.busy}>${this.t.save}</button></div>
      </form>
      <h3>${t.user}</h3>
      ${
        s?.user
          ? html`<p>${t.userExists}</p>`
          : html`<button @click=${this.createUser} ?disabled=${this.busy || !s}>
              ${t.createUser}
            </button>`
      }
    </section>`;
  }

  private renderConnections() {
    const t = this.t.payments;
    if (!this.settings?.user) return nothing;
    return html`<section aria-labelledby="connections-heading">
      <h2 id="connections-heading">${t.connections}</h2>
      <div class="table-wrap" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">Bank</th>
              <th scope="col">${this.t.customers.status}</th>
              <th scope="col">${t.accounts}</th>
              <th scope="col">${t.lastSync}</th>
            </tr>
          </thead>
          <tbody>
            ${this.connections.map(
              (connection) =>
                html`<tr>
                  <td>${connection.bankName ?? this.t.none}</td>
                  <td>
                    ${connection.status}
                    ${
                      connection.url
                        ? html`<a
                            class="button"
                            href=${connection.url}
                            target="_blank"
                            rel="noopener"
                            >${t.openForm}</a
                          >`
                        : nothing
                    }
                    ${
                      connection.sync.error
                        ? html`<br /><span class="muted">${connection.sync.error.message}</span>`
                        : nothing
                    }
                  </td>
                  <td>
                    ${connection.accounts.map((a) => a.iban ?? a.name).join(", ") || this.t.none}
                  </td>
                  <td>
                    ${
                      connection.sync.lastSyncAt
                        ? new Date(connection.sync.lastSyncAt).toLocaleString(this.locale)
                        : this.t.none
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <div class="row">
        ${
          this.canBook
            ? html`<form @submit=${this.addConnection}>
                <div class="row">
                  <label>${t.bankSearch}<input name="bankSearch" /></label>
                  <button type="submit" ?disabled=${this.busy}>${t.addConnection}</button>
                </div>
              </form>`
            : nothing
        }
        <button class="secondary" @click=${this.refreshConnections}>${t.refresh}</button>
        ${
          this.canBook
            ? html`<button @click=${this.sync} ?disabled=${this.busy}>${t.syncNow}</button>`
            : nothing
        }
      </div>
    </section>`;
  }

  private renderBulk() {
    const t = this.t.payments;
    const all = this.transactions.every((tx) => this.selected.has(tx.id));
    const none = this.selected.size === 0;
    return html`<div class="row" role="group" aria-label=${t.bulk(this.selected.size)}>
      <label class="check"
        ><input
          type="checkbox"
          .checked=${all}
          @change=${(e: Event) =>
            (this.selected = (e.target as HTMLInputElement).checked
              ? new Set(this.transactions.map((tx) => tx.id))
              : new Set())}
        />
        ${t.selectAll}</label
      >
      <span>${t.bulk(this.selected.size)}</span>
      <button
        class="secondary"
        ?disabled=${none || this.busy}
        @click=${() => this.bulk("assign_top_candidate")}
      >
        ${t.bulkAssign}
      </button>
      <button class="secondary" ?disabled=${none || this.busy} @click=${() => this.bulk("ignore")}>
        ${t.bulkIgnore}
      </button>
      <button class="secondary" ?disabled=${none || this.busy} @click=${() => this.bulk("undo")}>
        ${t.bulkUndo}
      </button>
    </div>`;
  }

  private renderTransaction(tx: BankTransaction) {
    const t = this.t.payments;
    const currency = tx.currency ?? "EUR";
    const label = `${tx.counterpartName ?? ""} ${tx.amount !== null ? this.fmt.money(tx.amount, currency) : ""}`;
    const decided = ["matched", "partially_matched", "ignored"].includes(tx.status);
    return html`<li class="line">
      <div class="row">
        ${
          this.canBook
            ? html`<input
                type="checkbox"
                aria-label=${t.select(label)}
                .checked=${this.selected.has(tx.id)}
                @change=${(e: Event) => this.toggle(tx.id, (e.target as HTMLInputElement).checked)}
              />`
            : nothing
        }
        <strong>${tx.amount !== null ? this.fmt.money(tx.amount, currency) : this.t.none}</strong>
        <span>${tx.bookingDate ? this.fmt.date(tx.bookingDate) : ""}</span>
        <span>${tx.counterpartName ?? this.t.none}</span>
        <span class="badge">${t.statuses[tx.status] ?? tx.status}</span>
      </div>
      <p class="muted">${tx.purpose ?? ""}</p>
      ${
        tx.invoiceIds.length
          ? html`<p>
              ${tx.invoiceIds.map((id) => this.invoices.get(id)?.number ?? id).join(", ")}
            </p>`
          : nothing
      }
      ${tx.status === "review" && this.canBook ? this.renderReview(tx) : nothing}
      ${
        decided && this.canBook
          ? html`<button
              class="secondary"
              @click=${() => this.decide(tx, "undo")}
              ?disabled=${this.busy}
            >
              ${t.undo}
            </button>`
          : nothing
      }
    </li>`;
  }

  private renderReview(tx: BankTransaction) {
    const t = this.t.payments;
    const candidates = tx.review?.candidates ?? [];
    return html`<form @submit=${(e: SubmitEvent) => this.assign(e, tx)}>
      <fieldset>
        <legend>${t.candidates}</legend>
        ${candidates.map((candidate) => {
          const invoice = this.invoices.get(candidate.invoiceId);
          return html`<label class="check"
            ><input type="checkbox" name="invoiceIds" value=${candidate.invoiceId} />
            ${invoice?.number ?? candidate.invoiceId}
            ${invoice ? this.fmt.money(invoice.grossAmount - invoice.amountPaid, invoice.currency) : ""}
            · ${t.score(candidate.score)}</label
          >`;
        })}
        <label
          >${t.remainder}
          <select name="remainder">
            ${Object.entries(t.remainders).map(([value, text]) => html`<option value=${value}>${text}</option>`)}
          </select></label
        >
      </fieldset>
      <div class="row">
        <button type="submit" ?disabled=${this.busy}>${t.assign}</button>
        <button
          type="button"
          class="secondary"
          ?disabled=${this.busy}
          @click=${() => this.decide(tx, "ignore")}
        >
          ${t.ignore}
        </button>
      </div>
    </form>`;
  }
}
