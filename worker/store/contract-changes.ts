// Contract changes as stored facts: applying one writes the new items, the change record and
// its interim invoice, credit note or carried lines in ONE guarded D1 batch; scheduling one
// stores it for the billing run; cancelling contracts and scheduled changes.
import { and, asc, eq, gt, inArray, isNull, lte } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { carriedLines, contractChanges, contractItems } from "../../schema/tables.ts";
import type { IsoDate } from "../domain/calendar.ts";
import type { ChangeComputation } from "../domain/contract-change.ts";
import { newId } from "../security.ts";
import type { ChangeContext } from "./change-context.ts";
import { guardedContractWrite, insertItemsStatements } from "./contracts.ts";
import { chunkForInsert, nowIso, type Db } from "./db.ts";
import { draftInvoice, issueInvoiceStatements, type InvoiceDraft } from "./invoices.ts";
import { eventStatements } from "./webhook-events.ts";

export type ContractChangeRecord = typeof contractChanges.$inferSelect;

/** What was asked for, by id, so the billing run can recompute it on the day. */
export interface StoredChangeRequest {
  type: "switch_template" | "add_addon" | "remove_item" | "change_quantity";
  templateId?: string;
  articleId?: string;
  itemId?: string;
  quantity?: number;
}

export type ChangeSource = "merchant" | "portal";

interface ChangeMeta {
  merchantId: string;
  changeId: string;
  request: StoredChangeRequest;
  source: ChangeSource;
}

/** The interim invoice or credit note a change settles with now, if any. */
export function settlementDraft(
  context: ChangeContext,
  computation: ChangeComputation,
  options: { changeId: string; issueDate: IsoDate; paymentTermDays: number; currency: string },
): InvoiceDraft | null {
  if (computation.settlement !== "interim_invoice" && computation.settlement !== "credit_note")
    return null;
  const isCredit = computation.settlement === "credit_note";
  return draftInvoice(
    {
      kind: isCredit ? "credit_note" : "interim",
      currency: options.currency,
      lines: computation.lines,
      originalInvoiceId: isCredit ? (context.lastChargeInvoiceId ?? null) : null,
    },
    {
      merchantId: context.contract.merchantId,
      customerId: context.contract.customerId,
      contractId: context.contract.id,
      issueDate: options.issueDate,
      paymentTermDays: options.paymentTermDays,
      periodStart: computation.effectiveDate,
      periodEnd: computation.newCurrentPeriod.end,
      changeId: options.changeId,
      billingKey: `change:${options.changeId}`,
    },
  );
}

function itemStatements(
  db: Db,
  context: ChangeContext,
  computation: ChangeComputation,
): BatchItem<"sqlite">[] {
  const { contract, items } = context;
  const effective = computation.effectiveDate;
  const kept = new Set(computation.items.flatMap((item) => (item.id ? [item.id] : [])));
  const before = new Map(items.map((item) => [item.id, item]));
  const billedPeriodStart =
    effective < contract.currentPeriodEnd
      ? computation.newCurrentPeriod.start
      : contract.currentPeriodStart;
  const ended = items.filter((item) => !kept.has(item.id)).map((item) => item.id);
  const updates = computation.items.flatMap((item) => {
    const old = item.id ? before.get(item.id) : undefined;
    if (!item.id || !old) return [];
    const unchanged =
      old.quantity === item.quantity &&
      old.unitAmount === item.unitAmount &&
      old.billedPeriodAmount === item.billedPeriodAmount;
    if (unchanged) return [];
    return [
      db
        .update(contractItems)
        .set({
          quantity: item.quantity,
          unitAmount: item.unitAmount,
          billedPeriodAmount: item.billedPeriodAmount,
          billedPeriodStart,
        })
        .where(
          and(eq(contractItems.merchantId, contract.merchantId), eq(contractItems.id, item.id)),
        ),
    ];
  });
  const inserted = computation.items
    .filter((item) => !item.id)
    .map((item) => ({
      id: newId("itm"),
      merchantId: contract.merchantId,
      contractId: contract.id,
      articleId: item.articleId,
      kind: item.kind,
      name: item.name,
      quantity: item.quantity,
      unitAmount: item.unitAmount,
      taxRate: item.taxRate,
      billedPeriodAmount: item.billedPeriodAmount,
      billedPeriodStart,
      startedOn: effective,
    }));
  return [
    ...(ended.length > 0
      ? [
          db
            .update(contractItems)
            .set({ endedOn: effective })
            .where(
              and(
                eq(contractItems.merchantId, contract.merchantId),
                inArray(contractItems.id, ended),
              ),
            ),
        ]
      : []),
    ...updates,
    ...insertItemsStatements(db, inserted),
  ];
}

