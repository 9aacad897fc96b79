// D1 table for bank transactions, whichever provider brought them in (finAPI today; another PSD2
// aggregator or a CAMT.053 upload would add a provider id, not a table). Keyed by merchant; a
// transaction is unique per merchant, provider, provider scope and the provider's own id.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { merchants } from "./tables.ts";

export const BANK_PROVIDERS = ["finapi"] as const;
export type BankProviderId = (typeof BANK_PROVIDERS)[number];

export const BANK_TRANSACTION_STATUSES = [
  "unmatched",
  "review",
  "parked",
  "matched",
  "partially_matched",
  "return",
  "ignored",
] as const;
export type BankTransactionStatus = (typeof BANK_TRANSACTION_STATUSES)[number];

/**
 * Bank transactions as the provider delivered them (amounts in cents). A record that failed
 * validation is kept as `parked` with its reason and an excerpt, so nothing is dropped silently;
 * its data columns may then be null.
 */
export const bankTransactions = sqliteTable(
  "bank_transactions",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    provider: text("provider", { enum: BANK_PROVIDERS }).notNull(),
    /** The provider's connection as Tarif knows it (finAPI: a `bcn_…` bank connection). */
    connectionId: text("connection_id").notNull(),
    /** Where the provider's ids are unique (finAPI: per user, so the finAPI user id). */
    providerScope: text("provider_scope").notNull(),
    /** The provider's id as text, or `raw:<sha256>` for a parked record without a readable id. */
    providerTransactionId: text("provider_transaction_id").notNull(),
    /** The provider's numeric id where it has one (finAPI's grows in bank order): sorts bookings. */
    providerSequence: integer("provider_sequence"),
    accountId: integer("account_id"),
    amount: integer("amount"),
    currency: text("currency"),
    bookingDate: text("booking_date"),
    valueDate: text("value_date"),
    /** When the provider booked it (finAPI's `finapiBookingDate`). */
    providerBookingDate: text("provider_booking_date"),
    importDate: text("import_date"),
    purpose: text("purpose"),
    /** The bank's booking text ("Gutschrift", "Retouren", …). */
    bookingText: text("booking_text"),
    counterpartName: text("counterpart_name"),
    /** The payer's IBAN, AES-GCM sealed (bound to the provider's id) and masked for the API. */
    counterpartIbanCiphertext: text("counterpart_iban_ciphertext"),
    counterpartIbanMasked: text("counterpart_iban_masked"),
    counterpartBic: text("counterpart_bic"),
    counterpartAccountNumber: text("counterpart_account_number"),
    counterpartBlz: text("counterpart_blz"),
    counterpartBankName: text("counterpart_bank_name"),
    counterpartMandateReference: text("counterpart_mandate_reference"),
    counterpartCreditorId: text("counterpart_creditor_id"),
    counterpartDebitorId: text("counterpart_debitor_id"),
    counterpartCustomerReference: text("counterpart_customer_reference"),
    endToEndReference: text("end_to_end_reference"),
    /** GVC ("Geschäftsvorfallcode"), e.g. "166", "109". */
    typeCodeZka: text("type_code_zka"),
    typeCodeSwift: text("type_code_swift"),
    sepaPurposeCode: text("sepa_purpose_code"),
    bankTransactionCode: text("bank_transaction_code"),
    originalAmount: integer("original_amount"),
    originalCurrency: text("original_currency"),
    compensationAmount: integer("compensation_amount"),
    feeAmount: integer("fee_amount"),
    feeCurrency: text("fee_currency"),
    /** unmatched | review | parked, then reconciliation's matched | partially_matched | return | ignored. */
    status: text("status", { enum: BANK_TRANSACTION_STATUSES }).notNull(),
    statusReason: text("status_reason"),
    matchedRule: text("matched_rule"),
    /** Parked records only: the start of what the provider sent, for a person to look at. */
    rawExcerpt: text("raw_excerpt"),
    createdAt: text("created_at")
      .notNull()
      .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
    updatedAt: text("updated_at"),
  },
  (t) => [
    uniqueIndex("bank_transactions_provider").on(
      t.merchantId,
      t.provider,
      t.providerScope,
      t.providerTransactionId,
    ),
    index("bank_transactions_merchant").on(t.merchantId, t.id),
    index("bank_transactions_status").on(t.merchantId, t.status, t.id),
    /** Reconciliation reads a status in booking order, so the page needs no sort. */
    index("bank_transactions_booking_order").on(
      t.merchantId,
      t.status,
      t.bookingDate,
      t.providerSequence,
      t.id,
    ),
  ],
);
