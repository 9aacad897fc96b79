// /admin/v1: operator endpoints, protected by the ADMIN_TOKEN secret. Creating a merchant
// returns its API key once; only the key's SHA-256 digest is stored. The job queue's dead letters
// are listed and replayed here.
import { Hono } from "hono";
import * as v from "valibot";
import { isTimeZone } from "../domain/calendar.ts";
import type { AppEnv } from "../env.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { createMerchantWithKey } from "../flows/merchants.ts";
import { userResource } from "../flows/users.ts";
import {
  IdParam,
  ListQuery,
  NameSchema,
  NewUserSchema,
  shaped,
  toPage,
  UserResource,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { replayDeadJob } from "../jobs/dead-letters.ts";
import { database } from "../store/db.ts";
import { listDeadJobs, type DeadJobRecord } from "../store/dead-jobs.ts";

const CreateMerchant = v.strictObject({
  name: NameSchema,
  // Region names only: a fixed offset like "+01:00" would get "today" wrong for half the year.
  timeZone: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(64),
      v.regex(
        /^(?:UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+)$/,
        "must be an IANA time zone like Europe/Berlin",
      ),
      v.check(isTimeZone, "must be an IANA time zone like Europe/Berlin"),
    ),
    "Europe/Berlin",
  ),
  /** The merchant's first back-office user, who signs in at /app and adds the others. */
  owner: v.optional(v.omit(NewUserSchema, ["role"])),
  /** test: a sandbox merchant with a `sk_test_` key and its own test clock (starts now). */
  mode: v.optional(v.picklist(["live", "test"]), "live"),
});

const CreatedMerchant = v.object({
  id: v.string(),
  name: v.string(),
  timeZone: v.string(),
  mode: v.picklist(["live", "test"]),
  /** Test-mode merchants only: where their clock stands (it starts at creation). */
  testClock: v.optional(v.nullable(v.pipe(v.string(), v.isoTimestamp()))),
  /** Shown once: only its SHA-256 digest is stored. */
  apiKey: v.string(),
  owner: v.optional(UserResource),
});

const DeadJobResource = v.object({
  id: v.string(),
  messageId: v.string(),
  /** The message's job kind, or "malformed" when it could not be read. */
  job: v.string(),
  merchantId: v.nullable(v.string()),
  /** The message as it was sent. */
  body: v.unknown(),
  attempts: v.pipe(v.number(), v.integer()),
  deadAt: v.pipe(v.string(), v.isoTimestamp()),
  replayedAt: v.nullable(v.pipe(v.string(), v.isoTimestamp())),
});

const deadJobResource = (row: DeadJobRecord) => shaped(DeadJobResource)({ ...row });

export const adminRouter = new Hono<AppEnv>()
  .get(
    "/dead-jobs",
    doc("Admin", "List the job messages that failed all retries, newest first", {
      schema: PageOf(DeadJobResource),
    }),
    valid("query", ListQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      // Dead letters are recorded in the first shard (worker/jobs/dead-letters.ts).
      const rows = await listDeadJobs(database(c.var.shards.DB), { limit, cursor });
      return c.json(toPage(rows, limit, deadJobResource));
    },
  )
  .post(
    "/dead-jobs/:id/replay",
    doc(
      "Admin",
      "Send a dead job message to the job queue again, once",
      { schema: DeadJobResource },
      { errors: [404, 409, 422, 502] },
    ),
    valid("param", IdParam("dlj")),
    async (c) => {
      const replayed = await replayDeadJob(c.var.shards, c.req.valid("param").id, c.var.now);
      return c.json(deadJobResource(replayed));
    },
  )
  .post(
    "/merchants",
    doc(
      "Admin",
      "Create a merchant and its first API key",
      { status: 201, schema: CreatedMerchant },
      { errors: [409] },
    ),
    valid("json", CreateMerchant),
    async (c) => {
      const { merchant, apiKey, owner } = await createMerchantWithKey(
        c.env,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(
        shaped(CreatedMerchant)({
          id: merchant.id,
          name: merchant.name,
          timeZone: merchant.timeZone,
          mode: merchant.mode,
          ...(merchant.mode === "test" ? { testClock: merchant.testClockAt } : {}),
          apiKey,
          ...(owner ? { owner: userResource({ ...owner, createdAt: merchant.createdAt }) } : {}),
        }),
        201,
      );
    },
  );
