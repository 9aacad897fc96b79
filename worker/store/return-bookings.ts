// Returned direct debits booked for many bank transactions at once, like payment bookings: each
// statement takes the whole group as ONE JSON parameter (journal entries, return records, the
// settlements' allocations reversed, invoices reopened, mandates flagged, collection items
// returned, runs completed, the transactions' status, events with their deliveries, e-mails),
// the fee invoices go through issueInvoicesStatements. The guards are those of a single return:
// a transaction whose status changed since it was read, or a collection item that is no longer
// pending or settled, yields a NULL in a NOT NULL column and D1 rolls the whole group back.
// Rows are found by their ids; the merchant check is written `+merchant_id` where a table has
// no (merchant, id) index, so SQLite does not walk the merchant's rows by another index instead.
// A group never holds two returns of the same item, invoice, mandate or customer (the flow
// closes the group first), so its set-based statements do exactly what the returns' single
// batches would do one after another.
import type { InvoiceDraft } from "../domain/invoice-draft.ts";
import type { Db } from "./db.ts";
import { issueInvoicesStatements } from "./invoices.ts";
import { asD1Statement, eventRowStatements } from "./payment-bookings.ts";

export interface ReturnBooking {
  entryId: string;
  bankTransactionId: string;
  expectedStatus: string;
  seq: number;
  /** How the return was linked (end_to_end, mandate_amount, invoice_number). */
  rule: string;
  reasonCode: string | null;
  reasonClass: string | null;
  statusReason: string;
  returnId: string;
  collectionItemId: string;
  invoiceId: string;
  customerId: string;
  mandateId: string;
  allocationId: string | null;
  amount: number;
  fee: number;
  currency: string;
  mandateEffect: string;
  returnDate: string | null;
  /** What the mandate gets (mandateStatusAfterReturn); null: left alone. */
  mandate: {
    /** null: the status stays. */
    status: string | null;
    statusReason: string | null;
    revoke: boolean;
    restartSequence: boolean;
  } | null;
  /** payment.returned and invoice.reopened: id, type and exact body. */
  events: { id: string; type: string; payload: string }[];
  /** The debit_returned mail to the customer. */
  email: { id: string; kind: string; data: string };
  /** The fee invoice passing the costs on, and whether the customer's credit may go onto it. */
  feeInvoice: { draft: InvoiceDraft; applyCredit: boolean } | null;
}

const field = (alias: string, name: string) => `json_extract(${alias}.value, '$.${name}')`;
const ITEM = field("d", "collectionItemId");
/** The items of the group that can still come back; anything else is a lost race. */
const RETURNABLE_ITEMS = `SELECT i.id, i.invoice_id, i.run_id FROM json_each(?3) AS d
  JOIN sepa_collection_items AS i ON i.id = ${ITEM}
  WHERE +i.merchant_id = ?1 AND i.status IN ('pending', 'settled')`;

const INSERT_ENTRIES = `INSERT INTO reconciliation_entries
  (id, merchant_id, bank_transaction_id, seq, kind, status, rule, reason, candidates, ignored_amount, source, created_at)
  SELECT ${field("d", "entryId")}, ?1,
    (SELECT bt.id FROM bank_transactions bt WHERE bt.merchant_id = ?1 AND bt.id = ${field("d", "bankTransactionId")} AND bt.status = ${field("d", "expectedStatus")}),
    ${field("d", "seq")}, 'return', 'return', ${field("d", "rule")}, ${field("d", "reasonCode")}, NULL, NULL, 'reconciliation', ?2
  FROM json_each(?3) AS d`;

