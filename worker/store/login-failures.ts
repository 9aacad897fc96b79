// Failed sign-ins per subject (`account:<email>`, `ip:<address>`) inside the throttling window.
import { and, count, eq, gt, inArray, lte, min } from "drizzle-orm";
import { loginFailures } from "../../schema/backoffice.ts";
import type { Db } from "./db.ts";

export interface FailureCount {
  subject: string;
  failures: number;
  oldest: string | null;
}

export async function countFailures(
  db: Db,
  subjects: string[],
  since: string,
): Promise<FailureCount[]> {
  const rows = await db
    .select({
      subject: loginFailures.subject,
      failures: count(),
      oldest: min(loginFailures.failedAt),
    })
    .from(loginFailures)
    .where(and(inArray(loginFailures.subject, subjects), gt(loginFailures.failedAt, since)))
    .groupBy(loginFailures.subject);
  return rows;
}

/** Records one failure for each subject and forgets their failures older than the window. */
export async function recordFailure(
  db: Db,
  subjects: string[],
  at: string,
  windowStart: string,
): Promise<void> {
  await db.batch([
    db
      .delete(loginFailures)
      .where(
        and(inArray(loginFailures.subject, subjects), lte(loginFailures.failedAt, windowStart)),
      ),
    db.insert(loginFailures).values(subjects.map((subject) => ({ subject, failedAt: at }))),
  ]);
}

export async function clearFailures(db: Db, subject: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.subject, subject));
}
