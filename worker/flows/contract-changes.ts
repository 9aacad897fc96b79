// The contract-change use cases shared by the merchant API, the portal API and the billing run:
// preview a change, commit it (now or scheduled), cancel a scheduled change, cancel a contract.
// They combine the pure rules of worker/domain with the statements of worker/store.
import type { IsoDate } from "../domain/calendar.ts";
import { checkChosenEnd, earliestCancellationEnd } from "../domain/cancellation.ts";
import { ChangeRuleError, type RuleCheck } from "../domain/change-rule-error.ts";
import {
  computeChange,
  type ChangeComputation,
  type ChangeRequest,
  type ChangeTiming,
} from "../domain/contract-change.ts";
import type { ProrationMode } from "../domain/contract-terms.ts";
import { notFound, ProblemError, ruleViolation } from "../http/problem.ts";
import { newId } from "../security.ts";
import { loadChangeContext, type ChangeContext } from "../store/change-context.ts";
import {
  applyChangeStatements,
  cancelContractStatements,
  cancelScheduledChangeStatements,
  findChange,
  scheduleChangeStatements,
  settlementDraft,
  type ChangeSource,
  type StoredChangeRequest,
} from "../store/contract-changes.ts";
import { runBatch, type Db } from "../store/db.ts";
import type { InvoiceDraft } from "../store/invoices.ts";
import type { MerchantRecord } from "../store/merchants.ts";

export interface ChangeOrder {
  request: StoredChangeRequest;
  effectiveDate?: IsoDate | undefined;
  timing?: ChangeTiming | undefined;
}

export function ruleProblem(error: ChangeRuleError): ProblemError {
  return new ProblemError("unprocessable", error.message, {
    ruleCode: error.code,
    errors: [{ field: error.field, message: error.message }],
  });
}

export function throwIfFailed(check: RuleCheck): void {
  if (!check.ok) throw ruleProblem(check.error);
}

function missingReference(field: string, id: string | undefined): ProblemError {
  return new ProblemError("validation_failed", `${field}: ${id} does not exist`, {
    errors: [{ field, message: "does not exist" }],
  });
}

function domainRequest(context: ChangeContext, request: StoredChangeRequest): ChangeRequest {
  switch (request.type) {
    case "switch_template":
      if (!context.targetTemplate) throw missingReference("templateId", request.templateId);
      return { type: "switch_template", template: context.targetTemplate };
    case "add_addon":
      if (!context.targetArticle) throw missingReference("articleId", request.articleId);
      return { type: "add_addon", article: context.targetArticle, quantity: request.quantity ?? 1 };
    case "remove_item":
      return { type: "remove_item", itemId: request.itemId ?? "" };
    case "change_quantity":
      return {
        type: "change_quantity",
        itemId: request.itemId ?? "",
        quantity: request.quantity ?? 0,
      };
  }
}

export async function loadForChange(
  db: Db,
  merchantId: string,
  contractId: string,
  request?: StoredChangeRequest,
): Promise<ChangeContext> {
  const context = await loadChangeContext(db, merchantId, contractId, {
    templateId: request?.templateId,
    articleId: request?.articleId,
  });
  if (!context) throw notFound("Contract", contractId);
  if (context.contract.status === "ended")
    throw ruleViolation(
      "contract_ended",
      `Contract ${contractId} has ended and can no longer be changed.`,
    );
  return context;
}

/** Preview and apply both come through here: the same inputs give the same lines to the cent. */
export function computeOrder(
  context: ChangeContext,
  order: ChangeOrder,
  today: IsoDate,
  prorationMode: ProrationMode,
): ChangeComputation {
  try {
    return computeChange({
      contract: context.snapshot,
      template: context.template,
      request: domainRequest(context, order.request),
      effectiveDate: order.effectiveDate ?? today,
      today,
      prorationMode,
      ...(order.timing ? { timing: order.timing } : {}),
    });
  } catch (error) {
    if (error instanceof ChangeRuleError) throw ruleProblem(error);
    throw error;
  }
}

export interface CommittedChange {
  changeId: string;
  status: "applied" | "scheduled";
  computation: ChangeComputation;
  invoice: InvoiceDraft | null;
}

/** Applies a change due today (or earlier) at once, or stores it for the billing run. */
export async function commitChange(
  db: Db,
  merchant: MerchantRecord,
  context: ChangeContext,
  computation: ChangeComputation,
  order: ChangeOrder,
  source: ChangeSource,
  today: IsoDate,
): Promise<CommittedChange> {
  const changeId = newId("chg");
  const meta = { merchantId: merchant.id, changeId, request: order.request, source };
  if (computation.effectiveDate > today) {
    await runBatch(db, scheduleChangeStatements(db, context, computation, meta));
    return { changeId, status: "scheduled", computation, invoice: null };
  }
  const invoice = settlementDraft(context, computation, {
    changeId,
    issueDate: today,
    paymentTermDays: merchant.paymentTermDays,
    currency: context.planCurrency,
  });
  await runBatch(
    db,
    applyChangeStatements(db, context, computation, { ...meta, invoice, scheduled: false }),
  );
  return { changeId, status: "applied", computation, invoice };
}

export async function cancelScheduledChange(
  db: Db,
  merchantId: string,
  contractId: string,
  changeId: string,
): Promise<void> {
  const context = await loadForChange(db, merchantId, contractId);
  const change = await findChange(db, merchantId, contractId, changeId);
  if (!change) throw notFound("Change", changeId);
  if (change.status !== "scheduled")
    throw ruleViolation(
      "change_not_scheduled",
      `Change ${changeId} is ${change.status}; only scheduled changes can be cancelled.`,
    );
  await runBatch(db, cancelScheduledChangeStatements(db, context.contract, changeId));
}

/** Ends the contract at the earliest possible date, or at a later period end the caller chose. */
export async function cancelContract(
  db: Db,
  merchantId: string,
  contractId: string,
  today: IsoDate,
  requestedEnd?: IsoDate,
): Promise<{ endDate: IsoDate; earliestEndDate: IsoDate }> {
  const context = await loadForChange(db, merchantId, contractId);
  if (context.contract.status === "cancellation_pending") {
    throw new ProblemError(
      "conflict",
      `Contract ${contractId} is already cancelled to ${context.contract.endDate}.`,
      { ruleCode: "contract_already_cancelled" },
    );
  }
  const earliestEndDate = earliestCancellationEnd(context.snapshot, today);
  const endDate = requestedEnd ?? earliestEndDate;
  if (requestedEnd) throwIfFailed(checkChosenEnd(context.snapshot, today, requestedEnd));
  await runBatch(db, cancelContractStatements(db, context.contract, endDate));
  return { endDate, earliestEndDate };
}
