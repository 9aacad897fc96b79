// A collection run as pure rules: which of the loaded invoices can be collected, whether the
// requested collection date suits every sequence type in the run, and how stored invoices,
// mandates and creditor settings map onto the pain.008 builder's input and back onto run items.
import type { IsoDate } from "./calendar.ts";
import type { Cents } from "./money.ts";
import type { Pain008Document, Pain008Input, Pain008Transaction } from "./pain008.ts";
import { checkCollectionDate, type CollectionDateCheck } from "./sepa-calendar.ts";
import type { CreditorLeadDays } from "./sepa-creditor.ts";
import { isUsableSepaName } from "./sepa-creditor.ts";
import { isMandateExpired, mandateExpiryDate, type MandateSequenceType } from "./sepa-mandate.ts";
import { amendmentForCollection, type PendingAmendment } from "./sepa-mandate-change.ts";
import { RETURN_REASONS } from "./return-detection.ts";
import { mayRepresent, representationEndToEndId, returnTreatment } from "./return-handling.ts";

/** SEPA Core collects euros only. */
export const SEPA_CURRENCY = "EUR";

/**
 * Transactions per run. A bank file may be larger, but one run must fit one D1 batch and a
 * Worker's CPU budget; the next run picks up the rest, so nothing is lost by the cap.
 */
export const MAX_RUN_TRANSACTIONS = 1000;

export interface RunCreditor {
  name: string;
  iban: string;
  bic: string | null;
  creditorId: string;
  leadDays: CreditorLeadDays;
}

export interface RunInvoice {
  id: string;
  number: string;
  customerId: string;
  currency: string;
  grossAmount: Cents;
  amountPaid: Cents;
  dueDate: IsoDate;
  paymentReference: string;
  /** Earlier collections of this invoice that came back. */
  returnedCollections?: number;
  /**
   * The reason code of the latest of them (the collection item keeps what the bank said), and
   * the mandate it was collected under.
   */
  lastReturn?: { reasonCode: string | null; mandateId?: string | null } | null;
}

export interface RunMandate {
  id: string;
  version: number;
  customerId: string;
  reference: string;
  signatureDate: IsoDate;
  /** Decrypted, electronic format. */
  iban: string;
  bic: string | null;
  /** The account holder: the mandate's debtor name, else the customer's name. */
  debtorName: string;
  nextSequenceType: MandateSequenceType;
  lastCollectionDate: IsoDate | null;
  pendingAmendment: PendingAmendment | null;
}

export interface PlannedCollection {
  invoice: RunInvoice;
  mandate: RunMandate;
  /** What is still owed: the gross amount less anything already paid. */
  amount: Cents;
  sequenceType: MandateSequenceType;
  /** The payment reference, with the attempt appended when the invoice is presented again. */
  endToEndId: string;
}

export type SkipReason =
  "currency_not_supported" | "mandate_expired" | "debtor_name_unusable" | "not_represented";

export interface SkippedInvoice {
  invoiceId: string;
  reason: SkipReason;
  message: string;
}

/**
 * Which loaded invoices go into the run. The store already chose open, positive, due invoices
 * of customers with an active mandate that are in no open run; what needs rules is here.
 * Every invoice of a mandate carries the mandate's next sequence type, so two invoices of a new
 * mandate both go as FRST: the debtor bank has seen neither, and an RCUR before it saw a FRST
 * is what banks reject.
 */
export function planCollections(
  invoices: readonly RunInvoice[],
  mandates: ReadonlyMap<string, RunMandate>,
  collectionDate: IsoDate,
  options: { representDebits?: boolean } = {},
) {
  const collections: PlannedCollection[] = [];
  const skipped: SkippedInvoice[] = [];
  for (const invoice of invoices) {
    const mandate = mandates.get(invoice.customerId);
    const amount = invoice.grossAmount - invoice.amountPaid;
    if (!mandate || amount <= 0) continue;
    if (invoice.currency !== SEPA_CURRENCY) {
      skipped.push({
        invoiceId: invoice.id,
        reason: "currency_not_supported",
        message: `SEPA direct debits are in EUR; the invoice is in ${invoice.currency}`,
      });
    } else if (
      isMandateExpired(mandate.signatureDate, mandate.lastCollectionDate, collectionDate)
    ) {
      const expiry = mandateExpiryDate(mandate.signatureDate, mandate.lastCollectionDate);
      skipped.push({
        invoiceId: invoice.id,
        reason: "mandate_expired",
        message: `mandate ${mandate.reference} lapsed on ${expiry} (36 months unused); a new mandate is needed`,
      });
    } else if (!isUsableSepaName(mandate.debtorName)) {
      skipped.push({
        invoiceId: invoice.id,
        reason: "debtor_name_unusable",
        message:
          "the account holder's name has no letters or digits of the SEPA character set; set debtorName on the mandate",
      });
    } else if (!representationAllowed(invoice, mandate, options.representDebits ?? true)) {
      skipped.push({
        invoiceId: invoice.id,
        reason: "not_represented",
        message: `the debit came back (${invoice.lastReturn?.reasonCode ?? "no reason code"}) and is not collected again automatically: ${(invoice.returnedCollections ?? 0) > 1 ? "it was presented again once already" : "the reason or the merchant's settings do not allow it"}`,
      });
    } else {
      const returned = invoice.returnedCollections ?? 0;
      collections.push({
        invoice,
        mandate,
        amount,
        sequenceType: mandate.nextSequenceType,
        endToEndId:
          returned > 0
            ? representationEndToEndId(invoice.paymentReference, returned)
            : invoice.paymentReference,
      });
    }
  }
  return {
    collections: collections.slice(0, MAX_RUN_TRANSACTIONS),
    skipped,
    hasMore: collections.length > MAX_RUN_TRANSACTIONS,
  };
}

