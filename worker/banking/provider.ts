// The seam between Tarif and a source of bank transactions (finAPI today; another PSD2
// aggregator or CAMT.053 uploads would be one more folder beside banking/finapi): a provider
// finds the merchants due, syncs one merchant into the neutral bank_transactions and reports
// what it stored per connection. Reconciliation never sees which provider it was.
import type { BankProviderId } from "../../schema/banking.ts";
import type { Db } from "../store/db.ts";

export interface SyncCounts {
  /** New transactions stored (status unmatched, or review for potential duplicates). */
  imported: number;
  /** Of those, the ones the provider flags as potential duplicates. */
  review: number;
  /** New records that failed validation, stored as `parked` with the reason. */
  parked: number;
  /** Records already stored (an overlap window re-reads them): nothing written. */
  duplicates: number;
  /** Adjusting entries, which are not bookings. */
  skipped: number;
  /** Parked records the provider now served correctly, stored in their place. */
  healed: number;
  pages: number;
}

export interface ConnectionSyncResult extends SyncCounts {
  bankConnectionId: string;
  /** `waiting`: nothing to read yet (the bank update is running, or the customer must consent). */
  status: "succeeded" | "failed" | "waiting";
  error: { code: string; message: string } | null;
  waitingFor: "update_in_progress" | "consent_required" | null;
  /** Set when the window was read only partly: the page the next run continues at. */
  backlogPage: number | null;
}

export interface MerchantSyncReport extends SyncCounts {
  merchantId: string;
  connections: ConnectionSyncResult[];
  failed: number;
}

export function emptyCounts(): SyncCounts {
  return { imported: 0, review: 0, parked: 0, duplicates: 0, skipped: 0, healed: 0, pages: 0 };
}

const COUNT_KEYS = Object.keys(emptyCounts()) as (keyof SyncCounts)[];

export function addCounts(into: SyncCounts, from: SyncCounts): void {
  for (const key of COUNT_KEYS) into[key] += from[key];
}

/**
 * One provider, configured for an environment (worker/banking/providers.ts builds it): `db` is
 * passed per call so a job can meter its queries.
 */
export interface BankProvider {
  readonly id: BankProviderId;
  /** Merchants with something to sync, longest-waiting first. */
  merchantsDue(db: Db, limit: number): Promise<string[]>;
  /** Throws a DomainError when the merchant has nothing this provider could sync now. */
  checkReady(db: Db, merchantId: string, now: Date): Promise<void>;
  /** Syncs one merchant; null while another sync of the same merchant is running. */
  syncMerchant(db: Db, merchantId: string, now: Date): Promise<MerchantSyncReport | null>;
}
