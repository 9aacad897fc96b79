// D1 tables of the e-mails to customers: the outbox (written in the same batch as the change it
// reports, with the facts as of that change; rendered in the customer's language when sent, and
// what was sent is kept) and which kinds a merchant has switched off to handle them by webhook.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { customers, merchants } from "./tables.ts";

const createdAt = () =>
  text("created_at")
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    /** customer-emails.ts EmailKind */
    kind: text("kind").notNull(),
    /** What the mail is about, once per kind: `inv_…`, `inv_…:first_notice`, `chg_…`. */
    dedupeKey: text("dedupe_key").notNull(),
    /** The facts of the mail (customer-emails.ts EmailFacts) as of the change that queued it. */
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    // Filled when sent: what went to whom, in which language.
    locale: text("locale"),
    recipient: text("recipient"),
    subject: text("subject"),
    textBody: text("text_body"),
    htmlBody: text("html_body"),
    /** pending → sent | failed | skipped (no address); a lease moves next_attempt_at on. */
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: text("next_attempt_at").notNull(),
    lastError: text("last_error"),
    sentAt: text("sent_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("email_outbox_dedupe").on(t.merchantId, t.kind, t.dedupeKey),
    index("email_outbox_due").on(t.status, t.nextAttemptAt),
    index("email_outbox_customer").on(t.merchantId, t.customerId, t.id),
  ],
);

export const emailSettings = sqliteTable("email_settings", {
  merchantId: text("merchant_id")
    .primaryKey()
    .references(() => merchants.id),
  /** Kinds the merchant sends itself (through webhooks); JSON array of EmailKind. */
  disabledKinds: text("disabled_kinds", { mode: "json" }).$type<string[]>().notNull(),
  updatedAt: text("updated_at"),
});
