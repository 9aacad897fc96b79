// /api/v1/contracts/{id}/changes: preview, apply or schedule a change (switch tariff, add an
// add-on, remove an item, change a quantity), list changes, cancel a scheduled one.
import { Hono } from "hono";
import * as v from "valibot";
import { localDate } from "../domain/calendar.ts";
import type { ChangeComputation } from "../domain/contract-change.ts";
import type { ProrationMode } from "../domain/contract-terms.ts";
import type { AppEnv } from "../env.ts";
import {
  cancelScheduledChange,
  commitChange,
  computeOrder,
  loadForChange,
  type ChangeOrder,
} from "../flows/contract-changes.ts";
import { doc } from "../http/openapi.ts";
import { notFound } from "../http/problem.ts";
import {
  IdOf,
  IdParam,
  IsoDateSchema,
  ListQuery,
  QuantitySchema,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { listChanges, type ContractChangeRecord } from "../store/contract-changes.ts";
import { findContract } from "../store/contracts.ts";
import { database } from "../store/db.ts";
import { findInvoice } from "../store/invoices.ts";
import { invoiceResource } from "./invoices.ts";

const When = {
  effectiveDate: v.optional(IsoDateSchema),
  /** Operators may keep a downgrade's date instead of the template's downgrade timing. */
  timing: v.optional(v.picklist(["template", "as_requested"])),
};

export const ChangeBody = v.variant("type", [
  v.strictObject({ type: v.literal("switch_template"), templateId: IdOf("tpl"), ...When }),
  v.strictObject({
    type: v.literal("add_addon"),
    articleId: IdOf("art"),
    quantity: v.optional(QuantitySchema, 1),
    ...When,
  }),
  v.strictObject({ type: v.literal("remove_item"), itemId: IdOf("itm"), ...When }),
  v.strictObject({
    type: v.literal("change_quantity"),
    itemId: IdOf("itm"),
    quantity: QuantitySchema,
    ...When,
  }),
]);

export type ChangeBodyInput = v.InferOutput<typeof ChangeBody>;

export function orderOf(body: ChangeBodyInput): ChangeOrder {
  const { effectiveDate, timing, ...request } = body;
  return { request, effectiveDate, timing };
}

export function previewResource(computation: ChangeComputation, currency: string) {
  return {
    computedOn: computation.computedOn,
    requestedDate: computation.requestedDate,
    effectiveDate: computation.effectiveDate,
    kind: computation.kind,
    currency,
    lines: computation.lines.map(
      ({
        description,
        name,
        itemId,
        articleId,
        quantity,
        periodStart,
        periodEnd,
        netAmount,
        taxRate,
      }) => ({
        description,
        name,
        itemId,
        articleId,
        quantity,
        periodStart,
        periodEnd,
        netAmount,
        taxRate,
      }),
    ),
    netAmount: computation.netAmount,
    taxAmount: computation.taxAmount,
    grossAmount: computation.grossAmount,
    taxBreakdown: computation.taxBreakdown,
    settlement: computation.settlement,
    newTemplateId: computation.newTemplateId,
    newBillingInterval: computation.newInterval,
  };
}

export function changeResource(change: ContractChangeRecord) {
  const { merchantId: _merchant, ...rest } = change;
  return rest;
}

const ContractParam = IdParam("ctr");
const ChangeParam = v.object({ ...ContractParam.entries, changeId: IdOf("chg") });

export const contractChangesRouter = new Hono<AppEnv>()
  .post(
    "/:id/changes/preview",
    doc("Contract changes", "Preview a change: proration lines, VAT and settlement"),
    valid("param", ContractParam),
    valid("json", ChangeBody),
    async (c) => {
      const merchant = c.get("merchant");
      const order = orderOf(c.req.valid("json"));
      const context = await loadForChange(
        database(c.env.DB),
        merchant.id,
        c.req.valid("param").id,
        order.request,
      );
      const today = localDate(c.get("now"), merchant.timeZone);
      return c.json(
        previewResource(
          computeOrder(context, order, today, merchant.prorationMode as ProrationMode),
          context.planCurrency,
        ),
      );
    },
  )
  .post(
    "/:id/changes",
    doc("Contract changes", "Apply a change now or schedule it", { status: 201 }),
    valid("param", ContractParam),
    valid("json", ChangeBody),
    async (c) => {
      const merchant = c.get("merchant");
      const db = database(c.env.DB);
      const order = orderOf(c.req.valid("json"));
      const context = await loadForChange(db, merchant.id, c.req.valid("param").id, order.request);
      const today = localDate(c.get("now"), merchant.timeZone);
      const computation = computeOrder(
        context,
        order,
        today,
        merchant.prorationMode as ProrationMode,
      );
      const committed = await commitChange(
        db,
        merchant,
        context,
        computation,
        order,
        "merchant",
        today,
      );
      const invoice = committed.invoice
        ? await findInvoice(db, merchant.id, committed.invoice.id)
        : undefined;
      return c.json(
        {
          change: {
            id: committed.changeId,
            status: committed.status,
            effectiveDate: computation.effectiveDate,
            kind: computation.kind,
            settlement: computation.settlement,
          },
          preview: previewResource(computation, context.planCurrency),
          ...(invoice ? { invoice: invoiceResource(invoice, invoice.lines) } : {}),
        },
        201,
      );
    },
  )
  .get(
    "/:id/changes",
    doc("Contract changes", "List the changes of a contract"),
    valid("param", ContractParam),
    valid("query", ListQuery),
    async (c) => {
      const merchantId = c.get("merchant").id;
      const db = database(c.env.DB);
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      if (!(await findContract(db, merchantId, id))) throw notFound("Contract", id);
      return c.json(
        toPage(await listChanges(db, merchantId, id, { limit, cursor }), limit, changeResource),
      );
    },
  )
  .delete(
    "/:id/changes/:changeId",
    doc("Contract changes", "Cancel a scheduled change"),
    valid("param", ChangeParam),
    async (c) => {
      const { id, changeId } = c.req.valid("param");
      await cancelScheduledChange(database(c.env.DB), c.get("merchant").id, id, changeId);
      return c.json({ id: changeId, status: "cancelled" });
    },
  );