function carriedLineStatements(
  db: Db,
  context: ChangeContext,
  computation: ChangeComputation,
  changeId: string,
): BatchItem<"sqlite">[] {
  if (computation.settlement !== "next_invoice") return [];
  const rows = computation.lines.map((line) => ({
    id: newId("cln"),
    merchantId: context.contract.merchantId,
    contractId: context.contract.id,
    changeId,
    description: line.description,
    articleId: line.articleId,
    itemId: line.itemId,
    quantity: line.quantity,
    periodStart: line.periodStart,
    periodEnd: line.periodEnd,
    netAmount: line.netAmount,
    taxRate: line.taxRate,
  }));
  return chunkForInsert(rows, 13).map((chunk) => db.insert(carriedLines).values(chunk));
}

/**
 * Everything an applied change writes, in one batch behind the contract's version guard. A
 * change at or after the period end leaves the billed period alone: the billing run bills the
 * next period with the new items.
 */
export function applyChangeStatements(
  db: Db,
  context: ChangeContext,
  computation: ChangeComputation,
  meta: ChangeMeta & { invoice: InvoiceDraft | null; scheduled: boolean },
): BatchItem<"sqlite">[] {
  const { contract } = context;
  const movesPeriod = computation.effectiveDate < contract.currentPeriodEnd;
  const record = {
    effectiveDate: computation.effectiveDate,
    status: "applied",
    kind: computation.kind,
    settlement: computation.settlement,
    invoiceId: meta.invoice?.id ?? null,
    appliedAt: nowIso(),
  };
  return [
    ...guardedContractWrite(db, contract, meta.changeId, {
      templateId: computation.newTemplateId,
      billingInterval: computation.newInterval,
      billingAnchor: computation.newBillingAnchor,
      ...(movesPeriod
        ? {
            currentPeriodStart: computation.newCurrentPeriod.start,
            currentPeriodEnd: computation.newCurrentPeriod.end,
          }
        : {}),
      updatedAt: nowIso(),
    }),
    ...itemStatements(db, context, computation),
    meta.scheduled
      ? db
          .update(contractChanges)
          .set(record)
          .where(
            and(
              eq(contractChanges.merchantId, meta.merchantId),
              eq(contractChanges.id, meta.changeId),
            ),
          )
      : db.insert(contractChanges).values({
          id: meta.changeId,
          merchantId: meta.merchantId,
          contractId: contract.id,
          type: meta.request.type,
          request: { ...meta.request },
          source: meta.source,
          ...record,
        }),
    ...(meta.invoice ? issueInvoiceStatements(db, meta.invoice) : []),
    ...carriedLineStatements(db, context, computation, meta.changeId),
    ...eventStatements(db, {
      merchantId: meta.merchantId,
      type: "contract.changed",
      data: {
        ...changeEventData(context, computation, meta),
        invoiceId: meta.invoice?.id ?? null,
        items: computation.items.map(({ id: _id, ...item }) => item),
      },
      at: new Date(),
    }),
  ];
}

/** A change for a later date is stored; at most one pending tariff switch, the newest wins. */
export function scheduleChangeStatements(
  db: Db,
  context: ChangeContext,
  computation: ChangeComputation,
  meta: ChangeMeta,
): BatchItem<"sqlite">[] {
  const { contract } = context;
  return [
    ...guardedContractWrite(db, contract, meta.changeId, { updatedAt: nowIso() }),
    ...(meta.request.type === "switch_template"
      ? [
          db
            .update(contractChanges)
            .set({ status: "cancelled", cancelledAt: nowIso() })
            .where(
              and(
                eq(contractChanges.contractId, contract.id),
                eq(contractChanges.status, "scheduled"),
                eq(contractChanges.type, "switch_template"),
              ),
            ),
        ]
      : []),
    db.insert(contractChanges).values({
      id: meta.changeId,
      merchantId: meta.merchantId,
      contractId: contract.id,
      type: meta.request.type,
      request: { ...meta.request },
      effectiveDate: computation.effectiveDate,
      status: "scheduled",
      kind: computation.kind,
      settlement: computation.settlement,
      source: meta.source,
    }),
    ...eventStatements(db, {
      merchantId: meta.merchantId,
      type: "contract.change_scheduled",
      data: changeEventData(context, computation, meta),
      at: new Date(),
    }),
  ];
}

