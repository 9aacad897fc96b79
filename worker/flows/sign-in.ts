// Signing people in and out of the back office: password check under throttling, session
// creation (only the token's hash is stored) and sign-out of one or all sessions.
import { DomainError } from "../domain/errors.ts";
import { retryAfterSeconds, windowStart } from "../domain/login-throttle.ts";
import { decoyHash, verifyPassword } from "../passwords.ts";
import { newId, randomToken, sha256Hex } from "../security.ts";
import type { Db } from "../store/db.ts";
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
  db: Db,
  input: { email: string; password: string; ip: string; now: Date },
): Promise<SignedIn> {
  const email = input.email.toLowerCase();
  const subjects = [`account:${email}`, `ip:${input.ip}`];
  const since = windowStart(input.now);
  const wait = retryAfterSeconds(await countFailures(db, subjects, since), input.now);
  if (wait > 0) throw loginThrottled(wait);

  const found = await findUserByEmail(db, email);
  const valid = await verifyPassword(
    input.password,
    found?.user.passwordHash ?? (await decoyHash()),
  );
  if (!found || !valid) {
    await recordFailure(db, subjects, input.now.toISOString(), since);
    throw new DomainError("invalid_credentials", "The e-mail address or the password is wrong.");
  }
  await clearFailures(db, `account:${email}`);
  const token = `ses_${randomToken(40)}`;
  const expiresAt = new Date(input.now.getTime() + SESSION_HOURS * 3600_000).toISOString();
  await insertSession(db, {
    id: newId("ses"),
    merchantId: found.merchant.id,
    userId: found.user.id,
    tokenHash: await sha256Hex(token),
    expiresAt,
  });
  return { token, expiresAt, user: found.user, merchant: found.merchant };
}
