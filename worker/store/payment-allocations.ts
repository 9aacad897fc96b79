// Payments booked onto invoices and customer credit, as statements for the caller's batch: book,
// reverse (never delete), and bring invoices' amountPaid and status back in line with their
// active allocations. Invoices the SEPA settlement statements update themselves are only mirrored
// here (collectionAllocationsStatement), so their payment is never counted twice.
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  customerCredits,
  paymentAllocations,
  paymentReturns,
} from "../../schema/reconciliation.ts";
import { sepaCollectionItems } from "../../schema/sepa.ts";
import { invoices } from "../../schema/tables.ts";
import { creditAppliedTo } from "./customer-credit.ts";
import type { Db } from "./db.ts";

export type AllocationRecord = typeof paymentAllocations.$inferSelect;
export type CreditRecord = typeof customerCredits.$inferSelect;
export type ReturnRecord = typeof paymentReturns.$inferSelect;

const jsonIds = (ids: readonly string[]) =>
  sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;

export interface NewAllocation {
  id: string;
  merchantId: string;
  entryId: string;
  bankTransactionId: string;
  invoiceId: string;
  customerId: string;
  amount: number;
  currency: string;
  rule: string;
  paymentDate: string | null;
  /** What the invoice had paid when the decision was made; anything else aborts the batch. */
  expectedPaid: number;
  at: string;
}

/**
 * The invoice id is taken through a guard: the invoice must still take money, have exactly the
 * paid amount the decision saw, and have at least this much open. Otherwise NULL aborts the
 * batch, so no invoice is ever booked beyond its gross amount.
 */
export function allocationStatement(db: Db, a: NewAllocation): BatchItem<"sqlite"> {
  const guarded = sql`(SELECT ${invoices.id} FROM ${invoices} WHERE ${invoices.merchantId} = ${a.merchantId} AND ${invoices.id} = ${a.invoiceId}
    AND ${invoices.status} IN ('open', 'partially_paid') AND ${invoices.amountPaid} = ${a.expectedPaid} AND ${invoices.grossAmount} - ${invoices.amountPaid} >= ${a.amount})`;
  return db.insert(paymentAllocations).values({
    id: a.id,
    merchantId: a.merchantId,
    entryId: a.entryId,
    bankTransactionId: a.bankTransactionId,
    invoiceId: guarded,
    customerId: a.customerId,
    amount: a.amount,
    currency: a.currency,
    rule: a.rule,
    paymentDate: a.paymentDate,
    bookedAt: a.at,
  });
}

export interface CollectionAllocations {
  merchantId: string;
  entryId: string;
  bankTransactionId: string;
  rule: string;
  currency: string;
  paymentDate: string | null;
  at: string;
  /** Allocation id per collection item. */
  items: { id: string; itemId: string }[];
}

/**
 * One allocation per collection item the settlement statements are about to settle: exactly the
 * items still pending whose invoice is `collection_pending` (the ones whose amountPaid they raise).
 * Must run before them in the batch.
 */
export function collectionAllocationsStatement(
  db: Db,
  c: CollectionAllocations,
): BatchItem<"sqlite"> {
  const field = (name: string) => sql.raw(`json_extract(j.value, '$.${name}')`);
  return db.insert(paymentAllocations)
    .select(sql`SELECT ${field("id")}, ${c.merchantId}, ${c.entryId}, ${c.bankTransactionId}, i.invoice_id, i.customer_id, i.amount,
      ${c.currency}, ${c.rule}, ${c.paymentDate}, i.id, ${c.at}, NULL, NULL, NULL, ${c.at}
    FROM json_each(${JSON.stringify(c.items)}) AS j JOIN ${sepaCollectionItems} AS i ON i.id = ${field("itemId")}
    WHERE i.merchant_id = ${c.merchantId} AND i.status = 'pending'
      AND (SELECT ${invoices.status} FROM ${invoices} WHERE ${invoices.id} = i.invoice_id) = 'collection_pending'`);
}

/** The transaction's active allocations are undone by `entryId`. */
export function reverseTransactionAllocationsStatement(
  db: Db,
  merchantId: string,
  bankTransactionId: string,
  entryId: string,
  reversal: string,
  at: string,
): BatchItem<"sqlite"> {
  return db
    .update(paymentAllocations)
    .set({ reversedAt: at, reversedByEntryId: entryId, reversal })
    .where(
      and(
        eq(paymentAllocations.merchantId, merchantId),
        eq(paymentAllocations.bankTransactionId, bankTransactionId),
        isNull(paymentAllocations.reversedAt),
      ),
    );
}

