// The bank sync cron (every 15 minutes): merchants with an active bank connection, longest
// waiting first, each synced under its own lease and then reconciled (payments matched, returns
// booked). Work per tick is bounded (merchants, pages, transactions per merchant), the rest waits
// for the next tick, and one merchant's failure never stops the others.
import type { SyncOptions } from "../banking/finapi/sync.ts";
import { addCounts, emptyCounts, type SyncCounts } from "../banking/provider.ts";
import { bankProvider } from "../banking/providers.ts";
import type { Bindings } from "../env.ts";
import { syncAndReconcile } from "../flows/bank-sync.ts";
import {
  addReconciliationCounts,
  emptyReconciliationCounts,
  type ReconciliationCounts,
} from "../flows/reconciliation.ts";
import { database } from "../store/db.ts";
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
  const provider = bankProvider(env, "finapi", syncOptions);
  const budget = meter ?? new QueryMeter(DEFAULT_QUERY_BUDGET);
  const db = database(meteredD1(env.DB, budget));
  const report: BankSyncJobReport = {
    merchants: 0,
    busy: 0,
    connections: 0,
    failedConnections: 0,
    errors: [],
    reconciliation: emptyReconciliationCounts(),
    ...emptyCounts(),
  };
  for (const merchantId of only ? [only] : await provider.merchantsDue(db, maxMerchants)) {
    if (report.pages >= maxPagesPerTick) break;
    report.merchants += 1;
    try {
      const result = await syncAndReconcile(db, env, provider, merchantId, now, { budget });
      if (!result) {
        report.busy += 1;
        continue;
      }
      addCounts(report, result.sync);
      report.connections += result.sync.connections.length;
      report.failedConnections += result.sync.failed;
      addReconciliationCounts(report.reconciliation, result.reconciliation);
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
