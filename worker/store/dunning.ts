// The merchant's dunning settings (defaults until the merchant changes them) and the dunning
// levels invoices reached.
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { dunningLevels, dunningSettings } from "../../schema/dunning.ts";
import { creditUses } from "../../schema/customer-credit.ts";
import { paymentAllocations } from "../../schema/reconciliation.ts";
import { DEFAULT_DUNNING_SETTINGS, type DunningSettings } from "../domain/dunning.ts";
import type { Db } from "./db.ts";

export type DunningLevelRecord = typeof dunningLevels.$inferSelect;

/** Stored values over the defaults, so a setting added later has its default for everyone. */
export async function findDunningSettings(db: Db, merchantId: string): Promise<DunningSettings> {
  const [row] = await db
    .select({ settings: dunningSettings.settings })
    .from(dunningSettings)
    .where(eq(dunningSettings.merchantId, merchantId));
  return { ...DEFAULT_DUNNING_SETTINGS, ...row?.settings };
}

export async function saveDunningSettings(
  db: Db,
  merchantId: string,
  settings: DunningSettings,
  at: string,
): Promise<void> {
  await db
    .insert(dunningSettings)
    .values({ merchantId, settings, updatedAt: at })
    .onConflictDoUpdate({ target: dunningSettings.merchantId, set: { settings, updatedAt: at } });
}

export async function dunningLevelsOf(
  db: Db,
  merchantId: string,
  invoiceIds: readonly string[],
): Promise<DunningLevelRecord[]> {
  if (invoiceIds.length === 0) return [];
  return db
    .select()
    .from(dunningLevels)
    .where(
      and(
        eq(dunningLevels.merchantId, merchantId),
        inArray(dunningLevels.invoiceId, [...invoiceIds]),
      ),
    )
    .orderBy(asc(dunningLevels.invoiceId), asc(dunningLevels.reachedOn), asc(dunningLevels.id));
}

export interface DunningCandidate {
  id: string;
  merchantId: string;
  customerId: string;
  number: string;
  currency: string;
  grossAmount: number;
  amountPaid: number;
  dueDate: string;
  paymentReference: string;
  timeZone: string;
  reached: number;
  /** The customer's kind: a business owes 9 points over the base rate and the 40 EUR flat fee. */
  debtor: "consumer" | "business";
}

/**
 * Open invoices whose next automatic level may be due, oldest due date first. The days of the
 * merchant's level are compared in SQL (one day of slack for time zones), so an invoice leaves
 * the set once it got its level until the next one comes due: the set is the run's cursor.
 */
export async function findDunningCandidates(
  db: Db,
  utcToday: string,
  limit: number,
  merchantId?: string,
): Promise<DunningCandidate[]> {
  const defaults = JSON.stringify(DEFAULT_DUNNING_SETTINGS.reminderDays);
  return db.all<DunningCandidate>(sql`
    SELECT i.id, i.merchant_id AS merchantId, i.customer_id AS customerId, i.number, i.currency,
      i.gross_amount AS grossAmount, i.amount_paid AS amountPaid, i.due_date AS dueDate,
      i.payment_reference AS paymentReference, m.time_zone AS timeZone, i.reached,
      COALESCE(c.kind, 'consumer') AS debtor
    FROM (SELECT invoices.*, (SELECT COUNT(*) FROM dunning_levels AS d WHERE d.invoice_id = invoices.id) AS reached
          FROM invoices
          WHERE invoices.status IN ('open', 'partially_paid') AND invoices.kind <> 'credit_note'
            AND invoices.gross_amount > invoices.amount_paid AND invoices.due_date < ${utcToday}
            ${merchantId ? sql`AND invoices.merchant_id = ${merchantId}` : sql``}) AS i
    JOIN merchants AS m ON m.id = i.merchant_id ${merchantId ? sql`` : sql`AND m.mode = 'live'`}
    LEFT JOIN customers AS c ON c.id = i.customer_id AND c.merchant_id = i.merchant_id
    LEFT JOIN dunning_settings AS s ON s.merchant_id = i.merchant_id
    WHERE i.reached < 3
      AND NOT EXISTS (SELECT 1 FROM dunning_levels AS h WHERE h.invoice_id = i.id AND h.level = 'handed_over')
      AND i.due_date <= date(${utcToday}, '+1 day', '-' || COALESCE(
        json_extract(s.settings, '$.reminderDays[' || i.reached || ']'),
        json_extract(${defaults}, '$[' || i.reached || ']')) || ' days')
    ORDER BY i.due_date, i.id
    LIMIT ${limit}`);
}

/**
 * Active payments on the invoices, dated: the base of default interest moves with them. Credit
 * applied to an invoice counts as paid on the day it was applied. One query.
 */
export async function datedPaymentsOf(db: Db, invoiceIds: readonly string[]) {
  if (invoiceIds.length === 0) return [];
  const ids = sql`(SELECT value FROM json_each(${JSON.stringify(invoiceIds)}))`;
  return db.all<{ invoiceId: string; amount: number; date: string }>(sql`
    SELECT ${paymentAllocations.invoiceId} AS invoiceId, ${paymentAllocations.amount} AS amount,
      COALESCE(${paymentAllocations.paymentDate}, substr(${paymentAllocations.bookedAt}, 1, 10)) AS date
    FROM ${paymentAllocations}
    WHERE ${paymentAllocations.invoiceId} IN ${ids} AND ${paymentAllocations.reversedAt} IS NULL
    UNION ALL
    SELECT u.invoice_id, u.amount, substr(u.used_at, 1, 10) FROM ${creditUses} AS u
    WHERE u.invoice_id IN ${ids} AND u.kind = 'applied' AND u.reversed_at IS NULL`);
}

export function dunningLevelStatement(db: Db, row: typeof dunningLevels.$inferInsert) {
  // A plain insert: the unique (invoice, level) key fails the whole batch when another run got
  // there first, so its events and mail are not written twice either.
  return db.insert(dunningLevels).values(row);
}
