// Matched payments booked for many bank transactions at once: each statement takes all bookings
// of a group as ONE JSON parameter (journal entries, allocations, customer credit, the invoices'
// paid amounts, the transactions' status, the events and their deliveries), so a group of 40
// payments costs seven D1 statements instead of seven or more each. The guards are those of a
// single booking: a transaction whose status changed since it was read, or an invoice whose paid
// amount is no longer the one the decision saw, yields a NULL in a NOT NULL column and D1 rolls
// the whole group back (worker/store/grouped-commits.ts then books it one transaction at a time).
import type { Db } from "./db.ts";
import type { BatchItem } from "drizzle-orm/batch";
import { applyCreditStatements, type CreditOwner } from "./customer-credit.ts";

export interface PaymentBooking {
  entryId: string;
  bankTransactionId: string;
  expectedStatus: string;
  seq: number;
  status: "matched" | "partially_matched";
  rule: string;
  statusReason: string | null;
  currency: string;
  paymentDate: string | null;
  allocations: {
    id: string;
    invoiceId: string;
    customerId: string;
    amount: number;
    /** What the invoice had paid before this transaction (earlier ones of the batch included). */
    expectedPaid: number;
  }[];
  credit: { id: string; customerId: string; amount: number } | null;
  /** payment.received and any invoice.paid: id, type and exact body. */
  events: { id: string; type: string; payload: string }[];
}

const field = (alias: string, name: string) => `json_extract(${alias}.value, '$.${name}')`;

const INSERT_ENTRIES = `INSERT INTO reconciliation_entries
  (id, merchant_id, bank_transaction_id, seq, kind, status, rule, reason, candidates, ignored_amount, source, created_at)
  SELECT ${field("d", "entryId")}, ?1,
    (SELECT bt.id FROM bank_transactions bt WHERE bt.merchant_id = ?1 AND bt.id = ${field("d", "bankTransactionId")} AND bt.status = ${field("d", "expectedStatus")}),
    ${field("d", "seq")}, 'payment', ${field("d", "status")}, ${field("d", "rule")}, NULL, NULL, NULL, 'reconciliation', ?2
  FROM json_each(?3) AS d`;

/**
 * One row per allocation; the invoice id comes through the guard of allocationStatement, read
 * for the whole group: the invoice still takes money, has exactly the paid amount it had before
 * the group (`groupPaid`), and has room for this and every earlier allocation of the group
 * (`groupTotal`). The invoices are only updated by the next statement, so every row sees them as
 * the decision did.
 */
const INSERT_ALLOCATIONS = `INSERT INTO payment_allocations
  (id, merchant_id, entry_id, bank_transaction_id, invoice_id, customer_id, amount, currency, rule, payment_date, collection_item_id, booked_at, reversed_at, reversed_by_entry_id, reversal, created_at)
  SELECT ${field("a", "id")}, ?1, ${field("a", "entryId")}, ${field("a", "bankTransactionId")},
    (SELECT i.id FROM invoices i WHERE i.merchant_id = ?1 AND i.id = ${field("a", "invoiceId")}
      AND i.status IN ('open', 'partially_paid') AND i.amount_paid = ${field("a", "groupPaid")}
      AND i.gross_amount - i.amount_paid >= ${field("a", "groupTotal")}),
    ${field("a", "customerId")}, ${field("a", "amount")}, ${field("a", "currency")}, ${field("a", "rule")},
    ${field("a", "paymentDate")}, NULL, ?2, NULL, NULL, NULL, ?2
  FROM json_each(?3) AS a`;

const INSERT_CREDITS = `INSERT INTO customer_credits
  (id, merchant_id, customer_id, entry_id, bank_transaction_id, amount, currency, reason, booked_at, reversed_at, reversed_by_entry_id)
  SELECT ${field("c", "id")}, ?1, ${field("c", "customerId")}, ${field("c", "entryId")}, ${field("c", "bankTransactionId")},
    ${field("c", "amount")}, ${field("c", "currency")}, 'overpayment', ?2, NULL, NULL
  FROM json_each(?3) AS c`;

/** recomputeInvoicesStatement for every invoice of the group (the sum through payment_allocations_invoice). */
const ACTIVE_PAID = `((SELECT COALESCE(SUM(a.amount), 0) FROM payment_allocations AS a WHERE a.merchant_id = invoices.merchant_id AND a.invoice_id = invoices.id AND a.reversed_at IS NULL)
  + (SELECT COALESCE(SUM(u.amount), 0) FROM credit_uses AS u WHERE u.invoice_id = invoices.id AND u.kind = 'applied' AND u.reversed_at IS NULL))`;
const RECOMPUTE_INVOICES = `UPDATE invoices
  SET amount_paid = ${ACTIVE_PAID},
    status = CASE WHEN ${ACTIVE_PAID} >= gross_amount THEN 'paid' WHEN ${ACTIVE_PAID} > 0 THEN 'partially_paid' ELSE 'open' END
  WHERE merchant_id = ?1 AND id IN (SELECT value FROM json_each(?3))
    AND status IN ('open', 'partially_paid', 'paid')`;

const decided = (name: string) =>
  `(SELECT ${field("d", name)} FROM json_each(?3) AS d WHERE ${field("d", "bankTransactionId")} = bank_transactions.id)`;

