// /api/v1/contracts: contracts of customers on a tariff. Creating one issues the invoice of the
// period containing today (or of its first period, if it starts later), billed in advance.
import { Hono } from "hono";
import * as v from "valibot";
import { localDate } from "../domain/calendar.ts";
import { openingPeriod, periodInvoiceLines } from "../domain/contract-billing.ts";
import { itemPeriodAmount } from "../domain/contract-terms.ts";
import { draftInvoice, regularBillingKey } from "../domain/invoice-draft.ts";
import type { AppEnv } from "../env.ts";
import { cancelContract } from "../flows/contract-changes.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { DomainError, notFound, invalidFields } from "../domain/errors.ts";
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
import {
  findArticles,
  findContractTemplate,
  findGroupTemplates,
  type ArticleRecord,
} from "../store/catalogue.ts";
import {
  findActiveItemsOf,
  findContract,
  guardedContractWrite,
  insertContractStatements,
  listContracts,
  type ContractRecord,
  type ContractItemRecord,
} from "../store/contracts.ts";
import { loadInvoiceParties } from "../store/company.ts";
import { runBatch, type Db } from "../store/db.ts";
import { issueInvoiceStatements } from "../store/invoices.ts";
import { freshInvoiceIds, newId } from "../security.ts";
import { eventStatements } from "../store/webhook-events.ts";

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

/** Offered templates must belong to the contract's template group. */
export async function checkOfferedTemplates(
  db: Db,
  merchantId: string,
  groupId: string,
  offered: readonly string[],
) {
  if (offered.length === 0) return;
  const inGroup = new Set(
    (await findGroupTemplates(db, merchantId, groupId)).map((template) => template.id),
  );
  const errors = offered
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => !inGroup.has(id))
    .map(({ id, index }) => ({
      field: `offeredTemplateIds.${index}`,
      message: `template ${id} is not in the contract's template group`,
    }));
  if (errors.length > 0) throw invalidFields(errors);
}

