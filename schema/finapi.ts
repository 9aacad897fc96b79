// D1 tables for finAPI bank access: the merchant's finAPI credentials and user (secrets encrypted
// at rest), bank connections imported through Web Form 2.0 with their sync state, and the bank
// transactions the sync stores for reconciliation. Every table is keyed by merchant.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { merchants } from "./tables.ts";

const createdAt = () =>
  text("created_at")
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

/** One finAPI account as shown to the merchant; ids are finAPI's. */
export interface StoredFinapiAccount {
  id: number;
  iban: string | null;
  name: string | null;
  type: string;
  currency: string | null;
}

/** One row per merchant: whose finAPI client Tarif acts as, and the one finAPI user it created. */
export const finapiSettings = sqliteTable("finapi_settings", {
  merchantId: text("merchant_id")
    .primaryKey()
    .references(() => merchants.id),
  clientId: text("client_id").notNull(),
  /** AES-GCM (worker/secrets.ts), bound to this row. */
  clientSecretCiphertext: text("client_secret_ciphertext").notNull(),
  /** sandbox | live: finAPI's hosts; custom: base URLs below (development and tests only). */
  environment: text("environment").notNull(),
  baseUrl: text("base_url"),
  webFormBaseUrl: text("web_form_base_url"),
  userId: text("user_id"),
  userPasswordCiphertext: text("user_password_ciphertext"),
  userCreatedAt: text("user_created_at"),
  /** While set and in the future, a sync of this merchant is running: no second one starts. */
  syncLeaseUntil: text("sync_lease_until"),
  /** The cron picks the merchants that waited longest first. */
  syncAttemptedAt: text("sync_attempted_at"),
  createdAt: createdAt(),
  updatedAt: text("updated_at"),
});

/**
 * A bank connection from its web form on: `pending` until the form is finished, then `active`
 * (synced) or `failed`; `disconnected` once its finAPI user was removed.
 */
export const finapiBankConnections = sqliteTable(
  "finapi_bank_connections",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    finapiUserId: text("finapi_user_id").notNull(),
    status: text("status").notNull().default("pending"),
    webFormId: text("web_form_id").notNull(),
    webFormUrl: text("web_form_url").notNull(),
    webFormExpiresAt: text("web_form_expires_at"),
    /** SHA-256 of the secret in the callback URL; cleared once the form is settled. */
    callbackTokenHash: text("callback_token_hash"),
    finapiConnectionId: integer("finapi_connection_id"),
    bankName: text("bank_name"),
    accounts: text("accounts", { mode: "json" }).$type<StoredFinapiAccount[]>().notNull(),
    /** Why the web form did not produce a connection. */
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    /** When the last complete sync started: the next one asks for imports since this − 2 days. */
    syncCursor: text("sync_cursor"),
    lastSyncAt: text("last_sync_at"),
    lastSyncAttemptAt: text("last_sync_attempt_at"),
    /** never | succeeded | failed */
    syncStatus: text("sync_status").notNull().default("never"),
    syncErrorCode: text("sync_error_code"),
    syncErrorMessage: text("sync_error_message"),
    syncFailures: integer("sync_failures").notNull().default(0),
    createdAt: createdAt(),
    completedAt: text("completed_at"),
    updatedAt: text("updated_at"),
  },
  (t) => [
    index("finapi_bank_connections_merchant").on(t.merchantId, t.id),
    index("finapi_bank_connections_status").on(t.status, t.merchantId),
    uniqueIndex("finapi_bank_connections_callback").on(t.callbackTokenHash),
  ],
);

/**
 * Bank transactions as finAPI delivered them (amounts in cents), unique per merchant, finAPI
 * user and finAPI transaction. Field names follow finAPI's. A record that failed validation is
 * kept as `parked` with its reason and an excerpt, so nothing is dropped silently; its data
 * columns may then be null.
 */
export const bankTransactions = sqliteTable(
  "bank_transactions",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    connectionId: text("connection_id")
      .notNull()
      .references(() => finapiBankConnections.id),
    /** finAPI transaction ids are unique per finAPI environment; the user pins that down. */
    finapiUserId: text("finapi_user_id").notNull(),
    /** The finAPI id as text, or `raw:<sha256>` for a parked record without a readable id. */
    finapiKey: text("finapi_key").notNull(),
    finapiId: integer("finapi_id"),
    accountId: integer("account_id"),
    amount: integer("amount"),
    currency: text("currency"),
    bookingDate: text("booking_date"),
    valueDate: text("value_date"),
    finapiBookingDate: text("finapi_booking_date"),
    importDate: text("import_date"),
    purpose: text("purpose"),
    /** finAPI `type`: the bank's booking text ("Gutschrift", "Retouren", …). */
    bookingText: text("booking_text"),
    counterpartName: text("counterpart_name"),
    /** The payer's IBAN, AES-GCM sealed (bound to the finAPI key) and masked for the API. */
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
    status: text("status").notNull(),
    statusReason: text("status_reason"),
    matchedRule: text("matched_rule"),
    /** Parked records only: the start of what finAPI sent, for a person to look at. */
    rawExcerpt: text("raw_excerpt"),
    createdAt: createdAt(),
    updatedAt: text("updated_at"),
  },
  (t) => [
    uniqueIndex("bank_transactions_finapi").on(t.merchantId, t.finapiUserId, t.finapiKey),
    index("bank_transactions_merchant").on(t.merchantId, t.id),
    index("bank_transactions_status").on(t.merchantId, t.status, t.id),
    /** Reconciliation reads a status in booking order, so the page needs no sort. */
    index("bank_transactions_booking_order").on(
      t.merchantId,
      t.status,
      t.bookingDate,
      t.finapiId,
      t.id,
    ),
  ],
);
