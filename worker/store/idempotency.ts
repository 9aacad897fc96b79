// Idempotency keys per merchant: a claim row written before the request runs, completed with
// the response so a retry with the same key replays it.
import { and, eq, lt } from "drizzle-orm";
import { idempotencyKeys } from "../../schema/tables.ts";
import type { Db } from "./db.ts";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

/** Claims the key; returns undefined on success, or the existing record when already taken. */
export async function claimIdempotencyKey(
  db: Db,
  claim: { merchantId: string; key: string; requestHash: string; expiresAt: string; now: string },
): Promise<IdempotencyRecord | undefined> {
  // Expired keys are free again: delete before claiming so the unique key can be reused.
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.merchantId, claim.merchantId),
        eq(idempotencyKeys.key, claim.key),
        lt(idempotencyKeys.expiresAt, claim.now),
      ),
    );
  const inserted = await db
    .insert(idempotencyKeys)
    .values({
      merchantId: claim.merchantId,
      key: claim.key,
      requestHash: claim.requestHash,
      status: "in_flight",
      expiresAt: claim.expiresAt,
    })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return undefined;
  const existing = await db
    .select()
    .from(idempotencyKeys)
    .where(
      and(eq(idempotencyKeys.merchantId, claim.merchantId), eq(idempotencyKeys.key, claim.key)),
    )
    .limit(1);
  return existing[0];
}

export async function completeIdempotencyKey(
  db: Db,
  merchantId: string,
  key: string,
  responseStatus: number,
  responseBody: string,
) {
  await db
    .update(idempotencyKeys)
    .set({ status: "done", responseStatus, responseBody })
    .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key)));
}

export async function releaseIdempotencyKey(db: Db, merchantId: string, key: string) {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key)));
}
