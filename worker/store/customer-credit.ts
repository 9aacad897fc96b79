// Customer credit in use, as statements for the caller's batch and the reads of the credit view.
// `applyCreditStatements` puts a customer's remaining credit onto their open invoices inside the
// batch that issues an invoice or books a credit: the same rule as worker/domain/customer-credit.ts
// (oldest credit onto the oldest invoice, by issue date and number), written in SQL as the
// overlap of the running sums of both sides, so it reads what the batch has just written and
// needs no read before it. Refunds take from credits through a guard on their remainder.
import { and, asc, eq, isNull, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { BatchItem } from "drizzle-orm/batch";
import { creditRefunds, creditUses } from "../../schema/customer-credit.ts";
import { customerCredits } from "../../schema/reconciliation.ts";
import { invoices } from "../../schema/tables.ts";
import type { CreditBalance } from "../domain/customer-credit.ts";
import { newId } from "../security.ts";
import type { Db } from "./db.ts";
import { eventStatements } from "./webhook-events.ts";

export type CreditUseRecord = typeof creditUses.$inferSelect;
export type CreditRefundRecord = typeof creditRefunds.$inferSelect;

/** A credit's remainder: its amount less its active uses (applied and refunded). */
const remainderOf = (creditId: SQL) =>
  sql`(SELECT COALESCE(SUM(u.amount), 0) FROM ${creditUses} AS u WHERE u.credit_id = ${creditId} AND u.reversed_at IS NULL)`;

/** What credit applied to an invoice adds to its paid amount (payment-allocations' recompute). */
export const creditAppliedTo = (invoiceId: SQL) =>
  sql`(SELECT COALESCE(SUM(u.amount), 0) FROM ${creditUses} AS u WHERE u.invoice_id = ${invoiceId} AND u.kind = 'applied' AND u.reversed_at IS NULL)`;

export interface CreditOwner {
  merchantId: string;
  customerId: string;
  currency: string;
}

/**
 * Apply what is left of the customer's credit to their open invoices (not those in a pending
 * collection: the bank is debiting them), raise the invoices' paid amount and status, and report
 * `customer_credit.applied` when anything was applied. Four statements, nothing read before.
 */
export function applyCreditStatements(db: Db, owner: CreditOwner, at: Date): BatchItem<"sqlite">[] {
  const batchId = newId("cru");
  const usedAt = at.toISOString();
  const { merchantId, customerId, currency } = owner;
  // Running sums of both sides, oldest first: a credit covers [hi - remaining, hi) of the
  // customer's credit, an invoice [hi - owed, hi) of what is owed; their overlap is applied.
  const credits = sql`SELECT id, remaining, SUM(remaining) OVER (ORDER BY booked_at, id ROWS UNBOUNDED PRECEDING) AS hi
    FROM (SELECT cc.id, cc.booked_at, cc.amount - ${remainderOf(sql`cc.id`)} AS remaining
      FROM ${customerCredits} AS cc
      WHERE cc.merchant_id = ${merchantId} AND cc.customer_id = ${customerId}
        AND cc.currency = ${currency} AND cc.reversed_at IS NULL)
    WHERE remaining > 0`;
  const owed = sql`SELECT id, owed, SUM(owed) OVER (ORDER BY issue_date, number ROWS UNBOUNDED PRECEDING) AS hi
    FROM (SELECT id, issue_date, number, gross_amount - amount_paid AS owed FROM ${invoices}
      WHERE merchant_id = ${merchantId} AND customer_id = ${customerId} AND currency = ${currency}
        AND status IN ('open', 'partially_paid') AND kind <> 'credit_note' AND gross_amount > amount_paid)`;
  const apply = db.insert(creditUses).select(
    sql`SELECT ${batchId} || ':' || cs.id || ':' || iv.id, ${merchantId}, ${customerId}, cs.id, 'applied', iv.id, NULL,
      MIN(cs.hi, iv.hi) - MAX(cs.hi - cs.remaining, iv.hi - iv.owed), ${currency}, ${batchId}, ${usedAt}, NULL
    FROM (${credits}) AS cs JOIN (${owed}) AS iv ON cs.hi - cs.remaining < iv.hi AND iv.hi - iv.owed < cs.hi`,
  );
  const appliedHere = sql`(SELECT COALESCE(SUM(u.amount), 0) FROM ${creditUses} AS u WHERE u.batch_id = ${batchId} AND u.invoice_id = ${invoices.id})`;
  const applied = sql`EXISTS (SELECT 1 FROM ${creditUses} WHERE batch_id = ${batchId})`;
  return [
    apply,
    db
      .update(invoices)
      .set({
        amountPaid: sql`${invoices.amountPaid} + ${appliedHere}`,
        status: sql`CASE WHEN ${invoices.amountPaid} + ${appliedHere} >= ${invoices.grossAmount} THEN 'paid' ELSE 'partially_paid' END`,
      })
      .where(
        and(
          eq(invoices.merchantId, merchantId),
          sql`${invoices.id} IN (SELECT invoice_id FROM ${creditUses} WHERE batch_id = ${batchId})`,
        ),
      ),
    ...eventStatements(db, {
      merchantId,
      type: "customer_credit.applied",
      data: { customerId, currency, amount: 0, applications: [] },
      dataSql: {
        amount: sql`(SELECT SUM(amount) FROM ${creditUses} WHERE batch_id = ${batchId})`,
        applications: sql`(SELECT json_group_array(json_object('creditId', credit_id, 'invoiceId', invoice_id, 'amount', amount)) FROM (SELECT credit_id, invoice_id, amount FROM ${creditUses} WHERE batch_id = ${batchId} ORDER BY id))`,
      },
      when: applied,
      at,
    }),
  ];
}

/**
 * Whether the customer (outer columns) has credit left to apply: a column for the billing page's
 * customers read, so its write applies credit (four statements) only for them.
 */
export const hasCreditLeft = (merchantId: SQL | SQLiteColumn, customerId: SQL | SQLiteColumn) =>
  sql<number>`EXISTS (SELECT 1 FROM ${customerCredits} AS cc WHERE cc.merchant_id = ${merchantId} AND cc.customer_id = ${customerId} AND cc.reversed_at IS NULL AND cc.amount > ${remainderOf(sql`cc.id`)})`;

export interface CustomerCreditLedger {
  credits: (typeof customerCredits.$inferSelect)[];
  uses: CreditUseRecord[];
  refunds: CreditRefundRecord[];
  invoiceNumbers: Map<string, string>;
}

/** All of a customer's credit bookings, uses and refunds, in one round trip. */
export async function customerCreditLedger(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<CustomerCreditLedger> {
  const [credits, uses, refunds, numbered] = await db.batch([
    db
      .select()
      .from(customerCredits)
      .where(
        and(eq(customerCredits.merchantId, merchantId), eq(customerCredits.customerId, customerId)),
      )
      .orderBy(asc(customerCredits.bookedAt), asc(customerCredits.id)),
    db
      .select()
      .from(creditUses)
      .where(and(eq(creditUses.merchantId, merchantId), eq(creditUses.customerId, customerId)))
      .orderBy(asc(creditUses.usedAt), asc(creditUses.id)),
    db
      .select()
      .from(creditRefunds)
      .where(
        and(eq(creditRefunds.merchantId, merchantId), eq(creditRefunds.customerId, customerId)),
      )
      .orderBy(asc(creditRefunds.refundedAt), asc(creditRefunds.id)),
    db
      .select({ id: invoices.id, number: invoices.number })
      .from(invoices)
      .where(
        and(
          eq(invoices.merchantId, merchantId),
          sql`${invoices.id} IN (SELECT invoice_id FROM ${creditUses} WHERE merchant_id = ${merchantId} AND customer_id = ${customerId})`,
        ),
      ),
  ]);
  return {
    credits,
    uses,
    refunds,
    invoiceNumbers: new Map(numbered.map((row) => [row.id, row.number])),
  };
}

/** The credits still usable, with what is left of each (the domain's input). */
export function creditBalances(ledger: CustomerCreditLedger, currency?: string): CreditBalance[] {
  return ledger.credits
    .filter((c) => c.reversedAt === null && (currency === undefined || c.currency === currency))
    .map((c) => ({
      id: c.id,
      bookedAt: c.bookedAt,
      remaining:
        c.amount -
        ledger.uses
          .filter((u) => u.creditId === c.id && u.reversedAt === null)
          .reduce((sum, u) => sum + u.amount, 0),
    }));
}

/** Credit applied to each of these invoices (active uses). */
export async function creditAppliedToInvoices(
  db: Db,
  merchantId: string,
  invoiceIds: readonly string[],
): Promise<Map<string, number>> {
  if (invoiceIds.length === 0) return new Map();
  const rows = await db
    .select({ invoiceId: creditUses.invoiceId, amount: sql<number>`SUM(${creditUses.amount})` })
    .from(creditUses)
    .where(
      and(
        eq(creditUses.merchantId, merchantId),
        eq(creditUses.kind, "applied"),
        isNull(creditUses.reversedAt),
        sql`${creditUses.invoiceId} IN (SELECT value FROM json_each(${JSON.stringify(invoiceIds)}))`,
      ),
    )
    .groupBy(creditUses.invoiceId);
  return new Map(rows.map((row) => [row.invoiceId!, Number(row.amount)]));
}

export interface NewRefund {
  id: string;
  owner: CreditOwner;
  amount: number;
  ibanMasked: string | null;
  reference: string | null;
  /** What each credit gives (domain refundFrom), each with the remainder the decision saw. */
  takes: { creditId: string; amount: number; remaining: number }[];
  /** The balance after the refund, for the event. */
  balanceAfter: number;
  at: Date;
}

/**
 * The refund, its uses and the event. Each use takes its credit id through a guard: the credit's
 * remainder must still be what the decision saw, or NULL aborts the batch (a concurrent refund or
 * application got there first), so the balance can never go below zero.
 */
export function refundStatements(db: Db, r: NewRefund): BatchItem<"sqlite">[] {
  const at = r.at.toISOString();
  const { merchantId, customerId, currency } = r.owner;
  return [
    db.insert(creditRefunds).values({
      id: r.id,
      merchantId,
      customerId,
      amount: r.amount,
      currency,
      ibanMasked: r.ibanMasked,
      reference: r.reference,
      refundedAt: at,
    }),
    ...r.takes.map((take, index) =>
      db.insert(creditUses).values({
        id: `${r.id}:${index}`,
        merchantId,
        customerId,
        creditId: sql`(SELECT cc.id FROM ${customerCredits} AS cc WHERE cc.merchant_id = ${merchantId} AND cc.id = ${take.creditId}
          AND cc.reversed_at IS NULL AND cc.amount - ${remainderOf(sql`cc.id`)} = ${take.remaining})`,
        kind: "refunded",
        invoiceId: null,
        refundId: r.id,
        amount: take.amount,
        currency,
        batchId: r.id,
        usedAt: at,
      }),
    ),
    ...eventStatements(db, {
      merchantId,
      type: "customer_credit.refunded",
      data: {
        refundId: r.id,
        customerId,
        currency,
        amount: r.amount,
        reference: r.reference,
        balance: r.balanceAfter,
      },
      at: r.at,
    }),
  ];
}

/**
 * Before a transaction's credits are reversed (the transaction is booked anew): what they had
 * paid on invoices is taken back from those invoices, and those uses are marked reversed.
 * Invoices in a pending collection keep their status; the others go back to open or partial.
 */
export function reverseTransactionCreditUsesStatements(
  db: Db,
  merchantId: string,
  bankTransactionId: string,
  at: string,
): BatchItem<"sqlite">[] {
  const usesOfTransaction = sql`SELECT u.id FROM ${creditUses} AS u JOIN ${customerCredits} AS cc ON cc.id = u.credit_id
    WHERE cc.merchant_id = ${merchantId} AND cc.bank_transaction_id = ${bankTransactionId}
      AND cc.reversed_at IS NULL AND u.kind = 'applied' AND u.reversed_at IS NULL`;
  const takenBack = sql`(SELECT COALESCE(SUM(u.amount), 0) FROM ${creditUses} AS u WHERE u.invoice_id = ${invoices.id} AND u.id IN (${usesOfTransaction}))`;
  return [
    db
      .update(invoices)
      .set({
        amountPaid: sql`MAX(0, ${invoices.amountPaid} - ${takenBack})`,
        status: sql`CASE WHEN ${invoices.status} NOT IN ('open', 'partially_paid', 'paid') THEN ${invoices.status}
          WHEN ${invoices.amountPaid} - ${takenBack} > 0 THEN 'partially_paid' ELSE 'open' END`,
      })
      .where(
        and(
          eq(invoices.merchantId, merchantId),
          sql`${invoices.id} IN (SELECT u.invoice_id FROM ${creditUses} AS u WHERE u.id IN (${usesOfTransaction}))`,
        ),
      ),
    db
      .update(creditUses)
      .set({ reversedAt: at })
      .where(sql`${creditUses.id} IN (${usesOfTransaction})`),
  ];
}

function causeMessages(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? error.message : `${error.message} ${causeMessages(cause)}`;
}

/** A refund's guard fired: a credit's remainder changed since it was read (nothing was written). */
export function isCreditConflict(error: unknown): boolean {
  return /NOT NULL constraint failed: credit_uses\.credit_id/.test(causeMessages(error));
}
