// Authentication and CORS for the portal API (/portal/v1): a short-lived session token bound to
// one merchant and one customer, and browsers only from the merchant's allowed origins. A
// preflight carries no token, so it is answered for origins some merchant allows; the real
// request is then checked against the token's own merchant before anything runs.
import { and, eq, sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { merchants } from "../../schema/tables.ts";
import type { AppEnv, Bindings } from "../env.ts";
import { database, type Db } from "../store/db.ts";
import { findPortalPrincipal } from "../store/portal.ts";
import { findInShards } from "../store/shards.ts";
import { sha256Hex } from "../security.ts";
import { DomainError } from "../domain/errors.ts";
import { routeToShard, useMerchantClock } from "./auth.ts";
import { problemResponse } from "./problem.ts";

const ALLOWED_HEADERS = "accept, authorization, content-type, idempotency-key";
const ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS";

async function originListedIn(db: Db, origin: string): Promise<true | undefined> {
  const rows = await db
    .select({ id: merchants.id })
    .from(merchants)
    .where(
      and(
        eq(merchants.portalEnabled, true),
        sql`EXISTS (SELECT 1 FROM json_each(${merchants.allowedOrigins}) WHERE json_each.value = ${origin})`,
      ),
    )
    .limit(1);
  return rows.length === 1 ? true : undefined;
}

/** A preflight names no merchant: any merchant of any shard may list the origin. */
async function originListedAnywhere(shards: Bindings, origin: string): Promise<boolean> {
  return (await findInShards(shards, (d1) => originListedIn(database(d1), origin))) === true;
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    vary: "Origin",
    "access-control-expose-headers": "idempotent-replayed",
  };
}

export const portalCors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  if (c.req.method === "OPTIONS") {
    if (!origin || !(await originListedAnywhere(c.var.shards, origin))) {
      return problemResponse(
        c,
        new DomainError(
          "origin_not_allowed",
          `Origin ${origin ?? "(none)"} may not use the portal API.`,
        ),
      );
    }
    return new Response(null, {
      status: 204,
      headers: {
        ...corsHeaders(origin),
        "access-control-allow-methods": ALLOWED_METHODS,
        "access-control-allow-headers": ALLOWED_HEADERS,
        "access-control-max-age": "600",
      },
    });
  }
  await next();
  if (!origin) return;
  // Authenticated: the token's merchant decides. Not authenticated (e.g. an expired token): the
  // widget must still be able to read the 401 to renew its session.
  const merchant = c.get("merchant") as AppEnv["Variables"]["merchant"] | undefined;
  const allowed = merchant
    ? merchant.allowedOrigins.includes(origin)
    : await originListedAnywhere(c.var.shards, origin);
  if (allowed)
    for (const [name, value] of Object.entries(corsHeaders(origin))) c.res.headers.set(name, value);
});

export const requirePortalSession = createMiddleware<AppEnv>(async (c, next) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  if (!match)
    throw new DomainError(
      "session_missing",
      "Send the portal session token as `Authorization: Bearer <token>`.",
    );
  const hash = await sha256Hex(match[1]!);
  const at = c.get("now").toISOString();
  const principal = await findInShards(c.var.shards, (d1) =>
    findPortalPrincipal(database(d1), hash, at),
  );
  if (!principal)
    throw new DomainError(
      "session_invalid",
      "The portal session is unknown, expired or revoked; request a new one.",
    );
  // Set before the checks below, so CORS answers a refusal by this merchant's origins only.
  routeToShard(c, principal.merchant.id);
  c.set("merchant", principal.merchant);
  if (!principal.merchant.portalEnabled)
    throw new DomainError("portal_disabled", "The self-service portal is switched off.");
  const origin = c.req.header("origin");
  if (origin && !principal.merchant.allowedOrigins.includes(origin)) {
    throw new DomainError(
      "origin_not_allowed",
      `Origin ${origin} is not allowed for this merchant's portal.`,
    );
  }
  c.set("customer", principal.customer);
  useMerchantClock(c);
  await next();
});
