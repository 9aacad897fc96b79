// Committing guarded batches: one transaction's batch alone (a fired guard is a lost race, not
// an error), or many transactions' bookings grouped into one D1 round trip of a few set-based
// statements (worker/store/payment-bookings.ts).
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

async function commitPrepared(db: Db, statements: D1PreparedStatement[]): Promise<boolean> {
  if (statements.length === 0) return true;
  try {
    await db.$client.batch(statements);
    return true;
  } catch (error) {
    if (isBookingConflict(error)) return false;
    throw error;
  }
}

/**
 * Commits many transactions' bookings as one D1 batch (a D1 round trip per transaction would not
 * fit thousands into one cron tick), built by `build` as a few statements for the whole group.
 * Each booking keeps its own guards, so a combined batch is just as safe; when one guard fires,
 * the group is retried one transaction at a time and stops at the first lost race, keeping
 * everything before it. Later bookings may rely on earlier ones of the same group (an invoice
 * paid in part by the previous transaction).
 */
export class GroupedCommits<Item, Outcome extends string> {
  private pending: { item: Item; outcome: Outcome }[] = [];
  readonly outcomes: Outcome[] = [];
  stopped = false;

  constructor(
    private readonly db: Db,
    private readonly build: (items: readonly Item[]) => D1PreparedStatement[],
    /** What a transaction counts as when its guard fired. */
    private readonly conflict: Outcome,
    private readonly maxTransactions = 40,
  ) {}

  async add(item: Item, outcome: Outcome): Promise<void> {
    if (this.stopped) return;
    this.pending.push({ item, outcome });
    if (this.pending.length >= this.maxTransactions) await this.flush();
  }

  async flush(): Promise<void> {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0 || this.stopped) return;
    if (await commitPrepared(this.db, this.build(group.map((entry) => entry.item)))) {
      this.outcomes.push(...group.map((entry) => entry.outcome));
      return;
    }
    for (const entry of group) {
      if (await commitPrepared(this.db, this.build([entry.item]))) {
        this.outcomes.push(entry.outcome);
        continue;
      }
      this.outcomes.push(this.conflict);
      this.stopped = true;
      return;
    }
  }
}
