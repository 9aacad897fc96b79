// Shared pieces of the reconciliation flows: the run's context and writing the two outcomes that
// move no money — review and ignored — through the one bulk writer, for one transaction or
// thousands. Committing batches (alone or grouped) is worker/store/grouped-commits.ts.
import type { StoredCandidate } from "../../schema/reconciliation.ts";
import type { BankTransactionForReturn } from "../domain/return-detection.ts";
import { buildEventPayload } from "../domain/webhook-retry.ts";
import { newId } from "../security.ts";
import type { SecretKeys } from "./customer-accounts.ts";
import type { Db } from "../store/db.ts";
import { isBookingConflict } from "../store/reconciliation-entries.ts";
import type { ReconcilableTransaction } from "../store/reconciliation-load.ts";
import { writeQuietDecisions, type QuietDecision } from "../store/reconciliation-decisions.ts";

export interface RunContext {
  db: Db;
  merchantId: string;
  now: Date;
  /** Mandate and payer IBANs are stored encrypted; customers' accounts are found by lookup hash. */
  keys: SecretKeys;
}

export type Outcome =
  | "matched"
  | "partially_matched"
  | "overpaid"
  | "collection"
  | "return"
  | "review"
  | "ignored"
  | "conflict";

export function returnInput(tx: ReconcilableTransaction): BankTransactionForReturn {
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

function needsReviewData(
  tx: ReconcilableTransaction,
  reason: string,
  candidates: StoredCandidate[],
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

/** A decision that moves no money, gathered so many can be written at once. */
export interface QuietItem {
  tx: ReconcilableTransaction;
  kind: "review" | "ignored";
  reason: string;
  candidates: StoredCandidate[];
}

const QUIET_CHUNK = 200;

function quietDecision(ctx: RunContext, item: QuietItem): QuietDecision {
  const review = item.kind === "review";
  return {
    entryId: newId("rce"),
    bankTransactionId: item.tx.id,
    expectedStatus: item.tx.status,
    seq: item.tx.seq + 1,
    kind: item.kind,
    reason: item.reason,
    statusReason: review ? reviewText(item.reason) : item.reason,
    candidates: review ? item.candidates : null,
    event: review
      ? {
          id: newId("evt"),
          payload: buildEventPayload(
            "bank_transaction.needs_review",
            needsReviewData(item.tx, item.reason, item.candidates),
            ctx.now,
          ),
        }
      : null,
  };
}

/** Writes one chunk of decisions as one batch; false when a guard fired (nothing was written). */
async function writeChunk(ctx: RunContext, chunk: readonly QuietItem[]): Promise<boolean> {
  try {
    await writeQuietDecisions(
      ctx.db,
      ctx.merchantId,
      ctx.now.toISOString(),
      chunk.map((item) => quietDecision(ctx, item)),
    );
    return true;
  } catch (error) {
    if (isBookingConflict(error)) return false;
    throw error;
  }
}

/**
 * Writes review and ignored decisions in chunks of one batch each. A chunk whose guard fires
 * (another run or a person got to one of its transactions first) is written again one
 * transaction at a time, so only the lost ones end as conflicts.
 */
export async function commitQuiet(
  ctx: RunContext,
  items: readonly QuietItem[],
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < items.length; i += QUIET_CHUNK) {
    const chunk = items.slice(i, i + QUIET_CHUNK);
    if (await writeChunk(ctx, chunk)) {
      outcomes.push(...chunk.map((item) => item.kind));
      continue;
    }
    for (const item of chunk)
      outcomes.push((await writeChunk(ctx, [item])) ? item.kind : "conflict");
  }
  return outcomes;
}

/** One transaction to the review queue, e.g. a return that links to no collection. */
export async function sendToReview(
  ctx: RunContext,
  tx: ReconcilableTransaction,
  reason: string,
  candidates: StoredCandidate[],
): Promise<Outcome> {
  return (await writeChunk(ctx, [{ tx, kind: "review", reason, candidates }]))
    ? "review"
    : "conflict";
}
