// An invoice ready to be issued: built and checked by the invoice rules, with its number series,
// due date and payment reference decided here. The caller hands in fresh ids and random bytes, so
// this stays pure; the store only writes the draft (and draws its number in the same batch).
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
}

export interface InvoiceDraft extends InvoiceContext {
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
  const built = buildInvoice(input);
  const series = invoiceSeries(built.kind, context.issueDate);
  return {
    id: fresh.invoiceId,
    ...context,
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
