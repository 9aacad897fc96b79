// The job queue's dead letters: the dead-letter queue's consumer records each message once, the
// operator lists them (GET /admin/v1/dead-jobs) and replays a job message once; a body that is no
// job message, an unknown id and a second replay are refused by name.
import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Bindings } from "../../worker/env.ts";
import worker from "../../worker/index.ts";
import { DEAD_LETTER_QUEUE } from "../../worker/jobs/dead-letters.ts";
import { ADMIN_TOKEN, call, emptyDatabase, expectProblem, json, sendCallsTo } from "./helpers.ts";

const sent: unknown[] = [];
let sendFails = false;
const bindings: Bindings = {
  ...env,
  JOBS: {
    async send(body: unknown) {
      if (sendFails) throw new Error("queue unavailable");
      sent.push(body);
    },
    async sendBatch() {
      throw new Error("not used by a replay");
    },
  } as unknown as Bindings["JOBS"],
};

beforeAll(() => {
  sendCallsTo({
    async fetch(input, init) {
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(input, init), bindings, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  });
});

beforeEach(async () => {
  await emptyDatabase();
  sent.length = 0;
  sendFails = false;
});

const BILLING = {
  job: "billing",
  merchantId: "mer_01m8ydq0tq000fcrsdve7s40",
  scheduledTime: "2027-02-01T03:15:00.000Z",
  after: "ctr_01m8ydq0tq000fcrsdve7s41",
};

async function deliverDeadLetters() {
  const batch = createMessageBatch<unknown>(DEAD_LETTER_QUEUE, [
    { id: "msg-billing", timestamp: new Date(), attempts: 6, body: BILLING },
    { id: "msg-garbage", timestamp: new Date(), attempts: 6, body: { job: "nonsense" } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings);
  return getQueueResult(batch, ctx);
}

const deadJobs = async () => json(await call("/admin/v1/dead-jobs", { key: ADMIN_TOKEN }), 200);

describe("dead letters", () => {
  it("records each dead letter once and lists them for the operator", async () => {
    const result = await deliverDeadLetters();
    expect(result.ackAll).toBe(true);
    // The dead-letter queue delivers again (at least once): still one row per message.
    await deliverDeadLetters();
    const page = await deadJobs();
    expect(page.data).toHaveLength(2);
    const byMessage = new Map(page.data.map((row: { messageId: string }) => [row.messageId, row]));
    expect(byMessage.get("msg-billing")).toMatchObject({
      job: "billing",
      merchantId: BILLING.merchantId,
      body: BILLING,
      attempts: 6,
      replayedAt: null,
    });
    expect(byMessage.get("msg-garbage")).toMatchObject({ job: "malformed", merchantId: null });
    expect(page.data[0].id > page.data[1].id).toBe(true);

    await expectProblem(await call("/admin/v1/dead-jobs"), 401, "unauthorized");
    await expectProblem(
      await call("/admin/v1/dead-jobs?limit=0", { key: ADMIN_TOKEN }),
      400,
      "validation_failed",
    );
  });

  it("replays a job message once, and refuses what cannot be replayed", async () => {
    await deliverDeadLetters();
    const rows = (await deadJobs()).data as { id: string; job: string }[];
    const billing = rows.find((row) => row.job === "billing")!;
    const garbage = rows.find((row) => row.job === "malformed")!;
    const replay = (id: string) =>
      call(`/admin/v1/dead-jobs/${id}/replay`, { key: ADMIN_TOKEN, method: "POST" });

    // The queue refuses the send: nothing is marked, and the replay can be tried again.
    sendFails = true;
    await expectProblem(await replay(billing.id), 502, "upstream_unavailable");
    expect((await deadJobs()).data.every((row: { replayedAt: null }) => !row.replayedAt)).toBe(
      true,
    );
    sendFails = false;

    const replayed = await json(await replay(billing.id), 200);
    expect(replayed.replayedAt).toEqual(expect.any(String));
    expect(sent).toEqual([BILLING]);
    await expectProblem(await replay(billing.id), 409, "dead_job_replayed");
    await expectProblem(await replay(garbage.id), 422, "dead_job_not_replayable");
    await expectProblem(await replay("dlj_0000000000000000000000zz"), 404, "not_found");
    await expectProblem(await replay("msg-billing"), 400, "validation_failed");
    expect(sent).toHaveLength(1);
  });
});
