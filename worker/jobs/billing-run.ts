// The billing run (cron): for each contract with due work, in order, apply the scheduled
// changes whose day has come, bill the next period in advance (with carried proration lines),
// and end contracts whose last day has passed. Every step is one guarded, atomic D1 batch
// keyed so that re-running the same day, or after a crash halfway, issues nothing twice. A
// contract whose invoice cannot be issued lawfully (company settings or the customer's address
// incomplete) is left exactly as it is, still due, and reported as blocked: once the data is
// complete, the next tick bills it.
import { localDate, periodContaining, type IsoDate } from "../domain/calendar.ts";
import { periodInvoiceLines } from "../domain/contract-billing.ts";
import { itemPeriodAmount } from "../domain/contract-terms.ts";
import { DomainError } from "../domain/errors.ts";
import { draftInvoice, regularBillingKey } from "../domain/invoice-draft.ts";
import { applyChange, loadForChange } from "../flows/contract-changes.ts";
import { freshInvoiceIds } from "../security.ts";
import { InvoicePartiesIncomplete } from "../domain/invoice-snapshot.ts";
import { TaxRuleError } from "../domain/tax-decision.ts";
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

export interface BillingRunReport {
  contracts: number;
  changesApplied: number;
  changesFailed: number;
  invoicesIssued: number;
  contractsEnded: number;
  errors: { contractId: string; message: string }[];
  /** Contracts not billed because an invoice would lack required data; nothing was written. */
  blocked: { contractId: string; code: string; fields: string[] }[];
}

export interface BillingRunOptions {
  /** Contracts per tick; the rest are picked up by the next tick (the due set is the cursor). */
  maxContracts?: number;
  pageSize?: number;
  /** Steps per contract per tick: a contract months behind catches up over a few ticks. */
  maxStepsPerContract?: number;
}

type Step = "change_applied" | "change_failed" | "invoice_issued" | "contract_ended" | "idle";

export async function runBilling(
  d1: D1Database,
  scheduledTime: Date,
  options: BillingRunOptions = {},
): Promise<BillingRunReport> {
  const { maxContracts = 500, pageSize = 50, maxStepsPerContract = 24 } = options;
  const db = database(d1);
  const report: BillingRunReport = {
    contracts: 0,
    changesApplied: 0,
    changesFailed: 0,
    invoicesIssued: 0,
    contractsEnded: 0,
    errors: [],
    blocked: [],
  };
  // UTC+14 is the furthest any merchant's "today" can be ahead of UTC.
  const latestToday = localDate(scheduledTime, "Pacific/Kiritimati");
  const merchants = new Map<string, Promise<MerchantRecord | undefined>>();
  const merchantOf = (id: string) => {
    if (!merchants.has(id))
      merchants.set(id, db.query.merchants.findFirst({ where: (m, { eq }) => eq(m.id, id) }));
    return merchants.get(id)!;
  };
  let after = "";
  while (report.contracts < maxContracts) {
    const page = await findDueContracts(
      db,
      latestToday,
      after,
      Math.min(pageSize, maxContracts - report.contracts),
    );
    if (page.length === 0) break;
    for (const due of page) {
      report.contracts += 1;
      try {
        await billContract(
          db,
          (await merchantOf(due.merchantId))!,
          due.id,
          localDate(scheduledTime, due.timeZone),
          scheduledTime,
          maxStepsPerContract,
          report,
        );
      } catch (error) {
        // One broken contract must not stop the run for everyone else; it stays due and is retried.
        report.errors.push({
          contractId: due.id,
          message: error instanceof Error ? error.message : String(error),
        });
        console.error("billing run: contract failed", due.id, error);
      }
    }
    after = page.at(-1)!.id;
  }
  return report;
}

async function billContract(
  db: Db,
  merchant: MerchantRecord,
  contractId: string,
  today: IsoDate,
  at: Date,
  maxSteps: number,
  report: BillingRunReport,
) {
  for (let step = 0; step < maxSteps; step++) {
    let outcome: Step;
    try {
      outcome = await nextStep(db, merchant, contractId, today, at);
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

async function nextStep(
  db: Db,
  merchant: MerchantRecord,
  contractId: string,
  today: IsoDate,
  at: Date,
): Promise<Step> {
  const [change] = await dueScheduledChanges(db, contractId, today);
  const context = await loadForChange(db, merchant.id, contractId, change?.request);
  const { contract } = context;
  // A change on or before the period end comes first: at the boundary it shapes the next invoice.
  if (change && change.effectiveDate <= contract.currentPeriodEnd)
    return applyScheduled(db, merchant, change, at);
  if (contract.currentPeriodEnd > today) return "idle";
  if (contract.endDate !== null && contract.endDate < contract.currentPeriodEnd) {
    return guarded(db, endContractStatements(db, contract, at), "contract_ended");
  }
  return billNextPeriod(db, merchant, context, today, at);
}

/** The same use case as a merchant's change, on the day it was scheduled for. */
async function applyScheduled(
  db: Db,
  merchant: MerchantRecord,
  change: ContractChangeRecord,
  at: Date,
): Promise<Step> {
  const actor = { kind: "billing_run", merchant, change } as const;
  const order = { ...change.request, effectiveDate: change.effectiveDate };
  try {
    await applyChange(db, actor, change.contractId, order, at);
    return "change_applied";
  } catch (error) {
    if (isContractVersionConflict(error) || isUniqueViolation(error)) return "idle";
    // Missing invoice data is the merchant's to fix, not the change's fault: it stays due.
    if (blockedReason(error)) throw error;
    // The contract changed since this was scheduled (e.g. the add-on was booked meanwhile):
    // the change cannot apply as asked, so it is marked failed with the reason, never guessed.
    if (!(error instanceof DomainError)) throw error;
    const reason = `${error.code}: ${error.message}`;
    await runBatch(db, [failScheduledChangeStatement(db, merchant.id, change.id, reason)]);
    return "change_failed";
  }
}

async function billNextPeriod(
  db: Db,
  merchant: MerchantRecord,
  context: ChangeContext,
  today: IsoDate,
  at: Date,
): Promise<Step> {
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
  return guarded(db, statements, "invoice_issued");
}

/**
 * A concurrent writer (a customer's change, a second run) makes the batch abort as a whole; the
 * next step reloads the contract and sees what the other writer did.
 */
async function guarded(
  db: Db,
  statements: Parameters<typeof runBatch>[1],
  step: Step,
): Promise<Step> {
  try {
    await runBatch(db, statements);
    return step;
  } catch (error) {
    if (isContractVersionConflict(error) || isUniqueViolation(error)) return "idle";
    throw error;
  }
}
