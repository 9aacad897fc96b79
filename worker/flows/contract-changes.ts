// The contract-change use cases: preview a change, apply it (now, scheduled, or on its day by the
// billing run), cancel a scheduled change, cancel a contract. The actor carries the policy: the
// merchant may change anything at any date, the portal only what the customer center and the
// template's change points offer, the billing run applies what was scheduled.
import type { BatchItem } from "drizzle-orm/batch";
import type { ContractChangeRequest } from "../../widget/src/billing-types.ts";
import { localDate, type IsoDate } from "../domain/calendar.ts";
import { checkChosenEnd, earliestCancellationEnd } from "../domain/cancellation.ts";
import { settlementDocument, supersededChanges } from "../domain/change-application.ts";
import { checkEffectiveDate, type ChangeTiming } from "../domain/change-points.ts";
import { throwIfFailed } from "../domain/change-rule-error.ts";
import {
  computeChange,
  type ChangeComputation,
  type ChangeRequest,
} from "../domain/contract-change.ts";
import { DomainError, missingReference, notFound } from "../domain/errors.ts";
import { changeBillingKey, draftInvoice, type InvoiceDraft } from "../domain/invoice-draft.ts";
import { actionFor, isActionAllowed } from "../domain/portal-options.ts";
import { freshInvoiceIds, newId } from "../security.ts";
import { lineLanguageOf } from "../domain/proration.ts";
import { loadChangeContext, type ChangeContext } from "../store/change-context.ts";
import {
  applyChangeWrite,
  cancelContractStatements,
  cancelScheduledChangeStatements,
  changeStatements,
  findChange,
  requiredParties,
  scheduleChangeStatements,
  type ChangeWrite,
  type ContractChangeRecord,
} from "../store/contract-changes.ts";
import { runBatch, type Db } from "../store/db.ts";
import { findInvoice, type InvoiceLineRecord, type InvoiceRecord } from "../store/invoices.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import { isCustomersContract } from "../store/portal.ts";

/** Who asks for the change; each kind brings its own rules about what it may do. */
export type ChangeActor =
  | { kind: "merchant"; merchant: MerchantRecord }
  | { kind: "portal"; merchant: MerchantRecord; customerId: string }
  | { kind: "billing_run"; merchant: MerchantRecord; change: ContractChangeRecord };

/** A change as asked for, with the date it should take effect (default: today). */
export type ChangeOrder = ContractChangeRequest & {
  effectiveDate?: IsoDate | undefined;
  /** Operators may keep a downgrade's date instead of the template's downgrade timing. */
  timing?: ChangeTiming | undefined;
};

export interface ChangePreview {
  computation: ChangeComputation;
  /** The currency the contract is billed in. */
  currency: string;
}

export interface AppliedChange {
  change: Pick<ChangeComputation, "effectiveDate" | "kind" | "settlement"> & {
    id: string;
    status: "applied" | "scheduled";
  };
  preview: ChangePreview;
  /** The interim invoice or credit note issued at once, as stored (with its number). */
  invoice: (InvoiceRecord & { lines: InvoiceLineRecord[] }) | undefined;
}

export async function previewChange(
  db: Db,
  actor: ChangeActor,
  contractId: string,
  order: ChangeOrder,
  now: Date,
): Promise<ChangePreview> {
  const { context, computation } = await computeFor(db, actor, contractId, order, now);
  return { computation, currency: context.planCurrency };
}

/** Applies a change due today (or earlier) at once, or stores it for the billing run. */
export async function applyChange(
  db: Db,
  actor: ChangeActor,
  contractId: string,
  order: ChangeOrder,
  now: Date,
): Promise<AppliedChange> {
  await requireOwnContract(db, actor, contractId);
  const context = await loadForChange(db, actor.merchant.id, contractId, order);
  const prepared = prepareChange(db, actor, context, order, now);
  const { write } = prepared;
  await runBatch(
    db,
    write.kind === "schedule" ? write.statements : changeStatements(db, write.parts, now),
  );
  const { invoice } = prepared;
  return {
    change: prepared.change,
    preview: prepared.preview,
    invoice: invoice ? await findInvoice(db, actor.merchant.id, invoice.id) : undefined,
  };
}

