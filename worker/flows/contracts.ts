// The contract use cases of the merchant API: create a contract (and issue the invoice of its
// opening period in the same batch), read one or a page of them with their items, cancel one,
// and set which tariffs its customer is offered in the customer center.
import { localDate, type IsoDate } from "../domain/calendar.ts";
import { openingPeriod, periodInvoiceLines } from "../domain/contract-billing.ts";
import { itemPeriodAmount } from "../domain/contract-terms.ts";
import { invalidFields, missingReference, notFound } from "../domain/errors.ts";
import { draftInvoice, regularBillingKey } from "../domain/invoice-draft.ts";
import { freshInvoiceIds, newId } from "../security.ts";
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
  type ContractWithItems,
} from "../store/contracts.ts";
import { listChanges, type ContractChangeRecord } from "../store/contract-changes.ts";
import { loadInvoiceParties } from "../store/company.ts";
import { runBatch, type Db } from "../store/db.ts";
import { issueInvoiceStatements } from "../store/invoices.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import { eventStatements } from "../store/webhook-events.ts";
import { cancelContract } from "./contract-changes.ts";

export interface CreateContractRequest {
  customerId: string;
  templateId: string;
  startDate: IsoDate;
  addons: { articleId: string; quantity: number }[];
  offeredTemplateIds: string[];
}

export interface ContractListFilter {
  limit: number;
  cursor?: string | undefined;
  customerId?: string | undefined;
  status?: ContractRecord["status"] | undefined;
}

/** Offered templates must belong to the contract's template group. */
async function checkOfferedTemplates(
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

/**
 * Creates the contract with its plan and add-ons and issues the invoice of the period containing
 * today (or of its first period, if it starts later), billed in advance, with the
 * `contract.created` event, in one atomic batch.
 */
export async function createContract(
  db: Db,
  merchant: MerchantRecord,
  request: CreateContractRequest,
  now: Date,
): Promise<{ contract: ContractWithItems; invoiceId: string }> {
  const [parties, template] = await Promise.all([
    loadInvoiceParties(db, merchant.id, request.customerId),
    findContractTemplate(db, merchant.id, request.templateId),
  ]);
  const customer = parties?.customer;
  if (!parties || !customer)
    throw missingReference("customerId", `customer ${request.customerId} does not exist`);
  if (!template)
    throw missingReference("templateId", `template ${request.templateId} does not exist`);
  const articles = new Map(
    (
      await findArticles(db, merchant.id, [
        template.planArticleId,
        ...request.addons.map((a) => a.articleId),
      ])
    ).map((a) => [a.id, a]),
  );
  checkAddons(request.addons, template.allowedAddonArticleIds, articles);
  await checkOfferedTemplates(
    db,
    merchant.id,
    template.templateGroupId,
    request.offeredTemplateIds,
  );

  const interval = template.billingInterval;
  const today = localDate(now, merchant.timeZone);
  const period = openingPeriod(request.startDate, interval, today);
  const contractId = newId("ctr");
  const plan = articles.get(template.planArticleId)!;
  const items = [
    { article: plan, kind: "plan" as const, quantity: 1 },
    ...request.addons.map((addon) => ({
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
    startedOn: request.startDate,
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
    startDate: request.startDate,
    billingAnchor: request.startDate,
    billingInterval: interval,
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
    offeredTemplateIds: request.offeredTemplateIds,
  };
  const created = {
    contractId,
    customerId: customer.id,
    templateId: template.id,
    startDate: request.startDate,
    currentPeriod: period,
    invoiceId: invoice.id,
  };
  await runBatch(db, [
    ...insertContractStatements(db, contract, items),
    ...issueInvoiceStatements(db, invoice, now),
    ...eventStatements(db, {
      merchantId: merchant.id,
      type: "contract.created",
      data: created,
      at: now,
    }),
  ]);
  return { contract: await getContract(db, merchant.id, contractId), invoiceId: invoice.id };
}

/** One contract of the merchant with its current items; not_found otherwise. */
export async function getContract(
  db: Db,
  merchantId: string,
  contractId: string,
): Promise<ContractWithItems> {
  const contract = await findContract(db, merchantId, contractId);
  if (!contract) throw notFound("Contract", contractId);
  return contract;
}

/**
 * A page of contracts (`limit + 1` rows, so the caller can tell whether there is a next page),
 * each with its current items; the look-ahead row carries none.
 */
export async function listContractsWithItems(
  db: Db,
  merchantId: string,
  filter: ContractListFilter,
): Promise<ContractWithItems[]> {
  const rows = await listContracts(db, merchantId, filter);
  const items = await findActiveItemsOf(
    db,
    merchantId,
    rows.slice(0, filter.limit).map((row) => row.id),
  );
  return rows.map((row) => ({
    ...row,
    items: items.filter((item) => item.contractId === row.id),
  }));
}

/** The merchant cancels a contract; returns it as stored afterwards with the end dates. */
export async function cancelMerchantContract(
  db: Db,
  merchant: MerchantRecord,
  contractId: string,
  endDate: IsoDate | undefined,
  now: Date,
): Promise<{ contract: ContractWithItems; endDate: IsoDate; earliestEndDate: IsoDate }> {
  const ends = await cancelContract(db, { kind: "merchant", merchant }, contractId, endDate, now);
  return { contract: await getContract(db, merchant.id, contractId), ...ends };
}

/** Sets the tariffs offered to the contract's customer; they must be in its template's group. */
export async function setOfferedTemplates(
  db: Db,
  merchantId: string,
  contractId: string,
  offeredTemplateIds: string[],
  now: Date,
): Promise<void> {
  const contract = await getContract(db, merchantId, contractId);
  const template = await findContractTemplate(db, merchantId, contract.templateId);
  await checkOfferedTemplates(db, merchantId, template!.templateGroupId, offeredTemplateIds);
  await runBatch(
    db,
    guardedContractWrite(db, contract, newId("wrt"), {
      offeredTemplateIds,
      updatedAt: now.toISOString(),
    }),
  );
}

/** A page of a contract's changes (`limit + 1` rows); not_found for another merchant's contract. */
export async function listContractChanges(
  db: Db,
  merchantId: string,
  contractId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<ContractChangeRecord[]> {
  if (!(await findContract(db, merchantId, contractId))) throw notFound("Contract", contractId);
  return listChanges(db, merchantId, contractId, page);
}
