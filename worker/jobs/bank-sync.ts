// The bank sync cron (every 15 minutes): merchants with an active bank connection, longest
// waiting first, each synced under its own lease and then reconciled (payments matched, returns
// booked). Work per tick is bounded (merchants, pages, transactions per merchant), the rest waits
// for the next tick, and one merchant's failure never stops the others.
import type { Bindings } from "../env.ts";
import {
  addCounts,
  emptyCounts,
  syncMerchant,
  type SyncCounts,
  type SyncOptions,
} from "../flows/finapi-sync.ts";
import { runtimeFromEnv } from "../flows/finapi.ts";
import {
  addReconciliationCounts,
  emptyReconciliationCounts,
  reconcileMerchant,
  type ReconciliationCounts,
} from "../flows/reconciliation.ts";
import { database } from "../store/db.ts";
import { merchantsToSync } from "../store/finapi.ts";
import { DEFAULT_QUERY_BUDGET, meteredD1, QueryMeter } from "./query-budget.ts";

export interface BankSyncJobOptions extends SyncOptions {
  /** Merchants per tick. */
  maxMerchants?: number;
  /** No further merchant is started once this many pages were read in the tick. */
  maxPagesPerTick?: number;
  /** Only this merchant (one queue message per merchant). */
  merchantId?: string;
  /** The invocation's query budget (counted; passing it fails the invocation). */
  meter?: QueryMeter;
}

export interface BankSyncJobReport extends SyncCounts {
  merchants: number;
  /** Merchants skipped because a sync of theirs was still running. */
  busy: number;
  connections: number;
  failedConnections: number;
  errors: { merchantId: string; message: string }[];
  reconciliation: ReconciliationCounts;
}

export async function runBankSync(
  env: Bindings,
  now: Date,
  options: BankSyncJobOptions = {},
): Promise<BankSyncJobReport> {
  const {
    maxMerchants = 50,
    maxPagesPerTick = 200,
    merchantId: only,
    meter,
    ...syncOptions
  } = options;
  const runtime = { ...runtimeFromEnv(env), ...syncOptions };
  const db = database(meteredD1(env.DB, meter ?? new QueryMeter(DEFAULT_QUERY_BUDGET)));
  const report: BankSyncJobReport = {
    merchants: 0,
    busy: 0,
    connections: 0,
    failedConnections: 0,
    errors: [],
    reconciliation: emptyReconciliationCounts(),
    ...emptyCounts(),
  };
  for (const merchantId of only ? [only] : await merchantsToSync(db, maxMerchants)) {
    if (report.pages >= maxPagesPerTick) break;
    report.merchants += 1;
    try {
      const result = await syncMerchant(db, env, merchantId, now, runtime);
      if (!result) {
        report.busy += 1;
        continue;
      }
      addCounts(report, result);
      report.connections += result.connections.length;
      report.failedConnections += result.failed;
      // Also after a failed sync: what earlier syncs stored still needs matching.
      addReconciliationCounts(
        report.reconciliation,
        await reconcileMerchant(db, env, merchantId, now),
      );
    } catch (error) {
      // Connection failures are recorded inside; this is the unexpected kind (e.g. D1 down).
      report.errors.push({
        merchantId,
        message: error instanceof Error ? error.message : String(error),
      });
      console.error("bank sync: merchant failed", merchantId, error);
    }
  }
  return report;
}
