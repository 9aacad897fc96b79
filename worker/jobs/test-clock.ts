// Advancing a test-mode merchant's clock: for each merchant-local day after the clock's, up to the
// target, the billing run, the dunning run and webhook and e-mail delivery run for THAT merchant
// as of that day, and the clock moves onto the day once its work is through. Everything is
// metered against the invocation's D1 query budget: a day that no longer fits is left for the
// next invocation (a JOBS message, see job-queue.ts), which repeats the day — every job is
// idempotent, so a repeated day issues nothing twice.
import { addDays, localDate, type IsoDate } from "../domain/calendar.ts";
import { instantOfDay } from "../domain/test-clock.ts";
import type { Bindings } from "../env.ts";
import { database } from "../store/db.ts";
import { findMerchant, moveTestClock } from "../store/merchants.ts";
import { runBilling } from "./billing-run.ts";
import { runDunning } from "./dunning-run.ts";
import { deliverEmails } from "./email-delivery.ts";
import { meteredD1, QueryBudgetExceeded, type QueryMeter } from "./query-budget.ts";
import { deliverWebhooks } from "./webhook-delivery.ts";

/** The queries one quiet day needs at least (pages of each job and the clock's move). */
export const TEST_CLOCK_DAY_RESERVE = 40;
/** Dunning: reads, and the most one level writes (as in job-queue.ts). */
const DUNNING_READS = 4;
const DUNNING_PER_INVOICE = 8;
/** Mails per day and invocation: each costs a few statements of the budget. */
const MAILS_PER_DAY = 10;

export interface TestClockStatus {
  now: string;
  today: IsoDate;
  timeZone: string;
  /** The day an unfinished advance is moving to (continued through the job queue), else null. */
  advancingTo: IsoDate | null;
}

export interface AdvanceReport {
  status: TestClockStatus;
  daysRun: number;
  invoicesIssued: number;
  dunningLevelsReached: number;
  webhooksDelivered: number;
  emailsSent: number;
  /** False when the budget ran out before `to`: the rest continues in the next invocation. */
  done: boolean;
}

export function clockStatus(merchant: {
  testClockAt: string | null;
  testClockTarget: string | null;
  timeZone: string;
}): TestClockStatus {
  const now = merchant.testClockAt ?? new Date(0).toISOString();
  return {
    now,
    today: localDate(new Date(now), merchant.timeZone),
    timeZone: merchant.timeZone,
    advancingTo: merchant.testClockTarget,
  };
}

export async function advanceTestClock(
  env: Bindings,
  merchantId: string,
  to: IsoDate,
  meter: QueryMeter,
): Promise<AdvanceReport> {
  const db = database(meteredD1(env.DB, meter));
  const metered = { ...env, DB: meteredD1(env.DB, meter) };
  let merchant = await findMerchant(db, merchantId);
  if (!merchant || merchant.mode !== "test" || !merchant.testClockAt)
    throw new Error(`merchant ${merchantId} has no test clock`);
  const report: AdvanceReport = {
    status: clockStatus(merchant),
    daysRun: 0,
    invoicesIssued: 0,
    dunningLevelsReached: 0,
    webhooksDelivered: 0,
    emailsSent: 0,
    done: false,
  };
  let clock = merchant.testClockAt;
  while (localDate(new Date(clock), merchant.timeZone) < to) {
    if (!meter.affords(TEST_CLOCK_DAY_RESERVE)) return report;
    const day = addDays(localDate(new Date(clock), merchant.timeZone), 1);
    const at = instantOfDay(day, merchant.timeZone);
    try {
      const billing = await runBilling(env.DB, at, {
        merchantId,
        meter,
        maxContracts: Number.MAX_SAFE_INTEGER,
      });
      report.invoicesIssued += billing.invoicesIssued;
      if (billing.resumeAfter !== null) return report;
      // A contract that failed for want of budget is billed when the day is repeated.
      if (billing.errors.length > 0 && !meter.affords(TEST_CLOCK_DAY_RESERVE)) return report;
      if (billing.errors.length > 0) console.error("test clock: billing failed", billing.errors);
      const maxInvoices = Math.floor((meter.remaining - DUNNING_READS) / DUNNING_PER_INVOICE);
      if (maxInvoices < 1) return report;
      const dunning = await runDunning(metered.DB, at, { merchantId, maxInvoices });
      report.dunningLevelsReached += dunning.levelsReached;
      if (dunning.candidates === maxInvoices) return report;
      const webhooks = await deliverWebhooks(env, at, { merchantId, meter });
      report.webhooksDelivered += webhooks.delivered;
      if (!meter.affords(4 * MAILS_PER_DAY + 2)) return report;
      const mails = await deliverEmails(metered, at, { merchantId, limit: MAILS_PER_DAY });
      report.emailsSent += mails.sent;
      if (mails.attempted === MAILS_PER_DAY) return report;
    } catch (error) {
      // The day is repeated by the next invocation; its jobs are idempotent.
      if (error instanceof QueryBudgetExceeded) return report;
      throw error;
    }
    const target = day < to ? to : null;
    if (!(await moveTestClock(db, merchantId, clock, at.toISOString(), target))) {
      // Another advance moved the clock meanwhile: it carries on from there.
      merchant = (await findMerchant(db, merchantId))!;
      report.status = clockStatus(merchant);
      return report;
    }
    clock = at.toISOString();
    report.daysRun += 1;
    report.status = clockStatus({ ...merchant, testClockAt: clock, testClockTarget: target });
  }
  report.done = true;
  return report;
}
