// The dead-letter queue's consumer: a job message that failed all its retries (or could never be
// read) arrives here and is recorded in `dead_jobs` in the first shard, with an error in the log,
// so the operator sees it (GET /admin/v1/dead-jobs) and can replay it, once, after the cause is
// fixed. Recording is idempotent (the message id is unique), so a dead letter delivered twice is
// one row; every job is idempotent, so a replay of work that partly happened repeats nothing.
import * as v from "valibot";
import { DomainError, notFound } from "../domain/errors.ts";
import type { Bindings } from "../env.ts";
import { newId } from "../security.ts";
import { database } from "../store/db.ts";
import {
  claimReplay,
  findDeadJob,
  insertDeadJobs,
  releaseReplay,
  type DeadJobRecord,
  type NewDeadJob,
} from "../store/dead-jobs.ts";
import { JobMessageSchema } from "./job-queue.ts";

/** The dead-letter queue of `tarif-jobs` (wrangler.toml, checked by test/unit/crons.test.ts). */
export const DEAD_LETTER_QUEUE = "tarif-jobs-dead";

function deadJobOf(message: Message<unknown>, at: Date): NewDeadJob {
  const parsed = v.safeParse(JobMessageSchema, message.body);
  const merchantId =
    parsed.success && "merchantId" in parsed.output ? parsed.output.merchantId : null;
  return {
    id: newId("dlj", at.getTime()),
    messageId: message.id,
    job: parsed.success ? parsed.output.job : "malformed",
    merchantId,
    body: message.body ?? null,
    attempts: message.attempts,
    deadAt: at.toISOString(),
  };
}

export async function recordDeadLetters(
  batch: MessageBatch<unknown>,
  env: Bindings,
  at = new Date(),
): Promise<void> {
  const rows = batch.messages.map((message) => deadJobOf(message, at));
  for (const row of rows)
    console.error("job queue: dead letter", row.messageId, row.job, row.merchantId ?? "");
  await insertDeadJobs(database(env.DB), rows);
  batch.ackAll();
}

/** Sends a dead letter to the job queue again; a body that is no job message cannot be. */
export async function replayDeadJob(env: Bindings, id: string, at: Date): Promise<DeadJobRecord> {
  const db = database(env.DB);
  const dead = await findDeadJob(db, id);
  if (!dead) throw notFound("Dead job", id);
  const message = v.safeParse(JobMessageSchema, dead.body);
  if (!message.success)
    throw new DomainError(
      "dead_job_not_replayable",
      `Dead job ${id} is not a job message (${v.summarize(message.issues)}); it cannot be replayed.`,
    );
  if (!(await claimReplay(db, id, at)))
    throw new DomainError("dead_job_replayed", `Dead job ${id} was replayed already.`);
  try {
    await env.JOBS.send(message.output);
  } catch (error) {
    await releaseReplay(db, id);
    console.error("dead job replay: the queue refused the message", id, error);
    throw new DomainError(
      "upstream_unavailable",
      `The job queue did not take dead job ${id}; nothing was replayed, try again.`,
    );
  }
  return { ...dead, replayedAt: at.toISOString() };
}
