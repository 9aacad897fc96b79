// Contract changes as stored facts: applying one writes the new items, the change record and
// its interim invoice, credit note or carried lines in ONE guarded D1 batch; scheduling one
// stores it for the billing run; cancelling contracts and scheduled changes.
import { and, asc, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  carriedLines,
  contractChanges,
  contractItems,
  contractTemplates,
} from "../../schema/tables.ts";
import type { ContractChangeRequest } from "../../widget/src/billing-types.ts";
import type { IsoDate } from "../domain/calendar.ts";
import { billedPeriodStart, movesCurrentPeriod } from "../domain/change-application.ts";
import type { ChangeComputation } from "../domain/contract-change.ts";
import type { ChangeDescription } from "../domain/customer-emails.ts";
import type { InvoiceDraft } from "../domain/invoice-draft.ts";
import type { InvoiceParties } from "../domain/invoice-snapshot.ts";
import { newId } from "../security.ts";
import type { ChangeContext } from "./change-context.ts";
import { guardedContractWrite, insertItemsStatements } from "./contracts.ts";
import { insertInChunks, type Db } from "./db.ts";
import { queueEmailStatement } from "./email-outbox.ts";
import { issueInvoiceStatements } from "./invoices.ts";
import { eventStatements, type EventInput } from "./webhook-events.ts";

export type ContractChangeRecord = typeof contractChanges.$inferSelect;

export type ChangeSource = "merchant" | "portal";

interface ChangeMeta {
  merchantId: string;
  changeId: string;
  request: ContractChangeRequest;
  source: ChangeSource;
}

/** The contract's customer always exists (a foreign key), so missing parties are a broken row. */
export function requiredParties(context: ChangeContext): InvoiceParties {
  if (!context.parties) throw new Error(`customer of contract ${context.contract.id} not found`);
  return context.parties;
}

function itemStatements(
  db: Db,
  context: ChangeContext,
  computation: ChangeComputation,
): BatchItem<"sqlite">[] {
  const { items } = context;
  const { contract } = context;
  const effective = computation.effectiveDate;
  const kept = new Set(computation.items.flatMap((item) => (item.id ? [item.id] : [])));
  const before = new Map(items.map((item) => [item.id, item]));
  const billedFrom = billedPeriodStart(computation, context.snapshot.currentPeriod);
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
          billedPeriodStart: billedFrom,
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
      billedPeriodStart: billedFrom,
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
  return insertInChunks(db, carriedLines, rows);
}

/**
 * What an applied change writes, in parts: a billing page issues the invoices of all its
 * changes and bills with one call and their events with another (multi-row inserts), the
 * single change puts the parts together itself (`changeStatements`).
 */
export interface ChangeWrite {
  /** The contract behind its version guard, its items, the change record. */
  head: BatchItem<"sqlite">[];
  /** The interim invoice or credit note it issues. */
  invoice: InvoiceDraft | null;
  /** Its carried lines and confirmation e-mail (built when the batch is put together). */
  tail: () => BatchItem<"sqlite">[];
  event: EventInput<"contract.changed">;
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
  at: Date,
): BatchItem<"sqlite">[] {
  return changeStatements(db, applyChangeWrite(db, context, computation, meta, at), at);
}

/** One change's parts as its own batch, in the order they always had. */
export function changeStatements(db: Db, write: ChangeWrite, at: Date): BatchItem<"sqlite">[] {
  return [
    ...write.head,
    ...(write.invoice ? issueInvoiceStatements(db, write.invoice, at) : []),
    ...write.tail(),
    ...eventStatements(db, write.event),
  ];
}

/** The parts of `applyChangeStatements`. */
export function applyChangeWrite(
  db: Db,
  context: ChangeContext,
  computation: ChangeComputation,
  meta: ChangeMeta & { invoice: InvoiceDraft | null; scheduled: boolean },
  at: Date,
): ChangeWrite {
  const { contract } = context;
  const movesPeriod = movesCurrentPeriod(computation, context.snapshot.currentPeriod);
  const record = {
    effectiveDate: computation.effectiveDate,
    status: "applied" as const,
    kind: computation.kind,
    settlement: computation.settlement,
    invoiceId: meta.invoice?.id ?? null,
    appliedAt: at.toISOString(),
  };
  const head = [
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
      updatedAt: at.toISOString(),
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
  ];
  return {
    head,
    invoice: meta.invoice,
    tail: () => [
      ...carriedLineStatements(db, context, computation, meta.changeId),
      // A scheduled change was confirmed when it was scheduled.
      ...(meta.scheduled ? [] : [changeConfirmedEmail(db, context, computation, meta, at)]),
    ],
    event: {
      merchantId: meta.merchantId,
      type: "contract.changed",
      data: {
        ...changeEventData(context, computation, meta),
        invoiceId: meta.invoice?.id ?? null,
        items: computation.items.map(({ id: _id, ...item }) => item),
      },
      at,
    },
  };
}

