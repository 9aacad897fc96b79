// Bulk decisions over many lines of the review queue at once: ignore them, undo their decisions,
// or assign each to its best-ranked candidate. Every line is decided in its own atomic batch, so
// one line that cannot be decided (changed meanwhile, no candidate) leaves the others booked,
// and the answer says per line what happened.
import { DomainError } from "../domain/errors.ts";
import type { Db } from "../store/db.ts";
import { entriesOf } from "../store/reconciliation-entries.ts";
import { assignTransaction, type Assignment } from "./bank-assignment.ts";

export type BulkAction = "ignore" | "undo" | "assign_top_candidate";

export interface BulkRequest {
  transactionIds: string[];
  action: BulkAction;
  remainder?: Assignment["remainder"];
}

export type BulkResult =
  { id: string; ok: true } | { id: string; ok: false; code: string; detail: string };

async function topCandidates(db: Db, merchantId: string, ids: string[]) {
  const entries = await entriesOf(db, merchantId, ids);
  const best = new Map<string, string>();
  for (const entry of entries) {
    const top = [...(entry.candidates ?? [])].sort((a, b) => b.score - a.score)[0];
    if (entry.kind === "review" && top) best.set(entry.bankTransactionId, top.invoiceId);
  }
  return best;
}

export async function decideMany(
  db: Db,
  merchantId: string,
  request: BulkRequest,
  now: Date,
): Promise<BulkResult[]> {
  const ids = [...new Set(request.transactionIds)];
  const best =
    request.action === "assign_top_candidate" ? await topCandidates(db, merchantId, ids) : null;
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      if (request.action === "undo")
        await assignTransaction(db, merchantId, id, { undo: true }, now);
      else if (request.action === "ignore")
        await assignTransaction(db, merchantId, id, { invoiceIds: [], remainder: "ignore" }, now);
      else {
        const invoiceId = best?.get(id);
        if (!invoiceId) {
          results.push({
            id,
            ok: false,
            code: "no_candidate",
            detail: "This line has no candidate invoice.",
          });
          continue;
        }
        await assignTransaction(
          db,
          merchantId,
          id,
          { invoiceIds: [invoiceId], remainder: request.remainder },
          now,
        );
      }
      results.push({ id, ok: true });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({ id, ok: false, code: error.code, detail: error.message });
    }
  }
  return results;
}
