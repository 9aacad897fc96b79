// The cron schedules of wrangler.toml, by job: the scheduled handler dispatches on these strings.
// (Kept out of worker/index.ts: workerd treats every export of the entry module as a handler.)

/** Hourly: the billing run is idempotent, and bounded ticks catch up on whatever is left. */
export const BILLING_CRON = "15 * * * *";
/** Every minute: webhook deliveries whose (re)try is due. */
export const WEBHOOK_CRON = "* * * * *";
/** Every 15 minutes: pull new bank transactions from finAPI (bounded work per tick). */
export const BANK_SYNC_CRON = "*/15 * * * *";