function checkAddons(
  addons: { articleId: string; quantity: number }[],
  allowed: readonly string[],
  found: Map<string, ArticleRecord>,
) {
  const errors: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  addons.forEach(({ articleId }, index) => {
    const field = `addons.${index}.articleId`;
    if (seen.has(articleId))
      errors.push({ field, message: "the same add-on is listed twice; use quantity" });
    else if (!found.has(articleId))
      errors.push({ field, message: `article ${articleId} does not exist` });
    else if (!allowed.includes(articleId))
      errors.push({
        field,
        message: `article ${articleId} is not an add-on allowed by the template`,
      });
    seen.add(articleId);
  });
  if (errors.length > 0) throw invalidFields(errors);
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
      const body = c.req.valid("json");
      const merchant = c.get("merchant");
      const db = c.var.db;
      const [parties, template] = await Promise.all([
        loadInvoiceParties(db, merchant.id, body.customerId),
        findContractTemplate(db, merchant.id, body.templateId),
      ]);
      const customer = parties?.customer;
      if (!parties || !customer)
        throw new DomainError(
          "validation_failed",
          `customerId: customer ${body.customerId} does not exist`,
          [{ field: "customerId", message: "does not exist" }],
        );
      if (!template)
        throw new DomainError(
          "validation_failed",
          `templateId: template ${body.templateId} does not exist`,
          [{ field: "templateId", message: "does not exist" }],
        );
      const articles = new Map(
        (
          await findArticles(db, merchant.id, [
            template.planArticleId,
            ...body.addons.map((a) => a.articleId),
          ])
        ).map((a) => [a.id, a]),
      );
      checkAddons(body.addons, template.allowedAddonArticleIds, articles);
      await checkOfferedTemplates(
        db,
        merchant.id,
        template.templateGroupId,
        body.offeredTemplateIds,
      );

      const interval = template.billingInterval;
      const today = localDate(c.get("now"), merchant.timeZone);
      const period = openingPeriod(body.startDate, interval, today);
      const contractId = newId("ctr");
      const plan = articles.get(template.planArticleId)!;
      const items = [
        { article: plan, kind: "plan" as const, quantity: 1 },
        ...body.addons.map((addon) => ({
          article: articles.get(addon.articleId)!,
          kind: "addon" as const,
          quantity: addon.quantity,
        })),
      ].map(({ article, kind, quantity }) => ({
        id: newId("itm"),
        merchantId: merchant.id,
        contractId,
        articleId: article.id,
        kind,
        name: article.name,
        quantity,
        unitAmount: article.unitAmount,
        taxRate: article.taxRate,
        billedPeriodAmount: itemPeriodAmount(
          { kind, unitAmount: article.unitAmount, quantity },
          interval,
        ),
        billedPeriodStart: period.start,
        startedOn: body.startDate,
      }));
      const invoice = draftInvoice(
        {
          kind: "regular",
          currency: plan.currency,
          lines: periodInvoiceLines(items, interval, period),
        },
        {
          merchantId: merchant.id,
          customerId: customer.id,
          contractId,
          issueDate: today,
          paymentTermDays: merchant.paymentTermDays,
          periodStart: period.start,
          periodEnd: period.end,
          changeId: null,
          billingKey: regularBillingKey(contractId, period.start),
          parties,
        },
        freshInvoiceIds(),
      );
      const contract = {
        id: contractId,
        merchantId: merchant.id,
        customerId: customer.id,
        templateId: template.id,
        startDate: body.startDate,
        billingAnchor: body.startDate,
        billingInterval: interval,
        currentPeriodStart: period.start,
        currentPeriodEnd: period.end,
        offeredTemplateIds: body.offeredTemplateIds,
      };
      const created = {
        contractId,
        customerId: customer.id,
        templateId: template.id,
        startDate: body.startDate,
        currentPeriod: period,
        invoiceId: invoice.id,
      };
      await runBatch(db, [
        ...insertContractStatements(db, contract, items),
        ...issueInvoiceStatements(db, invoice, c.var.now),
        ...eventStatements(db, {
          merchantId: merchant.id,
          type: "contract.created",
          data: created,
          at: c.get("now"),
        }),
      ]);
      const stored = await findContract(db, merchant.id, contractId);
      const answer: v.InferOutput<typeof CreatedContractResource> = {
        ...contractResource(stored!, stored!.items),
        invoiceId: invoice.id,
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
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      const rows = await listContracts(db, merchantId, { limit, cursor, customerId, status });
      const items = await findActiveItemsOf(
        db,
        merchantId,
        rows.slice(0, limit).map((row) => row.id),
      );
      return c.json(
        toPage(rows, limit, (row) =>
          contractResource(
            row,
            items.filter((item) => item.contractId === row.id),
          ),
        ),
      );
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
      const { id } = c.req.valid("param");
      const contract = await findContract(c.var.db, c.get("merchant").id, id);
      if (!contract) throw notFound("Contract", id);
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
      const merchant = c.var.merchant;
      const { endDate, earliestEndDate } = await cancelContract(
        c.var.db,
        { kind: "merchant", merchant },
        id,
        c.req.valid("json").endDate,
        c.var.now,
      );
      const contract = await findContract(c.var.db, merchant.id, id);
      const answer: v.InferOutput<typeof CancelledContractResource> = {
        ...contractResource(contract!, contract!.items),
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
      const merchantId = c.get("merchant").id;
      const db = c.var.db;
      const contract = await findContract(db, merchantId, id);
      if (!contract) throw notFound("Contract", id);
      const template = await findContractTemplate(db, merchantId, contract.templateId);
      await checkOfferedTemplates(db, merchantId, template!.templateGroupId, offeredTemplateIds);
      await runBatch(
        db,
        guardedContractWrite(db, contract, newId("wrt"), {
          offeredTemplateIds,
          updatedAt: c.var.now.toISOString(),
        }),
      );
      return c.json(shaped(CustomerCenterResource)({ contractId: id, offeredTemplateIds }));
    },
  );
