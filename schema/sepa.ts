// D1 tables for SEPA direct debit: the merchant's creditor data, customer mandates, collection
// runs with their items and their pain.008 file. IBANs and the file (which lists debtor IBANs)
// are stored encrypted; the items keep what the bank echoes back so credits and returns can be
// traced to invoices.
import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { customers, invoices, merchants } from "./tables.ts";

const createdAt = () =>
  text("created_at")
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

/** One row per merchant: who collects, into which account, and how early its bank wants files. */
export const sepaCreditors = sqliteTable("sepa_creditors", {
  merchantId: text("merchant_id")
    .primaryKey()
    .references(() => merchants.id),
  name: text("name").notNull(),
  ibanCiphertext: text("iban_ciphertext").notNull(),
  ibanMasked: text("iban_masked").notNull(),
  bic: text("bic"),
  creditorId: text("creditor_id").notNull(),
  /** TARGET2 business days per sequence type: {"FRST": 2, "RCUR": 2}. */
  leadDays: text("lead_days", { mode: "json" }).$type<{ FRST: number; RCUR: number }>().notNull(),
  createdAt: createdAt(),
  updatedAt: text("updated_at"),
});

export const sepaMandates = sqliteTable(
  "sepa_mandates",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    reference: text("reference").notNull(),
    /** Upper-cased reference: banks do not distinguish case, so neither does uniqueness. */
    referenceKey: text("reference_key").notNull(),
    signatureDate: text("signature_date").notNull(),
    ibanCiphertext: text("iban_ciphertext").notNull(),
    ibanMasked: text("iban_masked").notNull(),
    ibanCountry: text("iban_country").notNull(),
    bic: text("bic"),
    /** Account holder when it is not the customer (e.g. a parent paying for a child). */
    debtorName: text("debtor_name"),
    status: text("status").notNull().default("active"),
    statusReason: text("status_reason"),
    nextSequenceType: text("next_sequence_type").notNull().default("FRST"),
    /** Due date of the last collection presented: the 36-month expiry counts from it. */
    lastCollectionDate: text("last_collection_date"),
    /**
     * An amendment the bank has not been told about yet: the reference and IBAN as of the last
     * collection. The next collection reports it once (AmdmntInd) and clears it.
     */
    amendedFromReference: text("amended_from_reference"),
    amendedFromIbanCiphertext: text("amended_from_iban_ciphertext"),
    amendedBankChanged: integer("amended_bank_changed", { mode: "boolean" })
      .notNull()
      .default(false),
    /** Where the mandate was given: "merchant" (merchant API) or "portal" (by the customer). */
    source: text("source").notNull().default("merchant"),
    /** A mandate the customer gave in the portal: when they consented, to which text version. */
    consentAt: text("consent_at"),
    consentTextVersion: text("consent_text_version"),
    /** Bumped by every write; a collection run checks it inside its batch (optimistic lock). */
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: text("updated_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [
    uniqueIndex("sepa_mandates_reference").on(t.merchantId, t.referenceKey),
    uniqueIndex("sepa_mandates_one_active")
      .on(t.merchantId, t.customerId)
      .where(sql`status = 'active'`),
    index("sepa_mandates_customer").on(t.merchantId, t.customerId, t.id),
    /** Reconciliation preselects payers' mandates by masked IBAN before decrypting any. */
    index("sepa_mandates_iban").on(t.merchantId, t.ibanMasked),
  ],
);

export const sepaCollectionRuns = sqliteTable(
  "sepa_collection_runs",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    /** open: handed out, items pending; completed: every item settled or returned; cancelled: never sent. */
    status: text("status").notNull().default("open"),
    collectionDate: text("collection_date").notNull(),
    messageId: text("message_id").notNull(),
    creationDateTime: text("creation_date_time").notNull(),
    numberOfTransactions: integer("number_of_transactions").notNull(),
    controlSum: integer("control_sum").notNull(),
    currency: text("currency").notNull().default("EUR"),
    paymentInfos: text("payment_infos", { mode: "json" })
      .$type<
        {
          paymentInfoId: string;
          sequenceType: string;
          collectionDate: string;
          numberOfTransactions: number;
          controlSum: number;
        }[]
      >()
      .notNull(),
    creditorName: text("creditor_name").notNull(),
    creditorId: text("creditor_id").notNull(),
    creditorIbanMasked: text("creditor_iban_masked").notNull(),
    fileParts: integer("file_parts").notNull(),
    fileSha256: text("file_sha256").notNull(),
    createdAt: createdAt(),
    completedAt: text("completed_at"),
    cancelledAt: text("cancelled_at"),
  },
  (t) => [
    uniqueIndex("sepa_collection_runs_message").on(t.merchantId, t.messageId),
    index("sepa_collection_runs_merchant").on(t.merchantId, t.status, t.id),
  ],
);

export const sepaCollectionItems = sqliteTable(
  "sepa_collection_items",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    runId: text("run_id")
      .notNull()
      .references(() => sepaCollectionRuns.id),
    // Both are filled by guard subqueries inside the run's batch: NULL (and so an aborted batch)
    // when the invoice is no longer open or the mandate changed since it was read.
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    mandateId: text("mandate_id")
      .notNull()
      .references(() => sepaMandates.id),
    customerId: text("customer_id").notNull(),
    mandateReference: text("mandate_reference").notNull(),
    mandateReferenceKey: text("mandate_reference_key").notNull(),
    endToEndId: text("end_to_end_id").notNull(),
    invoiceNumber: text("invoice_number").notNull(),
    amount: integer("amount").notNull(),
    sequenceType: text("sequence_type").notNull(),
    paymentInfoId: text("payment_info_id").notNull(),
    /** pending → settled | returned; cancelled when the run was discarded unsent. */
    status: text("status").notNull().default("pending"),
    settledAt: text("settled_at"),
    returnedAt: text("returned_at"),
    returnReasonCode: text("return_reason_code"),
    // The mandate as it was before this collection, so discarding an unsent run can restore it.
    previousLastCollectionDate: text("previous_last_collection_date"),
    /** The amendment this collection reported (AmdmntInfDtls), if any; the IBAN stays encrypted. */
    amendedFromReference: text("amended_from_reference"),
    amendedFromIbanCiphertext: text("amended_from_iban_ciphertext"),
    amendedBankChanged: integer("amended_bank_changed", { mode: "boolean" })
      .notNull()
      .default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index("sepa_collection_items_run").on(t.runId, t.id),
    // The same invoice is never in two open collections at once.
    uniqueIndex("sepa_collection_items_pending_invoice")
      .on(t.invoiceId)
      .where(sql`status = 'pending'`),
    index("sepa_collection_items_e2e").on(t.merchantId, t.endToEndId),
    index("sepa_collection_items_mandate").on(t.merchantId, t.mandateReferenceKey, t.amount),
    // A return whose bank only quotes the invoice number finds its collection through this.
    index("sepa_collection_items_number").on(t.merchantId, t.invoiceNumber),
    index("sepa_collection_items_pmtinf").on(t.merchantId, t.paymentInfoId),
    index("sepa_collection_items_mandate_run").on(t.mandateId, t.runId),
    check("sepa_collection_items_amount", sql`amount > 0`),
  ],
);

/** The pain.008 file of a run, encrypted, in parts that stay well below D1's 2 MB row limit. */
export const sepaCollectionFiles = sqliteTable(
  "sepa_collection_files",
  {
    runId: text("run_id")
      .notNull()
      .references(() => sepaCollectionRuns.id),
    part: integer("part").notNull(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    ciphertext: text("ciphertext").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.part] })],
);
