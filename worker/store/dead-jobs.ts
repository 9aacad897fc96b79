// SQL of the job queue's dead letters (schema/jobs.ts): recorded once per message, listed newest
// first, and claimed once for a replay.
import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import { deadJobs } from "../../schema/jobs.ts";
import type { Db } from "./db.ts";

export type DeadJobRecord = typeof deadJobs.$inferSelect;
export type NewDeadJob = typeof deadJobs.$inferInsert;

/** Seven columns a row: 14 rows stay within D1's 100 bound parameters. */
const ROWS_PER_INSERT = 14;

export async function insertDeadJobs(db: Db, rows: NewDeadJob[]): Promise<void> {
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    statements.push(
      db
        .insert(deadJobs)
        .values(rows.slice(i, i + ROWS_PER_INSERT))
        .onConflictDoNothing({ target: deadJobs.messageId }),
    );
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/** Newest first; `cursor` is the last id of the previous page. */
export async function listDeadJobs(
  db: Db,
  page: { limit: number; cursor?: string | undefined },
): Promise<DeadJobRecord[]> {
  return db
    .select()
    .from(deadJobs)
    .where(page.cursor ? lt(deadJobs.id, page.cursor) : undefined)
    .orderBy(desc(deadJobs.id))
    .limit(page.limit + 1);
}

export async function findDeadJob(db: Db, id: string): Promise<DeadJobRecord | undefined> {
  const [row] = await db.select().from(deadJobs).where(eq(deadJobs.id, id));
  return row;
}

/** Claims the dead letter for a replay; false when it was replayed already. */
export async function claimReplay(db: Db, id: string, at: Date): Promise<boolean> {
  const claimed = await db
    .update(deadJobs)
    .set({ replayedAt: at.toISOString() })
    .where(and(eq(deadJobs.id, id), isNull(deadJobs.replayedAt)))
    .returning({ id: deadJobs.id });
  return claimed.length === 1;
}

/** Gives the claim back when the message could not be sent. */
export async function releaseReplay(db: Db, id: string): Promise<void> {
  await db
    .update(deadJobs)
    .set({ replayedAt: sql`NULL` })
    .where(eq(deadJobs.id, id));
}
