// Signing people in to the back office: password check under throttling and session creation
// (only the token's hash is stored). An e-mail
// address names no merchant, so the user is looked up shard by shard and the session is stored
// in the user's shard; the throttle counts in the first shard (`DB`), since failures for an
// address that exists nowhere must be counted too.
import { DomainError } from "../domain/errors.ts";
import { retryAfterSeconds, windowStart } from "../domain/login-throttle.ts";
import { decoyHash, verifyPassword } from "../passwords.ts";
import { newId, randomToken, sha256Hex } from "../security.ts";
import type { Bindings } from "../env.ts";
import { database } from "../store/db.ts";
import { findInShards } from "../store/shards.ts";
import { clearFailures, countFailures, recordFailure } from "../store/login-failures.ts";
import { findUserByEmail, insertSession, type UserRecord } from "../store/users.ts";

export const SESSION_HOURS = 12;

export interface SignedIn {
  token: string;
  expiresAt: string;
  user: UserRecord;
  merchant: { id: string; name: string };
}

/** Refused until the window of recent failures has passed; the answer carries `Retry-After`. */
function loginThrottled(retryAfter: number): DomainError {
  return new DomainError(
    "login_throttled",
    `Too many failed sign-ins; try again in ${Math.ceil(retryAfter / 60)} minutes.`,
    undefined,
    { retryAfter },
  );
}

export async function signIn(
  shards: Bindings,
  input: { email: string; password: string; ip: string; now: Date },
): Promise<SignedIn> {
  const email = input.email.toLowerCase();
  const subjects = [`account:${email}`, `ip:${input.ip}`];
  const since = windowStart(input.now);
  const throttle = database(shards.DB);
  const wait = retryAfterSeconds(await countFailures(throttle, subjects, since), input.now);
  if (wait > 0) throw loginThrottled(wait);

  const found = await findInShards(shards, async (d1) => {
    const user = await findUserByEmail(database(d1), email);
    return user && { ...user, db: database(d1) };
  });
  const valid = await verifyPassword(
    input.password,
    found?.user.passwordHash ?? (await decoyHash()),
  );
  if (!found || !valid) {
    await recordFailure(throttle, subjects, input.now.toISOString(), since);
    throw new DomainError("invalid_credentials", "The e-mail address or the password is wrong.");
  }
  await clearFailures(throttle, `account:${email}`);
  const token = `ses_${randomToken(40)}`;
  const expiresAt = new Date(input.now.getTime() + SESSION_HOURS * 3600_000).toISOString();
  await insertSession(found.db, {
    id: newId("ses"),
    merchantId: found.merchant.id,
    userId: found.user.id,
    tokenHash: await sha256Hex(token),
    expiresAt,
  });
  return { token, expiresAt, user: found.user, merchant: found.merchant };
}
