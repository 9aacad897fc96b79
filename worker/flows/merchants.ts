// Operator use case: create a merchant with its first API key (returned once; only its SHA-256
// digest is stored) and, optionally, its first back-office user, the owner. A test-mode merchant
// gets a `sk_test_` key and its own test clock, starting now. The merchant is created in the D1
// shard its new id routes to (worker/store/shards.ts).
import type { Bindings } from "../env.ts";
import { newId, randomToken, sha256Hex } from "../security.ts";
import { database, isUniqueViolation } from "../store/db.ts";
import { createMerchant, type MerchantRecord } from "../store/merchants.ts";
import { databaseFor } from "../store/shards.ts";
import type { NewUser } from "../store/users.ts";
import { emailTaken, newUserRow, requireFreeEmail, type UserInput } from "./users.ts";

export interface MerchantRequest {
  name: string;
  timeZone: string;
  owner?: Omit<UserInput, "role"> | undefined;
  mode: "live" | "test";
}

export async function createMerchantWithKey(
  env: Bindings,
  request: MerchantRequest,
  now: Date,
): Promise<{ merchant: MerchantRecord; apiKey: string; owner: NewUser | undefined }> {
  const test = request.mode === "test";
  const apiKey = test ? `sk_test_${randomToken(32)}` : `sk_${randomToken(32)}`;
  const id = newId("mer");
  if (request.owner) await requireFreeEmail(env, request.owner.email);
  const owner = request.owner
    ? await newUserRow(id, { ...request.owner, role: "owner" })
    : undefined;
  const merchant = await createMerchant(database(databaseFor(env, id)), {
    id,
    name: request.name,
    timeZone: request.timeZone,
    apiKeyId: newId("key"),
    apiKeyHash: await sha256Hex(apiKey),
    apiKeyPrefix: apiKey.slice(0, test ? 12 : 7),
    mode: request.mode,
    testClockAt: test ? now.toISOString() : null,
    owner,
  }).catch((error: unknown) => {
    if (owner && isUniqueViolation(error)) throw emailTaken(owner.email);
    throw error;
  });
  return { merchant, apiKey, owner };
}
