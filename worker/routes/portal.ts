// /portal/v1: the API behind <selfservice-portal>, scoped by the session token to one customer.
// It offers exactly what the merchant's customer-center settings, the template's change points
// and group, and the contract's offered templates allow, and refuses the rest when called
// directly. Changes run through the same preview/commit code as the merchant API.
import { Hono } from "hono";
import * as v from "valibot";
import type { PortalInvoice } from "../../widget/src/portal-api.ts";
import type { AppEnv } from "../env.ts";
import { localDate } from "../domain/calendar.ts";
import {
  applyChange,
  cancelContract,
  cancelScheduledChange,
  previewChange,
  type ChangeActor,
} from "../flows/contract-changes.ts";
import { createPortalMandate, portalAccount } from "../flows/portal-account.ts";
import { portalOverview } from "../flows/portal-overview.ts";
import { doc, PageOf } from "../http/openapi.ts";
import {
  NewMandateBody,
  NewMandateResource,
  PortalAccountResource,
} from "../http/portal-account-schemas.ts";
import { portalCors, requirePortalSession } from "../http/portal-auth.ts";
import { idempotency } from "../http/idempotency.ts";
import {
  changeRequestSchema,
  DateOut,
  IdOf,
  IdParam,
  Int,
  IsoDateSchema,
  ListQuery,
  NullableText,
  toPage,
} from "../http/schemas.ts";
import { PORTAL_ACTIONS } from "../domain/portal-options.ts";
import { valid } from "../http/validation.ts";
import type { InvoiceRecord } from "../store/invoices.ts";
import { documentDownload } from "./invoices.ts";
import { listCustomerInvoices } from "../store/portal.ts";
import {
  AppliedChangeOf,
  appliedChangeResource,
  CancelledChangeResource,
  PreviewResource,
  previewResource,
} from "./contract-changes.ts";

// Missing means today, as in the merchant API; the date is then checked like any other.
const PortalChange = changeRequestSchema({ effectiveDate: v.optional(IsoDateSchema) });

const Cancellation = v.strictObject({ endDate: v.optional(IsoDateSchema) });
const ContractParam = IdParam("ctr");
const ChangeParam = v.object({ ...ContractParam.entries, changeId: IdOf("chg") });

const Interval = v.picklist(["month", "quarter", "year"]);
const ChangeKind = v.picklist(["upgrade", "downgrade", "neutral"]);
const ContractStatus = v.picklist(["active", "cancellation_pending", "ended"]);

/** The widget's types (widget/src/portal-api.ts) as a schema: the overview must fit both. */
const PortalContractResource = v.object({
  id: v.string(),
  status: ContractStatus,
  currency: v.string(),
  tariff: v.object({ templateId: v.string(), name: v.string(), billingInterval: Interval }),
  items: v.array(
    v.object({
      id: v.string(),
      articleId: v.string(),
      kind: v.picklist(["plan", "addon"]),
      name: v.string(),
      quantity: Int,
      unitAmount: Int,
      periodAmount: Int,
      taxRate: Int,
      removable: v.boolean(),
      quantityChangeable: v.boolean(),
      maxQuantity: Int,
    }),
  ),
  recurringNetAmount: Int,
  recurringTaxAmount: Int,
  recurringGrossAmount: Int,
  currentPeriod: v.object({ start: DateOut, end: DateOut }),
  nextBillingDate: v.nullable(DateOut),
  endDate: v.nullable(DateOut),
  earliestCancellationDate: v.nullable(DateOut),
  cancellationEndDates: v.array(DateOut),
  scheduledChanges: v.array(
    v.object({
      id: v.string(),
      type: v.picklist(["switch_template", "add_addon", "remove_item", "change_quantity"]),
      effectiveDate: DateOut,
      kind: ChangeKind,
      summary: v.string(),
    }),
  ),
  switchOptions: v.array(
    v.object({
      templateId: v.string(),
      name: v.string(),
      billingInterval: Interval,
      periodAmount: Int,
      kind: ChangeKind,
    }),
  ),
  addonOptions: v.array(
    v.object({
      articleId: v.string(),
      name: v.string(),
      periodAmount: Int,
      taxRate: Int,
      maxQuantity: Int,
    }),
  ),
  changeDates: v.object({
    dates: v.array(DateOut),
    ranges: v.array(v.object({ from: DateOut, to: DateOut })),
    points: v.array(
      v.object({
        type: v.picklist(["immediately", "next_period", "end_of_term", "next_month"]),
        date: DateOut,
      }),
    ),
  }),
  canCancel: v.boolean(),
});

const PortalOverviewResource = v.object({
  customer: v.object({ id: v.string(), name: v.string(), locale: NullableText }),
  merchant: v.object({ name: v.string() }),
  allowedActions: v.array(v.picklist(PORTAL_ACTIONS)),
  contracts: v.array(PortalContractResource),
});

const PortalInvoiceResource = v.object({
  id: v.string(),
  number: v.string(),
  kind: v.picklist(["regular", "interim", "credit_note", "fee"]),
  // A collection run holds the invoice as collection_pending until the bank settles it.
  status: v.picklist(["open", "collection_pending", "paid", "partially_paid", "void"]),
  contractId: NullableText,
  issueDate: DateOut,
  dueDate: DateOut,
  currency: v.string(),
  netAmount: Int,
  taxAmount: Int,
  grossAmount: Int,
  amountPaid: Int,
  /** The stored PDF for this customer; null for invoices issued before documents existed. */
  pdfPath: NullableText,
});