function changeEventData(context: ChangeContext, computation: ChangeComputation, meta: ChangeMeta) {
  return {
    contractId: context.contract.id,
    customerId: context.contract.customerId,
    changeId: meta.changeId,
    source: meta.source,
    request: meta.request,
    effectiveDate: computation.effectiveDate,
    kind: computation.kind,
    settlement: computation.settlement,
    templateId: computation.newTemplateId,
    netAmount: computation.netAmount,
  };
}

export async function listChanges(
  db: Db,
  merchantId: string,
  contractId: string,
  { limit, cursor }: { limit: number; cursor?: string | undefined },
) {
  return db
    .select()
    .from(contractChanges)
    .where(
      and(
        eq(contractChanges.merchantId, merchantId),
        eq(contractChanges.contractId, contractId),
        cursor ? gt(contractChanges.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(contractChanges.id))
    .limit(limit + 1);
}

export async function findChange(db: Db, merchantId: string, contractId: string, changeId: string) {
  return db.query.contractChanges.findFirst({
    where: and(
      eq(contractChanges.merchantId, merchantId),
      eq(contractChanges.contractId, contractId),
      eq(contractChanges.id, changeId),
    ),
  });
}

export function cancelScheduledChangeStatements(
  db: Db,
  contract: ChangeContext["contract"],
  changeId: string,
): BatchItem<"sqlite">[] {
  return [
    ...guardedContractWrite(db, contract, newId("wrt"), { updatedAt: nowIso() }),
    db
      .update(contractChanges)
      .set({ status: "cancelled", cancelledAt: nowIso() })
      .where(
        and(
          eq(contractChanges.merchantId, contract.merchantId),
          eq(contractChanges.id, changeId),
          eq(contractChanges.status, "scheduled"),
        ),
      ),
    ...eventStatements(db, {
      merchantId: contract.merchantId,
      type: "contract.change_cancelled",
      data: { contractId: contract.id, customerId: contract.customerId, changeId },
      at: new Date(),
    }),
  ];
}

/** Cancelling the contract: it ends on `endDate`, and changes planned after that are dropped. */
export function cancelContractStatements(
  db: Db,
  contract: ChangeContext["contract"],
  endDate: IsoDate,
): BatchItem<"sqlite">[] {
  const now = nowIso();
  return [
    ...guardedContractWrite(db, contract, newId("wrt"), {
      status: "cancellation_pending",
      endDate,
      cancelledAt: now,
      updatedAt: now,
    }),
    db
      .update(contractChanges)
      .set({ status: "cancelled", cancelledAt: now })
      .where(
        and(
          eq(contractChanges.contractId, contract.id),
          eq(contractChanges.status, "scheduled"),
          gt(contractChanges.effectiveDate, endDate),
        ),
      ),
    ...eventStatements(db, {
      merchantId: contract.merchantId,
      type: "contract.cancelled",
      data: { contractId: contract.id, customerId: contract.customerId, endDate },
      at: new Date(),
    }),
  ];
}

/** Scheduled changes whose day has come, oldest first (the billing run applies them in order). */
export async function dueScheduledChanges(db: Db, contractId: string, today: IsoDate) {
  return db
    .select()
    .from(contractChanges)
    .where(
      and(
        eq(contractChanges.contractId, contractId),
        eq(contractChanges.status, "scheduled"),
        lte(contractChanges.effectiveDate, today),
      ),
    )
    .orderBy(asc(contractChanges.effectiveDate), asc(contractChanges.id));
}

export function failScheduledChangeStatement(db: Db, changeId: string, reason: string) {
  return db
    .update(contractChanges)
    .set({ status: "failed", failureReason: reason })
    .where(and(eq(contractChanges.id, changeId), eq(contractChanges.status, "scheduled")));
}

export function uninvoicedCarriedLinesQuery(db: Db, contractId: string) {
  return db
    .select()
    .from(carriedLines)
    .where(and(eq(carriedLines.contractId, contractId), isNull(carriedLines.invoiceId)))
    .orderBy(asc(carriedLines.id));
}
