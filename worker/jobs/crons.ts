// The one registry of cron jobs: each schedule beside the job it plans. A cron tick only asks
// who has due work and enqueues one message per merchant (worker/jobs/job-queue.ts does the
// work when the message arrives). A unit test checks that wrangler.toml's `crons` lists exactly
// these schedules. (Kept out of worker/index.ts: workerd treats every export of the entry
// module as a handler.)
import { localDate } from "../domain/calendar.ts";
import { merchantsWithDueContracts } from "../store/billing.ts";
import type { Db } from "../store/db.ts";
import { bankProvider } from "../banking/providers.ts";
import type { Bindings } from "../env.ts";
import { merchantsWithDueDeliveries } from "../store/webhook-deliveries.ts";
import type { JobMessage } from "./job-queue.ts";

export interface CronJob {
  /** The cron expression, exactly as in wrangler.toml. */
  schedule: string;
  /** How the job is labelled in the log. */
  name: string;
  /** The queue messages of one tick: one per merchant with due work. */
  plan(db: Db, scheduledTime: Date, env: Bindings): Promise<JobMessage[]>;
}

/** The bank sync's own per-tick bound on merchants, now the number of messages per tick. */
const BANK_SYNC_MERCHANTS_PER_TICK = 500;

export const CRON_JOBS = {
  /**
   * Hourly: the billing run per merchant, then its dunning run (enqueued when billing is
   * through, so a period billed today is never dunned in the same pass). Both are idempotent.
   */
  billing: {
    schedule: "15 * * * *",
    name: "billing and dunning run",
    async plan(db, scheduledTime) {
      // UTC+14 is the furthest any merchant's "today" can be ahead of UTC.
      const latestToday = localDate(scheduledTime, "Pacific/Kiritimati");
      const merchantIds = await merchantsWithDueContracts(db, latestToday);
      const at = scheduledTime.toISOString();
      return merchantIds.map((merchantId) => ({
        job: "billing",
        merchantId,
        scheduledTime: at,
        after: "",
      }));
    },
  },
  /**
   * Every minute: the invoice document outbox, webhook deliveries (per merchant) and customer
   * e-mails whose (re)try is due.
   */
  webhooks: {
    schedule: "* * * * *",
    name: "invoice documents, webhook and e-mail delivery",
    async plan(db, scheduledTime) {
      const at = scheduledTime.toISOString();
      const merchantIds = await merchantsWithDueDeliveries(db, at);
      return [
        ...merchantIds.map((merchantId) => ({
          job: "webhooks" as const,
          merchantId,
          scheduledTime: at,
        })),
        // One outbox for all merchants, leased in pages; cheap to ask when nothing is due.
        { job: "emails" as const, scheduledTime: at },
        // The document outbox of all merchants last: it renders with what the budget has left
        // and continues in messages of its own (an invoice mail renders a pending PDF itself).
        { job: "documents" as const, scheduledTime: at },
      ];
    },
  },
  /** Every 15 minutes: pull new bank transactions from finAPI (bounded work per tick). */
  bankSync: {
    schedule: "*/15 * * * *",
    name: "bank sync",
    async plan(db, scheduledTime, env) {
      const at = scheduledTime.toISOString();
      const merchantIds = await bankProvider(env, "finapi").merchantsDue(
        db,
        BANK_SYNC_MERCHANTS_PER_TICK,
      );
      return merchantIds.map((merchantId) => ({ job: "bank_sync", merchantId, scheduledTime: at }));
    },
  },
} satisfies Record<string, CronJob>;

export const BILLING_CRON = CRON_JOBS.billing.schedule;
export const WEBHOOK_CRON = CRON_JOBS.webhooks.schedule;
export const BANK_SYNC_CRON = CRON_JOBS.bankSync.schedule;

/** The jobs registered for a schedule (wrangler passes the expression that fired). */
export function jobsFor(schedule: string): CronJob[] {
  return Object.values(CRON_JOBS).filter((job) => job.schedule === schedule);
}
