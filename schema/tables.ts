// D1 tables of Tarif as drizzle definitions; `npm run db:generate` turns changes into the SQL
// migrations in schema/migrations that wrangler and the tests apply. Every table carries
// merchant_id so queries are always tenant-scoped and merchants can be sharded later.
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type {
  ChangePoint,
  ContractChangeRequest,
  PortalAction,
} from "../widget/src/billing-types.ts";
import type { TaxBreakdownEntry } from "../worker/domain/money.ts";
import type { PostalAddress } from "../worker/domain/company.ts";
import type { DocumentSnapshot } from "../worker/domain/invoice-document.ts";

const createdAt = () =>
  text("created_at")
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);
const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
// Enum columns are plain TEXT in SQLite (no SQL changes); the lists give the rows their types.
const billingInterval = () =>
  text("billing_interval", { enum: ["month", "quarter", "year"] }).notNull();

export const merchants = sqliteTable("merchants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  timeZone: text("time_zone").notNull().default("Europe/Berlin"),
  paymentTermDays: integer("payment_term_days").notNull().default(14),
  portalEnabled: integer("portal_enabled", { mode: "boolean" }).notNull().default(true),
  allowedActions: json<PortalAction[]>("allowed_actions").notNull(),
  prorationMode: text("proration_mode", { enum: ["interim_invoice", "next_invoice", "none"] })
    .notNull()
    .default("interim_invoice"),
  allowedOrigins: json<string[]>("allowed_origins").notNull(),
  /** live, or test: a sandbox merchant (sk_test_ keys) whose requests and jobs run on its own clock. */
  mode: text("mode", { enum: ["live", "test"] })
    .notNull()
    .default("live"),
  /** The test clock (an instant); null for live merchants. */
  testClockAt: text("test_clock_at"),
  /** Set while an advance continues through the job queue: the day the clock is moving to. */
  testClockTarget: text("test_clock_target"),
  createdAt: createdAt(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    keyHash: text("key_hash").notNull(),
    keyPrefix: text("key_prefix").notNull(),
    createdAt: createdAt(),
    revokedAt: text("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.keyHash)],
);

export const customers = sqliteTable(
  "customers",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    name: text("name").notNull(),
    email: text("email"),
    externalRef: text("external_ref"),
    locale: text("locale").notNull().default("de"),
    /**
     * The account the customer pays from, when the merchant gave one: AES-GCM sealed (bound to the
     * customer), masked for the API, and an HMAC of the electronic form for reconciliation's lookup.
     */
    ibanCiphertext: text("iban_ciphertext"),
    ibanMasked: text("iban_masked"),
    ibanHash: text("iban_hash"),
    mandateReference: text("mandate_reference"),
    kind: text("kind").$type<"consumer" | "business">().notNull().default("consumer"),
    billingAddress: json<PostalAddress>("billing_address"),
    vatId: text("vat_id"),
    /** BT-10, e.g. a Leitweg-ID for public buyers. */
    buyerReference: text("buyer_reference"),
    createdAt: createdAt(),
    updatedAt: text("updated_at"),
  },
  (t) => [
    index("customers_merchant").on(t.merchantId, t.id),
    index("customers_iban_hash").on(t.merchantId, t.ibanHash),
    uniqueIndex("customers_external_ref").on(t.merchantId, t.externalRef),
  ],
);

export const articles = sqliteTable(
  "articles",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    kind: text("kind", { enum: ["plan", "addon", "one_time"] }).notNull(),
    name: text("name").notNull(),
    unitAmount: integer("unit_amount").notNull(),
    currency: text("currency").notNull(),
    taxRate: integer("tax_rate").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("articles_merchant").on(t.merchantId, t.id)],
);

export const templateGroups = sqliteTable(
  "template_groups",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("template_groups_merchant").on(t.merchantId, t.id)],
);

export const contractTemplates = sqliteTable(
  "contract_templates",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    templateGroupId: text("template_group_id")
      .notNull()
      .references(() => templateGroups.id),
    name: text("name").notNull(),
    planArticleId: text("plan_article_id")
      .notNull()
      .references(() => articles.id),
    billingInterval: billingInterval(),
    minimumTermMonths: integer("minimum_term_months").notNull().default(0),
    noticePeriodDays: integer("notice_period_days").notNull().default(0),
    allowedAddonArticleIds: json<string[]>("allowed_addon_article_ids").notNull(),
    changePoints: json<ChangePoint[]>("change_points").notNull(),
    downgradeTiming: text("downgrade_timing", { enum: ["next_period", "like_upgrade"] })
      .notNull()
      .default("next_period"),
    createdAt: createdAt(),
    updatedAt: text("updated_at"),
  },
  (t) => [
    index("contract_templates_merchant").on(t.merchantId, t.id),
    index("contract_templates_group").on(t.templateGroupId),
  ],
);

