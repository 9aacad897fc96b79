// The bank sync of one merchant (cron and on demand): per active bank connection, every page of
// transactions finAPI imported since the connection's cursor minus an overlap, stored page by
// page with an idempotent upsert; the cursor moves only once all pages are stored. A failure
// is recorded on the connection, and reported as `bank_sync.failed` in the same batch.
import { addDays, localDate } from "../domain/calendar.ts";
import type { Bindings } from "../env.ts";
import type { FinapiClient } from "../finapi/client.ts";
import type { UserCredentials } from "../finapi/types.ts";
import {
  chunkDrafts,
  runUpserts,
  upsertStatement,
  type BankTransactionDraft,
  type StoredRow,
} from "../store/bank-transactions.ts";
import { runBatch, type Db } from "../store/db.ts";
import {
  acquireSyncLease,
  activeConnections,
  findSettings,
  releaseSyncLease,
  syncFailedStatement,
  syncSucceededStatement,
  type BankConnectionRecord,
} from "../store/finapi.ts";
import { eventStatements } from "../store/webhook-events.ts";
import { clientFor, describeFinapiError, userOf, type FinapiRuntime } from "./finapi.ts";
import { draftsFromPage } from "./finapi-import.ts";

export interface SyncOptions extends FinapiRuntime {
  /** finAPI's maximum, 500, unless a test wants more pages. */
  perPage?: number;
  /** Pages per connection per run; a larger backlog fails visibly instead of running unbounded. */
  maxPages?: number;
  /** DESIGN: minImportDate = last sync − 2 days, so late imports and clock skew are covered. */
  overlapDays?: number;
  /** How long one merchant's sync may hold its lease before another run may start. */
  leaseMs?: number;
}

export interface SyncCounts {
  /** New transactions stored (status unmatched, or review for potential duplicates). */
  imported: number;
  /** Of those, the ones finAPI flags as potential duplicates. */
  review: number;
  /** New records that failed validation, stored as `parked` with the reason. */
  parked: number;
  /** Records already stored (the overlap window re-reads them): nothing written. */
  duplicates: number;
  /** Adjusting entries, which are not bookings. */
  skipped: number;
  /** Parked records finAPI now served correctly, stored in their place. */
  healed: number;
  pages: number;
}

export interface ConnectionSyncResult extends SyncCounts {
  bankConnectionId: string;
  status: "succeeded" | "failed";
  error: { code: string; message: string } | null;
}

export interface MerchantSyncReport extends SyncCounts {
  merchantId: string;
  connections: ConnectionSyncResult[];
  failed: number;
}

const DEFAULTS = { perPage: 500, maxPages: 100, overlapDays: 2, leaseMs: 15 * 60_000 };

export function emptyCounts(): SyncCounts {
  return { imported: 0, review: 0, parked: 0, duplicates: 0, skipped: 0, healed: 0, pages: 0 };
}

const COUNT_KEYS = Object.keys(emptyCounts()) as (keyof SyncCounts)[];

export function addCounts(into: SyncCounts, from: SyncCounts): void {
  for (const key of COUNT_KEYS) into[key] += from[key];
}

/** finAPI compares import dates as calendar days in Germany. */
export function minImportDate(cursor: string | null, overlapDays: number): string | undefined {
  if (!cursor) return undefined;
  return addDays(localDate(new Date(cursor), "Europe/Berlin"), -overlapDays);
}

/**
 * Syncs one merchant; null when another sync of the merchant holds the lease. A failing
 * connection does not stop the others; a failure to log in to finAPI fails them all at once.
 */
export async function syncMerchant(
  db: Db,
  env: Bindings,
  merchantId: string,
  now: Date,
  options: SyncOptions = {},
): Promise<MerchantSyncReport | null> {
  if (!(await acquireSyncLease(db, merchantId, now, options.leaseMs ?? DEFAULTS.leaseMs)))
    return null;
  try {
    return await syncWithLease(db, env, merchantId, now, options);
  } finally {
    await releaseSyncLease(db, merchantId);
  }
}

async function syncWithLease(
  db: Db,
  env: Bindings,
  merchantId: string,
  now: Date,
  options: SyncOptions,
): Promise<MerchantSyncReport> {
  const report: MerchantSyncReport = { merchantId, connections: [], failed: 0, ...emptyCounts() };
  const settings = await findSettings(db, merchantId);
  if (!settings?.userId) return report;
  const connections = await activeConnections(db, merchantId, settings.userId);
  if (connections.length === 0) return report;

  let client: FinapiClient | null = null;
  let user: UserCredentials | null = null;
  try {
    user = await userOf(env, settings);
    const candidate = await clientFor(env, settings, options);
    // Logging in once up front: if that fails, every connection fails for the same reason.
    if (user) await candidate.userToken(user);
    client = candidate;
  } catch (error) {
    for (const connection of connections)
      report.connections.push(await recordFailure(db, connection, now, error));
  }
  if (client && user) {
    for (const connection of connections)
      report.connections.push(
        await syncConnection(db, client, user, connection, now, options, env.ENCRYPTION_KEY),
      );
  }
  for (const result of report.connections) {
    addCounts(report, result);
    if (result.status === "failed") report.failed += 1;
  }
  return report;
}

