// Bearer authentication: the admin token for /admin/v1 and merchant API keys for /api/v1. Keys
// are looked up by their SHA-256 digest, so the database never holds a usable key.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { findMerchantByKeyHash } from "../store/merchants.ts";
import { sha256Hex, timingSafeEqual } from "../security.ts";
import { DomainError } from "../domain/errors.ts";

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

export const requireMerchant = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token)
    throw new DomainError(
      "unauthorized",
      "Send a merchant API key as `Authorization: Bearer <key>`.",
    );
  const hash = await sha256Hex(token);
  const found = await findMerchantByKeyHash(c.var.db, hash);
  if (!found || !timingSafeEqual(found.keyHash, hash))
    throw new DomainError("unauthorized", "The API key is unknown or revoked.");
  c.set("merchant", found.merchant);
  await next();
});