/** Before the items are marked returned: the invoice id is read through the item's guard. */
const INSERT_RETURNS = `INSERT INTO payment_returns
  (id, merchant_id, entry_id, bank_transaction_id, invoice_id, customer_id, collection_item_id, allocation_id, amount, fee, currency, reason_code, reason_class, mandate_effect, linked_via, return_date, booked_at)
  SELECT ${field("d", "returnId")}, ?1, ${field("d", "entryId")}, ${field("d", "bankTransactionId")},
    (SELECT i.invoice_id FROM sepa_collection_items AS i WHERE +i.merchant_id = ?1 AND i.id = ${ITEM} AND i.status IN ('pending', 'settled')),
    ${field("d", "customerId")}, ${ITEM}, ${field("d", "allocationId")}, ${field("d", "amount")}, ${field("d", "fee")},
    ${field("d", "currency")}, ${field("d", "reasonCode")}, ${field("d", "reasonClass")}, ${field("d", "mandateEffect")},
    ${field("d", "rule")}, ${field("d", "returnDate")}, ?2
  FROM json_each(?3) AS d`;

const ofItem = (name: string, column: string) =>
  `(SELECT ${field("d", name)} FROM json_each(?3) AS d WHERE ${ITEM} = ${column})`;

/** The payment each settlement booked is taken back. */
const REVERSE_ALLOCATIONS = `UPDATE payment_allocations
  SET reversed_at = ?2, reversed_by_entry_id = ${ofItem("entryId", "payment_allocations.collection_item_id")}, reversal = 'returned'
  WHERE +merchant_id = ?1 AND collection_item_id IN (SELECT ${ITEM} FROM json_each(?3) AS d) AND reversed_at IS NULL`;

/** The collected amount comes off what a settled item's invoice had paid (returnCollectionItemStatements). */
const SETTLED = `COALESCE((SELECT SUM(i.amount) FROM json_each(?3) AS d JOIN sepa_collection_items AS i ON i.id = ${ITEM}
  WHERE +i.merchant_id = ?1 AND i.invoice_id = invoices.id AND i.status = 'settled'), 0)`;
const REOPEN_INVOICES = `UPDATE invoices
  SET status = CASE WHEN amount_paid - ${SETTLED} > 0 THEN 'partially_paid' ELSE 'open' END,
    amount_paid = MAX(0, amount_paid - ${SETTLED})
  WHERE merchant_id = ?1 AND id IN (SELECT invoice_id FROM (${RETURNABLE_ITEMS}))`;

const ofMandate = (name: string) =>
  `(SELECT ${field("m", name)} FROM json_each(?3) AS m WHERE ${field("m", "mandateId")} = sepa_mandates.id)`;
/** Only the mandates of returnable items; ?3 lists those whose mandate changes. */
const FLAG_MANDATES = `UPDATE sepa_mandates
  SET status = COALESCE(${ofMandate("status")}, status),
    status_reason = CASE WHEN ${ofMandate("status")} IS NOT NULL THEN ${ofMandate("statusReason")} ELSE status_reason END,
    revoked_at = CASE WHEN ${ofMandate("revoke")} THEN ?2 ELSE revoked_at END,
    next_sequence_type = CASE WHEN ${ofMandate("restartSequence")} THEN 'FRST' ELSE next_sequence_type END,
    updated_at = ?2, version = version + 1
  WHERE +merchant_id = ?1 AND id IN (SELECT i.mandate_id FROM json_each(?3) AS m
    JOIN sepa_collection_items AS i ON i.id = ${field("m", "collectionItemId")}
    WHERE +i.merchant_id = ?1 AND i.status IN ('pending', 'settled'))`;

const RETURN_ITEMS = `UPDATE sepa_collection_items
  SET status = 'returned', returned_at = ?2, return_reason_code = ${ofItem("reasonCode", "sepa_collection_items.id")}
  WHERE +merchant_id = ?1 AND id IN (SELECT ${ITEM} FROM json_each(?3) AS d) AND status IN ('pending', 'settled')`;

