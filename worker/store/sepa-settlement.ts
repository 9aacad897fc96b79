// What the bank side of a collection needs (used by reconciliation): finding the collection a
// bank line refers to — by end-to-end reference, by mandate reference and amount, by the run's
// message id or a PmtInf id — and the statements that settle collections or book a return.
// The statements only touch collection, invoice and mandate rows; the caller adds them to its
// own batch together with its bank-transaction booking and its events (invoice.paid,
// payment.returned, invoice.reopened), and must not add the amount to the invoice again.
import { and, desc, eq, ne, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { sepaCollectionItems, sepaCollectionRuns, sepaMandates } from "../../schema/sepa.ts";
import { invoices } from "../../schema/tables.ts";
import type { MandateReturnOutcome } from "../domain/sepa-mandate.ts";
import type { Db } from "./db.ts";
import { runItemsQuery, type RunItemRecord, type RunRecord } from "./sepa-runs.ts";

/** Banks print references in any case and break them with spaces; ours have neither. */
const compact = (text: string) => text.replace(/\s+/g, "");

/**
 * Collections with this end-to-end id (the invoice's payment reference), newest first. An
 * invoice collected again after a return has one item per attempt; the newest is usually meant.
 */
export async function findCollectionItemsByEndToEndId(
  db: Db,
  merchantId: string,
  endToEndId: string,
): Promise<RunItemRecord[]> {
  return db
    .select()
    .from(sepaCollectionItems)
    .where(
      and(
        eq(sepaCollectionItems.merchantId, merchantId),
        eq(sepaCollectionItems.endToEndId, compact(endToEndId).toUpperCase()),
        ne(sepaCollectionItems.status, "cancelled"),
      ),
    )
    .orderBy(desc(sepaCollectionItems.id));
}

/** Collections under a mandate reference (case-insensitive) of exactly this amount in cents, newest first. */
export async function findCollectionItemsByMandate(
  db: Db,
  merchantId: string,
  mandateReference: string,
  amount: number,
): Promise<RunItemRecord[]> {
  return db
    .select()
    .from(sepaCollectionItems)
    .where(
      and(
        eq(sepaCollectionItems.merchantId, merchantId),
        eq(sepaCollectionItems.mandateReferenceKey, compact(mandateReference).toUpperCase()),
        eq(sepaCollectionItems.amount, amount),
        ne(sepaCollectionItems.status, "cancelled"),
      ),
    )
    .orderBy(desc(sepaCollectionItems.id));
}

/** A run by its pain.008 message id (MsgId), with its items; e.g. from a batch credit's purpose. */
export async function findCollectionRunByMessageId(
  db: Db,
  merchantId: string,
  messageId: string,
): Promise<{ run: RunRecord; items: RunItemRecord[] } | undefined> {
  const run = (
    await db
      .select()
      .from(sepaCollectionRuns)
      .where(
        and(
          eq(sepaCollectionRuns.merchantId, merchantId),
          eq(sepaCollectionRuns.messageId, compact(messageId).toLowerCase()),
        ),
      )
      .limit(1)
  )[0];
  return run ? { run, items: await runItemsQuery(db, merchantId, run.id) } : undefined;
}

/**
 * One PmtInf of a run and its items. With batch booking the bank credits each PmtInf as one
 * line (FRST and RCUR are separate PmtInfs), for `paymentInfo.controlSum` cents.
 */
export async function findCollectionPaymentInfo(db: Db, merchantId: string, paymentInfoId: string) {
  const id = compact(paymentInfoId).toLowerCase();
  const items = await db
    .select()
    .from(sepaCollectionItems)
    .where(
      and(
        eq(sepaCollectionItems.merchantId, merchantId),
        eq(sepaCollectionItems.paymentInfoId, id),
      ),
    )
    .orderBy(desc(sepaCollectionItems.id));
  const runId = items[0]?.runId;
  if (!runId) return undefined;
  const run = (
    await db
      .select()
      .from(sepaCollectionRuns)
      .where(and(eq(sepaCollectionRuns.merchantId, merchantId), eq(sepaCollectionRuns.id, runId)))
      .limit(1)
  )[0];
  const paymentInfo = run?.paymentInfos.find((info) => info.paymentInfoId === id);
  return run && paymentInfo
    ? { run, paymentInfo, items: items.filter((item) => item.runId === runId) }
    : undefined;
}

export type SettlementScope = { runId: string } | { paymentInfoId: string } | { itemId: string };

function scopeSql(scope: SettlementScope): SQL {
  if ("runId" in scope) return sql`${sepaCollectionItems.runId} = ${scope.runId}`;
  if ("paymentInfoId" in scope)
    return sql`${sepaCollectionItems.paymentInfoId} = ${compact(scope.paymentInfoId).toLowerCase()}`;
  return sql`${sepaCollectionItems.id} = ${scope.itemId}`;
}

/** Marks a run's items as done once none is pending. */
function completeRunsStatement(db: Db, merchantId: string, runIds: SQL, at: string) {
  return db
    .update(sepaCollectionRuns)
    .set({ status: "completed", completedAt: at })
    .where(
      and(
        eq(sepaCollectionRuns.merchantId, merchantId),
        eq(sepaCollectionRuns.status, "open"),
        sql`${sepaCollectionRuns.id} IN ${runIds}`,
        sql`NOT EXISTS (SELECT 1 FROM ${sepaCollectionItems} WHERE ${sepaCollectionItems.runId} = ${sepaCollectionRuns.id} AND ${sepaCollectionItems.status} = 'pending')`,
      ),
    );
}

/**
 * The bank credited the collections in `scope` (a whole run, one PmtInf or one item): their
 * pending items become settled, and each invoice gets the collected amount as paid.
 */
export function settleCollectionStatements(
  db: Db,
  merchantId: string,
  scope: SettlementScope,
  at: string,
): BatchItem<"sqlite">[] {
  const pending = sql`${sepaCollectionItems.merchantId} = ${merchantId} AND ${sepaCollectionItems.status} = 'pending' AND ${scopeSql(scope)}`;
  const collected = sql`(SELECT ${sepaCollectionItems.amount} FROM ${sepaCollectionItems} WHERE ${sepaCollectionItems.invoiceId} = ${invoices.id} AND ${pending})`;
  const runIds = sql`(SELECT ${sepaCollectionItems.runId} FROM ${sepaCollectionItems} WHERE ${sepaCollectionItems.merchantId} = ${merchantId} AND ${scopeSql(scope)})`;
  return [
    db
      .update(invoices)
      .set({
        amountPaid: sql`${invoices.amountPaid} + ${collected}`,
        status: sql`CASE WHEN ${invoices.amountPaid} + ${collected} >= ${invoices.grossAmount} THEN 'paid' ELSE 'partially_paid' END`,
      })
      .where(
        and(
          eq(invoices.merchantId, merchantId),
          eq(invoices.status, "collection_pending"),
          sql`${invoices.id} IN (SELECT ${sepaCollectionItems.invoiceId} FROM ${sepaCollectionItems} WHERE ${pending})`,
        ),
      ),
    db.update(sepaCollectionItems).set({ status: "settled", settledAt: at }).where(pending),
    completeRunsStatement(db, merchantId, runIds, at),
  ];
}

export interface ReturnBooking {
  at: string;
  /** ISO 20022 reason code, e.g. "AM04". */
  reasonCode?: string | null | undefined;
  /** What the return means for the mandate (`mandateStatusAfterReturn`); omitted: unchanged. */
  mandate?: MandateReturnOutcome | undefined;
}

/**
 * One collection came back (before or after it was settled): the item is returned, its invoice
 * is open again with the collected amount taken off what was paid, and the mandate follows the
 * reason code (dead, revoked, or a new FRST). Nothing happens to an item already returned, so
 * booking the same return twice changes nothing.
 */
export function returnCollectionItemStatements(
  db: Db,
  merchantId: string,
  itemId: string,
  booking: ReturnBooking,
): BatchItem<"sqlite">[] {
  const item = sql`${sepaCollectionItems.merchantId} = ${merchantId} AND ${sepaCollectionItems.id} = ${itemId}`;
  const returnable = sql`${item} AND ${sepaCollectionItems.status} IN ('pending', 'settled')`;
  const settledAmount = sql`COALESCE((SELECT ${sepaCollectionItems.amount} FROM ${sepaCollectionItems} WHERE ${item} AND ${sepaCollectionItems.status} = 'settled'), 0)`;
  const statements: BatchItem<"sqlite">[] = [
    db
      .update(invoices)
      .set({
        status: sql`CASE WHEN ${invoices.amountPaid} - ${settledAmount} > 0 THEN 'partially_paid' ELSE 'open' END`,
        amountPaid: sql`MAX(0, ${invoices.amountPaid} - ${settledAmount})`,
      })
      .where(
        and(
          eq(invoices.merchantId, merchantId),
          sql`${invoices.id} = (SELECT ${sepaCollectionItems.invoiceId} FROM ${sepaCollectionItems} WHERE ${returnable})`,
        ),
      ),
  ];
  const outcome = booking.mandate;
  if (outcome && (outcome.status !== "unchanged" || outcome.restartSequence)) {
    statements.push(
      db
        .update(sepaMandates)
        .set({
          ...(outcome.status !== "unchanged"
            ? {
                status: outcome.status,
                statusReason: `return:${booking.reasonCode ?? outcome.effect}`,
              }
            : {}),
          ...(outcome.status === "revoked" || outcome.status === "dead"
            ? { revokedAt: booking.at }
            : {}),
          ...(outcome.restartSequence ? { nextSequenceType: "FRST" } : {}),
          updatedAt: booking.at,
          version: sql`${sepaMandates.version} + 1`,
        })
        .where(
          and(
            eq(sepaMandates.merchantId, merchantId),
            sql`${sepaMandates.id} = (SELECT ${sepaCollectionItems.mandateId} FROM ${sepaCollectionItems} WHERE ${returnable})`,
          ),
        ),
    );
  }
  statements.push(
    db
      .update(sepaCollectionItems)
      .set({
        status: "returned",
        returnedAt: booking.at,
        returnReasonCode: booking.reasonCode ?? null,
      })
      .where(returnable),
    completeRunsStatement(
      db,
      merchantId,
      sql`(SELECT ${sepaCollectionItems.runId} FROM ${sepaCollectionItems} WHERE ${item})`,
      booking.at,
    ),
  );
  return statements;
}
