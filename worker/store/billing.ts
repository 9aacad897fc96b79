// What the billing run reads and writes: contracts with due work, the statements that bill the
// next period (advance the period, snapshot what each item was billed at, issue the invoice
// with carried proration lines) and the ones that end a contract.
import { and, asc, eq, gt, inArray, lte, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { union } from "drizzle-orm/sqlite-core";
import {
  carriedLines,
  contractChanges,
  contractItems,
  contracts,
  merchants,
} from "../../schema/tables.ts";
import type { Period } from "../domain/calendar.ts";
import { newId } from "../security.ts";
import { guardedContractWrite } from "./contracts.ts";
import type { InvoiceDraft } from "../domain/invoice-draft.ts";
import type { Db } from "./db.ts";
import { issueInvoiceStatements } from "./invoices.ts";
import { eventStatements } from "./webhook-events.ts";

export interface DueContract {
  id: string;
  merchantId: string;
  timeZone: string;
}

/**
 * Contracts with a period end or a scheduled change on or before `latestToday` (the furthest
 * "today" of any merchant time zone). Work shrinks this set as it is done, so it is its own
 * cursor across ticks; `after` pages within one tick.
 */
export async function findDueContracts(
  db: Db,
  latestToday: string,
  after: string,
  limit: number,
  merchantId?: string,
): Promise<DueContract[]> {
  const dueChange = db
    .select({ id: contractChanges.contractId })
    .from(contractChanges)
    .where(
      and(eq(contractChanges.status, "scheduled"), lte(contractChanges.effectiveDate, latestToday)),
    );
  return db
    .select({ id: contracts.id, merchantId: contracts.merchantId, timeZone: merchants.timeZone })
    .from(contracts)
    .innerJoin(merchants, eq(merchants.id, contracts.merchantId))
    .where(
      and(
        inArray(contracts.status, ["active", "cancellation_pending"]),
        gt(contracts.id, after),
        // Test-mode merchants run on their own clock (worker/jobs/test-clock.ts), never the cron's.
        merchantId === undefined
          ? eq(merchants.mode, "live")
          : eq(contracts.merchantId, merchantId),
        or(lte(contracts.currentPeriodEnd, latestToday), inArray(contracts.id, dueChange)),
      ),
    )
    .orderBy(asc(contracts.id))
    .limit(limit);
}

/** The merchants with due work, for the cron to enqueue a billing message for each. */
export async function merchantsWithDueContracts(db: Db, latestToday: string): Promise<string[]> {
  // Test-mode merchants run on their own clock (worker/jobs/test-clock.ts), never the cron's.
  const live = db.select({ id: merchants.id }).from(merchants).where(eq(merchants.mode, "live"));
  const byPeriod = db
    .selectDistinct({ merchantId: contracts.merchantId })
    .from(contracts)
    .where(
      and(
        inArray(contracts.status, ["active", "cancellation_pending"]),
        lte(contracts.currentPeriodEnd, latestToday),
        inArray(contracts.merchantId, live),
      ),
    );
  const byChange = db
    .selectDistinct({ merchantId: contractChanges.merchantId })
    .from(contractChanges)
    .where(
      and(
        eq(contractChanges.status, "scheduled"),
        lte(contractChanges.effectiveDate, latestToday),
        inArray(contractChanges.merchantId, live),
      ),
    );
  const rows = await union(byPeriod, byChange);
  return rows.map((row) => row.merchantId);
}

interface PeriodBilling {
  contract: { id: string; merchantId: string; version: number };
  period: Period;
  items: { id: string; billedPeriodAmount: number }[];
  carriedLineIds: string[];
  invoice: InvoiceDraft;
}

export function billPeriodStatements(
  db: Db,
  billing: PeriodBilling,
  at: Date,
): BatchItem<"sqlite">[] {
  const { contract, period } = billing;
  return [
    ...guardedContractWrite(db, contract, newId("wrt"), {
      currentPeriodStart: period.start,
      currentPeriodEnd: period.end,
      updatedAt: at.toISOString(),
    }),
    ...billing.items.map((item) =>
      db
        .update(contractItems)
        .set({ billedPeriodAmount: item.billedPeriodAmount, billedPeriodStart: period.start })
        .where(
          and(eq(contractItems.merchantId, contract.merchantId), eq(contractItems.id, item.id)),
        ),
    ),
    ...(billing.carriedLineIds.length > 0
      ? [
          db
            .update(carriedLines)
            .set({ invoiceId: billing.invoice.id })
            .where(
              and(
                eq(carriedLines.merchantId, contract.merchantId),
                inArray(carriedLines.id, billing.carriedLineIds),
                sql`${carriedLines.invoiceId} IS NULL`,
              ),
            ),
        ]
      : []),
    ...issueInvoiceStatements(db, billing.invoice, at),
  ];
}

export function endContractStatements(
  db: Db,
  contract: {
    id: string;
    merchantId: string;
    customerId: string;
    version: number;
    endDate: string | null;
  },
  at: Date,
): BatchItem<"sqlite">[] {
  return [
    ...guardedContractWrite(db, contract, newId("wrt"), {
      status: "ended",
      updatedAt: at.toISOString(),
    }),
    ...eventStatements(db, {
      merchantId: contract.merchantId,
      type: "contract.ended",
      data: { contractId: contract.id, customerId: contract.customerId, endDate: contract.endDate },
      at,
    }),
  ];
}
