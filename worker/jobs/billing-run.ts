// The billing run (cron): for each contract with due work, in order, apply the scheduled
// changes whose day has come, bill the next period in advance (with carried proration lines),
// and end contracts whose last day has passed. Every step is one guarded, atomic D1 batch
// keyed so that re-running the same day, or after a crash halfway, issues nothing twice.
// Each step is started only when the invocation's D1 query budget can still pay for it; the
// run then stops and says where the next invocation resumes (see query-budget.ts). A
// contract whose invoice cannot be issued lawfully (company settings or the customer's address
// incomplete) is left exactly as it is, still due, and reported as blocked: once the data is
// complete, the next tick bills it.
import { localDate, periodContaining, type IsoDate } from "../domain/calendar.ts";
import { periodInvoiceLines } from "../domain/contract-billing.ts";
import { itemPeriodAmount } from "../domain/contract-terms.ts";
import { DomainError } from "../domain/errors.ts";
import { draftInvoice, regularBillingKey } from "../domain/invoice-draft.ts";
import { InvoicePartiesIncomplete } from "../domain/invoice-snapshot.ts";
import { TaxRuleError } from "../domain/tax-decision.ts";
import { applyChange, loadForChange } from "../flows/contract-changes.ts";
import { freshInvoiceIds } from "../security.ts";
import { billPeriodStatements, endContractStatements, findDueContracts } from "../store/billing.ts";
import type { ChangeContext } from "../store/change-context.ts";
import {
  dueScheduledChanges,
  failScheduledChangeStatement,
  requiredParties,
  uninvoicedCarriedLinesQuery,
  type ContractChangeRecord,
} from "../store/contract-changes.ts";
import {
  database,
  isContractVersionConflict,
  isUniqueViolation,
  runBatch,
  type Db,
} from "../store/db.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import { DEFAULT_QUERY_BUDGET, meteredD1, QueryMeter } from "./query-budget.ts";

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
  pageSize?: number;
  /** Steps per contract per tick: a contract months behind catches up over a few ticks. */
  maxStepsPerContract?: number;
  /** Only this merchant's contracts (one queue message per merchant). */
  merchantId?: string;
  /** Continue after this contract id (the `resumeAfter` of the previous run). */
  after?: string;
  /** The invocation's query budget; each step is started only if it can be finished. */
  meter?: QueryMeter;
}

/**
 * The most a step reads before it writes: the due change, the change context (contract, items,
 * templates, articles, the invoice parties), the carried lines. Its write is one batch whose size is known before it
 * is sent, and checked then.
 */
export const BILLING_STEP_READS = 15;

/**
 * What a scheduled change needs through the change use case: its context reads and one write
 * batch. Should the estimate ever be short, the meter refuses before anything is sent, and the
 * contract is reported as failed for this run (still due) instead of being deferred forever.
 */
export const CHANGE_STEP_STATEMENTS = 30;

/** The budget ran out before a step could be finished; nothing of the step was written. */
class BudgetSpent extends Error {}

type Step = "change_applied" | "change_failed" | "invoice_issued" | "contract_ended" | "idle";

