// Authentication: the admin token for /admin/v1; for /api/v1 either a merchant API key (machines:
// `Authorization: Bearer`, looked up by its SHA-256 digest) or a back-office session cookie
// (people: the cookie's token hash, a CSRF header on every state change, and the role table of
// domain/permissions checked on every request).
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { isAllowed } from "../domain/permissions.ts";
import type { AppEnv } from "../env.ts";
import { database } from "../store/db.ts";
import { findMerchantByKeyHash } from "../store/merchants.ts";
import { databaseFor, findInShards } from "../store/shards.ts";
import { findLiveSession } from "../store/users.ts";
import { sha256Hex, timingSafeEqual } from "../security.ts";
import { DomainError } from "../domain/errors.ts";
import { problemResponse } from "./problem.ts";

export const SESSION_COOKIE = "tarif_session";
export const CSRF_HEADER = "x-csrf-token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The CSRF token belongs to the session: derived from its token, so nothing more is stored. */
export function csrfTokenOf(sessionToken: string): Promise<string> {
  return sha256Hex(`csrf:${sessionToken}`);
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  const expected = c.env.ADMIN_TOKEN;
  if (!expected)
    throw new DomainError("forbidden", "The admin API is disabled: ADMIN_TOKEN is not configured.");
  if (!token || !timingSafeEqual(await sha256Hex(token), await sha256Hex(expected))) {
    throw new DomainError(
      "unauthorized",
      "Send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`.",
    );
  }
  await next();
});

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: string) {
  setCookie(c, SESSION_COOKIE, token, {
    path: "/api/v1",
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context<AppEnv>) {
  deleteCookie(c, SESSION_COOKIE, {
    path: "/api/v1",
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
  });
}

/**
 * Points the request at the merchant's shard: `c.var.db`, and the `DB` of `c.env` that the
 * flows given the bindings (documents, company settings, webhooks, …) read and write.
 */
export function routeToShard(c: Context<AppEnv>, merchantId: string) {
  const d1 = databaseFor(c.var.shards, merchantId);
  c.env = { ...c.env, DB: d1 };
  c.set("db", database(d1));
}

async function authenticateKey(c: Context<AppEnv>, token: string) {
  const hash = await sha256Hex(token);
  const found = await findInShards(c.var.shards, (d1) => findMerchantByKeyHash(database(d1), hash));
  if (!found || !timingSafeEqual(found.keyHash, hash))
    throw new DomainError("unauthorized", "The API key is unknown or revoked.");
  routeToShard(c, found.merchant.id);
  c.set("merchant", found.merchant);
  c.set("principal", { kind: "api_key" });
}

async function authenticateSession(c: Context<AppEnv>, token: string) {
  const hash = await sha256Hex(token);
  const at = c.var.now.toISOString();
  const session = await findInShards(c.var.shards, (d1) => findLiveSession(database(d1), hash, at));
  if (!session) {
    // The answer also removes the dead cookie from the browser.
    const expired = new DomainError("session_expired", "The session has ended; sign in again.");
    return problemResponse(c, expired, {
      "set-cookie": `${SESSION_COOKIE}=; Max-Age=0; Path=/api/v1; HttpOnly; Secure; SameSite=Strict`,
    });
  }
  if (!SAFE_METHODS.has(c.req.method)) {
    const sent = c.req.header(CSRF_HEADER);
    if (!sent || !timingSafeEqual(sent, await csrfTokenOf(token)))
      throw new DomainError(
        "csrf_token_invalid",
        `A signed-in request that changes something needs the ${CSRF_HEADER} header of its session.`,
      );
  }
  routeToShard(c, session.merchant.id);
  c.set("merchant", session.merchant);
  c.set("principal", {
    kind: "user",
    user: session.user,
    sessionId: session.sessionId,
    sessionToken: token,
    expiresAt: session.expiresAt,
  });
}

/** An API key wins over a cookie: machines never need a CSRF token. */
/** A test-mode merchant's requests run on its test clock: `now` is the clock from here on. */
export function useMerchantClock(c: Context<AppEnv>) {
  const merchant = c.get("merchant");
  if (merchant.mode === "test" && merchant.testClockAt)
    c.set("now", new Date(merchant.testClockAt));
}

export const requireMerchant = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const token = bearerToken(header);
  const cookie = getCookie(c, SESSION_COOKIE);
  if (token) await authenticateKey(c, token);
  else if (!header && cookie) {
    const refused = await authenticateSession(c, cookie);
    if (refused) return refused;
  } else
    throw new DomainError(
      "unauthorized",
      "Send a merchant API key as `Authorization: Bearer <key>`, or sign in at /app.",
    );
  useMerchantClock(c);
  await next();
});

/** The role table, for people; the path is taken below /api/v1. */
export const authorize = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.get("principal");
  if (principal.kind === "user") {
    const path = c.req.path.replace(/^\/api\/v1/, "");
    if (!isAllowed(principal.user.role, c.req.method, path))
      throw new DomainError(
        "role_not_allowed",
        `The role ${principal.user.role} may not ${c.req.method} ${path}.`,
      );
  }
  await next();
});