export const contracts = sqliteTable(
  "contracts",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    templateId: text("template_id")
      .notNull()
      .references(() => contractTemplates.id),
    status: text("status", { enum: ["active", "cancellation_pending", "ended"] })
      .notNull()
      .default("active"),
    startDate: text("start_date").notNull(),
    billingAnchor: text("billing_anchor").notNull(),
    billingInterval: billingInterval(),
    currentPeriodStart: text("current_period_start").notNull(),
    currentPeriodEnd: text("current_period_end").notNull(),
    endDate: text("end_date"),
    cancelledAt: text("cancelled_at"),
    offeredTemplateIds: json<string[]>("offered_template_ids").notNull(),
    version: integer("version").notNull().default(1),
    lastWriteId: text("last_write_id"),
    createdAt: createdAt(),
    updatedAt: text("updated_at"),
  },
  (t) => [
    index("contracts_merchant").on(t.merchantId, t.id),
    index("contracts_customer").on(t.merchantId, t.customerId),
    index("contracts_due").on(t.currentPeriodEnd, t.id),
  ],
);

export const contractItems = sqliteTable(
  "contract_items",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    contractId: text("contract_id")
      .notNull()
      .references(() => contracts.id),
    articleId: text("article_id")
      .notNull()
      .references(() => articles.id),
    kind: text("kind", { enum: ["plan", "addon"] }).notNull(),
    name: text("name").notNull(),
    quantity: integer("quantity").notNull(),
    unitAmount: integer("unit_amount").notNull(),
    taxRate: integer("tax_rate").notNull(),
    billedPeriodAmount: integer("billed_period_amount").notNull(),
    billedPeriodStart: text("billed_period_start").notNull(),
    startedOn: text("started_on").notNull(),
    endedOn: text("ended_on"),
    createdAt: createdAt(),
  },
  (t) => [index("contract_items_contract").on(t.contractId, t.endedOn)],
);

export const contractChanges = sqliteTable(
  "contract_changes",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    contractId: text("contract_id")
      .notNull()
      .references(() => contracts.id),
    type: text("type", {
      enum: ["switch_template", "add_addon", "remove_item", "change_quantity"],
    }).notNull(),
    request: json<ContractChangeRequest>("request").notNull(),
    effectiveDate: text("effective_date").notNull(),
    status: text("status", { enum: ["scheduled", "applied", "cancelled", "failed"] }).notNull(),
    kind: text("kind", { enum: ["upgrade", "downgrade", "neutral"] }).notNull(),
    settlement: text("settlement", {
      enum: ["interim_invoice", "credit_note", "next_invoice", "none"],
    }).notNull(),
    source: text("source", { enum: ["merchant", "portal"] }).notNull(),
    invoiceId: text("invoice_id"),
    /** Why the billing run could not apply a scheduled change (the contract changed meanwhile). */
    failureReason: text("failure_reason"),
    createdAt: createdAt(),
    appliedAt: text("applied_at"),
    cancelledAt: text("cancelled_at"),
  },
  (t) => [
    index("contract_changes_contract").on(t.contractId, t.status),
    index("contract_changes_due").on(t.status, t.effectiveDate),
  ],
);

export const carriedLines = sqliteTable(
  "carried_lines",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    contractId: text("contract_id")
      .notNull()
      .references(() => contracts.id),
    changeId: text("change_id")
      .notNull()
      .references(() => contractChanges.id),
    description: text("description").notNull(),
    articleId: text("article_id"),
    itemId: text("item_id"),
    quantity: integer("quantity").notNull(),
    periodStart: text("period_start"),
    periodEnd: text("period_end"),
    netAmount: integer("net_amount").notNull(),
    taxRate: integer("tax_rate").notNull(),
    invoiceId: text("invoice_id"),
    createdAt: createdAt(),
  },
  (t) => [index("carried_lines_contract").on(t.contractId, t.invoiceId)],
);

