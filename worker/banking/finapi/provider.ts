// finAPI behind the BankProvider seam: which merchants are due (a finAPI user and an active
// connection, longest-waiting first), whether an on-demand run has anything to sync, and the sync.
// Pending web forms are settled by the use case before it asks (worker/flows/bank-sync.ts).
import { DomainError } from "../../domain/errors.ts";
import type { Bindings } from "../../env.ts";
import { activeConnections, merchantsToSync } from "../../store/finapi.ts";
import type { BankProvider } from "../provider.ts";
import { requireSettings } from "./connect.ts";
import { syncMerchant, type SyncOptions } from "./sync.ts";

export function finapiProvider(env: Bindings, options: SyncOptions): BankProvider {
  return {
    id: "finapi",
    merchantsDue: merchantsToSync,
    async checkReady(db, merchantId) {
      const settings = await requireSettings(db, merchantId);
      if (
        !settings.userId ||
        (await activeConnections(db, merchantId, settings.userId)).length === 0
      )
        throw new DomainError(
          "finapi_not_connected",
          "There is no active bank connection to sync; add one (POST /api/v1/finapi/bank-connections).",
        );
    },
    syncMerchant: (db, merchantId, now) => syncMerchant(db, env, merchantId, now, options),
  };
}
