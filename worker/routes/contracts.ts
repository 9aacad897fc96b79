// /api/v1/contracts: contracts of customers on a tariff. Creating one issues the invoice of the
// period containing today (or of its first period, if it starts later), billed in advance.
import { Hono } from "hono";
import * as v from "valibot";
import { itemPeriodAmount } from "../domain/contract-terms.ts";
import type { AppEnv } from "../env.ts";
import {
  cancelMerchantContract,
  createContract,
  getContract,
  listContractsWithItems,
  setOfferedTemplates,
} from "../flows/contracts.ts";
import { doc, PageOf } from "../http/openapi.ts";
import {
  IdOf,
  IdParam,
  IsoDateSchema,
  ListQuery,
  QuantitySchema,
  shaped,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import type { ContractItemRecord, ContractRecord } from "../store/contracts.ts";

const OfferedTemplateIds = v.pipe(v.array(IdOf("tpl")), v.maxLength(50));

const CreateContract = v.strictObject({
  customerId: IdOf("cus"),
  templateId: IdOf("tpl"),
  startDate: IsoDateSchema,
  addons: v.optional(
    v.pipe(
      v.array(v.strictObject({ articleId: IdOf("art"), quantity: QuantitySchema })),
      v.maxLength(20),
    ),
    [],
  ),
  offeredTemplateIds: v.optional(OfferedTemplateIds, []),
});

const ContractListQuery = v.object({
  ...ListQuery.entries,
  customerId: v.optional(IdOf("cus")),
  status: v.optional(v.picklist(["active", "cancellation_pending", "ended"])),
});

const CustomerCenter = v.strictObject({ offeredTemplateIds: OfferedTemplateIds });

const Cancellation = v.strictObject({ endDate: v.optional(IsoDateSchema) });

const ContractItemResource = v.object({
  id: v.string(),
  articleId: v.string(),
  kind: v.picklist(["plan", "addon"]),
  name: v.string(),
  quantity: v.pipe(v.number(), v.integer()),
  /** Cents: per billing period for a plan, per month for an add-on. */
  unitAmount: v.pipe(v.number(), v.integer()),
  taxRate: v.pipe(v.number(), v.integer()),
  /** Cents per billing period of the contract. */
  periodAmount: v.pipe(v.number(), v.integer()),
  startedOn: IsoDateSchema,
});

export const ContractResource = v.object({
  id: v.string(),
  customerId: v.string(),
  templateId: v.string(),
  status: v.picklist(["active", "cancellation_pending", "ended"]),
  startDate: IsoDateSchema,
  billingInterval: v.picklist(["month", "quarter", "year"]),
  billingAnchor: IsoDateSchema,
  currentPeriod: v.object({ start: IsoDateSchema, end: IsoDateSchema }),
  nextBillingDate: IsoDateSchema,
  endDate: v.nullable(IsoDateSchema),
  offeredTemplateIds: v.array(v.string()),
  version: v.pipe(v.number(), v.integer()),
  recurringNetAmount: v.pipe(v.number(), v.integer()),
  items: v.array(ContractItemResource),
  createdAt: v.string(),
});

const CreatedContractResource = v.object({ ...ContractResource.entries, invoiceId: v.string() });
const CancelledContractResource = v.object({
  ...ContractResource.entries,
  earliestEndDate: IsoDateSchema,
});
const CustomerCenterResource = v.object({
  contractId: v.string(),
  offeredTemplateIds: v.array(v.string()),
});

type Contract = v.InferOutput<typeof ContractResource>;

export function contractResource(contract: ContractRecord, items: ContractItemRecord[]): Contract {
  const interval = contract.billingInterval;
  const shapedItems = items.map((item) => ({
    id: item.id,
    articleId: item.articleId,
    kind: item.kind as "plan" | "addon",
    name: item.name,
    quantity: item.quantity,
    unitAmount: item.unitAmount,
    taxRate: item.taxRate,
    periodAmount: itemPeriodAmount(
      { kind: item.kind, unitAmount: item.unitAmount, quantity: item.quantity },
      interval,
    ),
    startedOn: item.startedOn,
  }));
  return {
    id: contract.id,
    customerId: contract.customerId,
    templateId: contract.templateId,
    status: contract.status,
    startDate: contract.startDate,
    billingInterval: interval,
    billingAnchor: contract.billingAnchor,
    currentPeriod: { start: contract.currentPeriodStart, end: contract.currentPeriodEnd },
    nextBillingDate: contract.currentPeriodEnd,
    endDate: contract.endDate,
    offeredTemplateIds: contract.offeredTemplateIds,
    version: contract.version,
    recurringNetAmount: shapedItems.reduce((sum, item) => sum + item.periodAmount, 0),
    items: shapedItems,
    createdAt: contract.createdAt,
  };
}

export const contractsRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc("Contracts", "Create a contract and issue its first invoice", {
      status: 201,
      schema: CreatedContractResource,
    }),
    valid("json", CreateContract),
    async (c) => {
      const { contract, invoiceId } = await createContract(
        c.var.db,
        c.var.merchant,
        c.req.valid("json"),
        c.var.now,
      );
      const answer: v.InferOutput<typeof CreatedContractResource> = {
        ...contractResource(contract, contract.items),
        invoiceId,
      };
      return c.json(answer, 201);
    },
  )
  .get(
    "/",
    doc("Contracts", "List contracts", { schema: PageOf(ContractResource) }),
    valid("query", ContractListQuery),
    async (c) => {
      const { limit, cursor, customerId, status } = c.req.valid("query");
      const rows = await listContractsWithItems(c.var.db, c.var.merchant.id, {
        limit,
        cursor,
        customerId,
        status,
      });
      return c.json(toPage(rows, limit, (row) => contractResource(row, row.items)));
    },
  )
  .get(
    "/:id",
    doc(
      "Contracts",
      "Get a contract with its items",
      { schema: ContractResource },
      { errors: [404] },
    ),
    valid("param", IdParam("ctr")),
    async (c) => {
      const contract = await getContract(c.var.db, c.var.merchant.id, c.req.valid("param").id);
      return c.json(contractResource(contract, contract.items));
    },
  )
  .post(
    "/:id/cancel",
    doc(
      "Contracts",
      "Cancel a contract at the earliest possible or a later period end",
      { schema: CancelledContractResource },
      { errors: [404, 409, 422] },
    ),
    valid("param", IdParam("ctr")),
    valid("json", Cancellation),
    async (c) => {
      const { id } = c.req.valid("param");
      const { contract, endDate, earliestEndDate } = await cancelMerchantContract(
        c.var.db,
        c.var.merchant,
        id,
        c.req.valid("json").endDate,
        c.var.now,
      );
      const answer: v.InferOutput<typeof CancelledContractResource> = {
        ...contractResource(contract, contract.items),
        endDate,
        earliestEndDate,
      };
      return c.json(answer);
    },
  )
  .put(
    "/:id/customer-center",
    doc(
      "Contracts",
      "Set which tariffs are offered to this contract's customer",
      { schema: CustomerCenterResource },
      { errors: [404, 409] },
    ),
    valid("param", IdParam("ctr")),
    valid("json", CustomerCenter),
    async (c) => {
      const { id } = c.req.valid("param");
      const { offeredTemplateIds } = c.req.valid("json");
      await setOfferedTemplates(c.var.db, c.var.merchant.id, id, offeredTemplateIds, c.var.now);
      return c.json(shaped(CustomerCenterResource)({ contractId: id, offeredTemplateIds }));
    },
  );
