// Fan-out through Cloudflare Queues (DESIGN "Jobs at production scale"): a cron tick only asks
// which merchants have due work and enqueues one message per merchant and job; the queue
// consumer does the work, each invocation within its own D1 query budget. A billing message
// that runs out of budget enqueues its continuation, so 20 000 due contracts take many small
// invocations instead of 40 hourly ticks. Every job is idempotent (unique keys, version guards,
// leases), so a message delivered twice changes nothing; a message that keeps failing ends in
// the dead-letter queue after the retries configured in wrangler.toml.
import * as v from "valibot";
import type { Bindings } from "../env.ts";
import { database } from "../store/db.ts";
import { databaseFor, eachShardInTurn, shardsOf } from "../store/shards.ts";
import { runBankSync } from "./bank-sync.ts";
import { runBilling } from "./billing-run.ts";
import { runDunning } from "./dunning-run.ts";
import { storePendingDocuments } from "./document-outbox.ts";
import { deliverEmails, EMAIL_STATEMENTS } from "./email-delivery.ts";
import { jobsFor } from "./crons.ts";
import { advanceTestClock } from "./test-clock.ts";
import { meteredD1, QueryMeter, queryBudgetOf } from "./query-budget.ts";
import { deliverWebhooks } from "./webhook-delivery.ts";

const Instant = v.pipe(v.string(), v.isoTimestamp());
const MerchantId = v.pipe(v.string(), v.startsWith("mer_"), v.maxLength(64));
/** The shard an outbox continuation starts with (its index in `shardsOf`). */
const Shard = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000));

export const JobMessageSchema = v.variant("job", [
  v.strictObject({
    job: v.literal("billing"),
    merchantId: MerchantId,
    scheduledTime: Instant,
    /** The contract id the previous invocation stopped after ("" from the start). */
    after: v.pipe(v.string(), v.maxLength(64)),
  }),
  v.strictObject({ job: v.literal("dunning"), merchantId: MerchantId, scheduledTime: Instant }),
  v.strictObject({ job: v.literal("webhooks"), merchantId: MerchantId, scheduledTime: Instant }),
  v.strictObject({ job: v.literal("emails"), scheduledTime: Instant, shard: v.optional(Shard) }),
  /** The document outbox of all merchants, one page per message (see document-outbox.ts). */
  v.strictObject({ job: v.literal("documents"), scheduledTime: Instant, shard: v.optional(Shard) }),
  v.strictObject({ job: v.literal("bank_sync"), merchantId: MerchantId, scheduledTime: Instant }),
  /** A test clock's advance that did not fit one invocation: it continues towards `to`. */
  v.strictObject({
    job: v.literal("test_clock"),
    merchantId: MerchantId,
    scheduledTime: Instant,
    to: v.pipe(v.string(), v.isoDate()),
  }),
]);
export type JobMessage = v.InferOutput<typeof JobMessageSchema>;

/** The dunning run's reads before it writes (candidates, levels, payments, settings). */
const DUNNING_READS = 4;
/** The most one dunning level writes: the level, its events and deliveries, the letter. */
const DUNNING_PER_INVOICE = 8;

/** sendBatch takes at most 100 messages per call. */
const SEND_BATCH_LIMIT = 100;

async function send(queue: Queue<JobMessage>, messages: JobMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += SEND_BATCH_LIMIT)
    await queue.sendBatch(messages.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body })));
}

/** The cron handler's whole work: the registered jobs plan their messages, which are sent. */
export async function enqueueTick(
  env: Bindings,
  cron: string,
  scheduledTime: Date,
): Promise<JobMessage[]> {
  // Every shard's merchants with due work; a message without a merchant (e-mails, documents) once.
  const planned = await Promise.all(
    shardsOf(env).flatMap((d1) =>
      jobsFor(cron).map((job) => job.plan(database(d1), scheduledTime, { ...env, DB: d1 })),
    ),
  );
  const seen = new Set<string>();
  const messages = planned.flat().filter((message) => {
    const key = JSON.stringify(message);
    return !seen.has(key) && Boolean(seen.add(key));
  });
  await send(env.JOBS, messages);
  return messages;
}

