// /portal/v1: the API behind <selfservice-portal>, scoped by the session token to one customer.
// It offers exactly what the merchant's customer-center settings, the template's change points
// and group, and the contract's offered templates allow, and refuses the rest when called
// directly. Changes run through the same preview/commit code as the merchant API.
import { Hono } from "hono";
import * as v from "valibot";
import type { PortalInvoice } from "../../widget/src/portal-api.ts";
import type { AppEnv } from "../env.ts";
import {
  applyChange,
  cancelContract,
  cancelScheduledChange,
  previewChange,
  type ChangeActor,
} from "../flows/contract-changes.ts";
import { portalOverview } from "../flows/portal-overview.ts";
import { doc } from "../http/openapi.ts";
import { portalCors, requirePortalSession } from "../http/portal-auth.ts";
import { idempotency } from "../http/idempotency.ts";
import {
  changeRequestSchema,
  IdOf,
  IdParam,
  IsoDateSchema,
  ListQuery,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import type { InvoiceRecord } from "../store/invoices.ts";
import { listCustomerInvoices } from "../store/portal.ts";
import { appliedChangeResource, previewResource } from "./contract-changes.ts";

// Missing means today, as in the merchant API; the date is then checked like any other.
const PortalChange = changeRequestSchema({ effectiveDate: v.optional(IsoDateSchema) });

const Cancellation = v.strictObject({ endDate: v.optional(IsoDateSchema) });
const ContractParam = IdParam("ctr");
const ChangeParam = v.object({ ...ContractParam.entries, changeId: IdOf("chg") });

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
    doc("Portal", "The customer's contracts with everything the portal may offer"),
    async (c) => {
      return c.json(await portalOverview(c.var.db, c.var.merchant, c.var.customer, c.var.now));
    },
  )
  .post(
    "/contracts/:id/changes/preview",
    doc("Portal", "Preview a change"),
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
    doc("Portal", "Apply or schedule a change", { status: 201 }),
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
    doc("Portal", "Cancel a scheduled change"),
    valid("param", ChangeParam),
    async (c) => {
      const { id, changeId } = c.req.valid("param");
      await cancelScheduledChange(c.var.db, portalActor(c), id, changeId, c.var.now);
      return c.json({ id: changeId, status: "cancelled" as const });
    },
  )
  .post(
    "/contracts/:id/cancel",
    doc("Portal", "Cancel the contract"),
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
    doc("Portal", "The customer's invoices, newest first"),
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
  );

export const portalRouter = new Hono<AppEnv>().use(portalCors).route("/", portalApi);