const UPDATE_STATUS = `UPDATE bank_transactions
  SET status = ${decided("status")}, status_reason = ${decided("statusReason")}, matched_rule = ${decided("rule")}, updated_at = ?2
  WHERE merchant_id = ?1 AND id IN (SELECT json_extract(value, '$.bankTransactionId') FROM json_each(?3))`;

const INSERT_EVENTS = `INSERT INTO webhook_events (id, merchant_id, type, payload, created_at)
  SELECT ${field("v", "id")}, ?1, ${field("v", "type")}, ${field("v", "payload")}, ?2
  FROM json_each(?3) AS v`;

/** The outbox fan-out of eventStatements, for each event to the endpoints subscribed to its type. */
const INSERT_DELIVERIES = `INSERT INTO webhook_deliveries (event_id, endpoint_id, merchant_id, status, attempts, next_attempt_at, last_attempt_at, delivered_at, created_at)
  SELECT ${field("v", "id")}, e.id, e.merchant_id, 'pending', 0, ?2, NULL, NULL, ?2
  FROM json_each(?3) AS v, webhook_endpoints AS e
  WHERE e.merchant_id = ?1 AND e.status = 'enabled'
    AND (e.event_types = '[]' OR EXISTS (SELECT 1 FROM json_each(e.event_types) AS t WHERE t.value = ${field("v", "type")}))`;

/** Each customer (and currency) that gets new credit in this group, once. */
function creditOwners(merchantId: string, bookings: readonly PaymentBooking[]): CreditOwner[] {
  const owners = new Map<string, CreditOwner>();
  for (const booking of bookings)
    if (booking.credit)
      owners.set(`${booking.credit.customerId}:${booking.currency}`, {
        merchantId,
        customerId: booking.credit.customerId,
        currency: booking.currency,
      });
  return [...owners.values()];
}

/** The events of a group (id, type, exact body) and their deliveries: two statements, or none. */
export function eventRowStatements(
  d1: D1Database,
  merchantId: string,
  at: string,
  events: readonly { id: string; type: string; payload: string }[],
): D1PreparedStatement[] {
  if (events.length === 0) return [];
  const rows = JSON.stringify(events);
  return [INSERT_EVENTS, INSERT_DELIVERIES].map((query) =>
    d1.prepare(query).bind(merchantId, at, rows),
  );
}

/** A drizzle query as the D1 statement the rest of this group's batch is made of. */
export function asD1Statement(db: Db, item: BatchItem<"sqlite">): D1PreparedStatement {
  const query = (item as unknown as { toSQL(): { sql: string; params: unknown[] } }).toSQL();
  return db.$client.prepare(query.sql).bind(...query.params);
}

/** The statements of one group of bookings, to be sent as one atomic batch. */
export function paymentBookingStatements(
  db: Db,
  merchantId: string,
  at: string,
  bookings: readonly PaymentBooking[],
): D1PreparedStatement[] {
  const d1 = db.$client;
  const groupPaid = new Map<string, number>();
  const groupTotal = new Map<string, number>();
  const allocations = bookings.flatMap((booking) =>
    booking.allocations.map((allocation) => {
      if (!groupPaid.has(allocation.invoiceId))
        groupPaid.set(allocation.invoiceId, allocation.expectedPaid);
      const total = (groupTotal.get(allocation.invoiceId) ?? 0) + allocation.amount;
      groupTotal.set(allocation.invoiceId, total);
      return {
        id: allocation.id,
        entryId: booking.entryId,
        bankTransactionId: booking.bankTransactionId,
        invoiceId: allocation.invoiceId,
        customerId: allocation.customerId,
        amount: allocation.amount,
        currency: booking.currency,
        rule: booking.rule,
        paymentDate: booking.paymentDate,
        groupPaid: groupPaid.get(allocation.invoiceId),
        groupTotal: total,
      };
    }),
  );
  const credits = bookings.flatMap((booking) =>
    booking.credit
      ? [
          {
            ...booking.credit,
            entryId: booking.entryId,
            bankTransactionId: booking.bankTransactionId,
            currency: booking.currency,
          },
        ]
      : [],
  );
  const entries = bookings.map((booking) => ({
    entryId: booking.entryId,
    bankTransactionId: booking.bankTransactionId,
    expectedStatus: booking.expectedStatus,
    seq: booking.seq,
    status: booking.status,
    rule: booking.rule,
    statusReason: booking.statusReason,
  }));
  const events = bookings.flatMap((booking) => booking.events);
  const statement = (query: string, rows: unknown) =>
    d1.prepare(query).bind(merchantId, at, JSON.stringify(rows));
  return [
    statement(INSERT_ENTRIES, entries),
    statement(INSERT_ALLOCATIONS, allocations),
    ...(credits.length > 0 ? [statement(INSERT_CREDITS, credits)] : []),
    statement(RECOMPUTE_INVOICES, [...groupPaid.keys()]),
    // New credit goes onto the customer's other open invoices at once (oldest first).
    ...creditOwners(merchantId, bookings).flatMap((owner) =>
      applyCreditStatements(db, owner, new Date(at)).map((item) => asD1Statement(db, item)),
    ),
    statement(UPDATE_STATUS, entries),
    ...eventRowStatements(d1, merchantId, at, events),
  ];
}
