// Committing guarded batches: one transaction's batch alone (a fired guard is a lost race, not
// an error), or many transactions' bookings grouped into one D1 round trip of a few set-based
// statements (worker/store/payment-bookings.ts, worker/store/return-bookings.ts).
import type { BatchItem } from "drizzle-orm/batch";
import { runBatch, type Db } from "./db.ts";
import { isBookingConflict } from "./reconciliation-entries.ts";

/** What is left of an invocation's D1 query budget (worker/jobs/query-budget.ts QueryMeter). */
export interface QueryAllowance {
  /** Whether `statements` more can still be sent. */
  affords(statements: number): boolean;
}

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
  /** Stopped because the next batch no longer fit the invocation's query budget. */
  exhausted = false;

  constructor(
    private readonly db: Db,
    private readonly build: (items: readonly Item[]) => D1PreparedStatement[],
    /** What a transaction counts as when its guard fired. */
    private readonly conflict: Outcome,
    private readonly maxTransactions = 100,
    /** The invocation's query budget: a batch that does not fit is not sent (its items wait). */
    private readonly budget?: QueryAllowance,
  ) {}

  private fits(statements: readonly D1PreparedStatement[]): boolean {
    if (!this.budget || this.budget.affords(statements.length)) return true;
    this.stopped = true;
    this.exhausted = true;
    return false;
  }

  /** Bookings waiting for the next flush. */
  get pendingCount(): number {
    return this.pending.length;
  }

  async add(item: Item, outcome: Outcome): Promise<void> {
    if (this.stopped) return;
    this.pending.push({ item, outcome });
    if (this.pending.length >= this.maxTransactions) await this.flush();
  }

  async flush(): Promise<void> {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0 || this.stopped) return;
    // Statements may grow with the group (a return's fee invoice): a group too large for the
    // budget is halved until its first part fits, and the rest is left for the next run.
    let sent = group;
    let statements = this.build(sent.map((entry) => entry.item));
    while (sent.length > 1 && this.budget && !this.budget.affords(statements.length)) {
      sent = sent.slice(0, Math.ceil(sent.length / 2));
      statements = this.build(sent.map((entry) => entry.item));
    }
    if (!this.fits(statements)) return;
    const cut = sent.length < group.length;
    if (await commitPrepared(this.db, statements)) {
      this.outcomes.push(...sent.map((entry) => entry.outcome));
      if (cut) this.stopped = this.exhausted = true;
      return;
    }
    if (cut) this.stopped = this.exhausted = true;
    for (const entry of sent) {
      const single = this.build([entry.item]);
      if (!this.fits(single)) return;
      if (await commitPrepared(this.db, single)) {
        this.outcomes.push(entry.outcome);
        continue;
      }
      this.outcomes.push(this.conflict);
      this.stopped = true;
      return;
    }
  }
}
