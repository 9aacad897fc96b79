// Storing one page of a provider's transactions: one atomic batch per page (stored completely or
// not at all), counted into what was new, parked, healed or already there.
import {
  chunkDrafts,
  runUpserts,
  upsertStatement,
  type BankTransactionDraft,
  type Scope,
  type StoredRow,
} from "../store/bank-transactions.ts";
import type { Db } from "../store/db.ts";
import type { SyncCounts } from "./provider.ts";

export async function storePage(
  db: Db,
  scope: Scope,
  drafts: BankTransactionDraft[],
  counts: SyncCounts,
): Promise<void> {
  const stored = await runUpserts(
    db,
    chunkDrafts(drafts).map((chunk) => upsertStatement(db, scope, chunk.json)),
  );
  tally(counts, drafts, stored);
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
