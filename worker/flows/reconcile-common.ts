// Shared pieces of the reconciliation flows (the pure mappers are worker/domain/
// reconciliation-mapping.ts): the run's context and writing the two outcomes that move no money — review and ignored — through the one bulk writer, for one transaction or
// thousands. Committing batches (alone or grouped) is worker/store/grouped-commits.ts.
import type { StoredCandidate } from "../../schema/reconciliation.ts";
import { needsReviewData, reviewText } from "../domain/reconciliation-mapping.ts";
import { buildEventPayload } from "../domain/webhook-retry.ts";
import { newId } from "../security.ts";
import type { SecretKeys } from "./customer-accounts.ts";
import type { Db } from "../store/db.ts";
import type { QueryAllowance } from "../store/grouped-commits.ts";
import { isBookingConflict } from "../store/reconciliation-entries.ts";
import type { ReconcilableTransaction } from "../store/reconciliation-load.ts";
import { writeQuietDecisions, type QuietDecision } from "../store/reconciliation-decisions.ts";

export interface RunContext {
  db: Db;
  merchantId: string;
  now: Date;
  /** Mandate and payer IBANs are stored encrypted; customers' accounts are found by lookup hash. */
  keys: SecretKeys;
  /** The invocation's D1 query budget; a unit of work that may not fit is left for the next run. */
  budget?: QueryAllowance | undefined;
}

/** The most one collection credit reads and writes (its reads, then one batch). */
export const SINGLE_BOOKING_STATEMENTS = 30;
/** The run's reads before it books: transactions, open collections, payers, candidate invoices. */
export const RUN_READS = 9;

export function affords(ctx: RunContext, statements: number): boolean {
  return ctx.budget?.affords(statements) ?? true;
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

export { returnInput, reviewText } from "../domain/reconciliation-mapping.ts";

/** A decision that moves no money, gathered so many can be written at once. */
export interface QuietItem {
  tx: ReconcilableTransaction;
  kind: "review" | "ignored";
  reason: string;
  candidates: StoredCandidate[];
}

const QUIET_CHUNK = 200;
/** Statements of one chunk (worker/store/reconciliation-decisions.ts). */
const QUIET_STATEMENTS = 4;

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
    // Past the budget the rest stays unreconciled for the next run.
    if (!affords(ctx, QUIET_STATEMENTS)) return outcomes;
    if (await writeChunk(ctx, chunk)) {
      outcomes.push(...chunk.map((item) => item.kind));
      continue;
    }
    for (const item of chunk) {
      if (!affords(ctx, QUIET_STATEMENTS)) return outcomes;
      outcomes.push((await writeChunk(ctx, [item])) ? item.kind : "conflict");
    }
  }
  return outcomes;
}

/** One transaction to the review queue, e.g. a credit naming a collection with another sum. */
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
