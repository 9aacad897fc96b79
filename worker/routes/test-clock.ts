// /api/v1/test-clock: a test-mode merchant's own clock (like Stripe's test clocks). Advancing it
// runs billing, dunning and webhook and e-mail delivery for this merchant as of each day up to
// `to`; an advance that does not fit this request's D1 query budget continues through the job
// queue and is answered 202 with the clock as far as it got. Live merchants get 403.
import { Hono } from "hono";
import * as v from "valibot";
import { DomainError } from "../domain/errors.ts";
import { MAX_ADVANCE_DAYS, planAdvance } from "../domain/test-clock.ts";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { IsoDateSchema } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { queryBudgetOf, QueryMeter } from "../jobs/query-budget.ts";
import { advanceTestClock, clockStatus } from "../jobs/test-clock.ts";
import { findMerchant, setTestClockTarget } from "../store/merchants.ts";

export const TestClockResource = v.object({
  now: v.string(),
  today: v.string(),
  timeZone: v.string(),
  advancingTo: v.nullable(v.string()),
});

export const TestClockAdvanceResource = v.object({
  ...TestClockResource.entries,
  daysRun: v.number(),
  invoicesIssued: v.number(),
  dunningLevelsReached: v.number(),
  webhooksDelivered: v.number(),
  emailsSent: v.number(),
  /** False (with 202) when the rest of the advance continues through the job queue. */
  done: v.boolean(),
});

const AdvanceBody = v.strictObject({ to: IsoDateSchema });

/** What the request itself has spent before the advance (auth, idempotency, the merchant). */
const REQUEST_QUERIES = 10;

function testMerchantOnly(mode: string) {
  if (mode !== "test")
    throw new DomainError(
      "test_mode_only",
      "Only a test-mode merchant (a sk_test_ key) has a test clock; live merchants run on real time.",
    );
}

export const testClockRouter = new Hono<AppEnv>()
  .get(
    "/",
    doc("Test clock", "Get the test clock of a test-mode merchant", { schema: TestClockResource }),
    async (c) => {
      const merchant = c.get("merchant");
      testMerchantOnly(merchant.mode);
      return c.json(clockStatus(merchant) satisfies v.InferOutput<typeof TestClockResource>);
    },
  )
  .post(
    "/advance",
    doc(
      "Test clock",
      "Advance the test clock, running billing, dunning and delivery each day",
      [
        { schema: TestClockAdvanceResource, description: "Done: the clock stands at `to`" },
        {
          status: 202,
          schema: TestClockAdvanceResource,
          description: "Begun: the rest of the advance continues through the job queue",
        },
      ],
      { errors: [422] },
    ),
    valid("json", AdvanceBody),
    async (c) => {
      const merchant = c.get("merchant");
      testMerchantOnly(merchant.mode);
      const { to } = c.req.valid("json");
      const plan = planAdvance(clockStatus(merchant).today, to);
      if (!plan.ok)
        throw new DomainError(
          "test_clock_out_of_range",
          plan.reason === "too_far"
            ? `An advance covers at most ${MAX_ADVANCE_DAYS} days; this one ${plan.days}.`
            : `The clock is at ${clockStatus(merchant).today}: move it to a later day.`,
          [
            {
              field: "to",
              message:
                plan.reason === "too_far"
                  ? `must be at most ${MAX_ADVANCE_DAYS} days after the clock`
                  : "must be after the clock's day",
            },
          ],
        );
      const meter = new QueryMeter(
        Math.max(1, queryBudgetOf(c.env.D1_QUERY_BUDGET) - REQUEST_QUERIES),
      );
      const report = await advanceTestClock(c.env, merchant.id, to, meter);
      if (report.done) return c.json({ ...report.status, ...counts(report), done: true }, 200);
      await setTestClockTarget(c.var.db, merchant.id, to);
      await c.env.JOBS.send({
        job: "test_clock",
        merchantId: merchant.id,
        scheduledTime: new Date().toISOString(),
        to,
      });
      const after = (await findMerchant(c.var.db, merchant.id))!;
      return c.json({ ...clockStatus(after), ...counts(report), done: false }, 202);
    },
  );

function counts(report: Awaited<ReturnType<typeof advanceTestClock>>) {
  return {
    daysRun: report.daysRun,
    invoicesIssued: report.invoicesIssued,
    dunningLevelsReached: report.dunningLevelsReached,
    webhooksDelivered: report.webhooksDelivered,
    emailsSent: report.emailsSent,
  };
}
