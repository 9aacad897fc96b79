// Idempotency-Key on mutating POSTs (DESIGN "Reliability"): the same key and body replays the
// first response, another body gets 422, a request still in flight gets 409. Keys are kept
// 24 h per merchant. Responses may carry secrets (a webhook endpoint's `whsec_…`, a portal token),
// so they are stored encrypted and bound to their key, and the request is kept only as a keyed
// hash: the table holds nothing readable.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
} from "../store/idempotency.ts";
import { decryptSecret, encryptSecret, lookupHash } from "../security.ts";
import { DomainError } from "../domain/errors.ts";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const RETENTION_MS = 24 * 60 * 60 * 1000;
const NOT_EXECUTED = new Set([400, 413, 415]);

export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (!KEY_PATTERN.test(key)) {
    throw new DomainError(
      "validation_failed",
      "Idempotency-Key must be 1–255 visible ASCII characters.",
      [{ field: "Idempotency-Key", message: "1–255 visible ASCII characters" }],
    );
  }
  const merchantId = c.get("merchant").id;
  // Portal customers share their merchant's key space; their keys are kept apart per customer.
  const customer = c.get("customer") as { id: string } | undefined;
  const scopedKey = customer ? `${customer.id}:${key}` : key;
  const db = c.var.db;
  const body = await c.req.text();
  const requestHash = await lookupHash(
    `${c.req.method} ${new URL(c.req.url).pathname}\n${body}`,
    c.env.LOOKUP_HASH_KEY,
  );
  const binding = `idempotency:${merchantId}:${scopedKey}`;
  const now = c.var.now;
  const existing = await claimIdempotencyKey(db, {
    merchantId,
    key: scopedKey,
    requestHash,
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + RETENTION_MS).toISOString(),
  });
  if (existing)
    return replay(existing, requestHash, (sealed) =>
      decryptSecret(sealed, c.env.ENCRYPTION_KEY, binding),
    );

  await next();
  const response = c.res;
  // Like Stripe, only a request the endpoint began executing is remembered. A refused request
  // (400 malformed or invalid, 413, 415) ran nothing, and after a server error or a concurrency
  // conflict the same request may well succeed: the key is released for the corrected retry.
  if (NOT_EXECUTED.has(response.status) || response.status >= 500 || response.status === 409) {
    await releaseIdempotencyKey(db, merchantId, scopedKey);
    return;
  }
  await completeIdempotencyKey(
    db,
    merchantId,
    scopedKey,
    response.status,
    await encryptSecret(await response.clone().text(), c.env.ENCRYPTION_KEY, binding),
  );
});

async function replay(
  existing: {
    requestHash: string;
    status: string;
    responseStatus: number | null;
    responseBody: string | null;
  },
  requestHash: string,
  open: (sealed: string) => Promise<string>,
) {
  if (existing.requestHash !== requestHash) {
    throw new DomainError(
      "idempotency_key_reused",
      "This Idempotency-Key was used with a different request; use a new key for a new request.",
    );
  }
  if (existing.status !== "done") {
    throw new DomainError(
      "idempotency_request_in_progress",
      "The first request with this Idempotency-Key is still being processed; retry shortly.",
    );
  }
  const status = existing.responseStatus ?? 200;
  const isProblem = status >= 400;
  const body = existing.responseBody === null ? null : await open(existing.responseBody);
  return new Response(body, {
    status,
    headers: {
      "content-type": isProblem ? "application/problem+json" : "application/json",
      "idempotent-replayed": "true",
    },
  });
}
