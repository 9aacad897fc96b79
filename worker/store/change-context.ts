// Loads everything a contract change needs — the contract, its items, its template with the
// plan article, the target template or article of the request, and both invoice parties (seller
// and customer, whose locale is the language of their documents) — in one D1 round trip, and
// maps the rows to the domain's contract and tariff shapes.
import { and, desc, eq, inArray, ne } from "drizzle-orm";
import {
  articles,
  contractChanges,
  contractTemplates,
  contracts,
  invoices,
} from "../../schema/tables.ts";
import type { PendingChange } from "../domain/change-application.ts";
import type { AddonArticle, ContractSnapshot, TemplateTerms } from "../domain/contract-terms.ts";
import type { ArticleRecord, ContractTemplateRecord } from "./catalogue.ts";
import { activeItemsQuery, type ContractItemRecord, type ContractRecord } from "./contracts.ts";
import { customerIdOf, invoicePartiesOf, invoicePartiesQueries } from "./company.ts";
import type { Db } from "./db.ts";
import type { InvoiceParties } from "../domain/invoice-snapshot.ts";

export interface ChangeTarget {
  templateId?: string | undefined;
  articleId?: string | undefined;
}

export interface ChangeContext {
  contract: ContractRecord;
  items: ContractItemRecord[];
  snapshot: ContractSnapshot;
  template: TemplateTerms;
  targetTemplate: TemplateTerms | undefined;
  targetArticle: AddonArticle | undefined;
  /** The currency the contract is billed in (its plan article's). */
  planCurrency: string;
  /** The latest invoice that billed this contract: what a credit note refers to. */
  lastChargeInvoiceId: string | undefined;
  /** The contract's changes still waiting for their day. */
  scheduledChanges: PendingChange[];
  /** The contract's customer's locale ("de", "en-GB", …): the language of their documents. */
  customerLocale: string;
  /** Seller and buyer for an interim invoice or credit note the change may issue. */
  parties: InvoiceParties | undefined;
}

/*
 * Joins are avoided on purpose: inside a D1 batch drizzle maps rows by column name, and joined
 * tables share names (id, name, ...). Single-table selects keyed by subqueries keep this one
 * round trip and unambiguous.
 */
const templateIdOf = (db: Db, contractId: string) =>
  db.select({ id: contracts.templateId }).from(contracts).where(eq(contracts.id, contractId));

function templateQueries(
  db: Db,
  merchantId: string,
  templateIds: ReturnType<typeof templateIdOf> | string[],
) {
  const planIds = db
    .select({ id: contractTemplates.planArticleId })
    .from(contractTemplates)
    .where(inArray(contractTemplates.id, templateIds));
  return [
    db
      .select()
      .from(contractTemplates)
      .where(
        and(
          eq(contractTemplates.merchantId, merchantId),
          inArray(contractTemplates.id, templateIds),
        ),
      )
      .limit(1),
    db
      .select()
      .from(articles)
      .where(and(eq(articles.merchantId, merchantId), inArray(articles.id, planIds)))
      .limit(1),
  ] as const;
}

export async function loadChangeContext(
  db: Db,
  merchantId: string,
  contractId: string,
  target: ChangeTarget = {},
): Promise<ChangeContext | undefined> {
  const [current, currentPlan] = templateQueries(db, merchantId, templateIdOf(db, contractId));
  const [wanted, wantedPlan] = templateQueries(
    db,
    merchantId,
    target.templateId ? [target.templateId] : [],
  );
  const [company, customer, mandate, creditor] = invoicePartiesQueries(
    db,
    merchantId,
    customerIdOf(db, contractId),
  );
  const [
    rows,
    items,
    templates,
    plans,
    targetTemplates,
    targetPlans,
    targetArticles,
    lastCharge,
    scheduledChanges,
    ...parties
  ] = await db.batch([
    db
      .select()
      .from(contracts)
      .where(and(eq(contracts.merchantId, merchantId), eq(contracts.id, contractId)))
      .limit(1),
    activeItemsQuery(db, merchantId, contractId),
    current,
    currentPlan,
    wanted,
    wantedPlan,
    db
      .select()
      .from(articles)
      .where(and(eq(articles.merchantId, merchantId), eq(articles.id, target.articleId ?? "")))
      .limit(1),
    db
      .select({ id: invoices.id })
      .from(invoices)
      .where(
        and(
          eq(invoices.merchantId, merchantId),
          eq(invoices.contractId, contractId),
          ne(invoices.kind, "credit_note"),
        ),
      )
      .orderBy(desc(invoices.id))
      .limit(1),
    db
      .select({ id: contractChanges.id, type: contractChanges.type })
      .from(contractChanges)
      .where(
        and(
          eq(contractChanges.merchantId, merchantId),
          eq(contractChanges.contractId, contractId),
          eq(contractChanges.status, "scheduled"),
        ),
      ),
    company,
    customer,
    mandate,
    creditor,
  ]);
  const contract = rows[0];
  if (!contract || !templates[0] || !plans[0]) return undefined;
  const invoiceParties = invoicePartiesOf(parties);
  const template = templateTerms(templates[0], plans[0]);
  return {
    contract,
    items,
    snapshot: contractSnapshot(contract, items, template),
    template,
    targetTemplate:
      targetTemplates[0] && targetPlans[0]
        ? templateTerms(targetTemplates[0], targetPlans[0])
        : undefined,
    targetArticle: targetArticles[0] ? addonArticle(targetArticles[0]) : undefined,
    planCurrency: plans[0].currency,
    lastChargeInvoiceId: lastCharge[0]?.id,
    scheduledChanges,
    parties: invoiceParties,
    customerLocale: invoiceParties?.customer.locale ?? "de",
  };
}

export function templateTerms(
  template: ContractTemplateRecord,
  plan: ArticleRecord,
): TemplateTerms {
  return {
    id: template.id,
    name: template.name,
    templateGroupId: template.templateGroupId,
    interval: template.billingInterval,
    planArticle: {
      id: plan.id,
      name: plan.name,
      unitAmount: plan.unitAmount,
      taxRate: plan.taxRate,
    },
    minimumTermMonths: template.minimumTermMonths,
    noticePeriodDays: template.noticePeriodDays,
    allowedAddonArticleIds: template.allowedAddonArticleIds,
    changePoints: template.changePoints,
    downgradeTiming: template.downgradeTiming,
  };
}

export function addonArticle(article: ArticleRecord): AddonArticle {
  return {
    id: article.id,
    name: article.name,
    unitAmount: article.unitAmount,
    taxRate: article.taxRate,
    kind: article.kind,
  };
}

export function contractSnapshot(
  contract: ContractRecord,
  items: ContractItemRecord[],
  template: TemplateTerms,
): ContractSnapshot {
  return {
    id: contract.id,
    startDate: contract.startDate,
    billingAnchor: contract.billingAnchor,
    interval: contract.billingInterval,
    currentPeriod: { start: contract.currentPeriodStart, end: contract.currentPeriodEnd },
    minimumTermMonths: template.minimumTermMonths,
    noticePeriodDays: template.noticePeriodDays,
    endDate: contract.endDate,
    items: items.map((item) => ({
      id: item.id,
      articleId: item.articleId,
      kind: item.kind,
      name: item.name,
      quantity: item.quantity,
      unitAmount: item.unitAmount,
      taxRate: item.taxRate,
      billedPeriodAmount: item.billedPeriodAmount,
    })),
    templateId: template.id,
    templateGroupId: template.templateGroupId,
    offeredTemplateIds: contract.offeredTemplateIds,
  };
}
