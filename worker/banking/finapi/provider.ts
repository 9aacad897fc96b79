// finAPI behind the BankProvider seam: which merchants are due (a finAPI user and an active
// connection, longest-waiting first), whether an on-demand run has anything to sync, and the sync.
import { DomainError } from "../../domain/errors.ts";
import { pollPendingForms } from "../../flows/finapi.ts";
import { activeConnections, merchantsToSync } from "../../store/finapi.ts";
import type { BankProvider } from "../provider.ts";
import { requireSettings } from "./connect.ts";
import { syncMerchant, type SyncOptions } from "./sync.ts";

export const finapiProvider: BankProvider<SyncOptions> = {
  id: "finapi",
  merchantsDue: merchantsToSync,
  async checkReady(db, env, merchantId, now, options) {
    const settings = await requireSettings(db, merchantId);
    // A form finished without its callback would otherwise wait for the next listing.
    await pollPendingForms(db, env, merchantId, now, options);
    if (!settings.userId || (await activeConnections(db, merchantId, settings.userId)).length === 0)
      throw new DomainError(
        "finapi_not_connected",
        "There is no active bank connection to sync; add one (POST /api/v1/finapi/bank-connections).",
      );
  },
  syncMerchant,
};
