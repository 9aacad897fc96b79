// /api/v1/contracts/{id}/changes: preview, apply or schedule a change (switch tariff, add an
// add-on, remove an item, change a quantity), list changes, cancel a scheduled one.
import { Hono } from "hono";
import * as v from "valibot";
import { recurringTotals } from "../domain/contract-terms.ts";
import type { AppEnv } from "../env.ts";
import {
  applyChange,
  cancelScheduledChange,
  previewChange,
  type AppliedChange,
  type ChangePreview,
} from "../flows/contract-changes.ts";
import { doc } from "../http/openapi.ts";
import {
  changeRequestSchema,
  IdOf,
  IdParam,
  IsoDateSchema,
  ListQuery,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { listContractChanges } from "../flows/contracts.ts";
import type { ContractChangeRecord } from "../store/contract-changes.ts";
import { invoiceResource } from "./invoices.ts";

const ChangeBody = changeRequestSchema({
  effectiveDate: v.optional(IsoDateSchema),
  timing: v.optional(v.picklist(["template", "as_requested"])),
});

export function previewResource({ computation, currency }: ChangePreview) {
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
    recurringAfter: {
      billingInterval: computation.newInterval,
      ...recurringTotals(computation.items, computation.newInterval),
    },
  };
}

/** The answer to an applied or scheduled change; each API shapes the invoice its own way. */
export function appliedChangeResource<I>(
  applied: AppliedChange,
  invoiceShape: (invoice: NonNullable<AppliedChange["invoice"]>) => I,
) {
  return {
    change: applied.change,
    preview: previewResource(applied.preview),
    ...(applied.invoice ? { invoice: invoiceShape(applied.invoice) } : {}),
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
      const actor = { kind: "merchant", merchant: c.var.merchant } as const;
      const { id } = c.req.valid("param");
      const preview = await previewChange(c.var.db, actor, id, c.req.valid("json"), c.var.now);
      return c.json(previewResource(preview));
    },
  )
  .post(
    "/:id/changes",
    doc("Contract changes", "Apply a change now or schedule it", { status: 201 }),
    valid("param", ContractParam),
    valid("json", ChangeBody),
    async (c) => {
      const actor = { kind: "merchant", merchant: c.var.merchant } as const;
      const { id } = c.req.valid("param");
      const applied = await applyChange(c.var.db, actor, id, c.req.valid("json"), c.var.now);
      return c.json(
        appliedChangeResource(applied, (invoice) => invoiceResource(invoice, invoice.lines)),
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
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const rows = await listContractChanges(c.var.db, c.var.merchant.id, id, { limit, cursor });
      return c.json(toPage(rows, limit, changeResource));
    },
  )
  .delete(
    "/:id/changes/:changeId",
    doc("Contract changes", "Cancel a scheduled change"),
    valid("param", ChangeParam),
    async (c) => {
      const { id, changeId } = c.req.valid("param");
      const actor = { kind: "merchant", merchant: c.var.merchant } as const;
      await cancelScheduledChange(c.var.db, actor, id, changeId, c.var.now);
      return c.json({ id: changeId, status: "cancelled" });
    },
  );
