// Sync-then-reconcile for one merchant, the one place the cron and `POST /reconciliation/runs`
// share: the provider brings new bank transactions in, then everything still unmatched is
// reconciled (also after a failed sync: what earlier syncs stored still needs matching).
import type { BankProviderId } from "../../schema/banking.ts";
import { runtimeFromEnv } from "../banking/finapi/connect.ts";
import type { BankProvider, MerchantSyncReport } from "../banking/provider.ts";
import { DomainError } from "../domain/errors.ts";
import type { Bindings } from "../env.ts";
import type { Db } from "../store/db.ts";
import { pollPendingForms } from "./finapi.ts";
import {
  reconcileMerchant,
  type ReconcileOptions,
  type ReconciliationCounts,
} from "./reconciliation.ts";

export interface SyncAndReconcileReport {
  sync: MerchantSyncReport;
  reconciliation: ReconciliationCounts;
}

type BeforeSync = (db: Db, env: Bindings, merchantId: string, now: Date) => Promise<unknown>;

/**
 * What a provider's own use cases settle before an on-demand sync. finAPI: a web form that
 * finished without its callback would otherwise wait for the next listing.
 */
const BEFORE_ON_DEMAND_SYNC: Record<BankProviderId, BeforeSync> = {
  finapi: (db, env, merchantId, now) =>
    pollPendingForms(db, env, merchantId, now, runtimeFromEnv(env)),
};

/** null while another sync of the merchant is running (the cron skips it until the next tick). */
export async function syncAndReconcile(
  db: Db,
  env: Bindings,
  provider: BankProvider,
  merchantId: string,
  now: Date,
  reconcile: ReconcileOptions = {},
): Promise<SyncAndReconcileReport | null> {
  const sync = await provider.syncMerchant(db, merchantId, now);
  if (!sync) return null;
  const reconciliation = await reconcileMerchant(db, env, merchantId, now, reconcile);
  return { sync, reconciliation };
}

/** On demand: refuses when there is nothing to sync or a sync is running. */
export async function syncAndReconcileNow(
  db: Db,
  env: Bindings,
  provider: BankProvider,
  merchantId: string,
  now: Date,
): Promise<SyncAndReconcileReport> {
  await BEFORE_ON_DEMAND_SYNC[provider.id](db, env, merchantId, now);
  await provider.checkReady(db, merchantId, now);
  const report = await syncAndReconcile(db, env, provider, merchantId, now);
  if (!report)
    throw new DomainError(
      "sync_in_progress",
      "A sync of this merchant is running; try again when it has finished.",
    );
  return report;
}