async function syncConnection(
  db: Db,
  client: FinapiClient,
  user: UserCredentials,
  connection: BankConnectionRecord,
  now: Date,
  options: SyncOptions,
  encryptionKey: string | undefined,
): Promise<ConnectionSyncResult> {
  const counts = emptyCounts();
  const scope = {
    merchantId: connection.merchantId,
    connectionId: connection.id,
    finapiUserId: connection.finapiUserId,
    now: now.toISOString(),
  };
  const context = {
    accountIds: new Set(connection.accounts.map((account) => account.id)),
    accountCurrency: new Map(
      connection.accounts.flatMap((account) =>
        account.currency ? [[account.id, account.currency] as const] : [],
      ),
    ),
    now: now.getTime(),
    encryptionKey,
  };
  try {
    const pages = client.transactionPages(user, {
      view: "bankView",
      accountIds: [...context.accountIds],
      minImportDate: minImportDate(
        connection.syncCursor,
        options.overlapDays ?? DEFAULTS.overlapDays,
      ),
      perPage: options.perPage ?? DEFAULTS.perPage,
      maxPages: options.maxPages ?? DEFAULTS.maxPages,
      order: ["id,asc"],
    });
    for await (const page of pages) {
      const { drafts, skipped } = await draftsFromPage(page, context);
      counts.skipped += skipped;
      counts.pages += 1;
      tally(counts, drafts, await storePage(db, scope, drafts));
    }
    // Only now, with every page stored, may the next run start from here.
    await runBatch(db, [syncSucceededStatement(db, connection, scope.now, scope.now)]);
    return { bankConnectionId: connection.id, status: "succeeded", error: null, ...counts };
  } catch (error) {
    return { ...(await recordFailure(db, connection, now, error)), ...counts, status: "failed" };
  }
}

/** One atomic batch per page: a page is stored completely or not at all. */
async function storePage(
  db: Db,
  scope: Parameters<typeof upsertStatement>[1],
  drafts: BankTransactionDraft[],
): Promise<StoredRow[]> {
  return runUpserts(
    db,
    chunkDrafts(drafts).map((chunk) => upsertStatement(db, scope, chunk.json)),
  );
}

function tally(counts: SyncCounts, drafts: BankTransactionDraft[], stored: StoredRow[]): void {
  const draftIds = new Set(drafts.map((draft) => draft.id));
  let written = 0;
  for (const row of stored) {
    written += 1;
    if (!draftIds.has(row.id)) counts.healed += 1;
    else if (row.status === "parked") counts.parked += 1;
    else {
      counts.imported += 1;
      if (row.status === "review") counts.review += 1;
    }
  }
  counts.duplicates += drafts.length - written;
}

/**
 * Records the failure and, if it is a new one (the connection was fine before, or failed for
 * another reason), emits `bank_sync.failed` in the same batch: one event per outage, not one
 * per 15-minute tick.
 */
async function recordFailure(
  db: Db,
  connection: BankConnectionRecord,
  now: Date,
  error: unknown,
): Promise<ConnectionSyncResult> {
  const described = describeFinapiError(error);
  const at = now.toISOString();
  const isNew = connection.syncStatus !== "failed" || connection.syncErrorCode !== described.code;
  const event = isNew
    ? eventStatements(db, {
        merchantId: connection.merchantId,
        type: "bank_sync.failed",
        data: {
          bankConnectionId: connection.id,
          finapiConnectionId: connection.finapiConnectionId,
          code: described.code,
          message: described.message,
          failedAt: at,
          consecutiveFailures: connection.syncFailures + 1,
          lastSyncAt: connection.lastSyncAt,
        },
        at: now,
      })
    : [];
  try {
    await runBatch(db, [syncFailedStatement(db, connection, at, described), ...event]);
  } catch (storeError) {
    console.error("bank sync: recording the failure failed", connection.id, storeError);
  }
  console.error(
    "bank sync: connection failed",
    connection.id,
    described.code,
    described.message,
    described.code === "internal_error" ? error : "",
  );
  return { bankConnectionId: connection.id, status: "failed", error: described, ...emptyCounts() };
}
