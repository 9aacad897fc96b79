// D1 access for a merchant's finAPI settings (credentials, finAPI user, sync lease) and its bank
// connections (web form state, accounts, sync state). Every query is scoped by merchant, except
// the callback lookup, which the unguessable token's hash scopes instead.
import { and, asc, eq, exists, gt, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  finapiBankConnections,
  finapiSettings,
  type StoredFinapiAccount,
} from "../../schema/finapi.ts";
import type { ListOptions } from "./catalogue.ts";
import type { Db } from "./db.ts";

export type FinapiSettingsRecord = typeof finapiSettings.$inferSelect;
export type BankConnectionRecord = typeof finapiBankConnections.$inferSelect;

export async function findSettings(
  db: Db,
  merchantId: string,
): Promise<FinapiSettingsRecord | undefined> {
  const [row] = await db
    .select()
    .from(finapiSettings)
    .where(eq(finapiSettings.merchantId, merchantId))
    .limit(1);
  return row;
}

export interface SettingsInput {
  clientId: string;
  clientSecretCiphertext: string;
  environment: string;
  baseUrl: string | null;
  webFormBaseUrl: string | null;
  consentWarningDays?: number;
}

export async function upsertSettings(
  db: Db,
  merchantId: string,
  input: SettingsInput,
  now: string,
): Promise<FinapiSettingsRecord> {
  const [row] = await db
    .insert(finapiSettings)
    .values({ merchantId, ...input, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: finapiSettings.merchantId, set: { ...input, updatedAt: now } })
    .returning();
  return row!;
}

/** Stores the user only if none is stored yet, so two concurrent creations cannot both win. */
export async function setUser(
  db: Db,
  merchantId: string,
  userId: string,
  passwordCiphertext: string,
  now: string,
): Promise<boolean> {
  const rows = await db
    .update(finapiSettings)
    .set({ userId, userPasswordCiphertext: passwordCiphertext, userCreatedAt: now, updatedAt: now })
    .where(and(eq(finapiSettings.merchantId, merchantId), isNull(finapiSettings.userId)))
    .returning({ merchantId: finapiSettings.merchantId });
  return rows.length > 0;
}

/** The connection was deleted at finAPI: no longer synced, its transactions stay (GoBD). */
export async function markConnectionRemoved(
  db: Db,
  connection: BankConnectionRecord,
  now: string,
): Promise<void> {
  await db
    .update(finapiBankConnections)
    .set({ status: "removed", callbackTokenHash: null, updateRequestedAt: null, updatedAt: now })
    .where(
      and(
        eq(finapiBankConnections.merchantId, connection.merchantId),
        eq(finapiBankConnections.id, connection.id),
      ),
    );
}

/** Forgets the finAPI user; its connections stop syncing, imported transactions stay. */
export async function removeUser(
  db: Db,
  merchantId: string,
  userId: string,
  now: string,
): Promise<void> {
  await db.batch([
    db
      .update(finapiSettings)
      .set({ userId: null, userPasswordCiphertext: null, userCreatedAt: null, updatedAt: now })
      .where(and(eq(finapiSettings.merchantId, merchantId), eq(finapiSettings.userId, userId))),
    db
      .update(finapiBankConnections)
      .set({ status: "disconnected", callbackTokenHash: null, updatedAt: now })
      .where(
        and(
          eq(finapiBankConnections.merchantId, merchantId),
          eq(finapiBankConnections.finapiUserId, userId),
        ),
      ),
  ]);
}

/**
 * Takes the merchant's sync lease (one sync per merchant at a time). A crashed sync's lease
 * runs out by itself, so nothing stays locked.
 */
export async function acquireSyncLease(
  db: Db,
  merchantId: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const rows = await db
    .update(finapiSettings)
    .set({
      syncLeaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      syncAttemptedAt: now.toISOString(),
    })
    .where(
      and(
        eq(finapiSettings.merchantId, merchantId),
        or(
          isNull(finapiSettings.syncLeaseUntil),
          lt(finapiSettings.syncLeaseUntil, now.toISOString()),
        ),
      ),
    )
    .returning({ merchantId: finapiSettings.merchantId });
  return rows.length > 0;
}

export async function releaseSyncLease(db: Db, merchantId: string): Promise<void> {
  await db
    .update(finapiSettings)
    .set({ syncLeaseUntil: null })
    .where(eq(finapiSettings.merchantId, merchantId));
}

