// Sync-then-reconcile for one merchant, the one place the cron and `POST /reconciliation/runs`
// share: the provider brings new bank transactions in, then everything still unmatched is
// reconciled (also after a failed sync: what earlier syncs stored still needs matching).
import type { BankProvider, MerchantSyncReport } from "../banking/provider.ts";
import { DomainError } from "../domain/errors.ts";
import type { Bindings } from "../env.ts";
import type { Db } from "../store/db.ts";
import {
  reconcileMerchant,
  type ReconcileOptions,
  type ReconciliationCounts,
} from "./reconciliation.ts";

export interface SyncAndReconcileReport {
  sync: MerchantSyncReport;
  reconciliation: ReconciliationCounts;
}

/** null while another sync of the merchant is running (the cron skips it until the next tick). */
export async function syncAndReconcile<Options>(
  db: Db,
  env: Bindings,
  provider: BankProvider<Options>,
  merchantId: string,
  now: Date,
  options: Options,
  reconcile: ReconcileOptions = {},
): Promise<SyncAndReconcileReport | null> {
  const sync = await provider.syncMerchant(db, env, merchantId, now, options);
  if (!sync) return null;
  const reconciliation = await reconcileMerchant(db, env, merchantId, now, reconcile);
  return { sync, reconciliation };
}

/** On demand: refuses when there is nothing to sync or a sync is running. */
export async function syncAndReconcileNow<Options>(
  db: Db,
  env: Bindings,
  provider: BankProvider<Options>,
  merchantId: string,
  now: Date,
  options: Options,
): Promise<SyncAndReconcileReport> {
  await provider.checkReady(db, env, merchantId, now, options);
  const report = await syncAndReconcile(db, env, provider, merchantId, now, options);
  if (!report)
    throw new DomainError(
      "sync_in_progress",
      "A sync of this merchant is running; try again when it has finished.",
    );
  return report;
}