/** A change computed from its context, with everything it writes (nothing is sent yet). */
export interface PreparedChange {
  change: AppliedChange["change"];
  preview: ChangePreview;
  /** The interim invoice or credit note the change issues, as drafted. */
  invoice: InvoiceDraft | null;
  /**
   * What it writes behind the contract's version guard: stored for its day (one batch), or
   * applied, in parts (one batch through `changeStatements`, or within a billing page's).
   */
  write:
    { kind: "schedule"; statements: BatchItem<"sqlite">[] } | { kind: "apply"; parts: ChangeWrite };
}

/**
 * The pure part of applying a change, shared by the use case (one contract, its own context
 * read) and the billing run (a page of contracts, their contexts read together), so the two
 * cannot diverge: the checks, the request resolved, the computation, the settlement invoice and
 * the statements. Throws the same DomainErrors as the use case.
 */
export function prepareChange(
  db: Db,
  actor: ChangeActor,
  context: ChangeContext,
  order: ChangeOrder,
  now: Date,
): PreparedChange {
  checkChangeable(context);
  const { computation, today } = computeWith(actor, context, order, now);
  const { merchant } = actor;
  const changeId = actor.kind === "billing_run" ? actor.change.id : newId("chg");
  const meta = {
    merchantId: merchant.id,
    changeId,
    request: requestOf(order),
    source: actor.kind === "billing_run" ? actor.change.source : actor.kind,
  };
  const preview = { computation, currency: context.planCurrency };
  const summary = {
    id: changeId,
    effectiveDate: computation.effectiveDate,
    kind: computation.kind,
    settlement: computation.settlement,
  };
  if (actor.kind !== "billing_run" && computation.effectiveDate > today) {
    const supersededIds = supersededChanges(meta.request.type, context.scheduledChanges);
    return {
      change: { ...summary, status: "scheduled" },
      preview,
      invoice: null,
      write: {
        kind: "schedule",
        statements: scheduleChangeStatements(
          db,
          context,
          computation,
          { ...meta, supersededIds },
          now,
        ),
      },
    };
  }
  const invoice = settlementInvoice(context, computation, merchant, changeId, today);
  const scheduled = actor.kind === "billing_run";
  return {
    change: { ...summary, status: "applied" },
    preview,
    invoice,
    write: {
      kind: "apply",
      parts: applyChangeWrite(db, context, computation, { ...meta, invoice, scheduled }, now),
    },
  };
}

export async function cancelScheduledChange(
  db: Db,
  actor: ChangeActor,
  contractId: string,
  changeId: string,
  now: Date,
): Promise<void> {
  await requireOwnContract(db, actor, contractId);
  const context = await loadForChange(db, actor.merchant.id, contractId);
  const change = await findChange(db, actor.merchant.id, contractId, changeId);
  if (!change) throw notFound("Change", changeId);
  if (change.status !== "scheduled")
    throw new DomainError(
      "change_not_scheduled",
      `Change ${changeId} is ${change.status}; only scheduled changes can be cancelled.`,
    );
  await runBatch(db, cancelScheduledChangeStatements(db, context.contract, changeId, now));
}

/** Ends the contract at the earliest possible date, or at a later period end the caller chose. */
export async function cancelContract(
  db: Db,
  actor: ChangeActor,
  contractId: string,
  requestedEnd: IsoDate | undefined,
  now: Date,
): Promise<{ endDate: IsoDate; earliestEndDate: IsoDate }> {
  await requireOwnContract(db, actor, contractId);
  if (actor.kind === "portal" && !actor.merchant.allowedActions.includes("cancel"))
    throw new DomainError(
      "action_not_allowed",
      "Cancelling online is not offered in the customer center.",
    );
  const context = await loadForChange(db, actor.merchant.id, contractId);
  if (context.contract.status === "cancellation_pending") {
    throw new DomainError(
      "contract_already_cancelled",
      `Contract ${contractId} is already cancelled to ${context.contract.endDate}.`,
    );
  }
  const today = localDate(now, actor.merchant.timeZone);
  const earliestEndDate = earliestCancellationEnd(context.snapshot, today);
  const endDate = requestedEnd ?? earliestEndDate;
  if (requestedEnd) throwIfFailed(checkChosenEnd(context.snapshot, today, requestedEnd));
  await runBatch(db, cancelContractStatements(db, context.contract, endDate, now));
  return { endDate, earliestEndDate };
}

export async function loadForChange(
  db: Db,
  merchantId: string,
  contractId: string,
  request?: ContractChangeRequest,
): Promise<ChangeContext> {
  const context = await loadChangeContext(db, merchantId, contractId, {
    templateId: request?.type === "switch_template" ? request.templateId : undefined,
    articleId: request?.type === "add_addon" ? request.articleId : undefined,
  });
  if (!context) throw notFound("Contract", contractId);
  checkChangeable(context);
  return context;
}

