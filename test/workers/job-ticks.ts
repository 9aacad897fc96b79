// Drives a cron tick the way Cloudflare runs it: the scheduled handler enqueues, then every
// message is handed to the Worker's queue handler in batches (miniflare's MessageBatch), and
// continuations are drained until the queue is empty. Every invocation runs on a counting D1
// binding with its own budget, and the tick fails if any invocation issues more queries than
// that budget or leaves a message to be retried. `duplicate` delivers every message twice, as
// an at-least-once queue may.
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import type { Bindings } from "../../worker/env.ts";
import worker from "../../worker/index.ts";
import type { JobMessage } from "../../worker/jobs/job-queue.ts";
import { meteredD1, QueryMeter } from "../../worker/jobs/query-budget.ts";

export interface TickOptions {
  /** D1 queries per invocation, for the Worker's own planning and for the counting binding. */
  budget?: number;
  /** The budget the Worker plans with, when a test wants it to differ from the enforced one. */
  workerBudget?: number;
  duplicate?: boolean;
  /** Messages per consumer invocation (wrangler.toml: 10). */
  batchSize?: number;
  /** Stop after this many consumer invocations (a runaway continuation fails the test). */
  maxInvocations?: number;
}

export interface TickReport {
  enqueued: JobMessage[];
  invocations: number;
  /** The most statements any one invocation (cron or consumer) issued. */
  maxStatements: number;
  totalStatements: number;
  totalRoundTrips: number;
}

/** A JOBS queue that keeps what is sent, for the test to deliver as the consumer would. */
export function capturing(): { queue: Bindings["JOBS"]; sent: JobMessage[] } {
  const sent: JobMessage[] = [];
  const queue = {
    async send(body: JobMessage) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<JobMessage>>) {
      for (const message of messages) sent.push(message.body);
    },
  } as unknown as Bindings["JOBS"];
  return { queue, sent };
}

export async function runTick(
  cron: string,
  scheduledTime: Date | number,
  base: Bindings = env,
  options: TickOptions = {},
): Promise<TickReport> {
  const { budget = 800, duplicate = false, batchSize = 10, maxInvocations = 10_000 } = options;
  const workerBudget = options.workerBudget ?? budget;
  const { queue, sent } = capturing();
  const report: TickReport = {
    enqueued: [],
    invocations: 0,
    maxStatements: 0,
    totalStatements: 0,
    totalRoundTrips: 0,
  };
  const invocation = () => {
    const meter = new QueryMeter(budget);
    // Every D1 binding (each shard) counts into the invocation's one budget.
    const shards = Object.fromEntries(
      Object.entries(base).flatMap(([name, value]) =>
        /^DB_SHARD_\d+$/.test(name) ? [[name, meteredD1(value as D1Database, meter)]] : [],
      ),
    );
    const invocationEnv: Bindings = {
      ...base,
      ...shards,
      DB: meteredD1(base.DB, meter),
      JOBS: queue,
      D1_QUERY_BUDGET: String(workerBudget),
    };
    const done = () => {
      report.maxStatements = Math.max(report.maxStatements, meter.statements);
      report.totalStatements += meter.statements;
      report.totalRoundTrips += meter.roundTrips;
    };
    return { env: invocationEnv, done };
  };

  const cronRun = invocation();
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron, scheduledTime: new Date(scheduledTime).getTime() }),
    cronRun.env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  cronRun.done();
  report.enqueued = [...sent];

  let sequence = 0;
  while (sent.length > 0) {
    if (report.invocations >= maxInvocations)
      throw new Error(`more than ${maxInvocations} consumer invocations: a job never finishes`);
    const bodies = sent.splice(0, batchSize);
    const messages = (duplicate ? bodies.flatMap((body) => [body, body]) : bodies).map((body) => ({
      id: `msg-${++sequence}`,
      timestamp: Date.now(),
      attempts: 1,
      body,
    }));
    const batch = createMessageBatch<JobMessage>("tarif-jobs", messages);
    const run = invocation();
    const consumerCtx = createExecutionContext();
    await worker.queue(batch, run.env);
    const result = await getQueueResult(batch, consumerCtx);
    run.done();
    report.invocations += 1;
    if (result.retryBatch.retry || result.retryMessages.length > 0)
      throw new Error(`invocation ${report.invocations} left messages to retry`);
  }
  return report;
}
