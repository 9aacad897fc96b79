// <tarif-start>: what needs the merchant's attention — payments to review, returned debits,
// disabled webhook endpoints, bank connections whose consent must be renewed or whose sync
// failed, and when each bank connection was last synced.
import { html, nothing } from "lit";
import { ApiError, type Page } from "../api.js";
import { Screen } from "../screen.js";
import type { BankConnection, BankTransaction } from "../types.js";

interface Endpoint {
  id: string;
  status: string;
}

/** finAPI's codes for a connection only the account holder can repair at their bank. */
const CONSENT_CODES = /CONSENT|WEB_FORM_REQUIRED|UPDATE_REQUIRED|LOGIN|SCA/i;

export class TarifStart extends Screen {
  static override properties = {
    ...Screen.properties,
    review: { state: true },
    returns: { state: true },
    endpoints: { state: true },
    connections: { state: true },
  };
  declare review: Page<BankTransaction> | undefined;
  declare returns: Page<BankTransaction> | undefined;
  declare endpoints: Endpoint[];
  declare connections: BankConnection[];

  constructor() {
    super();
    this.endpoints = [];
    this.connections = [];
  }

  protected async load() {
    const notSetUp = (error: unknown) => {
      if (error instanceof ApiError && [404, 422].includes(error.problem.status))
        return { data: [], nextCursor: null };
      throw error;
    };
    const [review, returns, endpoints, connections] = await Promise.all([
      this.api.get<Page<BankTransaction>>("/bank-transactions?status=review&limit=100"),
      this.api.get<Page<BankTransaction>>("/bank-transactions?status=return&limit=100"),
      this.api.get<Page<Endpoint>>("/webhook-endpoints?limit=100"),
      this.api.get<Page<BankConnection>>("/finapi/bank-connections?limit=100").catch(notSetUp),
    ]);
    this.review = review;
    this.returns = returns;
    this.endpoints = endpoints.data;
    this.connections = connections.data;
  }

  private count(page: Page<unknown> | undefined): number {
    return page?.data.length ?? 0;
  }

  override render() {
    const t = this.t.start;
    const disabled = this.endpoints.filter((e) => e.status !== "enabled").length;
    const items = [
      this.count(this.review) > 0
        ? html`<li><a href="#/payments">${t.review(this.count(this.review))}</a></li>`
        : nothing,
      this.count(this.returns) > 0
        ? html`<li>${t.returns(this.count(this.returns))}</li>`
        : nothing,
      disabled > 0 ? html`<li>${t.failedWebhooks(disabled)}</li>` : nothing,
      ...this.connections.flatMap((c) => {
        const bank = c.bankName ?? c.id;
        const error = c.sync.error ?? c.error;
        if (error && CONSENT_CODES.test(error.code))
          return [html`<li><a href="#/payments">${t.consent(bank)}</a></li>`];
        if (c.sync.status === "failed")
          return [html`<li>${t.syncFailed(bank, error?.message ?? error?.code ?? "")}</li>`];
        return [];
      }),
    ].filter((item) => item !== nothing);
    return html`<h1>${t.heading}</h1>
      ${this.renderLoading()} ${this.renderNotice()}
      ${
        this.loaded
          ? html`<ul>
              ${items.length ? items : html`<li>${t.allClear}</li>`}
            </ul>`
          : nothing
      }
      <h2>${this.t.payments.lastSync}</h2>
      <ul>
        ${
          this.connections.length === 0
            ? html`<li>${t.neverSynced}</li>`
            : this.connections.map(
                (c) =>
                  html`<li>
                    ${t.lastSync(
                      c.bankName ?? c.id,
                      c.sync.lastSyncAt
                        ? new Date(c.sync.lastSyncAt).toLocaleString(this.locale)
                        : this.t.none,
                    )}
                  </li>`,
              )
        }
      </ul>`;
  }
}
