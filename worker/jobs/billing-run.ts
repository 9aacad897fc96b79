// The billing run (cron / queue consumer), a page of due contracts at a time: one read finds the
// page, one batch loads every contract's context (contract, items, templates, plan articles,
// due scheduled changes, carried lines, the merchant once), the domain computes each next
// invoice, and one guarded batch writes them all — about 3 round trips per page. Scheduled
// changes whose day has come are applied inside the page: the context batch also reads what they
// need, the change use case's own pure part (prepareChange, actor billing_run) computes each, so
// the page path and a merchant's change cannot diverge, and their writes join the page's write
// batch. Re-running the same day, a page delivered twice or a crash halfway issue nothing
// twice (version guards, unique billing keys). Each page is sized to the invocation's D1 query
// budget and started only if it can be finished; the run then stops and says where the next
// invocation resumes (see query-budget.ts). A contract
// whose invoice cannot be issued lawfully (company settings or the customer's address
// incomplete) is left exactly as it is, still due, and reported as blocked: once the data is
// complete, the next tick bills it.
import { localDate, type IsoDate } from "../domain/calendar.ts";
import { billingStep, nextPeriodBilling } from "../domain/contract-billing.ts";
import { DomainError } from "../domain/errors.ts";
import { InvoicePartiesIncomplete } from "../domain/invoice-snapshot.ts";
import { TaxRuleError } from "../domain/tax-decision.ts";
import { prepareChange } from "../flows/contract-changes.ts";
import { freshInvoiceIds } from "../security.ts";
import {
  BILLING_PAGE_READS,
  BILLING_PAGE_READS_KNOWN,
  billPageStatements,
  changeContextOf,
  endContractStatements,
  findDueContracts,
  loadBillingPage,
  type BillingContext,
  type ContractPeriodBilling,
  type DueContract,
  type PageChange,
} from "../store/billing.ts";
import {
  failScheduledChangeStatement,
  type ContractChangeRecord,
} from "../store/contract-changes.ts";
import {
  database,
  isContractVersionConflict,
  isUniqueViolation,
  runBatch,
  type Db,
} from "../store/db.ts";
import type { BatchItem } from "drizzle-orm/batch";
import type { SellerRows } from "../store/company.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import {
  DEFAULT_QUERY_BUDGET,
  meteredD1,
  isQueryBudgetExceeded,
  QueryMeter,
} from "./query-budget.ts";

export interface BillingRunReport {
  contracts: number;
  changesApplied: number;
  changesFailed: number;
  invoicesIssued: number;
  contractsEnded: number;
  errors: { contractId: string; message: string }[];
  /** Set when the run stopped with due work left: the next run continues after this id. */
  resumeAfter: string | null;
  /** Contracts not billed because an invoice would lack required data; nothing was written. */
  blocked: { contractId: string; code: string; fields: string[] }[];
}

export interface BillingRunOptions {
  /** Contracts per tick; the rest are picked up by the next tick (the due set is the cursor). */
  maxContracts?: number;
  /** Contracts per page (at most 50: a page's ids are bound parameters of its reads). */
  pageSize?: number;
  /** Steps per contract per tick: a contract months behind catches up over a few ticks. */
  maxStepsPerContract?: number;
  /** Only this merchant's contracts (one queue message per merchant). */
  merchantId?: string;
  /** Continue after this contract id (the `resumeAfter` of the previous run). */
  after?: string;
  /** The invocation's query budget; each page is started only if it can be finished. */
  meter?: QueryMeter;
}

/** The most contracts one page reads: their ids are bound parameters of the page's reads. */
export const MAX_PAGE_SIZE = 50;

/** Statements of a page write that do not grow with the page (guards, series, fan-out, …). */
export const PAGE_WRITE_FIXED = 6;

/**
 * Statements per billed contract in a page write, rounded up: a quarter of an invoice insert,
 * a third of a line insert, a sixteenth of an event insert, a tenth of the pending documents'
 * insert, a fiftieth of the e-mails' insert. Applying a customer's credit costs four more, only for customers whose
 * context shows credit left, and a due scheduled change a few more (its guard, items, change
 * record and e-mail; its invoice and event join the page's multi-row inserts): the write is
 * then cut to the longest head of the page that fits (see writePage).
 */