/** A run is done once none of its items is pending. */
const COMPLETE_RUNS = `UPDATE sepa_collection_runs
  SET status = 'completed', completed_at = ?2
  WHERE merchant_id = ?1 AND status = 'open'
    AND id IN (SELECT i.run_id FROM json_each(?3) AS d JOIN sepa_collection_items AS i ON i.id = ${ITEM} WHERE +i.merchant_id = ?1)
    AND NOT EXISTS (SELECT 1 FROM sepa_collection_items AS p WHERE p.run_id = sepa_collection_runs.id AND p.status = 'pending')`;

const decided = (name: string) =>
  `(SELECT ${field("d", name)} FROM json_each(?3) AS d WHERE ${field("d", "bankTransactionId")} = bank_transactions.id)`;
const UPDATE_STATUS = `UPDATE bank_transactions
  SET status = 'return', status_reason = ${decided("statusReason")}, matched_rule = ${decided("rule")}, updated_at = ?2
  WHERE merchant_id = ?1 AND id IN (SELECT ${field("d", "bankTransactionId")} FROM json_each(?3) AS d)`;

/** queueEmailStatement for each return: queued unless the merchant switched the kind off, once per kind and entry. */
const QUEUE_EMAILS = `INSERT INTO email_outbox
  (id, merchant_id, customer_id, kind, dedupe_key, data, locale, recipient, subject, text_body, html_body, status, attempts, next_attempt_at, last_error, sent_at, created_at)
  SELECT ${field("d", "id")}, m.id, ${field("d", "customerId")}, ${field("d", "kind")}, ${field("d", "dedupeKey")}, ${field("d", "data")},
    NULL, NULL, NULL, NULL, NULL, 'pending', 0, ?2, NULL, NULL, ?2
  FROM json_each(?3) AS d JOIN merchants AS m ON m.id = ?1
  WHERE NOT EXISTS (SELECT 1 FROM email_settings AS s, json_each(s.disabled_kinds) AS k
    WHERE s.merchant_id = ?1 AND k.value = ${field("d", "kind")})
  ON CONFLICT DO NOTHING`;

/** The statements of one group of returns, to be sent as one atomic batch. */
export function returnBookingStatements(
  db: Db,
  merchantId: string,
  now: Date,
  bookings: readonly ReturnBooking[],
): D1PreparedStatement[] {
  if (bookings.length === 0) return [];
  const d1 = db.$client;
  const at = now.toISOString();
  const statement = (query: string, rows: unknown) =>
    d1.prepare(query).bind(merchantId, at, JSON.stringify(rows));
  const rows = bookings.map(
    ({ mandate: _m, events: _e, email: _x, feeInvoice: _f, ...row }) => row,
  );
  const mandates = bookings.flatMap((booking) =>
    booking.mandate
      ? [
          {
            ...booking.mandate,
            mandateId: booking.mandateId,
            collectionItemId: booking.collectionItemId,
          },
        ]
      : [],
  );
  const emails = bookings.map((booking) => ({
    ...booking.email,
    customerId: booking.customerId,
    dedupeKey: booking.entryId,
  }));
  const fees = bookings.flatMap((booking) => (booking.feeInvoice ? [booking.feeInvoice] : []));
  const withCredit = new Set(fees.flatMap((fee) => (fee.applyCredit ? [fee.draft.id] : [])));
  return [
    statement(INSERT_ENTRIES, rows),
    statement(INSERT_RETURNS, rows),
    statement(REVERSE_ALLOCATIONS, rows),
    statement(REOPEN_INVOICES, rows),
    ...(mandates.length > 0 ? [statement(FLAG_MANDATES, mandates)] : []),
    statement(RETURN_ITEMS, rows),
    statement(COMPLETE_RUNS, rows),
    statement(UPDATE_STATUS, rows),
    ...eventRowStatements(
      d1,
      merchantId,
      at,
      bookings.flatMap((booking) => booking.events),
    ),
    statement(QUEUE_EMAILS, emails),
    ...issueInvoicesStatements(
      db,
      fees.map((fee) => fee.draft),
      now,
      { mayHaveCredit: (draft) => withCredit.has(draft.id) },
    ).map((item) => asD1Statement(db, item)),
  ];
}