/** Merchants with a user and at least one active connection, longest-waiting first. */
export async function merchantsToSync(db: Db, limit: number): Promise<string[]> {
  const active = db
    .select({ merchantId: finapiBankConnections.merchantId })
    .from(finapiBankConnections)
    .where(
      and(
        eq(finapiBankConnections.status, "active"),
        eq(finapiBankConnections.merchantId, finapiSettings.merchantId),
        eq(finapiBankConnections.finapiUserId, finapiSettings.userId),
      ),
    );
  const rows = await db
    .select({ merchantId: finapiSettings.merchantId })
    .from(finapiSettings)
    .where(and(isNotNull(finapiSettings.userId), exists(active)))
    .orderBy(sql`coalesce(${finapiSettings.syncAttemptedAt}, '')`, asc(finapiSettings.merchantId))
    .limit(limit);
  return rows.map((row) => row.merchantId);
}

// ---- bank connections ----

export async function insertConnection(
  db: Db,
  row: typeof finapiBankConnections.$inferInsert,
): Promise<BankConnectionRecord> {
  const [created] = await db.insert(finapiBankConnections).values(row).returning();
  return created!;
}

export async function findConnection(
  db: Db,
  merchantId: string,
  id: string,
): Promise<BankConnectionRecord | undefined> {
  const [row] = await db
    .select()
    .from(finapiBankConnections)
    .where(and(eq(finapiBankConnections.merchantId, merchantId), eq(finapiBankConnections.id, id)))
    .limit(1);
  return row;
}

export async function findConnectionByCallbackHash(
  db: Db,
  hash: string,
): Promise<BankConnectionRecord | undefined> {
  const [row] = await db
    .select()
    .from(finapiBankConnections)
    .where(eq(finapiBankConnections.callbackTokenHash, hash))
    .limit(1);
  return row;
}