/** A change for a later date is stored; the changes it supersedes are cancelled with it. */
export function scheduleChangeStatements(
  db: Db,
  context: ChangeContext,
  computation: ChangeComputation,
  meta: ChangeMeta & { supersededIds: string[] },
  at: Date,
): BatchItem<"sqlite">[] {
  const { contract } = context;
  return [
    ...guardedContractWrite(db, contract, meta.changeId, { updatedAt: at.toISOString() }),
    ...cancelChangesStatements(db, contract.merchantId, meta.supersededIds, at),
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
      at,
    }),
    changeConfirmedEmail(db, context, computation, meta, at),
  ];
}

function changeDescription(
  context: ChangeContext,
  request: ContractChangeRequest,
): ChangeDescription {
  const itemName = (itemId: string) => context.items.find((item) => item.id === itemId)?.name ?? "";
  switch (request.type) {
    case "switch_template":
      return {
        type: request.type,
        from: context.template.name,
        to: context.targetTemplate?.name ?? "",
      };
    case "add_addon":
      return {
        type: request.type,
        name: context.targetArticle?.name ?? "",
        quantity: request.quantity,
      };
    case "remove_item":
      return { type: request.type, name: itemName(request.itemId) };
    case "change_quantity":
      return { type: request.type, name: itemName(request.itemId), quantity: request.quantity };
  }
}

function changeConfirmedEmail(
  db: Db,
  context: ChangeContext,
  computation: ChangeComputation,
  meta: Pick<ChangeMeta, "merchantId" | "changeId" | "request">,
  at: Date,
) {
  return queueEmailStatement(db, {
    merchantId: meta.merchantId,
    customerId: context.contract.customerId,
    dedupeKey: meta.changeId,
    at,
    facts: {
      kind: "change_confirmed",
      contractName: context.template.name,
      change: changeDescription(context, meta.request),
      effectiveDate: computation.effectiveDate,
    },
  });
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
  at: Date,
): BatchItem<"sqlite">[] {
  return [
    ...guardedContractWrite(db, contract, newId("wrt"), { updatedAt: at.toISOString() }),
    db
      .update(contractChanges)
      .set({ status: "cancelled", cancelledAt: at.toISOString() })
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
      at,
    }),
  ];
}

/** Cancelling the contract: it ends on `endDate`, and changes planned after that are dropped. */
export function cancelContractStatements(
  db: Db,
  contract: ChangeContext["contract"],
  endDate: IsoDate,
  at: Date,
): BatchItem<"sqlite">[] {
  const now = at.toISOString();
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
          eq(contractChanges.merchantId, contract.merchantId),
          eq(contractChanges.contractId, contract.id),
          eq(contractChanges.status, "scheduled"),
          gt(contractChanges.effectiveDate, endDate),
        ),
      ),
    ...eventStatements(db, {
      merchantId: contract.merchantId,
      type: "contract.cancelled",
      data: { contractId: contract.id, customerId: contract.customerId, endDate },
      at,
    }),
    // § 312k (4) BGB: the confirmation goes out at once, with when it was received and the end.
    queueEmailStatement(db, {
      merchantId: contract.merchantId,
      customerId: contract.customerId,
      dedupeKey: contract.id,
      at,
      facts: {
        kind: "cancellation_confirmed",
        contractName: "",
        receivedAt: now,
        endDate,
      },
      computed: {
        contractName: sql`(SELECT ${contractTemplates.name} FROM ${contractTemplates} WHERE ${contractTemplates.id} = ${contract.templateId})`,
      },
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

export function failScheduledChangeStatement(
  db: Db,
  merchantId: string,
  changeId: string,
  reason: string,
) {
  return db
    .update(contractChanges)
    .set({ status: "failed", failureReason: reason })
    .where(
      and(
        eq(contractChanges.merchantId, merchantId),
        eq(contractChanges.id, changeId),
        eq(contractChanges.status, "scheduled"),
      ),
    );
}

function cancelChangesStatements(
  db: Db,
  merchantId: string,
  changeIds: string[],
  at: Date,
): BatchItem<"sqlite">[] {
  if (changeIds.length === 0) return [];
  return [
    db
      .update(contractChanges)
      .set({ status: "cancelled", cancelledAt: at.toISOString() })
      .where(
        and(
          eq(contractChanges.merchantId, merchantId),
          inArray(contractChanges.id, changeIds),
          eq(contractChanges.status, "scheduled"),
        ),
      ),
  ];
}

export function uninvoicedCarriedLinesQuery(db: Db, contractId: string) {
  return db
    .select()
    .from(carriedLines)
    .where(and(eq(carriedLines.contractId, contractId), isNull(carriedLines.invoiceId)))
    .orderBy(asc(carriedLines.id));
}