const PortalCancellationResource = v.object({
  id: v.string(),
  status: ContractStatus,
  endDate: DateOut,
  earliestEndDate: DateOut,
});

function portalInvoice(invoice: InvoiceRecord): PortalInvoice {
  return {
    id: invoice.id,
    number: invoice.number,
    kind: invoice.kind,
    status: invoice.status as PortalInvoice["status"],
    contractId: invoice.contractId,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    currency: invoice.currency,
    netAmount: invoice.netAmount,
    taxAmount: invoice.taxAmount,
    grossAmount: invoice.grossAmount,
    amountPaid: invoice.amountPaid,
    pdfPath: invoice.documentSnapshot ? `/portal/v1/invoices/${invoice.id}/pdf` : null,
  };
}

/** The session's customer, whose contracts and the merchant's customer center bound every change. */
const portalActor = (c: { var: AppEnv["Variables"] }): ChangeActor => ({
  kind: "portal",
  merchant: c.var.merchant,
  customerId: c.var.customer.id,
});

const portalApi = new Hono<AppEnv>()
  .use(requirePortalSession, idempotency)
  .get(
    "/contracts",
    doc("Portal", "The customer's contracts with everything the portal may offer", {
      schema: PortalOverviewResource,
    }),
    async (c) => {
      const overview: v.InferOutput<typeof PortalOverviewResource> = await portalOverview(
        c.var.db,
        c.var.merchant,
        c.var.customer,
        c.var.now,
      );
      return c.json(overview);
    },
  )
  .post(
    "/contracts/:id/changes/preview",
    doc("Portal", "Preview a change", { schema: PreviewResource }, { errors: [404, 422] }),
    valid("param", ContractParam),
    valid("json", PortalChange),
    async (c) => {
      const { id } = c.req.valid("param");
      const preview = await previewChange(
        c.var.db,
        portalActor(c),
        id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(previewResource(preview));
    },
  )
  .post(
    "/contracts/:id/changes",
    doc(
      "Portal",
      "Apply or schedule a change",
      { status: 201, schema: AppliedChangeOf(PortalInvoiceResource) },
      { errors: [404, 409, 422] },
    ),
    valid("param", ContractParam),
    valid("json", PortalChange),
    async (c) => {
      const { id } = c.req.valid("param");
      const applied = await applyChange(
        c.var.db,
        portalActor(c),
        id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(appliedChangeResource(applied, portalInvoice), 201);
    },
  )
  .delete(
    "/contracts/:id/changes/:changeId",
    doc(
      "Portal",
      "Cancel a scheduled change",
      { schema: CancelledChangeResource },
      { errors: [404, 409, 422] },
    ),
    valid("param", ChangeParam),
    async (c) => {
      const { id, changeId } = c.req.valid("param");
      await cancelScheduledChange(c.var.db, portalActor(c), id, changeId, c.var.now);
      return c.json({ id: changeId, status: "cancelled" as const });
    },
  )
  .post(
    "/contracts/:id/cancel",
    doc(
      "Portal",
      "Cancel the contract",
      { schema: PortalCancellationResource },
      { errors: [404, 409, 422] },
    ),
    valid("param", ContractParam),
    valid("json", Cancellation),
    async (c) => {
      const { id } = c.req.valid("param");
      const { endDate, earliestEndDate } = await cancelContract(
        c.var.db,
        portalActor(c),
        id,
        c.req.valid("json").endDate,
        c.var.now,
      );
      return c.json({ id, status: "cancellation_pending" as const, endDate, earliestEndDate });
    },
  )
  .get(
    "/invoices",
    doc("Portal", "The customer's invoices, newest first", {
      schema: PageOf(PortalInvoiceResource),
    }),
    valid("query", ListQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const rows = await listCustomerInvoices(
        c.var.db,
        c.get("merchant").id,
        c.get("customer").id,
        { limit, cursor },
      );
      return c.json(toPage(rows, limit, portalInvoice));
    },
  )
  .get(
    "/invoices/:id/pdf",
    doc(
      "Portal",
      "One of the customer's invoices as PDF, exactly as stored at issue",
      { media: "application/pdf" },
      { errors: [404, 500] },
    ),
    valid("param", IdParam("inv")),
    documentDownload("pdf", (c) => c.get("customer").id),
  )
  .get(
    "/account",
    doc(
      "Portal",
      "The open amount, the open invoices, the payment method and how to pay by transfer",
      { schema: PortalAccountResource },
    ),
    async (c) => c.json(await portalAccount(c.var.db, c.env, c.get("merchant"), c.get("customer"))),
  )
  .post(
    "/mandates",
    doc(
      "Portal",
      "Give a new SEPA direct debit mandate (supersedes a blocked one)",
      { status: 201, schema: NewMandateResource },
      { errors: [422] },
    ),
    valid("json", NewMandateBody),
    async (c) => {
      const merchant = c.get("merchant");
      const result = await createPortalMandate(c.var.db, c.env, {
        merchant,
        customer: c.get("customer"),
        request: c.req.valid("json"),
        today: localDate(c.get("now"), merchant.timeZone),
        now: c.get("now"),
      });
      return c.json(result, 201);
    },
  );

export const portalRouter = new Hono<AppEnv>().use(portalCors).route("/", portalApi);
