// D1 tables of reconciliation (Kontenabgleich): a journal of what was decided for each bank
// transaction, the payments it booked onto invoices, customer credit from overpayments, and
// returned direct debits with their fee. Bookings are never deleted: an undo marks them reversed
// and names the journal entry that reversed them, so every cent on an invoice can be traced.
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { bankTransactions } from "./banking.ts";
import { customers, invoices, merchants } from "./tables.ts";

const createdAt = () =>
  text("created_at")
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

/** One review candidate as the matcher ranked it (worker/domain/payment-matching.ts). */
export interface StoredCandidate {
  invoiceId: string;
  score: number;
  reasons: string[];
}

/**
 * Every decision about a bank transaction, numbered per transaction. The entry is written first
 * in each booking batch, with the transaction id taken from a subquery that checks the status the
 * decision was made on: a transaction that changed meanwhile yields NULL and aborts the batch, and
 * two writers racing for the same `seq` collide on the unique index. So a transaction is booked
 * at most once, whatever runs at the same time.
 */
export const reconciliationEntries = sqliteTable(
  "reconciliation_entries",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    bankTransactionId: text("bank_transaction_id")
      .notNull()
      .references(() => bankTransactions.id),
    seq: integer("seq").notNull(),
    /** payment | collection | return | review | ignored | manual */
    kind: text("kind").notNull(),
    /** The bank transaction's status this entry set. */
    status: text("status").notNull(),
    /** reference | iban_amount | iban_sum | sepa_run | sepa_payment_info | sepa_item | manual, or how a return was linked. */
    rule: text("rule"),
    /** Why a transaction went to review (the matcher's reason or ours). */
    reason: text("reason"),
    candidates: text("candidates", { mode: "json" }).$type<StoredCandidate[]>(),
    /** Cents of a manual assignment's remainder that the merchant chose to ignore. */
    ignoredAmount: integer("ignored_amount"),
    /** reconciliation (automatic) or api (a person through the merchant API). */
    source: text("source").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("reconciliation_entries_seq").on(t.bankTransactionId, t.seq),
    index("reconciliation_entries_merchant").on(t.merchantId, t.bankTransactionId),
  ],
);

/** Money of one bank transaction booked onto one invoice. */
export const paymentAllocations = sqliteTable(
  "payment_allocations",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    entryId: text("entry_id")
      .notNull()
      .references(() => reconciliationEntries.id),
    bankTransactionId: text("bank_transaction_id")
      .notNull()
      .references(() => bankTransactions.id),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    rule: text("rule").notNull(),
    /** The bank's booking date of the payment. */
    paymentDate: text("payment_date"),
    /** Set when a SEPA collection was settled: its return reverses exactly this allocation. */
    collectionItemId: text("collection_item_id"),
    bookedAt: text("booked_at").notNull(),
    reversedAt: text("reversed_at"),
    reversedByEntryId: text("reversed_by_entry_id"),
    /** returned (the debit came back) | reassigned (a person booked the transaction anew). */
    reversal: text("reversal"),
    createdAt: createdAt(),
  },
  (t) => [
    index("payment_allocations_invoice").on(t.merchantId, t.invoiceId),
    index("payment_allocations_transaction").on(t.merchantId, t.bankTransactionId),
    index("payment_allocations_item").on(t.collectionItemId),
    // The journal entry's foreign key: without it every new entry scanned all allocations.
    index("payment_allocations_entry").on(t.entryId),
    // A transaction pays an invoice once; a second active row would pay it twice.
    uniqueIndex("payment_allocations_active")
      .on(t.bankTransactionId, t.invoiceId)
      .where(sql`reversed_at IS NULL`),
    check("payment_allocations_amount", sql`amount > 0`),
  ],
);

/** Customer credit ledger: overpayments (positive), kept until used or reversed. */
export const customerCredits = sqliteTable(
  "customer_credits",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    entryId: text("entry_id")
      .notNull()
      .references(() => reconciliationEntries.id),
    bankTransactionId: text("bank_transaction_id").references(() => bankTransactions.id),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    /** overpayment | manual_remainder */
    reason: text("reason").notNull(),
    bookedAt: text("booked_at").notNull(),
    reversedAt: text("reversed_at"),
    reversedByEntryId: text("reversed_by_entry_id"),
    createdAt: createdAt(),
  },
  (t) => [
    index("customer_credits_customer").on(t.merchantId, t.customerId),
    index("customer_credits_transaction").on(t.merchantId, t.bankTransactionId),
    index("customer_credits_entry").on(t.entryId),
  ],
);

/** A returned direct debit (Rücklastschrift): which collection came back, why, and the bank's fee. */
export const paymentReturns = sqliteTable(
  "payment_returns",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    entryId: text("entry_id")
      .notNull()
      .references(() => reconciliationEntries.id),
    bankTransactionId: text("bank_transaction_id")
      .notNull()
      .references(() => bankTransactions.id),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    collectionItemId: text("collection_item_id"),
    /** The allocation the return reversed; null when the collection had not been settled yet. */
    allocationId: text("allocation_id"),
    /** What was collected and came back, in cents. */
    amount: integer("amount").notNull(),
    /** The bank's charge on top (compensationAmount, or |debit| − collected). */
    fee: integer("fee").notNull(),
    currency: text("currency").notNull(),
    reasonCode: text("reason_code"),
    reasonClass: text("reason_class"),
    /** What the mandate was told (sepa-mandate.ts ReturnEffect). */
    mandateEffect: text("mandate_effect").notNull(),
    linkedVia: text("linked_via").notNull(),
    returnDate: text("return_date"),
    bookedAt: text("booked_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("payment_returns_invoice").on(t.merchantId, t.invoiceId),
    uniqueIndex("payment_returns_transaction").on(t.bankTransactionId),
    index("payment_returns_entry").on(t.entryId),
  ],
);
