// The cron registry and wrangler.toml must agree: a schedule only in wrangler.toml would fire and
// run nothing, a job only in the registry would never run.
import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { CRON_JOBS, jobsFor } from "../../worker/jobs/crons.ts";

const wrangler = parse(readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8")) as {
  triggers?: { crons?: string[] };
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
