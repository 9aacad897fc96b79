// The one registry of cron jobs: each schedule beside the job it runs. The scheduled handler in
// worker/index.ts dispatches through it, and a unit test checks that wrangler.toml's `crons`
// lists exactly these schedules. (Kept out of worker/index.ts: workerd treats every export of
// the entry module as a handler.)
import type { Bindings } from "../env.ts";
import { storePendingDocuments } from "../flows/invoice-documents.ts";
import { runBankSync } from "./bank-sync.ts";
import { runBilling } from "./billing-run.ts";
import { deliverWebhooks } from "./webhook-delivery.ts";

export interface CronJob {
  /** The cron expression, exactly as in wrangler.toml. */
  schedule: string;
  /** How the job's report is labelled in the log. */
  name: string;
  run(env: Bindings, scheduledTime: Date): Promise<unknown>;
}

export const CRON_JOBS = {
  /** Hourly: the billing run is idempotent, and bounded ticks catch up on whatever is left. */
  billing: {
    schedule: "15 * * * *",
    name: "billing run",
    run: (env, at) => runBilling(env.DB, at),
  },
  /**
   * Every minute: the document outbox first (invoices issued meanwhile get their PDF and XML
   * before their webhooks go out), then webhook deliveries whose (re)try is due.
   */
  webhooks: {
    schedule: "* * * * *",
    name: "invoice documents and webhook delivery",
    run: async (env, at) => ({
      documentsStored: await storePendingDocuments(env, at),
      webhooks: await deliverWebhooks(env, at),
    }),
  },
  /** Every 15 minutes: pull new bank transactions from finAPI (bounded work per tick). */
  bankSync: { schedule: "*/15 * * * *", name: "bank sync", run: runBankSync },
} satisfies Record<string, CronJob>;

export const BILLING_CRON = CRON_JOBS.billing.schedule;
export const WEBHOOK_CRON = CRON_JOBS.webhooks.schedule;
export const BANK_SYNC_CRON = CRON_JOBS.bankSync.schedule;

/** The jobs registered for a schedule (wrangler passes the expression that fired). */
export function jobsFor(schedule: string): CronJob[] {
  return Object.values(CRON_JOBS).filter((job) => job.schedule === schedule);
}
