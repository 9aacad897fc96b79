// An invoice ready to be issued: built and checked by the invoice rules with the rates the tax
// decision charges, with its number series, due date, payment reference and document snapshot
// decided here. The caller hands in fresh ids and random bytes, so this stays pure; the store
// only writes the draft (and draws its number in the same batch).
import type { IsoDate } from "./calendar.ts";
import {
  buildInvoice,
  dueDate,
  invoiceSeries,
  paymentReference,
  paymentTokenFromBytes,
  type InvoiceInput,
  type InvoiceKind,
  type InvoiceLine,
} from "./invoice.ts";
import type { DocumentSnapshot } from "./invoice-document.ts";
import { chargedLines, documentSnapshot, type InvoiceParties } from "./invoice-snapshot.ts";
import type { Cents, TaxBreakdownEntry } from "./money.ts";

export interface InvoiceContext {
  merchantId: string;
  customerId: string;
  contractId: string | null;
  issueDate: IsoDate;
  paymentTermDays: number;
  periodStart: IsoDate | null;
  periodEnd: IsoDate | null;
  changeId: string | null;
  /** Unique per merchant: a second attempt to issue the same invoice fails the whole batch. */
  billingKey: string;
  /** Both parties as they are now; an invoice is refused when either lacks what it must show. */
  parties: InvoiceParties;
}

export interface InvoiceDraft extends Omit<InvoiceContext, "parties"> {
  id: string;
  kind: InvoiceKind;
  /** The gapless counter this invoice draws from, e.g. "regular:2027". */
  seriesKey: string;
  /** What the number starts with, e.g. "RE-2027"; the number becomes "RE-2027-000001". */
  numberPrefix: string;
  dueDate: IsoDate;
  currency: string;
  netAmount: Cents;
  taxAmount: Cents;
  grossAmount: Cents;
  taxBreakdown: TaxBreakdownEntry[];
  paymentReference: string;
  originalInvoiceId: string | null;
  /** Seller, buyer, tax decision and payment as they are at issue, frozen on the invoice. */
  documentSnapshot: DocumentSnapshot;
  lines: (InvoiceLine & { id: string })[];
}

/** Fresh identity for one draft: its id, one id per line, and random bytes for the reference. */
export interface FreshInvoiceIds {
  invoiceId: string;
  lineId: () => string;
  paymentTokenBytes: Uint8Array;
}

export function draftInvoice(
  input: InvoiceInput,
  context: InvoiceContext,
  fresh: FreshInvoiceIds,
): InvoiceDraft {
  const { parties, ...invoiceContext } = context;
  const snapshot = documentSnapshot(input.kind, parties);
  const built = buildInvoice({ ...input, lines: chargedLines(input.lines, snapshot) });
  const series = invoiceSeries(built.kind, context.issueDate);
  return {
    id: fresh.invoiceId,
    ...invoiceContext,
    documentSnapshot: snapshot,
    kind: built.kind,
    seriesKey: series.key,
    numberPrefix: series.prefix,
    dueDate: dueDate(context.issueDate, context.paymentTermDays),
    currency: built.currency,
    netAmount: built.netAmount,
    taxAmount: built.taxAmount,
    grossAmount: built.grossAmount,
    taxBreakdown: built.taxBreakdown,
    paymentReference: paymentReference(paymentTokenFromBytes(fresh.paymentTokenBytes)),
    originalInvoiceId: built.originalInvoiceId,
    lines: built.lines.map((line) => ({ ...line, id: fresh.lineId() })),
  };
}

/** The key that makes a period's regular invoice unique per contract. */
export function regularBillingKey(contractId: string, periodStart: IsoDate): string {
  return `regular:${contractId}:${periodStart}`;
}

export function changeBillingKey(changeId: string): string {
  return `change:${changeId}`;
}
