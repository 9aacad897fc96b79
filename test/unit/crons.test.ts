// The cron registry and wrangler.toml must agree: a schedule only in wrangler.toml would fire and
// run nothing, a job only in the registry would never run. The same for the job queue's
// dead-letter queue: the Worker records the dead letters of the queue it is told about.
import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { CRON_JOBS, jobsFor } from "../../worker/jobs/crons.ts";
import { DEAD_LETTER_QUEUE } from "../../worker/jobs/dead-letters.ts";

const wrangler = parse(readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8")) as {
  triggers?: { crons?: string[] };
  queues?: { consumers?: { queue: string; dead_letter_queue?: string }[] };
};

describe("cron registry", () => {
  it("has exactly the schedules of wrangler.toml's triggers", () => {
    const registered = Object.values(CRON_JOBS).map((job) => job.schedule);
    expect([...(wrangler.triggers?.crons ?? [])].sort()).toEqual([...registered].sort());
  });

  it("dispatches each schedule to its one job and an unknown schedule to none", () => {
    for (const job of Object.values(CRON_JOBS)) expect(jobsFor(job.schedule)).toEqual([job]);
    expect(jobsFor("0 0 * * *")).toEqual([]);
  });
});

describe("dead-letter queue", () => {
  it("is the job queue's dead-letter queue, and the Worker consumes it", () => {
    const consumers = wrangler.queues?.consumers ?? [];
    const jobs = consumers.find((consumer) => consumer.queue === "tarif-jobs");
    expect(jobs?.dead_letter_queue).toBe(DEAD_LETTER_QUEUE);
    expect(consumers.map((consumer) => consumer.queue)).toContain(DEAD_LETTER_QUEUE);
  });
});