export async function runBilling(
  d1: D1Database,
  scheduledTime: Date,
  options: BillingRunOptions = {},
): Promise<BillingRunReport> {
  const { maxContracts = 500, pageSize = 50, maxStepsPerContract = 24 } = options;
  const meter = options.meter ?? new QueryMeter(DEFAULT_QUERY_BUDGET);
  const db = database(meteredD1(d1, meter));
  const report: BillingRunReport = {
    contracts: 0,
    changesApplied: 0,
    changesFailed: 0,
    invoicesIssued: 0,
    contractsEnded: 0,
    errors: [],
    resumeAfter: null,
    blocked: [],
  };
  // UTC+14 is the furthest any merchant's "today" can be ahead of UTC.
  const latestToday = localDate(scheduledTime, "Pacific/Kiritimati");
  const merchants = new Map<string, Promise<MerchantRecord | undefined>>();
  const merchantOf = (id: string) => {
    // `.then` runs drizzle's lazy query once; the query object itself would run on every await.
    if (!merchants.has(id))
      merchants.set(
        id,
        db.query.merchants.findFirst({ where: (m, { eq }) => eq(m.id, id) }).then((row) => row),
      );
    return merchants.get(id)!;
  };
  let after = options.after ?? "";
  while (report.contracts < maxContracts) {
    // A page read, a merchant read and one step: less than that left, and nothing would move.
    if (!meter.affords(2 + BILLING_STEP_READS)) return { ...report, resumeAfter: after };
    const page = await findDueContracts(
      db,
      latestToday,
      after,
      Math.min(pageSize, maxContracts - report.contracts),
      options.merchantId,
    );
    if (page.length === 0) break;
    for (const due of page) {
      try {
        const merchant = (await merchantOf(due.merchantId))!;
        await billContract(
          db,
          meter,
          merchant,
          due.id,
          localDate(scheduledTime, due.timeZone),
          scheduledTime,
          maxStepsPerContract,
          report,
        );
      } catch (error) {
        // Left for the next run, which starts again at this contract.
        if (error instanceof BudgetSpent) return { ...report, resumeAfter: after };
        // One broken contract must not stop the run for everyone else; it stays due and is retried.
        report.errors.push({
          contractId: due.id,
          message: error instanceof Error ? error.message : String(error),
        });
        console.error("billing run: contract failed", due.id, error);
      }
      report.contracts += 1;
      after = due.id;
    }
    if (report.contracts >= maxContracts) return { ...report, resumeAfter: after };
  }
  return report;
}

async function billContract(
  db: Db,
  meter: QueryMeter,
  merchant: MerchantRecord,
  contractId: string,
  today: IsoDate,
  at: Date,
  maxSteps: number,
  report: BillingRunReport,
) {
  for (let step = 0; step < maxSteps; step++) {
    if (!meter.affords(BILLING_STEP_READS)) throw new BudgetSpent();
    let outcome: Step;
    try {
      outcome = await nextStep({ db, meter }, merchant, contractId, today, at);
    } catch (error) {
      const blocked = blockedReason(error);
      if (!blocked) throw error;
      report.blocked.push({ contractId, ...blocked });
      return;
    }
    if (outcome === "idle") return;
    if (outcome === "change_applied") report.changesApplied += 1;
    if (outcome === "change_failed") report.changesFailed += 1;
    if (outcome === "invoice_issued") report.invoicesIssued += 1;
    if (outcome === "contract_ended") {
      report.contractsEnded += 1;
      return;
    }
  }
}

/** Why an invoice could not be drafted, for errors that the merchant's data causes. */
function blockedReason(error: unknown): { code: string; fields: string[] } | null {
  if (error instanceof InvoicePartiesIncomplete) return { code: error.code, fields: error.fields };
  if (error instanceof TaxRuleError) return { code: error.code, fields: [error.field] };
  return null;
}

/** The handle a step reads and writes through, and the budget its write must fit in. */
interface StepDb {
  db: Db;
  meter: QueryMeter;
}

async function nextStep(
  job: StepDb,
  merchant: MerchantRecord,
  contractId: string,
  today: IsoDate,
  at: Date,
): Promise<Step> {
  const { db } = job;
  const [change] = await dueScheduledChanges(db, contractId, today);
  const context = await loadForChange(db, merchant.id, contractId, change?.request);
  const { contract } = context;
  // A change on or before the period end comes first: at the boundary it shapes the next invoice.
  if (change && change.effectiveDate <= contract.currentPeriodEnd)
    return applyScheduled(job, merchant, change, at);
  if (contract.currentPeriodEnd > today) return "idle";
  if (contract.endDate !== null && contract.endDate < contract.currentPeriodEnd) {
    return guarded(job, endContractStatements(db, contract, at), "contract_ended");
  }
  return billNextPeriod(job, merchant, context, today, at);
}

