// D1 tables of customer credit (Guthaben) in use: every cent of a credit that went onto an
// invoice or was refunded by transfer is one entry naming the credit it came from, so a credit's
// remainder is its amount minus its active entries, and every cent stays traceable. Refunds are
// recorded here; the payout itself is the merchant's.
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { customerCredits } from "./reconciliation.ts";
import { customers, merchants } from "./tables.ts";

/** A refund of credit by bank transfer, as the merchant recorded it. */
export const creditRefunds = sqliteTable(
  "credit_refunds",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    /** Only the masked IBAN is kept: the transfer itself is made outside Tarif. */
    ibanMasked: text("iban_masked"),
    reference: text("reference"),
    refundedAt: text("refunded_at").notNull(),
  },
  (t) => [
    index("credit_refunds_customer").on(t.merchantId, t.customerId),
    check("credit_refunds_amount", sql`amount > 0`),
  ],
);

/** Credit used: applied onto an invoice, or refunded (one row per credit taken from). */
export const creditUses = sqliteTable(
  "credit_uses",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    creditId: text("credit_id")
      .notNull()
      .references(() => customerCredits.id),
    /** applied | refunded */
    kind: text("kind", { enum: ["applied", "refunded"] }).notNull(),
    invoiceId: text("invoice_id"),
    refundId: text("refund_id"),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    /** The statement group that wrote it: one application run or one refund. */
    batchId: text("batch_id").notNull(),
    usedAt: text("used_at").notNull(),
    reversedAt: text("reversed_at"),
  },
  (t) => [
    index("credit_uses_credit").on(t.creditId),
    index("credit_uses_invoice").on(t.invoiceId),
    index("credit_uses_customer").on(t.merchantId, t.customerId),
    index("credit_uses_batch").on(t.batchId),
    check("credit_uses_amount", sql`amount > 0`),
  ],
);
