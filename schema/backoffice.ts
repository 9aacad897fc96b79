// D1 tables of the back office: the people who sign in for a merchant, their sessions (only the
// token's SHA-256 is stored) and failed sign-ins, which throttle guessing per account and per IP.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { merchants } from "./tables.ts";

export type UserRole = "owner" | "accountant" | "viewer";

const createdAt = () =>
  text("created_at")
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    /** Lower-cased; one address signs in to one merchant, so sign-in needs no merchant id. */
    email: text("email").notNull(),
    role: text("role").$type<UserRole>().notNull(),
    /** `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>` */
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email").on(t.email), index("users_merchant").on(t.merchantId, t.id)],
);

export const userSessions = sqliteTable(
  "user_sessions",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("user_sessions_token").on(t.tokenHash),
    index("user_sessions_user").on(t.userId),
  ],
);

export const loginFailures = sqliteTable(
  "login_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** `account:<email>` or `ip:<address>` */
    subject: text("subject").notNull(),
    failedAt: text("failed_at").notNull(),
  },
  (t) => [index("login_failures_subject").on(t.subject, t.failedAt)],
);