export const PAGE_WRITE_PER_CONTRACT = 1;

/** The budget ran out before a page could be finished; nothing unfinished was written. */
class BudgetSpent extends Error {}

export async function runBilling(
  d1: D1Database,
  scheduledTime: Date,
  options: BillingRunOptions = {},
): Promise<BillingRunReport> {
  const { maxContracts = 500, maxStepsPerContract = 24 } = options;
  const pageSize = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const meter = options.meter ?? new QueryMeter(DEFAULT_QUERY_BUDGET);
  const run: BillingRun = {
    db: database(meteredD1(d1, meter)),
    meter,
    at: scheduledTime,
    latestToday: localDate(scheduledTime, "Pacific/Kiritimati"),
    maxSteps: maxStepsPerContract,
    merchants: new Map(),
    sellers: new Map(),
    report: {
      contracts: 0,
      changesApplied: 0,
      changesFailed: 0,
      invoicesIssued: 0,
      contractsEnded: 0,
      errors: [],
      resumeAfter: null,
      blocked: [],
    },
  };
  const { report } = run;
  let after = options.after ?? "";
  while (report.contracts < maxContracts) {
    // The page read, its context batch and the smallest write: less than that, nothing moves.
    const known = options.merchantId !== undefined && run.merchants.has(options.merchantId);
    const reads = known ? BILLING_PAGE_READS_KNOWN : BILLING_PAGE_READS;
    const forWrites = meter.remaining - 1 - reads - PAGE_WRITE_FIXED;
    const affordable = Math.floor(forWrites / PAGE_WRITE_PER_CONTRACT);
    if (affordable < 1) return { ...report, resumeAfter: after };
    const page = await findDueContracts(
      run.db,
      run.latestToday,
      after,
      Math.min(pageSize, maxContracts - report.contracts, affordable),
      options.merchantId,
    );
    if (page.length === 0) break;
    try {
      await billPage(run, page);
    } catch (error) {
      // Left for the next run, which starts again at this page: what is done is no longer due.
      if (error instanceof BudgetSpent) return { ...report, resumeAfter: after };
      throw error;
    }
    report.contracts += page.length;
    after = page[page.length - 1]!.id;
    if (report.contracts >= maxContracts) return { ...report, resumeAfter: after };
  }
  return report;
}

interface BillingRun {
  db: Db;
  meter: QueryMeter;
  at: Date;
  /** The furthest "today" of any merchant time zone: the due set's bound. */
  latestToday: IsoDate;
  maxSteps: number;
  /** Each merchant read once per invocation, with its company settings and creditor id. */
  merchants: Map<string, MerchantRecord>;
  sellers: Map<string, SellerRows>;
  report: BillingRunReport;
}

/** A contract's next write in a page batch. */
type PageWork =
  | { kind: "bill"; id: string; billing: ContractPeriodBilling; more: boolean }
  | { kind: "end"; id: string; context: BillingContext }
  /** A due scheduled change: applied (its use case's writes), or marked failed. */
  | ({ kind: "change"; id: string; more: boolean } & ChangeOutcome);

type ChangeOutcome =
  { failed: false; change: PageChange } | { failed: true; statements: BatchItem<"sqlite">[] };

/**
 * Steps every contract of the page until none has due work left (or its steps for this tick
 * are used up): each round loads the contexts still pending in one batch, computes due changes,
 * bills and ends, and writes them all in one batch.
 */