export const invoices = sqliteTable(
  "invoices",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    contractId: text("contract_id").references(() => contracts.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    kind: text("kind", { enum: ["regular", "interim", "credit_note", "fee"] }).notNull(),
    number: text("number").notNull(),
    status: text("status").notNull(),
    issueDate: text("issue_date").notNull(),
    dueDate: text("due_date").notNull(),
    currency: text("currency").notNull(),
    netAmount: integer("net_amount").notNull(),
    taxAmount: integer("tax_amount").notNull(),
    grossAmount: integer("gross_amount").notNull(),
    amountPaid: integer("amount_paid").notNull().default(0),
    paymentReference: text("payment_reference").notNull(),
    periodStart: text("period_start"),
    periodEnd: text("period_end"),
    originalInvoiceId: text("original_invoice_id"),
    changeId: text("change_id"),
    billingKey: text("billing_key").notNull(),
    taxBreakdown: json<TaxBreakdownEntry[]>("tax_breakdown").notNull(),
    /** Seller, buyer, tax decision and payment as they were at issue; null before documents existed. */
    documentSnapshot: json<DocumentSnapshot>("document_snapshot"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("invoices_number").on(t.merchantId, t.number),
    uniqueIndex("invoices_billing_key").on(t.merchantId, t.billingKey),
    uniqueIndex("invoices_payment_reference").on(t.merchantId, t.paymentReference),
    index("invoices_contract").on(t.merchantId, t.contractId),
    index("invoices_status").on(t.merchantId, t.status),
    index("invoices_merchant").on(t.merchantId, t.id),
    // Reconciliation's candidates: the payers' open invoices, and open invoices by open amount.
    index("invoices_customer").on(t.merchantId, t.customerId),
    index("invoices_open_amount")
      .on(t.merchantId, sql`gross_amount - amount_paid`)
      .where(
        sql`status IN ('open', 'partially_paid') AND kind <> 'credit_note' AND gross_amount > amount_paid`,
      ),
  ],
);

export const invoiceLines = sqliteTable(
  "invoice_lines",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    position: integer("position").notNull(),
    description: text("description").notNull(),
    articleId: text("article_id"),
    itemId: text("item_id"),
    quantity: integer("quantity").notNull(),
    unitAmount: integer("unit_amount"),
    periodStart: text("period_start"),
    periodEnd: text("period_end"),
    netAmount: integer("net_amount").notNull(),
    taxRate: integer("tax_rate").notNull(),
  },
  (t) => [index("invoice_lines_invoice").on(t.invoiceId, t.position)],
);

/** The last number handed out per merchant and series ("RE-2027"): gapless by construction. */
export const invoiceNumberSeries = sqliteTable(
  "invoice_number_series",
  {
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    series: text("series").notNull(),
    lastNumber: integer("last_number").notNull(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.series] })],
);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    merchantId: text("merchant_id").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    status: text("status").notNull(),
    responseStatus: integer("response_status"),
    /** The response body, AES-GCM sealed and bound to merchant and key (worker/secrets.ts). */
    responseBody: text("response_body"),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.key] })],
);

/** Where a merchant wants to be told about events; the signing secret is stored encrypted. */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    url: text("url").notNull(),
    description: text("description"),
    /** Event types to send; empty means all. */
    eventTypes: json<string[]>("event_types").notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** After a rotation the old secret keeps signing until `previous_secret_expires_at`. */
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    status: text("status").notNull().default("enabled"),
    disabledReason: text("disabled_reason"),
    /** Start of the current run of failed attempts; cleared by any success. */
    failingSince: text("failing_since"),
    createdAt: createdAt(),
    updatedAt: text("updated_at"),
  },
  (t) => [index("webhook_endpoints_merchant").on(t.merchantId, t.status)],
);

/** The transactional outbox: written in the same D1 batch as the change it reports. */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    type: text("type").notNull(),
    /** The exact JSON body that is signed and sent, byte for byte, on every attempt. */
    payload: text("payload").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("webhook_events_merchant").on(t.merchantId, t.id)],
);

/** One event to one endpoint: its delivery state and when to try next. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    eventId: text("event_id")
      .notNull()
      .references(() => webhookEvents.id),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: text("next_attempt_at").notNull(),
    lastAttemptAt: text("last_attempt_at"),
    deliveredAt: text("delivered_at"),
    /** A delivery job holds it until then (taken again after a crash once this has passed). */
    leasedUntil: text("leased_until"),
    /** The holder of the lease: only its outcome is written back. */
    leaseId: text("lease_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.endpointId] }),
    index("webhook_deliveries_due").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_merchant_due").on(t.merchantId, t.status, t.nextAttemptAt),
    index("webhook_deliveries_lease").on(t.leaseId),
  ],
);

/** Every attempt, kept for the merchant's delivery log. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    eventId: text("event_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    attemptNumber: integer("attempt_number").notNull(),
    startedAt: text("started_at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    responseExcerpt: text("response_excerpt"),
  },
  (t) => [index("webhook_attempts_delivery").on(t.eventId, t.endpointId)],
);

/** Short-lived bearer tokens for the self-service portal, bound to one merchant and one customer. */
export const portalSessions = sqliteTable(
  "portal_sessions",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    tokenHash: text("token_hash").notNull(),
    returnUrl: text("return_url"),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("portal_sessions_token").on(t.tokenHash),
    index("portal_sessions_customer").on(t.merchantId, t.customerId),
  ],
);