/** An ended contract can no longer be changed. */
function checkChangeable(context: ChangeContext) {
  if (context.contract.status === "ended")
    throw new DomainError(
      "contract_ended",
      `Contract ${context.contract.id} has ended and can no longer be changed.`,
    );
}

/** The portal sees only the session customer's contracts: anything else is "not found". */
async function requireOwnContract(db: Db, actor: ChangeActor, contractId: string) {
  if (actor.kind !== "portal") return;
  if (!(await isCustomersContract(db, actor.merchant.id, actor.customerId, contractId)))
    throw notFound("Contract", contractId);
}

async function computeFor(
  db: Db,
  actor: ChangeActor,
  contractId: string,
  order: ChangeOrder,
  now: Date,
) {
  await requireOwnContract(db, actor, contractId);
  const context = await loadForChange(db, actor.merchant.id, contractId, order);
  return { context, ...computeWith(actor, context, order, now) };
}

/**
 * The actor's checks and the computation, from the context alone: preview, apply and the billing
 * run all come through here, so the same inputs give the same lines to the cent.
 */
function computeWith(actor: ChangeActor, context: ChangeContext, order: ChangeOrder, now: Date) {
  const today = localDate(now, actor.merchant.timeZone);
  const effectiveDate = order.effectiveDate ?? today;
  if (actor.kind === "portal")
    throwIfFailed(checkEffectiveDate(context.snapshot, context.template, today, effectiveDate));
  // The billing run applies a change on the day it was scheduled for, never moved again.
  const timing = actor.kind === "billing_run" ? "as_requested" : order.timing;
  const computation = computeChange({
    contract: context.snapshot,
    template: context.template,
    request: resolve(context, order),
    effectiveDate,
    today,
    prorationMode: actor.merchant.prorationMode,
    ...(timing ? { timing } : {}),
    language: lineLanguageOf(context.customerLocale),
  });
  if (
    actor.kind === "portal" &&
    !isActionAllowed(actor.merchant.allowedActions, actionFor(order.type, computation.kind))
  ) {
    throw new DomainError(
      "action_not_allowed",
      `This change (${order.type}, ${computation.kind}) is not offered in the customer center.`,
    );
  }
  return { computation, today };
}

/** The request by id, turned into the tariff and article it names. */
function resolve(context: ChangeContext, order: ChangeOrder): ChangeRequest {
  switch (order.type) {
    case "switch_template":
      if (!context.targetTemplate)
        throw missingReference("templateId", `${order.templateId} does not exist`);
      return { type: "switch_template", template: context.targetTemplate };
    case "add_addon":
      if (!context.targetArticle)
        throw missingReference("articleId", `${order.articleId} does not exist`);
      return { type: "add_addon", article: context.targetArticle, quantity: order.quantity };
    case "remove_item":
      return { type: "remove_item", itemId: order.itemId };
    case "change_quantity":
      return { type: "change_quantity", itemId: order.itemId, quantity: order.quantity };
  }
}

/** What is stored for the change: the request alone, without its date. */
function requestOf(order: ChangeOrder): ContractChangeRequest {
  switch (order.type) {
    case "switch_template":
      return { type: order.type, templateId: order.templateId };
    case "add_addon":
      return { type: order.type, articleId: order.articleId, quantity: order.quantity };
    case "remove_item":
      return { type: order.type, itemId: order.itemId };
    case "change_quantity":
      return { type: order.type, itemId: order.itemId, quantity: order.quantity };
  }
}

function settlementInvoice(
  context: ChangeContext,
  computation: ChangeComputation,
  merchant: MerchantRecord,
  changeId: string,
  today: IsoDate,
): InvoiceDraft | null {
  const document = settlementDocument(
    computation,
    context.planCurrency,
    context.lastChargeInvoiceId,
  );
  if (!document) return null;
  return draftInvoice(
    document,
    {
      merchantId: merchant.id,
      customerId: context.contract.customerId,
      contractId: context.contract.id,
      issueDate: today,
      paymentTermDays: merchant.paymentTermDays,
      periodStart: computation.effectiveDate,
      periodEnd: computation.newCurrentPeriod.end,
      changeId,
      billingKey: changeBillingKey(changeId),
      parties: requiredParties(context),
    },
    freshInvoiceIds(),
  );
}
