// The bank sync of one merchant (cron and on demand): per active bank connection, every page of
// transactions finAPI imported since the connection's cursor minus an overlap, stored page by
// page with an idempotent upsert; the cursor moves only once all pages are stored. A failure
// is recorded on the connection, and reported as `bank_sync.failed` in the same batch.
import { addDays, localDate } from "../../domain/calendar.ts";
import type { Bindings } from "../../env.ts";
import { runBatch, type Db } from "../../store/db.ts";
import {
  acquireSyncLease,
  activeConnections,
  findSettings,
  backlogProgressStatement,
  releaseSyncLease,
  syncFailedStatement,
  syncSucceededStatement,
  type BankConnectionRecord,
} from "../../store/finapi.ts";
import { eventStatements } from "../../store/webhook-events.ts";
import { storePage } from "../import.ts";
import {
  addCounts,
  emptyCounts,
  type ConnectionSyncResult,
  type MerchantSyncReport,
  type SyncCounts,
} from "../provider.ts";
import type { FinapiClient } from "./client.ts";
import { clientFor, userOf, type FinapiRuntime } from "./connect.ts";
import { describeFinapiError } from "./failures.ts";
import { draftsFromPage } from "./import.ts";
import type { UserCredentials } from "./types.ts";
import { openAccounts, updatePhase, type UpdateOptions } from "./update.ts";

export interface SyncOptions extends FinapiRuntime, UpdateOptions {
  /** finAPI's maximum, 500, unless a test wants more pages. */
  perPage?: number;
  /** Pages per connection per run; a larger backlog continues on the next run where it stopped. */
  maxPages?: number;
  /** DESIGN: minImportDate = last sync − 2 days, so late imports and clock skew are covered. */
  overlapDays?: number;
  /** How long one merchant's sync may hold its lease before another run may start. */
  leaseMs?: number;
}

const DEFAULTS = { perPage: 500, maxPages: 100, overlapDays: 2, leaseMs: 15 * 60_000 };

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
        await syncConnection(
          db,
          client,
          user,
          connection,
          settings.consentWarningDays,
          now,
          options,
          env.ENCRYPTION_KEY,
        ),
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
  warningDays: number,
  now: Date,
  options: SyncOptions,
  encryptionKey: string | undefined,
): Promise<ConnectionSyncResult> {
  const counts = emptyCounts();
  try {
    const phase = await updatePhase(db, client, user, connection, warningDays, now, options);
    if (phase.kind === "waiting")
      return { ...result(connection, "waiting", counts), waitingFor: phase.reason };
    const backlogPage = await readWindow(db, client, user, phase.connection, now, options, {
      counts,
      encryptionKey,
    });
    return { ...result(connection, "succeeded", counts), backlogPage };
  } catch (error) {
    return { ...(await recordFailure(db, connection, now, error)), ...counts, status: "failed" };
  }
}

function result(
  connection: BankConnectionRecord,
  status: ConnectionSyncResult["status"],
  counts: SyncCounts,
): ConnectionSyncResult {
  return {
    bankConnectionId: connection.id,
    status,
    error: null,
    waitingFor: null,
    backlogPage: null,
    ...counts,
  };
}

/**
 * Reads the connection's current window (every transaction imported since the cursor minus the
 * overlap, or the rest of a backlog) page by page, at most `maxPages` in this run. Returns the
 * page the next run continues at, or null when the window is complete and the cursor moved.
 */
async function readWindow(
  db: Db,
  client: FinapiClient,
  user: UserCredentials,
  connection: BankConnectionRecord,
  now: Date,
  options: SyncOptions,
  { counts, encryptionKey }: { counts: SyncCounts; encryptionKey: string | undefined },
): Promise<number | null> {
  const at = now.toISOString();
  const resumed = connection.backlogPage !== null;
  const window = {
    page: connection.backlogPage ?? 1,
    minImportDate: resumed
      ? connection.backlogWindow
      : (minImportDate(connection.syncCursor, options.overlapDays ?? DEFAULTS.overlapDays) ?? null),
    startedAt: (resumed ? connection.backlogStartedAt : null) ?? at,
  };
  const scope = {
    merchantId: connection.merchantId,
    provider: "finapi" as const,
    connectionId: connection.id,
    providerScope: connection.finapiUserId,
    now: at,
  };
  const accounts = openAccounts(connection);
  const context = {
    accountIds: new Set(accounts.map((account) => account.id)),
    accountCurrency: new Map(
      accounts.flatMap((account) =>
        account.currency ? [[account.id, account.currency] as const] : [],
      ),
    ),
    now: now.getTime(),
    encryptionKey,
  };
  const budget = options.maxPages ?? DEFAULTS.maxPages;
  let next: number | null = null;
  let read = 0;
  const pages = client.transactionPages(user, {
    view: "bankView",
    accountIds: [...context.accountIds],
    ...(window.minImportDate ? { minImportDate: window.minImportDate } : {}),
    perPage: options.perPage ?? DEFAULTS.perPage,
    startPage: window.page,
    // The budget bounds this run; the backlog itself may be of any size.
    maxPages: Number.MAX_SAFE_INTEGER,
    order: ["id,asc"],
  });
  for await (const page of pages) {
    const { drafts, skipped } = await draftsFromPage(page, context);
    counts.skipped += skipped;
    counts.pages += 1;
    read += 1;
    await storePage(db, scope, drafts, counts);
    if (page.page < page.pageCount && read >= budget) {
      next = page.page + 1;
      break;
    }
  }
  // Only with every page of the window stored may the next window start from it.
  await runBatch(db, [
    next === null
      ? syncSucceededStatement(db, connection, window.startedAt, at)
      : backlogProgressStatement(
          db,
          connection,
          { page: next, window: window.minImportDate, startedAt: window.startedAt },
          at,
        ),
  ]);
  return next;
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
  return {
    bankConnectionId: connection.id,
    status: "failed",
    error: described,
    waitingFor: null,
    backlogPage: null,
    ...emptyCounts(),
  };
}
