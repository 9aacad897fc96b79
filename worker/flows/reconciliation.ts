// The reconciliation step of one merchant (after each sync, and on demand): every bank
// transaction not decided yet is classified and then, in this order, settled as a credit for our
// SEPA collections, booked as a returned direct debit, matched as a customer's payment, or
// ignored. Credits go before returns so a return finds its collection settled; payments go last
// so an invoice a return reopened can be paid by a transfer of the same day. Each transaction's
// booking is atomic and guarded so that it is booked at most once; payments, returns and ignored
// lines share D1 batches (GroupedCommits), the rarer credits get one each.
import { GroupedCommits, type QueryAllowance } from "../store/grouped-commits.ts";
import { paymentBookingStatements, type PaymentBooking } from "../store/payment-bookings.ts";
import { classifyTransaction } from "../domain/return-detection.ts";
import type { Db } from "../store/db.ts";
import type { SecretKeys } from "./customer-accounts.ts";
import {
  openCollections,
  unreconciledTransactions,
  type ReconcilableTransaction,
} from "../store/reconciliation-load.ts";
import { CollectionBook } from "./reconcile-collections.ts";
import {
  affords,
  commitQuiet,
  returnInput,
  RUN_READS,
  SINGLE_BOOKING_STATEMENTS,
  type Outcome,
  type QuietItem,
  type RunContext,
} from "./reconcile-common.ts";
import { reconcilePayments } from "./reconcile-payments.ts";
import { reconcileReturns } from "./reconcile-returns.ts";

export interface ReconciliationCounts {
  /** Transactions looked at in this run. */
  processed: number;
  /** Booked in full: exact payments, overpayments (the rest as credit) and collection credits. */
  matched: number;
  partiallyMatched: number;
  /** Of `matched`: payments with a surplus kept as customer credit. */
  overpaid: number;
  /** Of `matched`: credits that settled SEPA collections. */
  collectionCredits: number;
  returns: number;
  review: number;
  ignored: number;
  /** Transactions someone else booked or changed meanwhile; left for the next run. */
  conflicts: number;
  /** More transactions wait than one run takes; the next run continues. */
  more: boolean;
}

export function emptyReconciliationCounts(): ReconciliationCounts {
  return {
    processed: 0,
    matched: 0,
    partiallyMatched: 0,
    overpaid: 0,
    collectionCredits: 0,
    returns: 0,
    review: 0,
    ignored: 0,
    conflicts: 0,
    more: false,
  };
}

export function addReconciliationCounts(
  into: ReconciliationCounts,
  from: ReconciliationCounts,
): void {
  for (const key of Object.keys(into) as (keyof ReconciliationCounts)[]) {
    if (key === "more") into.more ||= from.more;
    else into[key] += from[key];
  }
}

const TALLY: Record<Outcome, (keyof ReconciliationCounts)[]> = {
  matched: ["matched"],
  overpaid: ["matched", "overpaid"],
  collection: ["matched", "collectionCredits"],
  partially_matched: ["partiallyMatched"],
  return: ["returns"],
  review: ["review"],
  ignored: ["ignored"],
  conflict: ["conflicts"],
};

function tally(counts: ReconciliationCounts, outcome: Outcome): void {
  counts.processed += 1;
  for (const key of TALLY[outcome]) (counts[key] as number) += 1;
}

const IGNORED_WHY = {
  zero_amount: "A booking of zero.",
  other_debit:
    "An outgoing debit that is neither a customer's payment nor a returned direct debit.",
  returned_transfer:
    "One of the merchant's own transfers came back (GVC 159/160): not a customer's payment.",
} as const;

export interface ReconcileOptions {
  /** Transactions per run (a sync of 5 000 fits); the rest waits for the next one (cron every 15 minutes). */
  limit?: number;
  /**
   * The invocation's D1 query budget (a QueryMeter): no unit of work (a credit, a return, a group
   * of payments, a chunk of reviews) is started that may not fit; the rest waits, `more` says so.
   */
  budget?: QueryAllowance;
}

export async function reconcileMerchant(
  db: Db,
  keys: SecretKeys,
  merchantId: string,
  now: Date,
  options: ReconcileOptions = {},
): Promise<ReconciliationCounts> {
  const counts = emptyReconciliationCounts();
  const limit = options.limit ?? 5_000;
  if (options.budget && !options.budget.affords(RUN_READS)) return { ...counts, more: true };
  const loaded = await unreconciledTransactions(db, merchantId, limit + 1);
  counts.more = loaded.length > limit;
  const transactions = loaded.slice(0, limit).filter((tx) => tx.amount !== null);
  if (transactions.length === 0) return counts;
  const ctx: RunContext = { db, merchantId, now, keys, budget: options.budget };

  const credits: ReconcilableTransaction[] = [];
  const returns: ReconcilableTransaction[] = [];
  const ignored: [ReconcilableTransaction, string][] = [];
  for (const tx of transactions) {
    const kind = classifyTransaction(returnInput(tx));
    if (kind === "incoming_payment") credits.push(tx);
    else if (kind === "direct_debit_return") returns.push(tx);
    else ignored.push([tx, IGNORED_WHY[kind]]);
  }

  const payments: ReconcilableTransaction[] = [];
  const collections =
    credits.length > 0 ? new CollectionBook(await openCollections(db, merchantId)) : null;
  for (const tx of credits) {
    if (collections && !collections.isEmpty && !affords(ctx, SINGLE_BOOKING_STATEMENTS))
      return { ...counts, more: true };
    const outcome = collections ? await collections.reconcile(ctx, tx) : null;
    if (outcome === null) payments.push(tx);
    else tally(counts, outcome);
  }
  if (returns.length > 0) {
    const booked = await reconcileReturns(ctx, returns);
    for (const outcome of booked.outcomes) tally(counts, outcome);
    if (booked.exhausted) return { ...counts, more: true };
    if (booked.left) counts.more = true;
  }
  const at = now.toISOString();
  const commits = new GroupedCommits<PaymentBooking, Outcome>(
    db,
    (bookings) => paymentBookingStatements(db, merchantId, at, bookings),
    "conflict",
    100,
    options.budget,
  );
  const quiet: QuietItem[] = [];
  await reconcilePayments(ctx, payments, commits, quiet);
  await commits.flush();
  for (const outcome of commits.outcomes) tally(counts, outcome);
  quiet.push(
    ...ignored.map(([tx, why]) => ({ tx, kind: "ignored" as const, reason: why, candidates: [] })),
  );
  const written = await commitQuiet(ctx, quiet);
  for (const outcome of written) tally(counts, outcome);
  if (commits.exhausted || written.length < quiet.length) counts.more = true;
  return counts;
}