export async function listConnections(
  db: Db,
  merchantId: string,
  { limit, cursor }: ListOptions,
): Promise<BankConnectionRecord[]> {
  return db
    .select()
    .from(finapiBankConnections)
    .where(
      and(
        eq(finapiBankConnections.merchantId, merchantId),
        cursor ? gt(finapiBankConnections.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(finapiBankConnections.id))
    .limit(limit + 1);
}

/** Connections with an open web form (an import or a consent renewal): its callback hash is set. */
export async function pendingConnections(
  db: Db,
  merchantId: string,
  limit: number,
): Promise<BankConnectionRecord[]> {
  return db
    .select()
    .from(finapiBankConnections)
    .where(
      and(
        eq(finapiBankConnections.merchantId, merchantId),
        isNotNull(finapiBankConnections.callbackTokenHash),
      ),
    )
    .orderBy(asc(finapiBankConnections.id))
    .limit(limit);
}

export async function activeConnections(
  db: Db,
  merchantId: string,
  finapiUserId: string,
): Promise<BankConnectionRecord[]> {
  return db
    .select()
    .from(finapiBankConnections)
    .where(
      and(
        eq(finapiBankConnections.merchantId, merchantId),
        eq(finapiBankConnections.finapiUserId, finapiUserId),
        eq(finapiBankConnections.status, "active"),
      ),
    )
    .orderBy(asc(finapiBankConnections.id));
}

export type FormOutcome =
  | {
      status: "active";
      finapiConnectionId: number;
      bankName: string | null;
      accounts: StoredFinapiAccount[];
      consentExpiresAt: string | null;
    }
  | { status: "failed"; errorCode: string; errorMessage: string | null };

/**
 * Settles a pending web form. Only a pending row changes, so the callback and a poll racing for
 * the same form settle it once; returns whether this call did.
 */
export async function settleConnection(
  db: Db,
  merchantId: string,
  id: string,
  outcome: FormOutcome,
  now: string,
): Promise<boolean> {
  const rows = await db
    .update(finapiBankConnections)
    .set({ ...outcome, callbackTokenHash: null, completedAt: now, updatedAt: now })
    .where(
      and(
        eq(finapiBankConnections.merchantId, merchantId),
        eq(finapiBankConnections.id, id),
        eq(finapiBankConnections.status, "pending"),
      ),
    )
    .returning({ id: finapiBankConnections.id });
  return rows.length > 0;
}

export type RenewalOutcome =
  | { status: "renewed"; consentExpiresAt: string | null; accounts: StoredFinapiAccount[] }
  | { status: "failed"; errorCode: string; errorMessage: string | null };

/**
 * Settles a consent renewal form once (the callback and a poll may race for it). A renewal brings
 * the connection back to `active`, and the update the form ran is read like an unattended one.
 */
export async function settleRenewal(
  db: Db,
  connection: BankConnectionRecord,
  outcome: RenewalOutcome,
  now: string,
): Promise<boolean> {
  const change =
    outcome.status === "renewed"
      ? {
          status: "active" as const,
          consentExpiresAt: outcome.consentExpiresAt,
          consentNotice: null,
          accounts: outcome.accounts,
          updateRequestedAt: now,
          errorCode: null,
          errorMessage: null,
        }
      : { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage };
  const rows = await db
    .update(finapiBankConnections)
    .set({ ...change, callbackTokenHash: null, updatedAt: now })
    .where(
      and(
        eq(finapiBankConnections.merchantId, connection.merchantId),
        eq(finapiBankConnections.id, connection.id),
        eq(finapiBankConnections.callbackTokenHash, connection.callbackTokenHash ?? ""),
      ),
    )
    .returning({ id: finapiBankConnections.id });
  return rows.length > 0;
}

/**
 * A window read completely: the cursor moves to when the window started and the backlog is done.
 * `at` is this run's instant (a backlog's window may have started runs earlier).
 */
export function syncSucceededStatement(
  db: Db,
  connection: BankConnectionRecord,
  windowStartedAt: string,
  at: string,
): BatchItem<"sqlite"> {
  return db
    .update(finapiBankConnections)
    .set({
      syncCursor: windowStartedAt,
      lastSyncAt: at,
      lastSyncAttemptAt: at,
      syncStatus: "succeeded",
      syncErrorCode: null,
      syncErrorMessage: null,
      syncFailures: 0,
      backlogPage: null,
      backlogWindow: null,
      backlogStartedAt: null,
      updatedAt: at,
    })
    .where(
      and(
        eq(finapiBankConnections.merchantId, connection.merchantId),
        eq(finapiBankConnections.id, connection.id),
      ),
    );
}

/** Part of a window was read: the next run continues at `page`; the cursor stays where it was. */
export function backlogProgressStatement(
  db: Db,
  connection: BankConnectionRecord,
  backlog: { page: number; window: string | null; startedAt: string },
  at: string,
): BatchItem<"sqlite"> {
  return connectionStatement(db, connection, {
    backlogPage: backlog.page,
    backlogWindow: backlog.window,
    backlogStartedAt: backlog.startedAt,
    lastSyncAttemptAt: at,
    syncStatus: "succeeded",
    syncErrorCode: null,
    syncErrorMessage: null,
    syncFailures: 0,
    updatedAt: at,
  });
}

export type ConnectionChange = Partial<
  Omit<typeof finapiBankConnections.$inferInsert, "id" | "merchantId" | "finapiUserId">
>;

/** Writes a change of one connection's state (update, consent, accounts) in the caller's batch. */
export function connectionStatement(
  db: Db,
  connection: BankConnectionRecord,
  change: ConnectionChange,
): BatchItem<"sqlite"> {
  return db
    .update(finapiBankConnections)
    .set(change)
    .where(
      and(
        eq(finapiBankConnections.merchantId, connection.merchantId),
        eq(finapiBankConnections.id, connection.id),
      ),
    );
}

/** The cursor is left alone: the next run asks for the same window again. */
export function syncFailedStatement(
  db: Db,
  connection: BankConnectionRecord,
  startedAt: string,
  error: { code: string; message: string },
): BatchItem<"sqlite"> {
  return db
    .update(finapiBankConnections)
    .set({
      lastSyncAttemptAt: startedAt,
      syncStatus: "failed",
      syncErrorCode: error.code,
      syncErrorMessage: error.message,
      syncFailures: sql`${finapiBankConnections.syncFailures} + 1`,
      updatedAt: startedAt,
    })
    .where(
      and(
        eq(finapiBankConnections.merchantId, connection.merchantId),
        eq(finapiBankConnections.id, connection.id),
      ),
    );
}
