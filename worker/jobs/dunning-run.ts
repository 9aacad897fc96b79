// The dunning run (part of the billing cron): for each open invoice whose next level has come
// (merchant-local date), record the level with what it claims — open amount, level fees, § 288
// BGB interest, the B2B flat fee — and report it in the same batch: `invoice.overdue` with the
// first level, `dunning.level_reached` with each, and the customer's letter by e-mail. Bounded
// per tick; a level is written once per invoice, so re-runs and racing ticks change nothing.
import { addDays, localDate } from "../domain/calendar.ts";
import {
  claimOf,
  DUNNING_PAYMENT_DAYS,
  levelFee,
  nextLevel,
  type DunningHistoryEntry,
  type DunningLevel,
  type DunningSettings,
} from "../domain/dunning.ts";
import { newId } from "../security.ts";
import { database, isUniqueViolation, runBatch, type Db } from "../store/db.ts";
import {
  datedPaymentsOf,
  dunningLevelsOf,
  dunningLevelStatement,
  findDunningCandidates,
  findDunningSettings,
  type DunningCandidate,
} from "../store/dunning.ts";
import { queueEmailStatement } from "../store/email-outbox.ts";
import { eventStatements } from "../store/webhook-events.ts";

export interface DunningRunReport {
  candidates: number;
  levelsReached: number;
  errors: { invoiceId: string; message: string }[];
}

export interface DunningRunOptions {
  maxInvoices?: number;
  /** Only this merchant (the test clock). */
  merchantId?: string;
}

export async function runDunning(
  d1: D1Database,
  now: Date,
  options: DunningRunOptions = {},
): Promise<DunningRunReport> {
  const db = database(d1);
  const report: DunningRunReport = { candidates: 0, levelsReached: 0, errors: [] };
  const utcToday = now.toISOString().slice(0, 10);
  const candidates = await findDunningCandidates(
    db,
    addDays(utcToday, 1),
    options.maxInvoices ?? 200,
    options.merchantId,
  );
  report.candidates = candidates.length;
  if (candidates.length === 0) return report;
  const ids = candidates.map((c) => c.id);
  const [levels, payments] = await Promise.all([
    allLevels(db, candidates),
    datedPaymentsOf(db, ids),
  ]);
  const settingsOf = new Map<string, Promise<DunningSettings>>();
  for (const invoice of candidates) {
    if (!settingsOf.has(invoice.merchantId))
      settingsOf.set(invoice.merchantId, findDunningSettings(db, invoice.merchantId));
    const settings = await settingsOf.get(invoice.merchantId)!;
    const history = (levels.get(invoice.id) ?? []).map((l) => ({
      level: l.level as DunningLevel,
      reachedOn: l.reachedOn,
      fee: l.fee,
    }));
    try {
      const reached = await reachLevel(db, invoice, settings, history, now, {
        payments: payments.filter((p) => p.invoiceId === invoice.id),
      });
      if (reached) report.levelsReached += 1;
    } catch (error) {
      report.errors.push({ invoiceId: invoice.id, message: String(error) });
    }
  }
  return report;
}

async function allLevels(db: Db, candidates: readonly DunningCandidate[]) {
  const byMerchant = new Map<string, string[]>();
  for (const c of candidates)
    byMerchant.set(c.merchantId, [...(byMerchant.get(c.merchantId) ?? []), c.id]);
  const rows = (
    await Promise.all(
      [...byMerchant].map(([merchantId, ids]) => dunningLevelsOf(db, merchantId, ids)),
    )
  ).flat();
  const map = new Map<string, typeof rows>();
  for (const row of rows) map.set(row.invoiceId, [...(map.get(row.invoiceId) ?? []), row]);
  return map;
}

async function reachLevel(
  db: Db,
  invoice: DunningCandidate,
  settings: DunningSettings,
  history: DunningHistoryEntry[],
  now: Date,
  { payments }: { payments: { date: string; amount: number }[] },
): Promise<boolean> {
  const today = localDate(now, invoice.timeZone);
  const openAmount = invoice.grossAmount - invoice.amountPaid;
  const level = nextLevel({ dueDate: invoice.dueDate, today, openAmount, history }, settings);
  if (!level) return false;
  const fee = levelFee(level, settings);
  const claim = claimOf(
    {
      principal: invoice.grossAmount,
      currency: invoice.currency,
      dueDate: invoice.dueDate,
      asOf: today,
      payments,
      // The customer's kind (§ 288 (2) and (5) BGB for businesses: 9 points, the flat fee).
      debtor: invoice.debtor,
      history: [...history, { level, reachedOn: today, fee }],
    },
    settings,
  );
  const payBy = addDays(today, DUNNING_PAYMENT_DAYS);
  const overdue = {
    invoiceId: invoice.id,
    number: invoice.number,
    customerId: invoice.customerId,
    reachedOn: today,
    dueDate: invoice.dueDate,
    fee,
    ...claim,
    currency: invoice.currency,
    payBy,
  };
  const statements = [
    dunningLevelStatement(db, {
      id: newId("dun"),
      merchantId: invoice.merchantId,
      invoiceId: invoice.id,
      customerId: invoice.customerId,
      level,
      reachedOn: today,
      fee,
      openAmount: claim.openAmount,
      interest: claim.interest,
      flatFee: claim.flatFee,
      total: claim.total,
    }),
    ...(history.length === 0
      ? eventStatements(db, {
          merchantId: invoice.merchantId,
          type: "invoice.overdue",
          data: overdue,
          at: now,
        })
      : []),
    ...eventStatements(db, {
      merchantId: invoice.merchantId,
      type: "dunning.level_reached",
      data: { ...overdue, level },
      at: now,
    }),
    queueEmailStatement(db, {
      merchantId: invoice.merchantId,
      customerId: invoice.customerId,
      dedupeKey: `${invoice.id}:${level}`,
      at: now,
      facts: {
        kind: "dunning_level_reached",
        level,
        currency: invoice.currency,
        invoiceNumber: invoice.number,
        dueDate: invoice.dueDate,
        openAmount: claim.openAmount,
        fees: claim.fees,
        interest: claim.interest,
        flatFee: claim.flatFee,
        total: claim.total,
        payBy,
        paymentReference: invoice.paymentReference,
      },
    }),
  ];
  try {
    await runBatch(db, statements);
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}
