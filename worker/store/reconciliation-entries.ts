// The reconciliation journal and the bank transaction's status: the two statements that open and
// close every booking batch. The journal entry is the batch's guard (see schema/reconciliation.ts),
// so a transaction that another run or a person booked meanwhile aborts the whole batch.
import { and, asc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { bankTransactions, type BankTransactionStatus } from "../../schema/banking.ts";
import { reconciliationEntries, type StoredCandidate } from "../../schema/reconciliation.ts";
import type { Db } from "./db.ts";

export type EntryRecord = typeof reconciliationEntries.$inferSelect;

export interface EntryInput {
  id: string;
  merchantId: string;
  bankTransactionId: string;
  /** The status the decision was made on; the batch aborts if the transaction has another. */
  expectedStatus: string;
  /** One more than the entries read with the transaction; a concurrent writer takes it first. */
  seq: number;
  kind: "payment" | "collection" | "return" | "review" | "ignored" | "manual";
  status: string;
  rule?: string | null;
  reason?: string | null;
  candidates?: StoredCandidate[] | null;
  ignoredAmount?: number | null;
  source: "reconciliation" | "api";
  at: string;
}

export function entryStatement(db: Db, input: EntryInput): BatchItem<"sqlite"> {
  const guardedId = sql`(SELECT ${bankTransactions.id} FROM ${bankTransactions} WHERE ${bankTransactions.merchantId} = ${input.merchantId}
    AND ${bankTransactions.id} = ${input.bankTransactionId} AND ${bankTransactions.status} = ${input.expectedStatus})`;
  return db.insert(reconciliationEntries).values({
    id: input.id,
    merchantId: input.merchantId,
    bankTransactionId: guardedId,
    seq: input.seq,
    kind: input.kind,
    status: input.status,
    rule: input.rule ?? null,
    reason: input.reason ?? null,
    candidates: input.candidates ?? null,
    ignoredAmount: input.ignoredAmount ?? null,
    source: input.source,
    createdAt: input.at,
  });
}

export interface StatusUpdate {
  status: BankTransactionStatus;
  statusReason?: string | null;
  matchedRule?: string | null;
  at: string;
}

export function transactionStatusStatement(
  db: Db,
  merchantId: string,
  bankTransactionId: string,
  update: StatusUpdate,
): BatchItem<"sqlite"> {
  return db
    .update(bankTransactions)
    .set({
      status: update.status,
      statusReason: update.statusReason ?? null,
      matchedRule: update.matchedRule ?? null,
      updatedAt: update.at,
    })
    .where(
      and(eq(bankTransactions.merchantId, merchantId), eq(bankTransactions.id, bankTransactionId)),
    );
}

function causeMessages(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? error.message : `${error.message} ${causeMessages(cause)}`;
}

/**
 * A guard fired: the transaction or an invoice changed since it was read (the batch wrote nothing).
 * Guards are NULLs in NOT NULL columns and the journal's unique sequence.
 */
export function isBookingConflict(error: unknown): boolean {
  return /NOT NULL constraint failed: (reconciliation_entries\.bank_transaction_id|payment_allocations\.invoice_id|payment_returns\.invoice_id)|UNIQUE constraint failed: (reconciliation_entries|payment_allocations|payment_returns)\./.test(
    causeMessages(error),
  );
}

/** The journal of some transactions, oldest entry first. */
export async function entriesOf(
  db: Db,
  merchantId: string,
  bankTransactionIds: readonly string[],
): Promise<EntryRecord[]> {
  if (bankTransactionIds.length === 0) return [];
  return db
    .select()
    .from(reconciliationEntries)
    .where(
      and(
        eq(reconciliationEntries.merchantId, merchantId),
        sql`${reconciliationEntries.bankTransactionId} IN (SELECT value FROM json_each(${JSON.stringify(bankTransactionIds)}))`,
      ),
    )
    .orderBy(asc(reconciliationEntries.bankTransactionId), asc(reconciliationEntries.seq));
}