/** The same use case as a merchant's change, on the day it was scheduled for. */
async function applyScheduled(
  job: StepDb,
  merchant: MerchantRecord,
  change: ContractChangeRecord,
  at: Date,
): Promise<Step> {
  const actor = { kind: "billing_run", merchant, change } as const;
  const order = { ...change.request, effectiveDate: change.effectiveDate };
  // The use case reads its context and writes one batch; both must fit what is left.
  if (!job.meter.affords(CHANGE_STEP_STATEMENTS)) throw new BudgetSpent();
  try {
    await applyChange(job.db, actor, change.contractId, order, at);
    return "change_applied";
  } catch (error) {
    if (isContractVersionConflict(error) || isUniqueViolation(error)) return "idle";
    // Missing invoice data is the merchant's to fix, not the change's fault: it stays due.
    if (blockedReason(error)) throw error;
    // The contract changed since this was scheduled (e.g. the add-on was booked meanwhile):
    // the change cannot apply as asked, so it is marked failed with the reason, never guessed.
    if (!(error instanceof DomainError)) throw error;
    const reason = `${error.code}: ${error.message}`;
    const failed = [failScheduledChangeStatement(job.db, merchant.id, change.id, reason)];
    if (!job.meter.affords(failed.length)) throw new BudgetSpent();
    await runBatch(job.db, failed);
    return "change_failed";
  }
}

async function billNextPeriod(
  job: StepDb,
  merchant: MerchantRecord,
  context: ChangeContext,
  today: IsoDate,
  at: Date,
): Promise<Step> {
  const { db } = job;
  const { contract, snapshot } = context;
  const period = periodContaining(
    snapshot.billingAnchor,
    snapshot.interval,
    contract.currentPeriodEnd,
  );
  const carried = await uninvoicedCarriedLinesQuery(db, contract.id);
  const items = snapshot.items.map((item) => ({
    ...item,
    billedPeriodAmount: itemPeriodAmount(item, snapshot.interval),
  }));
  const invoice = draftInvoice(
    {
      kind: "regular",
      currency: context.planCurrency,
      lines: periodInvoiceLines(items, snapshot.interval, period, carried),
    },
    {
      merchantId: merchant.id,
      customerId: contract.customerId,
      contractId: contract.id,
      // Billed on the period's first day; a run that catches up dates the invoice the day it is issued.
      issueDate: today,
      paymentTermDays: merchant.paymentTermDays,
      periodStart: period.start,
      periodEnd: period.end,
      changeId: null,
      billingKey: regularBillingKey(contract.id, period.start),
      parties: requiredParties(context),
    },
    freshInvoiceIds(),
  );
  const statements = billPeriodStatements(
    db,
    {
      contract,
      period,
      items,
      carriedLineIds: carried.map((line) => line.id),
      invoice,
    },
    at,
  );
  return guarded(job, statements, "invoice_issued");
}

/**
 * A concurrent writer (a customer's change, a second run) makes the batch abort as a whole; the
 * next step reloads the contract and sees what the other writer did. A batch larger than a whole
 * budget could never be sent, so it fails the contract instead of deferring it forever.
 */
async function guarded(
  { db, meter }: StepDb,
  statements: Parameters<typeof runBatch>[1],
  step: Step,
): Promise<Step> {
  if (statements.length > meter.limit)
    throw new Error(
      `one step needs ${statements.length} D1 statements, the budget is ${meter.limit}`,
    );
  if (!meter.affords(statements.length)) throw new BudgetSpent();
  try {
    await runBatch(db, statements);
    return step;
  } catch (error) {
    if (isContractVersionConflict(error) || isUniqueViolation(error)) return "idle";
    throw error;
  }
}
