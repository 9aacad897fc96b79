// D1 tables for finAPI bank access: the merchant's finAPI credentials and user (secrets encrypted
// at rest) and the bank connections imported through Web Form 2.0 with their sync state. The
// transactions they bring in live in the provider-neutral schema/banking.ts. Keyed by merchant.
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
  /** Set once finAPI no longer lists the account: no longer synced, its transactions stay. */
  closedAt?: string | null;
}

export const BANK_CONNECTION_STATUSES = [
  "pending",
  "active",
  "failed",
  "consent_required",
  "disconnected",
  "removed",
] as const;
export type BankConnectionStatus = (typeof BANK_CONNECTION_STATUSES)[number];

/** Which `bank_connection.consent_required` event went out for the current consent. */
export const CONSENT_NOTICES = ["expiring", "lapsed"] as const;

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
  /** `bank_connection.consent_required` goes out this many days before a consent lapses. */
  consentWarningDays: integer("consent_warning_days").notNull().default(7),
  /** While set and in the future, a sync of this merchant is running: no second one starts. */
  syncLeaseUntil: text("sync_lease_until"),
  /** The cron picks the merchants that waited longest first. */
  syncAttemptedAt: text("sync_attempted_at"),
  createdAt: createdAt(),
  updatedAt: text("updated_at"),
});

/**
 * A bank connection from its web form on: `pending` until the form is finished, then `active`
 * (synced) or `failed`; `consent_required` while the bank customer must renew the PSD2 consent
 * (a renewal web form brings it back to `active`); `disconnected` once its finAPI user was
 * removed, `removed` once the connection itself was deleted at finAPI (transactions stay).
 */
export const finapiBankConnections = sqliteTable(
  "finapi_bank_connections",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    finapiUserId: text("finapi_user_id").notNull(),
    status: text("status", { enum: BANK_CONNECTION_STATUSES }).notNull().default("pending"),
    /** The import form, later the latest consent renewal form. */
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
    /** When the PSD2 consent lapses (finAPI's aisConsent.expiresAt). */
    consentExpiresAt: text("consent_expires_at"),
    consentNotice: text("consent_notice", { enum: CONSENT_NOTICES }),
    /** An unattended update was triggered and finAPI has not reported READY yet. */
    updateRequestedAt: text("update_requested_at"),
    /** Unattended updates sent on `updatesDay` (Berlin): PSD2 allows 4 a day per consent. */
    updatesDay: text("updates_day"),
    updatesOnDay: integer("updates_on_day").notNull().default(0),
    updateSentAt: text("update_sent_at"),
    /** A window read only partly: the next page, its minImportDate and when it started. */
    backlogPage: integer("backlog_page"),
    backlogWindow: text("backlog_window"),
    backlogStartedAt: text("backlog_started_at"),
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
