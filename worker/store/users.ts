// Back-office users and their sessions. Sessions are found by the SHA-256 of their token, so a
// copy of the database holds no usable session.
import { and, asc, count, eq, gt, lte } from "drizzle-orm";
import { users, userSessions, type UserRole } from "../../schema/backoffice.ts";
import { merchants } from "../../schema/tables.ts";
import type { Db } from "./db.ts";
import type { MerchantRecord } from "./merchants.ts";

export type UserRecord = typeof users.$inferSelect;

export interface NewUser {
  id: string;
  merchantId: string;
  email: string;
  role: UserRole;
  passwordHash: string;
}

export function insertUserStatement(db: Db, user: NewUser) {
  return db.insert(users).values(user).returning();
}

export async function insertUser(db: Db, user: NewUser): Promise<UserRecord> {
  return (await insertUserStatement(db, user))[0]!;
}

export async function listUsers(
  db: Db,
  merchantId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<UserRecord[]> {
  return db
    .select()
    .from(users)
    .where(
      and(eq(users.merchantId, merchantId), page.cursor ? gt(users.id, page.cursor) : undefined),
    )
    .orderBy(asc(users.id))
    .limit(page.limit + 1);
}

export async function findUser(db: Db, merchantId: string, id: string) {
  const rows = await db
    .select()
    .from(users)
    .where(and(eq(users.merchantId, merchantId), eq(users.id, id)));
  return rows[0];
}

/** The user signing in, with the name of their merchant for the app's header. */
export async function findUserByEmail(db: Db, email: string) {
  const rows = await db
    .select({ user: users, merchant: { id: merchants.id, name: merchants.name } })
    .from(users)
    .innerJoin(merchants, eq(merchants.id, users.merchantId))
    .where(eq(users.email, email));
  return rows[0];
}

export async function countOwners(db: Db, merchantId: string): Promise<number> {
  const [row] = await db
    .select({ owners: count() })
    .from(users)
    .where(and(eq(users.merchantId, merchantId), eq(users.role, "owner")));
  return row?.owners ?? 0;
}

/** The user and every session of theirs go in one batch. */
export async function deleteUser(db: Db, merchantId: string, id: string): Promise<void> {
  await db.batch([
    db
      .delete(userSessions)
      .where(and(eq(userSessions.merchantId, merchantId), eq(userSessions.userId, id))),
    db.delete(users).where(and(eq(users.merchantId, merchantId), eq(users.id, id))),
  ]);
}

export async function insertSession(
  db: Db,
  session: { id: string; merchantId: string; userId: string; tokenHash: string; expiresAt: string },
): Promise<void> {
  await db.insert(userSessions).values(session);
}

export interface SessionContext {
  sessionId: string;
  expiresAt: string;
  user: UserRecord;
  merchant: MerchantRecord;
}

/** The live session for a token hash with its user and merchant, in one query. */
export async function findLiveSession(
  db: Db,
  tokenHash: string,
  now: string,
): Promise<SessionContext | undefined> {
  const rows = await db
    .select({
      sessionId: userSessions.id,
      expiresAt: userSessions.expiresAt,
      user: users,
      merchant: merchants,
    })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .innerJoin(merchants, eq(merchants.id, userSessions.merchantId))
    .where(and(eq(userSessions.tokenHash, tokenHash), gt(userSessions.expiresAt, now)));
  return rows[0];
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(userSessions).where(eq(userSessions.id, sessionId));
}

/** Sign-out everywhere; expired sessions of the user go with the others. */
export async function deleteSessionsOfUser(db: Db, userId: string): Promise<number> {
  const removed = await db
    .delete(userSessions)
    .where(eq(userSessions.userId, userId))
    .returning({ id: userSessions.id });
  return removed.length;
}

export function deleteExpiredSessionsOf(db: Db, userId: string, now: string) {
  return db
    .delete(userSessions)
    .where(and(eq(userSessions.userId, userId), lte(userSessions.expiresAt, now)));
}
