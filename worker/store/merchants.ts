// Merchants, their API keys (stored as SHA-256 hashes only) and the merchant-wide
// customer-center settings.
import { and, eq, isNull } from "drizzle-orm";
import { apiKeys, merchants } from "../../schema/tables.ts";
import { PORTAL_ACTIONS, type PortalAction } from "../domain/portal-options.ts";
import type { Db } from "./db.ts";
import { insertUserStatement, type NewUser } from "./users.ts";

export type MerchantRecord = typeof merchants.$inferSelect;

export interface NewMerchant {
  id: string;
  name: string;
  timeZone: string;
  apiKeyId: string;
  apiKeyHash: string;
  apiKeyPrefix: string;
  /** test: a sandbox merchant, its clock starting at `testClockAt`. */
  mode?: "live" | "test";
  testClockAt?: string | null;
  /** The first back-office owner, written in the same batch. */
  owner?: NewUser | undefined;
}

export async function createMerchant(db: Db, input: NewMerchant): Promise<MerchantRecord> {
  const [merchant] = await db.batch([
    db
      .insert(merchants)
      .values({
        id: input.id,
        name: input.name,
        timeZone: input.timeZone,
        mode: input.mode ?? "live",
        testClockAt: input.mode === "test" ? (input.testClockAt ?? null) : null,
        allowedActions: [...PORTAL_ACTIONS],
        allowedOrigins: [],
      })
      .returning(),
    db.insert(apiKeys).values({
      id: input.apiKeyId,
      merchantId: input.id,
      keyHash: input.apiKeyHash,
      keyPrefix: input.apiKeyPrefix,
    }),
    ...(input.owner ? [insertUserStatement(db, input.owner)] : []),
  ]);
  return merchant[0]!;
}

export async function findMerchantByKeyHash(
  db: Db,
  keyHash: string,
): Promise<{ merchant: MerchantRecord; keyHash: string } | undefined> {
  const rows = await db
    .select({ merchant: merchants, keyHash: apiKeys.keyHash })
    .from(apiKeys)
    .innerJoin(merchants, eq(merchants.id, apiKeys.merchantId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return rows[0];
}

export interface CustomerCenterSettings {
  portalEnabled: boolean;
  allowedActions: PortalAction[];
  prorationMode: MerchantRecord["prorationMode"];
  allowedOrigins: string[];
}

export async function updateCustomerCenterSettings(
  db: Db,
  merchantId: string,
  patch: Partial<CustomerCenterSettings>,
): Promise<MerchantRecord> {
  const rows = await db
    .update(merchants)
    .set(patch)
    .where(eq(merchants.id, merchantId))
    .returning();
  return rows[0]!;
}

export function customerCenterSettingsOf(merchant: MerchantRecord): CustomerCenterSettings {
  return {
    portalEnabled: merchant.portalEnabled,
    allowedActions: merchant.allowedActions,
    prorationMode: merchant.prorationMode,
    allowedOrigins: merchant.allowedOrigins,
  };
}

export async function findMerchant(
  db: Db,
  merchantId: string,
): Promise<MerchantRecord | undefined> {
  const [row] = await db.select().from(merchants).where(eq(merchants.id, merchantId)).limit(1);
  return row;
}

/**
 * Moves a test merchant's clock, but only from where the caller saw it: a second advance racing
 * this one changes nothing (false). `target` is kept while the advance continues in the queue.
 */
export async function moveTestClock(
  db: Db,
  merchantId: string,
  from: string,
  to: string,
  target: string | null,
): Promise<boolean> {
  const rows = await db
    .update(merchants)
    .set({ testClockAt: to, testClockTarget: target })
    .where(
      and(
        eq(merchants.id, merchantId),
        eq(merchants.mode, "test"),
        eq(merchants.testClockAt, from),
      ),
    )
    .returning({ id: merchants.id });
  return rows.length === 1;
}

/** An advance continues through the job queue towards this day (GET /test-clock shows it). */
export async function setTestClockTarget(db: Db, merchantId: string, target: string | null) {
  await db
    .update(merchants)
    .set({ testClockTarget: target })
    .where(and(eq(merchants.id, merchantId), eq(merchants.mode, "test")));
}