async function billPage(run: BillingRun, page: readonly DueContract[]) {
  const { meter, report } = run;
  const steps = new Map(page.map((due) => [due.id, 0]));
  let pending = page.map((due) => due.id);
  while (pending.length > 0) {
    const unknown = [...new Set(page.map((due) => due.merchantId))].filter(
      (id) => !run.merchants.has(id),
    );
    const reads = unknown.length > 0 ? BILLING_PAGE_READS : BILLING_PAGE_READS_KNOWN;
    if (!meter.affords(reads + PAGE_WRITE_FIXED)) throw new BudgetSpent();
    const { contexts, merchants, sellers } = await loadBillingPage(
      run.db,
      pending,
      run.latestToday,
      unknown,
      run.sellers,
    );
    for (const merchant of merchants) run.merchants.set(merchant.id, merchant);
    for (const [id, seller] of sellers) run.sellers.set(id, seller);
    const next: string[] = [];
    const work: PageWork[] = [];
    for (const id of pending) {
      const context = contexts.get(id);
      const merchant = context && run.merchants.get(context.contract.merchantId);
      if (!context || !merchant) continue;
      const used = (steps.get(id) ?? 0) + 1;
      steps.set(id, used);
      const today = localDate(run.at, merchant.timeZone);
      const change = context.dueChanges.find((due) => due.effectiveDate <= today);
      const step = billingStep(context.contract, change?.effectiveDate, today);
      try {
        if (step === "apply_change") {
          const outcome = scheduledChange(run, merchant, context, change!);
          work.push({ kind: "change", id, more: used < run.maxSteps, ...outcome });
        } else if (step === "end_contract") {
          work.push({ kind: "end", id, context });
        } else if (step === "bill_period") {
          const billing = billingOf(context, merchant, today);
          // Still due after this period (months behind), or a change waits for a later day.
          const more =
            billing.period.end <= today ||
            context.dueChanges.some((due) => due.effectiveDate <= today);
          work.push({ kind: "bill", id, billing, more: more && used < run.maxSteps });
        }
      } catch (error) {
        if (error instanceof BudgetSpent || isQueryBudgetExceeded(error)) throw error;
        // Missing invoice data is the merchant's to fix: the contract stays due, untouched.
        const blocked = blockedReason(error);
        if (blocked) report.blocked.push({ contractId: id, ...blocked });
        else fail(report, id, error);
      }
    }
    next.push(...(await writePage(run, work)));
    pending = next;
  }
}

/** Why an invoice could not be drafted, for errors that the merchant's data causes. */
function blockedReason(error: unknown): { code: string; fields: string[] } | null {
  if (error instanceof InvoicePartiesIncomplete) return { code: error.code, fields: error.fields };
  if (error instanceof TaxRuleError) return { code: error.code, fields: [error.field] };
  return null;
}

function billingOf(
  context: BillingContext,
  merchant: MerchantRecord,
  today: IsoDate,
): ContractPeriodBilling {
  const { contract, parties } = context;
  if (!parties) throw new Error(`customer of contract ${contract.id} not found`);
  return {
    ...nextPeriodBilling(
      {
        snapshot: context.snapshot,
        merchantId: merchant.id,
        customerId: contract.customerId,
        currency: context.planCurrency,
        paymentTermDays: merchant.paymentTermDays,
        carried: context.carried,
        today,
        parties,
      },
      freshInvoiceIds(),
    ),
    contract,
    carriedLineIds: context.carried.map((line) => line.id),
    applyCredit: context.customerHasCredit,
  };
}

function statementsOf(run: BillingRun, work: readonly PageWork[]) {
  const bills = work.flatMap((item) => (item.kind === "bill" ? [item.billing] : []));
  const changes = work.flatMap((item) =>
    item.kind === "change" && !item.failed ? [item.change] : [],
  );
  return [
    ...billPageStatements(run.db, bills, run.at, changes),
    ...work.flatMap((item) =>
      item.kind === "end"
        ? endContractStatements(run.db, item.context.contract, run.at)
        : item.kind === "change" && item.failed
          ? item.statements
          : [],
    ),
  ];
}

/**
 * Writes the page in one batch, as much of it as the budget can still pay for (the rest is
 * left for the next invocation). A concurrent writer or a second delivery of the page aborts
 * the batch as a whole: those contracts are read again. Any other failure is narrowed down
 * contract by contract, so one broken contract does not stop the others. Returns the contracts
 * with more due work.
 */
