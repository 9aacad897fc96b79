// Committing guarded batches: one transaction's batch alone (a fired guard is a lost race, not
// an error), or many transactions' batches grouped into one D1 round trip.
import type { BatchItem } from "drizzle-orm/batch";
import { runBatch, type Db } from "./db.ts";
import { isBookingConflict } from "./reconciliation-entries.ts";

/** Runs one transaction's batch; false when a guard fired (someone else booked or changed it first). */
export async function commit(db: Db, statements: BatchItem<"sqlite">[]): Promise<boolean> {
  try {
    await runBatch(db, statements);
    return true;
  } catch (error) {
    if (isBookingConflict(error)) return false;
    throw error;
  }
}

/**
 * Commits many transactions' batches as one D1 batch (a D1 round trip per transaction would not
 * fit thousands into one cron tick). Each transaction keeps its own guards, so a combined batch is
 * just as safe; when one guard fires, the group is retried one transaction at a time and stops at
 * the first lost race, keeping everything before it. Later statements may rely on earlier ones of
 * the same group (an invoice paid in part by the previous transaction).
 */
export class GroupedCommits<Outcome extends string> {
  private pending: { statements: BatchItem<"sqlite">[]; outcome: Outcome }[] = [];
  readonly outcomes: Outcome[] = [];
  stopped = false;

  constructor(
    private readonly db: Db,
    /** What a transaction counts as when its guard fired. */
    private readonly conflict: Outcome,
    private readonly maxTransactions = 40,
  ) {}

  async add(statements: BatchItem<"sqlite">[], outcome: Outcome): Promise<void> {
    if (this.stopped) return;
    this.pending.push({ statements, outcome });
    if (this.pending.length >= this.maxTransactions) await this.flush();
  }

  async flush(): Promise<void> {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0 || this.stopped) return;
    if (
      await commit(
        this.db,
        group.flatMap((entry) => entry.statements),
      )
    ) {
      this.outcomes.push(...group.map((entry) => entry.outcome));
      return;
    }
    for (const entry of group) {
      if (await commit(this.db, entry.statements)) {
        this.outcomes.push(entry.outcome);
        continue;
      }
      this.outcomes.push(this.conflict);
      this.stopped = true;
      return;
    }
  }
}
