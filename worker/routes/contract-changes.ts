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
import { doc, PageOf } from "../http/openapi.ts";
import {
  changeRequestSchema,
  DateOut,
  IdOf,
  IdParam,
  InstantOut,
  Int,
  IsoDateSchema,
  ListQuery,
  NullableText,
  shaped,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { listContractChanges } from "../flows/contracts.ts";
import type { ContractChangeRecord } from "../store/contract-changes.ts";
import { invoiceResource, InvoiceResource } from "./invoices.ts";

const ChangeBody = changeRequestSchema({
  effectiveDate: v.optional(IsoDateSchema),
  timing: v.optional(v.picklist(["template", "as_requested"])),
});

const Interval = v.picklist(["month", "quarter", "year"]);
const Settlement = v.picklist(["interim_invoice", "credit_note", "next_invoice", "none"]);
const ChangeKind = v.picklist(["upgrade", "downgrade", "neutral"]);
const Totals = { netAmount: Int, taxAmount: Int, grossAmount: Int };

export const PreviewResource = v.object({
  computedOn: DateOut,
  requestedDate: DateOut,
  effectiveDate: DateOut,
  kind: ChangeKind,
  currency: v.string(),
  lines: v.array(
    v.object({
      description: v.string(),
      name: v.string(),
      itemId: NullableText,
      articleId: v.string(),
      quantity: Int,
      periodStart: DateOut,
      /** Exclusive, like every period. */
      periodEnd: DateOut,
      netAmount: Int,
      taxRate: Int,
    }),
  ),
  ...Totals,
  taxBreakdown: v.array(v.object({ taxRate: Int, netAmount: Int, taxAmount: Int })),
  settlement: Settlement,
  newTemplateId: v.string(),
  newBillingInterval: Interval,
  recurringAfter: v.object({ billingInterval: Interval, ...Totals }),
});

const AppliedChange = v.object({
  id: v.string(),
  status: v.picklist(["applied", "scheduled"]),
  effectiveDate: DateOut,
  kind: ChangeKind,
  settlement: Settlement,
});

/** The answer to an applied or scheduled change, with the invoice shape of each API. */
export const AppliedChangeOf = <I extends v.GenericSchema>(invoice: I) =>
  v.object({ change: AppliedChange, preview: PreviewResource, invoice: v.optional(invoice) });

const ChangeResource = v.object({
  id: v.string(),
  contractId: v.string(),
  type: v.picklist(["switch_template", "add_addon", "remove_item", "change_quantity"]),
  request: v.record(v.string(), v.unknown()),
  effectiveDate: DateOut,
  status: v.picklist(["scheduled", "applied", "cancelled", "failed"]),
  kind: ChangeKind,
  settlement: Settlement,
  source: v.picklist(["merchant", "portal"]),
  invoiceId: NullableText,
  failureReason: NullableText,
  createdAt: InstantOut,
  appliedAt: v.nullable(InstantOut),
  cancelledAt: v.nullable(InstantOut),
});

export const CancelledChangeResource = v.object({ id: v.string(), status: v.literal("cancelled") });

export function previewResource({
  computation,
  currency,
}: ChangePreview): v.InferOutput<typeof PreviewResource> {
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
  return shaped(ChangeResource)(rest);
}

const ContractParam = IdParam("ctr");
const ChangeParam = v.object({ ...ContractParam.entries, changeId: IdOf("chg") });

export const contractChangesRouter = new Hono<AppEnv>()
  .post(
    "/:id/changes/preview",
    doc(
      "Contract changes",
      "Preview a change: proration lines, VAT and settlement",
      { schema: PreviewResource },
      { errors: [404, 422] },
    ),
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
    doc(
      "Contract changes",
      "Apply a change now or schedule it",
      { status: 201, schema: AppliedChangeOf(InvoiceResource) },
      { errors: [404, 409, 422] },
    ),
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
    doc(
      "Contract changes",
      "List the changes of a contract",
      { schema: PageOf(ChangeResource) },
      { errors: [404] },
    ),
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
    doc(
      "Contract changes",
      "Cancel a scheduled change",
      { schema: CancelledChangeResource },
      { errors: [404, 409, 422] },
    ),
    valid("param", ChangeParam),
    async (c) => {
      const { id, changeId } = c.req.valid("param");
      const actor = { kind: "merchant", merchant: c.var.merchant } as const;
      await cancelScheduledChange(c.var.db, actor, id, changeId, c.var.now);
      return c.json(shaped(CancelledChangeResource)({ id: changeId, status: "cancelled" }));
    },
  );
