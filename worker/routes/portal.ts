// /portal/v1: the API behind <selfservice-portal>, scoped by the session token to one customer.
// It offers exactly what the merchant's customer-center settings, the template's change points
// and group, and the contract's offered templates allow, and refuses the rest when called
// directly. Changes run through the same preview/commit code as the merchant API.
import { Hono } from "hono";
import * as v from "valibot";
import type { PortalInvoice } from "../../widget/src/portal-api.ts";
import { localDate } from "../domain/calendar.ts";
import { checkEffectiveDate } from "../domain/change-points.ts";
import type { ProrationMode } from "../domain/contract-terms.ts";
import { actionFor, isActionAllowed } from "../domain/portal-options.ts";
import type { AppEnv } from "../env.ts";
import {
  cancelContract,
  cancelScheduledChange,
  commitChange,
  computeOrder,
  loadForChange,
  throwIfFailed,
  type ChangeOrder,
} from "../flows/contract-changes.ts";
import { buildPortalOverview } from "../flows/portal-overview.ts";
import { doc } from "../http/openapi.ts";
import { portalCors, requirePortalSession } from "../http/portal-auth.ts";
import { idempotency } from "../http/idempotency.ts";
import { notFound, ProblemError } from "../http/problem.ts";
import {
  IdOf,
  IdParam,
  IsoDateSchema,
  ListQuery,
  QuantitySchema,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import type { ChangeContext } from "../store/change-context.ts";
import { database, type Db } from "../store/db.ts";
import { findInvoice, type InvoiceRecord } from "../store/invoices.ts";
import { isCustomersContract, listCustomerInvoices, loadPortalRows } from "../store/portal.ts";
import { previewResource } from "./contract-changes.ts";

// Missing means today, as in the merchant API; the date is then checked like any other.
const When = { effectiveDate: v.optional(IsoDateSchema) };

const PortalChange = v.variant("type", [
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

const Cancellation = v.strictObject({ endDate: v.optional(IsoDateSchema) });
const ContractParam = IdParam("ctr");
const ChangeParam = v.object({ ...ContractParam.entries, changeId: IdOf("chg") });

function portalInvoice(invoice: InvoiceRecord): PortalInvoice {
  return {
    id: invoice.id,
    number: invoice.number,
    kind: invoice.kind as PortalInvoice["kind"],
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

/** The contract must be this customer's: anything else is "not found", never "forbidden". */
async function ownContract(db: Db, merchantId: string, customerId: string, contractId: string) {
  if (!(await isCustomersContract(db, merchantId, customerId, contractId)))
    throw notFound("Contract", contractId);
}

function orderOf(body: v.InferOutput<typeof PortalChange>): ChangeOrder {
  const { effectiveDate, ...request } = body;
  return { request, effectiveDate };
}

/** The date must be one the portal offers, and the merchant must allow this kind of change. */
function portalComputation(
  context: ChangeContext,
  order: ChangeOrder,
  today: string,
  merchant: AppEnv["Variables"]["merchant"],
) {
  throwIfFailed(
    checkEffectiveDate(context.snapshot, context.template, today, order.effectiveDate ?? today),
  );
  const computation = computeOrder(context, order, today, merchant.prorationMode as ProrationMode);
  if (!isActionAllowed(merchant.allowedActions, actionFor(order.request.type, computation.kind))) {
    throw new ProblemError(
      "forbidden",
      `This change (${order.request.type}, ${computation.kind}) is not offered in the customer center.`,
      { ruleCode: "action_not_allowed" },
    );
  }
  return computation;
}

async function loadOwn(
  c: {
    env: AppEnv["Bindings"];
    get: <K extends keyof AppEnv["Variables"]>(key: K) => AppEnv["Variables"][K];
  },
  contractId: string,
  order?: ChangeOrder,
) {
  const db = database(c.env.DB);
  const merchant = c.get("merchant");
  await ownContract(db, merchant.id, c.get("customer").id, contractId);
  const context = await loadForChange(db, merchant.id, contractId, order?.request);
  return { db, merchant, context, today: localDate(c.get("now"), merchant.timeZone) };
}

const portalApi = new Hono<AppEnv>()
  .use(requirePortalSession, idempotency)
  .get(
    "/contracts",
    doc("Portal", "The customer's contracts with everything the portal may offer"),
    async (c) => {
      const merchant = c.get("merchant");
      const customer = c.get("customer");
      const rows = await loadPortalRows(database(c.env.DB), merchant.id, customer.id);
      return c.json(
        buildPortalOverview(merchant, customer, rows, localDate(c.get("now"), merchant.timeZone)),
      );
    },
  )
  .post(
    "/contracts/:id/changes/preview",
    doc("Portal", "Preview a change"),
    valid("param", ContractParam),
    valid("json", PortalChange),
    async (c) => {
      const order = orderOf(c.req.valid("json"));
      const { merchant, context, today } = await loadOwn(c, c.req.valid("param").id, order);
      return c.json(
        previewResource(portalComputation(context, order, today, merchant), context.planCurrency),
      );
    },
  )
  .post(
    "/contracts/:id/changes",
    doc("Portal", "Apply or schedule a change", { status: 201 }),
    valid("param", ContractParam),
    valid("json", PortalChange),
    async (c) => {
      const order = orderOf(c.req.valid("json"));
      const { db, merchant, context, today } = await loadOwn(c, c.req.valid("param").id, order);
      const computation = portalComputation(context, order, today, merchant);
      const committed = await commitChange(
        db,
        merchant,
        context,
        computation,
        order,
        "portal",
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
          ...(invoice ? { invoice: portalInvoice(invoice) } : {}),
        },
        201,
      );
    },
  )
  .delete(
    "/contracts/:id/changes/:changeId",
    doc("Portal", "Cancel a scheduled change"),
    valid("param", ChangeParam),
    async (c) => {
      const { id, changeId } = c.req.valid("param");
      const db = database(c.env.DB);
      const merchantId = c.get("merchant").id;
      await ownContract(db, merchantId, c.get("customer").id, id);
      await cancelScheduledChange(db, merchantId, id, changeId);
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
      const { db, merchant, today } = await loadOwn(c, id);
      if (!merchant.allowedActions.includes("cancel")) {
        throw new ProblemError(
          "forbidden",
          "Cancelling online is not offered in the customer center.",
          { ruleCode: "action_not_allowed" },
        );
      }
      const { endDate, earliestEndDate } = await cancelContract(
        db,
        merchant.id,
        id,
        today,
        c.req.valid("json").endDate,
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
        database(c.env.DB),
        c.get("merchant").id,
        c.get("customer").id,
        { limit, cursor },
      );
      return c.json(toPage(rows, limit, portalInvoice));
    },
  );

export const portalRouter = new Hono<AppEnv>().use(portalCors).route("/", portalApi);