// By merchant and invoice, so the sum reads the payment_allocations_invoice index (without the
// merchant it walked every allocation for every invoice it recomputed); credit applied counts.
const activePaid = sql`((SELECT COALESCE(SUM(a.amount), 0) FROM ${paymentAllocations} AS a WHERE a.merchant_id = ${invoices.merchantId} AND a.invoice_id = ${invoices.id} AND a.reversed_at IS NULL) + ${creditAppliedTo(sql`${invoices.id}`)})`;

/**
 * amountPaid and status from the active allocations: open → partially_paid → paid, and back.
 * Invoices in a pending collection or void are left alone (their state belongs to others).
 */
export function recomputeInvoicesStatement(
  db: Db,
  merchantId: string,
  invoiceIds: readonly string[],
): BatchItem<"sqlite"> {
  return db
    .update(invoices)
    .set({
      amountPaid: activePaid,
      status: sql`CASE WHEN ${activePaid} >= ${invoices.grossAmount} THEN 'paid' WHEN ${activePaid} > 0 THEN 'partially_paid' ELSE 'open' END`,
    })
    .where(
      and(
        eq(invoices.merchantId, merchantId),
        sql`${invoices.id} IN ${jsonIds(invoiceIds)}`,
        sql`${invoices.status} IN ('open', 'partially_paid', 'paid')`,
      ),
    );
}

export interface NewCredit {
  id: string;
  merchantId: string;
  customerId: string;
  entryId: string;
  bankTransactionId: string;
  amount: number;
  currency: string;
  reason: "overpayment" | "manual_remainder";
  at: string;
}

export function creditStatement(db: Db, c: NewCredit): BatchItem<"sqlite"> {
  return db.insert(customerCredits).values({ ...c, bookedAt: c.at });
}

export function reverseTransactionCreditsStatement(
  db: Db,
  merchantId: string,
  bankTransactionId: string,
  entryId: string,
  at: string,
): BatchItem<"sqlite"> {
  return db
    .update(customerCredits)
    .set({ reversedAt: at, reversedByEntryId: entryId })
    .where(
      and(
        eq(customerCredits.merchantId, merchantId),
        eq(customerCredits.bankTransactionId, bankTransactionId),
        isNull(customerCredits.reversedAt),
      ),
    );
}

export interface TransactionBookings {
  allocations: AllocationRecord[];
  credits: CreditRecord[];
  returns: ReturnRecord[];
}

/** Everything booked from these transactions (reversed rows included), in one round trip. */
export async function bookingsOfTransactions(
  db: Db,
  merchantId: string,
  bankTransactionIds: readonly string[],
): Promise<TransactionBookings> {
  if (bankTransactionIds.length === 0) return { allocations: [], credits: [], returns: [] };
  const [allocations, credits, returns] = await db.batch([
    db
      .select()
      .from(paymentAllocations)
      .where(
        and(
          eq(paymentAllocations.merchantId, merchantId),
          sql`${paymentAllocations.bankTransactionId} IN ${jsonIds(bankTransactionIds)}`,
        ),
      )
      .orderBy(asc(paymentAllocations.id)),
    db
      .select()
      .from(customerCredits)
      .where(
        and(
          eq(customerCredits.merchantId, merchantId),
          sql`${customerCredits.bankTransactionId} IN ${jsonIds(bankTransactionIds)}`,
        ),
      )
      .orderBy(asc(customerCredits.id)),
    db
      .select()
      .from(paymentReturns)
      .where(
        and(
          eq(paymentReturns.merchantId, merchantId),
          sql`${paymentReturns.bankTransactionId} IN ${jsonIds(bankTransactionIds)}`,
        ),
      )
      .orderBy(asc(paymentReturns.id)),
  ]);
  return { allocations, credits, returns };
}

/** An invoice's payments and returns, newest first. */
export async function paymentsOfInvoice(
  db: Db,
  merchantId: string,
  invoiceId: string,
): Promise<{ allocations: AllocationRecord[]; returns: ReturnRecord[] }> {
  const [allocations, returns] = await db.batch([
    db
      .select()
      .from(paymentAllocations)
      .where(
        and(
          eq(paymentAllocations.merchantId, merchantId),
          eq(paymentAllocations.invoiceId, invoiceId),
        ),
      )
      .orderBy(desc(paymentAllocations.id)),
    db
      .select()
      .from(paymentReturns)
      .where(
        and(eq(paymentReturns.merchantId, merchantId), eq(paymentReturns.invoiceId, invoiceId)),
      )
      .orderBy(desc(paymentReturns.id)),
  ]);
  return { allocations, returns };
}
