// The customer's invoice list (regular, interim invoices, credit notes), paged with "load more",
// each with a link to its PDF as stored at issue. A table where there is room; in a narrow
// widget each invoice becomes a labelled block (CSS).
import { html, nothing, type TemplateResult } from "lit";
import type { PortalInvoice } from "../portal-api.js";
import { heading, type ViewBase } from "./shared.js";

export interface InvoicesState {
  items: PortalInvoice[];
  nextCursor: string | null;
  /** At least one page arrived: before that the view shows the loading state, not "empty". */
  loaded: boolean;
}

export interface InvoicesProps extends ViewBase {
  invoices: InvoicesState;
  onMore(): void;
  /** Fetches the PDF with the session token and hands it to the browser as a download. */
  onDownload(invoice: PortalInvoice): void;
  /** The absolute URL of a `pdfPath`, so the link is a real link (copy, open in new tab). */
  hrefOf(path: string): string;
}

export function renderInvoices(v: InvoicesProps): TemplateResult {
  const { t, f, invoices } = v;
  let body: TemplateResult;
  if (!invoices.loaded)
    body = v.busy ? html`<p class="loading" part="loading">${t.loading}</p>` : html``;
  else if (invoices.items.length === 0)
    body = html`<p class="empty" part="empty">${t.emptyInvoices}</p>`;
  else
    body = html`<div class="table-wrap" role="region" tabindex="0" aria-labelledby="view-heading">
      <table class="stack" part="table invoices" aria-labelledby="view-heading">
        <thead>
          <tr>
            <th scope="col">${t.invoiceNumber}</th>
            <th scope="col">${t.invoiceKindLabel}</th>
            <th scope="col">${t.issueDate}</th>
            <th scope="col">${t.dueDate}</th>
            <th scope="col" class="num">${t.amountGross}</th>
            <th scope="col">${t.invoiceStatusLabel}</th>
            <th scope="col">${t.invoiceDocument}</th>
          </tr>
        </thead>
        <tbody>
          ${invoices.items.map(
            (invoice) =>
              html`<tr part="invoice">
                <th scope="row">${invoice.number}</th>
                <td data-label=${t.invoiceKindLabel}>${t.invoiceKind[invoice.kind]}</td>
                <td data-label=${t.issueDate}>${f.date(invoice.issueDate)}</td>
                <td data-label=${t.dueDate}>${f.date(invoice.dueDate)}</td>
                <td data-label=${t.amountGross} class="num">
                  ${f.money(invoice.grossAmount, invoice.currency)}
                </td>
                <td data-label=${t.invoiceStatusLabel}>
                  ${t.invoiceStatus[invoice.status] ?? invoice.status}
                </td>
                <td data-label=${t.invoiceDocument}>
                  ${
                    invoice.pdfPath
                      ? html`<a
                          part="download"
                          href=${v.hrefOf(invoice.pdfPath)}
                          download=${`${invoice.number}.pdf`}
                          aria-label=${t.downloadPdfOf(invoice.number)}
                          @click=${(event: Event) => {
                            event.preventDefault();
                            v.onDownload(invoice);
                          }}
                          >${t.downloadPdf}</a
                        >`
                      : nothing
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  return html`
    <section aria-busy=${v.busy ? "true" : "false"}>
      ${heading(t.invoicesHeading)} ${body}
      ${
        invoices.nextCursor
          ? html`<div class="actions" part="actions">
              <button
                type="button"
                part="button"
                aria-disabled=${v.busy ? "true" : "false"}
                @click=${v.onMore}
              >
                ${t.loadMore}
              </button>
            </div>`
          : nothing
      }
    </section>
  `;
}
