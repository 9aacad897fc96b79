// D1 table of the job queue's dead letters: every message that failed all its retries (or could
// never be read) lands in the dead-letter queue, whose consumer records it here, in the first
// shard (`DB`), for the operator to see and replay (/admin/v1/dead-jobs).
import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const deadJobs = sqliteTable(
  "dead_jobs",
  {
    id: text("id").primaryKey(),
    /** The queue's id of the message: a dead letter delivered twice is recorded once. */
    messageId: text("message_id").notNull(),
    /** The message's `job`, or "malformed" when it could not be read. */
    job: text("job").notNull(),
    merchantId: text("merchant_id"),
    /** The message as sent (job kind, merchant, schedule, cursor; no personal data). */
    body: text("body", { mode: "json" }).$type<unknown>().notNull(),
    /** Deliveries the dead-letter queue reports for it. */
    attempts: integer("attempts").notNull(),
    deadAt: text("dead_at").notNull(),
    replayedAt: text("replayed_at"),
  },
  (t) => [uniqueIndex("dead_jobs_message").on(t.messageId)],
);
