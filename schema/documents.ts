// Tables for lawful invoice documents: the merchant's company data (the seller on every
// invoice) and one row per stored document (PDF, XML) with the SHA-256 of the bytes in R2.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { PostalAddress } from "../worker/domain/company.ts";
import { invoices, merchants } from "./tables.ts";

export const companySettings = sqliteTable("company_settings", {
  merchantId: text("merchant_id")
    .primaryKey()
    .references(() => merchants.id),
  legalName: text("legal_name").notNull(),
  address: text("address", { mode: "json" }).$type<PostalAddress>().notNull(),
  vatId: text("vat_id"),
  taxNumber: text("tax_number"),
  email: text("email").notNull(),
  phone: text("phone"),
  registerEntry: text("register_entry"),
  managingDirectors: text("managing_directors"),
  smallBusiness: integer("small_business", { mode: "boolean" }).notNull().default(false),
  iban: text("iban"),
  bic: text("bic"),
  /** The logo's bytes live in R2 under logos/{merchant}/{sha256}; the row names them. */
  logoSha256: text("logo_sha256"),
  logoContentType: text("logo_content_type"),
  updatedAt: text("updated_at").notNull(),
});

/**
 * The document outbox: written pending (sha256 NULL) in the batch that issues the invoice, then
 * rendered from the invoice's snapshot, put to R2 and sealed by setting sha256 exactly once. A
 * render that fails is tried again later (attempts, next_attempt_at, last_error), so a document
 * that keeps failing cannot hold up the documents behind it; after the last attempt the job
 * leaves it (a download still renders it on demand).
 */
export const invoiceDocuments = sqliteTable(
  "invoice_documents",
  {
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    format: text("format").$type<"pdf" | "xml">().notNull(),
    objectKey: text("object_key").notNull(),
    sha256: text("sha256"),
    size: integer("size"),
    createdAt: text("created_at")
      .notNull()
      .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
    storedAt: text("stored_at"),
    attempts: integer("attempts").notNull().default(0),
    /** When the job may try a failed render again; NULL: at once. */
    nextAttemptAt: text("next_attempt_at"),
    lastError: text("last_error"),
  },
  (t) => [
    primaryKey({ columns: [t.invoiceId, t.format] }),
    index("invoice_documents_pending").on(t.storedAt, t.createdAt),
  ],
);
