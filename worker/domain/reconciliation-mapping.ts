// Pure mappers of the reconciliation flows (worker/flows/reconcile-*.ts): a stored bank line as
// the return detection and the matcher read it, a stored invoice as the matcher indexes it, and
// the texts and event data of a review. No D1, no clock: the flows load and write.
import type { IncomingTransaction, InvoiceForMatching } from "./payment-matching.ts";
import type { BankTransactionForReturn } from "./return-detection.ts";

/** The columns of a stored bank transaction the rules read. */
export interface StoredBankLine {
  id: string;
  amount: number | null;
  currency: string | null;
  purpose: string | null;
  bookingDate: string | null;
  valueDate: string | null;
  counterpartName: string | null;
  typeCodeZka: string | null;
  typeCodeSwift: string | null;
  bankTransactionCode: string | null;
  originalAmount: number | null;
  originalCurrency: string | null;
  compensationAmount: number | null;
  endToEndReference: string | null;
  counterpartMandateReference: string | null;
  counterpartCreditorId: string | null;
}

/** The columns of a stored invoice the matcher reads. */
export interface StoredInvoiceForMatching {
  id: string;
  customerId: string;
  kind: string;
  number: string;
  paymentReference: string;
  status: string;
  issueDate: string;
  grossAmount: number;
  amountPaid: number;
}

export function returnInput(tx: StoredBankLine): BankTransactionForReturn {
  return {
    amount: tx.amount ?? 0,
    currency: tx.currency,
    purpose: tx.purpose,
    typeCodeZka: tx.typeCodeZka,
    typeCodeSwift: tx.typeCodeSwift,
    bankTransactionCode: tx.bankTransactionCode,
    originalAmount: tx.originalAmount,
    originalCurrency: tx.originalCurrency,
    compensationAmount: tx.compensationAmount,
    endToEndReference: tx.endToEndReference,
    counterpartMandateReference: tx.counterpartMandateReference,
    counterpartCreditorId: tx.counterpartCreditorId,
  };
}

/** The payment as the matcher reads it; the payer's IBAN was opened from its sealed column. */
export function incomingPayment(tx: StoredBankLine, payerIban: string | null): IncomingTransaction {
  return {
    id: tx.id,
    amount: tx.amount ?? 0,
    purpose: tx.purpose,
    endToEndReference: tx.endToEndReference,
    counterpartIban: payerIban,
    counterpartName: tx.counterpartName,
    bookingDate: tx.bookingDate ?? tx.valueDate ?? "",
  };
}

export function invoiceForMatching(invoice: StoredInvoiceForMatching): InvoiceForMatching {
  const creditNote = invoice.kind === "credit_note";
  return {
    id: invoice.id,
    customerId: invoice.customerId,
    number: invoice.number,
    paymentReference: invoice.paymentReference,
    openAmount: creditNote ? 0 : Math.max(0, invoice.grossAmount - invoice.amountPaid),
    issueDate: invoice.issueDate,
    // A credit note pays out; it is indexed only so a transfer naming it is not matched elsewhere.
    status: creditNote ? "credit_note" : invoice.status,
  };
}

/** What a person reads in the review queue, per reason code. */
const REVIEW_TEXT: Record<string, string> = {
  reference_ambiguous_amount: "The text names several invoices, but the amount is not their sum.",
  reference_other_customer:
    "The text names an invoice of another customer than the payer's account belongs to.",
  reference_closed_invoice:
    "The text names an invoice that is already paid, void or being collected.",
  same_amount_ambiguous: "The payer has several open invoices of this amount.",
  sum_ambiguous: "Several combinations of the payer's open invoices add up to this amount.",
  payer_iban_ambiguous: "The payer's account is on file for more than one customer.",
  no_rule_matched: "No invoice fits this payment.",
  collection_amount_mismatch:
    "The credit names a SEPA collection, but its amount is not what is still pending there.",
  collection_ambiguous: "Several open SEPA collections add up to this amount.",
  return_not_linked: "A returned direct debit that cannot be traced to exactly one collection.",
  collection_already_returned:
    "A returned direct debit for a collection that was already returned.",
  return_amount_mismatch:
    "A returned direct debit whose amount does not fit the collection it names.",
};

export function reviewText(reason: string): string {
  return REVIEW_TEXT[reason] ?? reason;
}

/** The data of a `bank_transaction.needs_review` event. */
export function needsReviewData(
  tx: StoredBankLine,
  reason: string,
  candidates: { invoiceId: string; score: number; reasons: string[] }[],
) {
  return {
    bankTransactionId: tx.id,
    amount: tx.amount,
    currency: tx.currency,
    bookingDate: tx.bookingDate,
    purpose: tx.purpose,
    counterpartName: tx.counterpartName,
    reason,
    candidates,
  };
}