/** The lease and the recipients' read, then a page of mails that fits what is left. */
async function emailPage(
  env: Bindings,
  d1: D1Database,
  meter: QueryMeter,
  at: Date,
): Promise<boolean> {
  const limit = Math.min(50, Math.floor((meter.remaining - 2) / EMAIL_STATEMENTS));
  if (limit < 1) return true;
  const report = await deliverEmails({ ...env, DB: meteredD1(d1, meter) }, at, { limit });
  return report.attempted === limit;
}

/** What one message did: a continuation to enqueue, or nothing more. */
async function run(
  message: JobMessage,
  shards: Bindings,
  meter: QueryMeter,
): Promise<JobMessage[]> {
  const scheduledTime = new Date(message.scheduledTime);
  if (message.job === "emails" || message.job === "documents") {
    // Every shard's outbox in turn, starting where the last invocation left off.
    const more = await eachShardInTurn(shards, message.shard ?? 0, (d1) =>
      message.job === "emails"
        ? emailPage(shards, d1, meter, scheduledTime)
        : storePendingDocuments({ ...shards, DB: d1 }, scheduledTime, { meter }).then(
            (report) => report.more,
          ),
    );
    return more === null ? [] : [{ ...message, shard: more }];
  }
  const { merchantId } = message;
  // Every merchant job works in the merchant's own shard.
  const env: Bindings = { ...shards, DB: databaseFor(shards, merchantId) };
  if (message.job === "dunning") {
    // A page of overdue invoices sized to what is left of the budget; the rest follows.
    const maxInvoices = Math.floor((meter.remaining - DUNNING_READS) / DUNNING_PER_INVOICE);
    if (maxInvoices < 1) return [message];
    const report = await runDunning(meteredD1(env.DB, meter), scheduledTime, {
      merchantId,
      maxInvoices,
    });
    return report.candidates === maxInvoices ? [message] : [];
  }
  if (message.job === "billing") {
    const report = await runBilling(env.DB, scheduledTime, {
      merchantId,
      after: message.after,
      meter,
      maxContracts: Number.MAX_SAFE_INTEGER,
    });
    if (report.errors.length > 0) console.error("billing: contracts failed", report.errors);
    if (report.resumeAfter !== null) return [{ ...message, after: report.resumeAfter }];
    return [{ job: "dunning", merchantId, scheduledTime: message.scheduledTime }];
  }
  if (message.job === "test_clock") {
    const report = await advanceTestClock(env, merchantId, message.to, meter);
    // Carried on only while this advance is the merchant's current one.
    return !report.done && report.status.advancingTo === message.to ? [message] : [];
  }
  if (message.job === "webhooks") {
    await deliverWebhooks(env, scheduledTime, { merchantId, meter });
    return [];
  }
  const report = await runBankSync(env, scheduledTime, { merchantId, meter });
  if (report.errors.length > 0) throw new Error(report.errors[0]!.message);
  return [];
}

/**
 * The queue handler. One meter for the whole invocation: the platform's limit is per
 * invocation, not per message. A message that fails is retried (and dead-lettered after the
 * configured retries); a malformed one can never succeed and goes there the same way.
 */
export async function consumeJobs(
  batch: MessageBatch<unknown>,
  env: Bindings,
  /** The invocation's meter; given by a benchmark that reads what the invocation issued. */
  meter = new QueryMeter(queryBudgetOf(env.D1_QUERY_BUDGET)),
): Promise<void> {
  const continuations: JobMessage[] = [];
  for (const message of batch.messages) {
    const parsed = v.safeParse(JobMessageSchema, message.body);
    if (!parsed.success) {
      console.error("job queue: malformed message", message.id, v.summarize(parsed.issues));
      message.retry();
      continue;
    }
    try {
      continuations.push(...(await run(parsed.output, env, meter)));
      message.ack();
    } catch (error) {
      console.error("job queue: message failed", message.id, parsed.output.job, error);
      message.retry();
    }
  }
  await send(env.JOBS, continuations);
}