async function writePage(run: BillingRun, work: PageWork[]): Promise<string[]> {
  const { meter, report } = run;
  if (work.length === 0) return [];
  let fitting = work;
  let statements = statementsOf(run, fitting);
  if (fitting.length > 1 && !meter.affords(statements.length)) {
    // The longest head of the page that the budget still pays for (more work never needs
    // fewer statements), found in a few tries: a page's changes make its write uneven.
    let fits = 1;
    let fails = fitting.length;
    while (fails - fits > 1) {
      const middle = Math.floor((fits + fails) / 2);
      if (meter.affords(statementsOf(run, work.slice(0, middle)).length)) fits = middle;
      else fails = middle;
    }
    fitting = work.slice(0, fits);
    statements = statementsOf(run, fitting);
  }
  if (statements.length > meter.limit) {
    fail(
      report,
      fitting[0]!.id,
      new Error(`one step needs ${statements.length} D1 statements, the budget is ${meter.limit}`),
    );
    return [];
  }
  if (!meter.affords(statements.length)) throw new BudgetSpent();
  const left = fitting.length < work.length;
  try {
    await runBatch(run.db, statements);
  } catch (error) {
    // The binding refused: the plan was wrong, and the invocation fails loudly (and is retried).
    if (isQueryBudgetExceeded(error)) throw error;
    if (isContractVersionConflict(error) || isUniqueViolation(error))
      return retryOrDefer(fitting, left);
    if (fitting.length === 1) {
      fail(report, fitting[0]!.id, error);
      return deferIf(left);
    }
    const more: string[] = [];
    for (const item of fitting) more.push(...(await writePage(run, [item])));
    return [...more, ...deferIf(left)];
  }
  for (const item of fitting) {
    if (item.kind === "end") report.contractsEnded += 1;
    else if (item.kind === "bill") report.invoicesIssued += 1;
    else if (item.failed) report.changesFailed += 1;
    else report.changesApplied += 1;
  }
  const more = fitting.flatMap((item) => (item.kind !== "end" && item.more ? [item.id] : []));
  if (left) throw new BudgetSpent();
  return more;
}

/** A lost race is read again (the other writer's work is then seen, never repeated). */
function retryOrDefer(fitting: PageWork[], left: boolean): string[] {
  if (left) throw new BudgetSpent();
  return fitting.map((item) => item.id);
}

function deferIf(left: boolean): string[] {
  if (left) throw new BudgetSpent();
  return [];
}

function fail(report: BillingRunReport, contractId: string, error: unknown) {
  // One broken contract must not stop the run for everyone else; it stays due and is retried.
  report.errors.push({
    contractId,
    message: error instanceof Error ? error.message : String(error),
  });
  console.error("billing run: contract failed", contractId, error);
}

/**
 * The same use case as a merchant's change, on the day it was scheduled for, from the page's
 * context: its statements for the page's write batch.
 */
function scheduledChange(
  run: BillingRun,
  merchant: MerchantRecord,
  context: BillingContext,
  change: ContractChangeRecord,
): ChangeOutcome {
  const { db } = run;
  const actor = { kind: "billing_run", merchant, change } as const;
  const order = { ...change.request, effectiveDate: change.effectiveDate };
  try {
    const { write } = prepareChange(db, actor, changeContextOf(context, change), order, run.at);
    // The billing run's changes are always applied (never scheduled again).
    if (write.kind !== "apply") throw new Error(`change ${change.id} was not applied`);
    return {
      failed: false,
      change: { write: write.parts, applyCredit: context.customerHasCredit },
    };
  } catch (error) {
    // Missing invoice data is the merchant's to fix, not the change's fault: it stays due.
    if (blockedReason(error)) throw error;
    // The contract changed since this was scheduled (e.g. the add-on was booked meanwhile):
    // the change cannot apply as asked, so it is marked failed with the reason, never guessed.
    if (!(error instanceof DomainError)) throw error;
    const reason = `${error.code}: ${error.message}`;
    return {
      failed: true,
      statements: [failScheduledChangeStatement(db, merchant.id, change.id, reason)],
    };
  }
}
