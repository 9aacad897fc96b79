// /admin/v1: operator endpoints, protected by the ADMIN_TOKEN secret. Creating a merchant
// returns its API key once; only the key's SHA-256 digest is stored.
import { Hono } from "hono";
import * as v from "valibot";
import { isTimeZone } from "../domain/calendar.ts";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { emailTaken, newUserRow, userResource } from "../flows/users.ts";
import { NameSchema, NewUserSchema } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { database, isUniqueViolation } from "../store/db.ts";
import { createMerchant } from "../store/merchants.ts";
import { databaseFor } from "../store/shards.ts";
import { newId, randomToken, sha256Hex } from "../security.ts";

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
});

export const adminRouter = new Hono<AppEnv>().post(
  "/merchants",
  doc("Admin", "Create a merchant and its first API key", { status: 201 }),
  valid("json", CreateMerchant),
  async (c) => {
    const body = c.req.valid("json");
    const apiKey = `sk_${randomToken(32)}`;
    const id = newId("mer");
    const owner = body.owner ? await newUserRow(id, { ...body.owner, role: "owner" }) : undefined;
    // A new merchant lives in the shard its id routes to (worker/store/shards.ts).
    const merchant = await createMerchant(database(databaseFor(c.env, id)), {
      id,
      name: body.name,
      timeZone: body.timeZone,
      apiKeyId: newId("key"),
      apiKeyHash: await sha256Hex(apiKey),
      apiKeyPrefix: apiKey.slice(0, 7),
      owner,
    }).catch((error: unknown) => {
      if (owner && isUniqueViolation(error)) throw emailTaken(owner.email);
      throw error;
    });
    return c.json(
      {
        id: merchant.id,
        name: merchant.name,
        timeZone: merchant.timeZone,
        apiKey,
        ...(owner ? { owner: userResource({ ...owner, createdAt: merchant.createdAt }) } : {}),
      },
      201,
    );
  },
);
