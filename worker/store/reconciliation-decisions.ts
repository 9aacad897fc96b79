// Reconciliation decisions that move no money (review, ignored), written for many transactions
// at once: each statement takes all decisions of a chunk as ONE JSON parameter, so thousands of
// unclear lines cost a handful of D1 statements instead of four each. The journal entry keeps the
// same guard as a single booking: a transaction whose status changed since it was read yields a
// NULL in a NOT NULL column, and D1 rolls the whole chunk back.
import type { StoredCandidate } from "../../schema/reconciliation.ts";
import type { Db } from "./db.ts";

export interface QuietDecision {
  entryId: string;
  bankTransactionId: string;
  expectedStatus: string;
  seq: number;
  kind: "review" | "ignored";
  reason: string;
  statusReason: string;
  candidates: StoredCandidate[] | null;
  /** The `bank_transaction.needs_review` event for a review: its id and exact body. */
  event: { id: string; payload: string } | null;
}

const field = (name: string) => `json_extract(d.value, '$.${name}')`;

const INSERT_ENTRIES = `INSERT INTO reconciliation_entries
  (id, merchant_id, bank_transaction_id, seq, kind, status, rule, reason, candidates, ignored_amount, source, created_at)
  SELECT ${field("entryId")}, ?1,
    (SELECT bt.id FROM bank_transactions bt WHERE bt.merchant_id = ?1 AND bt.id = ${field("bankTransactionId")} AND bt.status = ${field("expectedStatus")}),
    ${field("seq")}, ${field("kind")}, ${field("kind")}, NULL, ${field("reason")}, ${field("candidates")}, NULL, 'reconciliation', ?2
  FROM json_each(?3) AS d`;

/**
 * The value of one field of this transaction's decision, from ?4: only the status fields, as the
 * subquery parses its JSON once per updated row (with the candidates and event bodies of ?3 that
 * was most of a chunk's time).
 */
const decided = (name: string) =>
  `(SELECT ${field(name)} FROM json_each(?4) AS d WHERE ${field("bankTransactionId")} = bank_transactions.id)`;

// `id IN (…)` makes each decided row one primary-key probe; an UPDATE … FROM join over json_each
// lets SQLite scan the merchant's transactions once per chunk instead (a second per 200 rows).
const UPDATE_STATUS = `UPDATE bank_transactions
  SET status = ${decided("kind")}, status_reason = ${decided("statusReason")}, matched_rule = NULL, updated_at = ?2
  WHERE merchant_id = ?1 AND id IN (SELECT json_extract(value, '$.bankTransactionId') FROM json_each(?4))`;

const INSERT_EVENTS = `INSERT INTO webhook_events (id, merchant_id, type, payload, created_at)
  SELECT ${field("event.id")}, ?1, 'bank_transaction.needs_review', ${field("event.payload")}, ?2
  FROM json_each(?3) AS d WHERE ${field("event.id")} IS NOT NULL`;

/** The outbox fan-out of those events, as eventStatements does it for one event. */
const INSERT_DELIVERIES = `INSERT INTO webhook_deliveries (event_id, endpoint_id, merchant_id, status, attempts, next_attempt_at, last_attempt_at, delivered_at, created_at)
  SELECT ${field("event.id")}, e.id, e.merchant_id, 'pending', 0, ?2, NULL, NULL, ?2
  FROM json_each(?3) AS d, webhook_endpoints AS e
  WHERE ${field("event.id")} IS NOT NULL AND e.merchant_id = ?1 AND e.status = 'enabled'
    AND (e.event_types = '[]' OR EXISTS (SELECT 1 FROM json_each(e.event_types) AS t WHERE t.value = 'bank_transaction.needs_review'))`;

/** One atomic batch of four statements for a chunk of decisions. */
export async function writeQuietDecisions(
  db: Db,
  merchantId: string,
  at: string,
  decisions: readonly QuietDecision[],
): Promise<void> {
  const d1 = db.$client;
  const rows = JSON.stringify(decisions);
  const statuses = JSON.stringify(
    decisions.map(({ bankTransactionId, kind, statusReason }) => ({
      bankTransactionId,
      kind,
      statusReason,
    })),
  );
  await d1.batch([
    d1.prepare(INSERT_ENTRIES).bind(merchantId, at, rows),
    d1.prepare(UPDATE_STATUS).bind(merchantId, at, rows, statuses),
    d1.prepare(INSERT_EVENTS).bind(merchantId, at, rows),
    d1.prepare(INSERT_DELIVERIES).bind(merchantId, at, rows),
  ]);
}
