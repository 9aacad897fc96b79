// The invoice as a document: everything § 14 (4) UStG and EN 16931 want on it, taken from the
// issued invoice and the snapshot of both parties made at issue, so a document rendered years
// later is the one the customer got. Both renderers (CII XML, PDF) read only this.
import { addDays, type IsoDate } from "./calendar.ts";
import type { CompanySettings, PostalAddress } from "./company.ts";
import type { Cents, TaxBreakdownEntry, TaxRateBp } from "./money.ts";
import type { InvoiceKind } from "./invoice.ts";
import type { TaxDecision } from "./tax-decision.ts";

export type DocumentLocale = "de" | "en";

export interface DocumentBuyer {
  /** The customer id, BT-46. */
  id: string;
  name: string;
  kind: "consumer" | "business";
  address: PostalAddress;
  vatId: string | null;
  /** BT-10; XRechnung requires one, so the customer id stands in when the buyer gave none. */
  buyerReference: string;
  email: string | null;
  locale: DocumentLocale;
}

export type DocumentPayment =
  | {
      means: "direct_debit";
      mandateReference: string;
      creditorId: string;
      /** BT-91 as the mandate stores it: masked, so the document never spreads the full IBAN. */
      debtorIbanMasked: string;
    }
  | { means: "transfer"; iban: string; bic: string | null }
  | { means: "refund" };

/** What is frozen on the invoice row at issue; company or customer edits later change nothing. */
export interface DocumentSnapshot {
  seller: CompanySettings;
  buyer: DocumentBuyer;
  tax: TaxDecision;
  payment: DocumentPayment;
  /** BT-25/26 for a credit note: the invoice it corrects. */
  precedingInvoice: { number: string; issueDate: IsoDate } | null;
}

export interface DocumentLine {
  position: number;
  description: string;
  quantity: number;
  netAmount: Cents;
  taxRate: TaxRateBp;
  periodStart: IsoDate | null;
  /** Exclusive, like every period in Tarif; documents print and send the last day. */
  periodEnd: IsoDate | null;
}

export interface IssuedInvoice {
  id: string;
  number: string;
  kind: InvoiceKind;
  issueDate: IsoDate;
  dueDate: IsoDate;
  currency: string;
  netAmount: Cents;
  taxAmount: Cents;
  grossAmount: Cents;
  taxBreakdown: TaxBreakdownEntry[];
  paymentReference: string;
  periodStart: IsoDate | null;
  periodEnd: IsoDate | null;
  lines: DocumentLine[];
}

export interface InvoiceDocument extends IssuedInvoice, DocumentSnapshot {}

export function invoiceDocument(
  invoice: IssuedInvoice,
  snapshot: DocumentSnapshot,
): InvoiceDocument {
  return { ...invoice, ...snapshot };
}

/** The service period of the document: the invoice's own, else the span its lines cover. */
export function servicePeriod(document: IssuedInvoice): { start: IsoDate; last: IsoDate } | null {
  const starts = document.lines.flatMap((line) => (line.periodStart ? [line.periodStart] : []));
  const ends = document.lines.flatMap((line) => (line.periodEnd ? [line.periodEnd] : []));
  const start = document.periodStart ?? starts.sort()[0];
  const end = document.periodEnd ?? ends.sort().at(-1);
  return start && end ? { start, last: addDays(end, -1) } : null;
}

/**
 * A credit note is sent with positive amounts (type code 381 already says "credit"), so its
 * amounts are turned around once here; invoices keep their signs (credit lines stay negative).
 */
export function documentSign(kind: InvoiceKind): 1 | -1 {
  return kind === "credit_note" ? -1 : 1;
}
