// <tarif-invoices>: invoices filtered by status and kind, and one invoice with its lines, the
// payments booked on it and its returned debits.
import { html, nothing, type PropertyValues } from "lit";
import { query, type Page } from "../api.js";
import { href } from "../router.js";
import { Screen } from "../screen.js";
import type { Invoice, InvoiceListEntry } from "../types.js";

export class TarifInvoices extends Screen {
  static override properties = {
    ...Screen.properties,
    invoiceId: { attribute: "invoice-id" },
    invoices: { state: true },
    invoice: { state: true },
    status: { state: true },
    kind: { state: true },
  };
  declare invoiceId: string;
  declare invoices: InvoiceListEntry[];
  declare invoice: Invoice | undefined;
  declare status: string;
  declare kind: string;

  constructor() {
    super();
    this.invoiceId = "";
    this.invoices = [];
    this.status = "";
    this.kind = "";
  }

  protected async load() {
    const page = await this.api.get<Page<InvoiceListEntry>>(
      `/invoices${query({ limit: 100, status: this.status, kind: this.kind })}`,
    );
    this.invoices = page.data;
    this.invoice = this.invoiceId
      ? await this.api.get<Invoice>(`/invoices/${this.invoiceId}`)
      : undefined;
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has("invoiceId") && changed.get("invoiceId") !== undefined) void this.reload();
  }

  private async filter(event: Event, which: "status" | "kind") {
    this[which] = (event.target as HTMLSelectElement).value;
    await this.act(() => this.load());
  }

  override render() {
    const t = this.t.invoices;
    return html`<h1>${t.heading}</h1>
      ${this.renderLoading()} ${this.renderNotice()}
      ${this.invoice ? this.renderDetail(this.invoice) : nothing}
      <div class="row">
        <label
          >${t.status}
          <select @change=${(e: Event) => this.filter(e, "status")}>
            <option value="">${t.all}</option>
            ${Object.entries(t.statuses).map(([v, label]) => html`<option value=${v}>${label}</option>`)}
          </select></label
        >
        <label
          >${t.kind}
          <select @change=${(e: Event) => this.filter(e, "kind")}>
            <option value="">${t.all}</option>
            ${Object.entries(t.kinds).map(([v, label]) => html`<option value=${v}>${label}</option>`)}
          </select></label
        >
      </div>
      ${
        this.invoices.length === 0
          ? html`<p>${this.t.empty}</p>`
          : html`<div class="table-wrap" tabindex="0">
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t.number}</th>
                    <th scope="col">${t.kind}</th>
                    <th scope="col">${t.date}</th>
                    <th scope="col">${t.due}</th>
                    <th scope="col">${t.status}</th>
                    <th scope="col" class="num">${t.amount}</th>
                    <th scope="col" class="num">${t.paid}</th>
                  </tr>
                </thead>
                <tbody>
                  ${this.invoices.map(
                    (i) =>
                      html`<tr>
                        <td>
                          <a href=${href({ name: "invoices", id: i.id })}>${i.number ?? i.id}</a>
                        </td>
                        <td>${t.kinds[i.kind]}</td>
                        <td>${this.fmt.date(i.issueDate)}</td>
                        <td>${this.fmt.date(i.dueDate)}</td>
                        <td>${t.statuses[i.status] ?? i.status}</td>
                        <td class="num">${this.fmt.money(i.grossAmount, i.currency)}</td>
                        <td class="num">${this.fmt.money(i.amountPaid, i.currency)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }`;
  }

  private renderDetail(i: Invoice) {
    const t = this.t.invoices;
    return html`<section aria-labelledby="invoice-heading">
      <h2 id="invoice-heading">${t.kinds[i.kind]} ${i.number ?? i.id}</h2>
      <dl class="facts">
        <dt>${t.status}</dt>
        <dd>${t.statuses[i.status] ?? i.status}</dd>
        <dt>${t.amount}</dt>
        <dd>${this.fmt.money(i.grossAmount, i.currency)}</dd>
        <dt>${t.paid}</dt>
        <dd>${this.fmt.money(i.amountPaid, i.currency)}</dd>
      </dl>
      ${this.renderDocuments(i)} ${this.renderDunning(i)}
      <h3>${t.lines}</h3>
      <div class="table-wrap" tabindex="0">
        <table>
          <tbody>
            ${(i.lines ?? []).map(
              (line) =>
                html`<tr>
                  <td>${line.description}</td>
                  <td class="num">${line.quantity}</td>
                  <td class="num">${this.fmt.money(line.netAmount, i.currency)}</td>
                  <td class="num">${this.fmt.percent(line.taxRate)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <h3>${t.payments}</h3>
      ${
        i.payments?.length
          ? html`<ul>
              ${i.payments.map(
                (p) =>
                  html`<li>
                    ${p.date ? this.fmt.date(p.date) : this.t.none}:
                    ${this.fmt.money(p.amount, i.currency)} (${t.rule}
                    ${p.rule})${p.reversed ? " ↺" : ""}
                  </li>`,
              )}
            </ul>`
          : html`<p>${this.t.none}</p>`
      }
      <h3>${t.returns}</h3>
      ${
        i.returns?.length
          ? html`<ul>
              ${i.returns.map(
                (r) =>
                  html`<li>
                    ${r.date ? this.fmt.date(r.date) : this.t.none}:
                    ${this.fmt.money(r.amount, i.currency)}, ${t.reason}
                    ${r.reasonCode ?? this.t.none}, ${t.fee} ${this.fmt.money(r.fee, i.currency)}
                  </li>`,
              )}
            </ul>`
          : html`<p>${this.t.none}</p>`
      }
    </section>`;
  }

  /** Same-origin links: the session cookie (Path=/api/v1) authenticates these GETs. */
  private renderDocuments(i: Invoice) {
    const t = this.t.documents;
    const name = i.number ?? i.id;
    return html`<h3>${t.heading}</h3>
      ${
        i.documents
          ? html`<p class="row">
              <a class="button" href=${i.documents.pdf} download=${`${name}.pdf`}>${t.pdf}</a>
              <a class="button" href=${i.documents.xml} download=${`${name}.xml`}>${t.xml}</a>
            </p>`
          : html`<p class="muted">${t.none}</p>`
      }`;
  }

  private renderDunning(i: Invoice) {
    const t = this.t.documents;
    if (!i.dunningHistory?.length) return nothing;
    const money = (cents: number) => this.fmt.money(cents, i.currency);
    return html`<h3>${t.dunning}</h3>
      <p>${t.level}: <strong>${t.levels[i.dunningLevel ?? ""] ?? i.dunningLevel}</strong></p>
      <div class="table-wrap" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">${t.stage}</th>
              <th scope="col">${t.reachedOn}</th>
              <th scope="col" class="num">${t.open}</th>
              <th scope="col" class="num">${t.fee}</th>
              <th scope="col" class="num">${t.interest}</th>
              <th scope="col" class="num">${t.flatFee}</th>
              <th scope="col" class="num">${t.total}</th>
            </tr>
          </thead>
          <tbody>
            ${i.dunningHistory.map(
              (d) =>
                html`<tr>
                  <td>${t.levels[d.level] ?? d.level}</td>
                  <td>${this.fmt.date(d.reachedOn)}</td>
                  <td class="num">${money(d.openAmount)}</td>
                  <td class="num">${money(d.fee)}</td>
                  <td class="num">${money(d.interest)}</td>
                  <td class="num">${money(d.flatFee)}</td>
                  <td class="num">${money(d.total)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
  }
}
