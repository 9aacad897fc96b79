// /admin/v1: operator endpoints, protected by the ADMIN_TOKEN secret. Creating a merchant
// returns its API key once; only the key's SHA-256 digest is stored.
import { Hono } from "hono";
import * as v from "valibot";
import { isTimeZone } from "../domain/calendar.ts";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { createMerchantWithKey } from "../flows/merchants.ts";
import { userResource } from "../flows/users.ts";
import { NameSchema, NewUserSchema, shaped, UserResource } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";

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

export const adminRouter = new Hono<AppEnv>().post(
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