/**
 * The collection date checked for every sequence type in the run (the strictest lead wins);
 * with no type given, for the shortest lead, which catches weekends, holidays and dates too
 * early for any collection before anything is loaded.
 */
export function checkRunCollectionDate(
  today: IsoDate,
  collectionDate: string,
  creditor: { leadDays: CreditorLeadDays },
  types: readonly MandateSequenceType[] = [],
): CollectionDateCheck {
  const candidates: MandateSequenceType[] =
    types.length > 0
      ? [...new Set(types)]
      : [creditor.leadDays.FRST <= creditor.leadDays.RCUR ? "FRST" : "RCUR"];
  let result: CollectionDateCheck = { ok: true, collectionDate };
  for (const type of candidates) {
    const check = checkCollectionDate(today, collectionDate, type, creditor.leadDays);
    if (!check.ok) return check;
    result = check;
  }
  return result;
}

/**
 * An invoice whose debit came back is presented again at most once, for a retryable reason,
 * under the same mandate. Under a mandate the customer gave after the return (the old one was
 * blocked), it is a first collection again, which the new mandate authorises.
 */
function representationAllowed(
  invoice: RunInvoice,
  mandate: RunMandate,
  representDebits: boolean,
): boolean {
  const returned = invoice.returnedCollections ?? 0;
  if (returned === 0) return true;
  const returnedUnder = invoice.lastReturn?.mandateId;
  if (returnedUnder && returnedUnder !== mandate.id) return true;
  const code = invoice.lastReturn?.reasonCode ?? null;
  return mayRepresent({
    treatment: returnTreatment(code ? (RETURN_REASONS[code]?.reasonClass ?? null) : null, code),
    representDebits,
    representationsSoFar: returned - 1,
  });
}

export interface RunHeader {
  messageId: string;
  /** RFC 3339 instant the file is created. */
  creationDateTime: string;
  collectionDate: IsoDate;
}

function transaction(collection: PlannedCollection): Pain008Transaction {
  const { invoice, mandate } = collection;
  const amendment = amendmentForCollection(mandate.pendingAmendment, mandate);
  return {
    endToEndId: collection.endToEndId,
    amount: collection.amount,
    mandateId: mandate.reference,
    mandateSignatureDate: mandate.signatureDate,
    debtorName: mandate.debtorName,
    debtorIban: mandate.iban,
    debtorBic: mandate.bic,
    // The invoice number alone: the debtor recognises it, and it matches back to the invoice.
    remittanceInfo: invoice.number,
    sequenceType: collection.sequenceType,
    ...(amendment ? { amendment } : {}),
  };
}

/** The builder input for a run; transactions in the order given (the store sorts by due date). */
export function collectionRunPain008Input(
  header: RunHeader,
  creditor: RunCreditor,
  collections: readonly PlannedCollection[],
): Pain008Input {
  return {
    messageId: header.messageId,
    creationDateTime: header.creationDateTime,
    initiatingPartyName: creditor.name,
    creditor: {
      name: creditor.name,
      iban: creditor.iban,
      bic: creditor.bic,
      creditorId: creditor.creditorId,
    },
    collectionDate: header.collectionDate,
    sequenceType: "RCUR",
    transactions: collections.map(transaction),
    batchBooking: true,
  };
}

export interface RunItem {
  invoiceId: string;
  invoiceNumber: string;
  customerId: string;
  mandateId: string;
  mandateVersion: number;
  mandateReference: string;
  endToEndId: string;
  amount: Cents;
  sequenceType: MandateSequenceType;
  paymentInfoId: string;
  previousLastCollectionDate: IsoDate | null;
  amendment: PendingAmendment | null;
}

/** One item per transaction, with the PmtInf it landed in (a batch credit books per PmtInf). */
export function collectionRunItems(
  document: Pain008Document,
  collections: readonly PlannedCollection[],
): RunItem[] {
  const paymentInfoOf = new Map<string, string>();
  for (const info of document.paymentInfos)
    for (const id of info.endToEndIds) paymentInfoOf.set(id, info.paymentInfoId);
  return collections.map(({ invoice, mandate, amount, sequenceType, endToEndId }) => {
    const paymentInfoId = paymentInfoOf.get(endToEndId);
    if (!paymentInfoId) throw new Error(`transaction ${endToEndId} is missing from the file`);
    return {
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      customerId: invoice.customerId,
      mandateId: mandate.id,
      mandateVersion: mandate.version,
      mandateReference: mandate.reference,
      endToEndId,
      amount,
      sequenceType,
      paymentInfoId,
      previousLastCollectionDate: mandate.lastCollectionDate,
      amendment: amendmentForCollection(mandate.pendingAmendment, mandate)
        ? mandate.pendingAmendment
        : null,
    };
  });
}
