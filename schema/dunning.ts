// D1 tables of what happens after an invoice is not paid: the merchant's dunning settings (one
// JSON value, validated by worker/domain/dunning.ts) and every dunning level an invoice reached,
// with what the letter claimed. A level is reached once per invoice (unique key), so a repeated
// or concurrent run writes nothing twice.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { DunningSettings } from "../worker/domain/dunning.ts";
import { customers, invoices, merchants } from "./tables.ts";

export const dunningSettings = sqliteTable("dunning_settings", {
  merchantId: text("merchant_id")
    .primaryKey()
    .references(() => merchants.id),
  settings: text("settings", { mode: "json" }).$type<DunningSettings>().notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const dunningLevels = sqliteTable(
  "dunning_levels",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    /** reminder | first_notice | second_notice | handed_over */
    level: text("level").notNull(),
    reachedOn: text("reached_on").notNull(),
    fee: integer("fee").notNull(),
    openAmount: integer("open_amount").notNull(),
    interest: integer("interest").notNull(),
    flatFee: integer("flat_fee").notNull(),
    total: integer("total").notNull(),
    createdAt: text("created_at")
      .notNull()
      .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  },
  (t) => [
    uniqueIndex("dunning_levels_once").on(t.invoiceId, t.level),
    index("dunning_levels_merchant").on(t.merchantId, t.invoiceId),
  ],
);
