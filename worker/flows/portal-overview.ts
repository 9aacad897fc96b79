// Builds the portal's contract overview (GET /portal/v1/contracts): the customer's contracts
// with everything the widget shows and may offer, from one batch of rows and the pure portal
// rules. The response shape is the widget's contract in widget/src/portal-api.ts.
import type { PortalContract, PortalOverview } from "../../widget/src/portal-api.ts";
import { localDate, type IsoDate } from "../domain/calendar.ts";
import { itemPeriodAmount, recurringTotals, type AddonArticle } from "../domain/contract-terms.ts";
import { portalOptions } from "../domain/portal-options.ts";
import type { ArticleRecord } from "../store/catalogue.ts";
import { contractSnapshot, templateTerms } from "../store/change-context.ts";
import type { ContractChangeRecord } from "../store/contract-changes.ts";
import type { ContractItemRecord, ContractRecord } from "../store/contracts.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import { loadPortalRows } from "../store/portal.ts";
import type { Db } from "../store/db.ts";

type PortalRows = Awaited<ReturnType<typeof loadPortalRows>>;

function scheduledSummary(
  change: ContractChangeRecord,
  templates: Map<string, { name: string }>,
  articles: Map<string, ArticleRecord>,
  items: ContractItemRecord[],
): string {
  const request = change.request as {
    templateId?: string;
    articleId?: string;
    itemId?: string;
    quantity?: number;
  };
  if (change.type === "switch_template") return templates.get(request.templateId ?? "")?.name ?? "";
  if (change.type === "add_addon")
    return `${request.quantity ?? 1} × ${articles.get(request.articleId ?? "")?.name ?? ""}`;
  const item = items.find((candidate) => candidate.id === request.itemId);
  return change.type === "change_quantity"
    ? `${request.quantity} × ${item?.name ?? ""}`
    : (item?.name ?? "");
}

export function buildPortalOverview(
  merchant: MerchantRecord,
  customer: { id: string; name: string; locale: string },
  rows: PortalRows,
  today: IsoDate,
): PortalOverview {
  const articles = new Map(rows.articles.map((article) => [article.id, article]));
  const terms = rows.templates.flatMap((template) => {
    const plan = articles.get(template.planArticleId);
    return plan ? [templateTerms(template, plan)] : [];
  });
  const termsById = new Map(terms.map((template) => [template.id, template]));
  const contracts = rows.contracts.flatMap((contract) => {
    const template = termsById.get(contract.templateId);
    if (!template) return [];
    const items = rows.items.filter((item) => item.contractId === contract.id);
    const changes = rows.changes.filter((change) => change.contractId === contract.id);
    return [
      portalContract({
        merchant,
        contract,
        template,
        terms,
        items,
        changes,
        articles,
        termsById,
        today,
      }),
    ];
  });
  return {
    customer: { id: customer.id, name: customer.name, locale: customer.locale },
    merchant: { name: merchant.name },
    allowedActions: merchant.allowedActions as PortalOverview["allowedActions"],
    contracts,
  };
}

interface ContractInput {
  merchant: MerchantRecord;
  contract: ContractRecord;
  template: ReturnType<typeof templateTerms>;
  terms: ReturnType<typeof templateTerms>[];
  termsById: Map<string, ReturnType<typeof templateTerms>>;
  items: ContractItemRecord[];
  changes: ContractChangeRecord[];
  articles: Map<string, ArticleRecord>;
  today: IsoDate;
}

function portalContract({
  merchant,
  contract,
  template,
  terms,
  termsById,
  items,
  changes,
  articles,
  today,
}: ContractInput): PortalContract {
  const snapshot = contractSnapshot(contract, items, template);
  const addonArticles = new Map<string, AddonArticle>(
    template.allowedAddonArticleIds.flatMap((id) => {
      const article = articles.get(id);
      return article
        ? [
            [
              id,
              {
                id,
                name: article.name,
                unitAmount: article.unitAmount,
                taxRate: article.taxRate,
                kind: article.kind,
              },
            ],
          ]
        : [];
    }),
  );
  const options = portalOptions({
    contract: snapshot,
    status: contract.status,
    template,
    groupTemplates: terms,
    addonArticles,
    allowedActions: merchant.allowedActions,
    today,
  });
  const flags = new Map(options.items.map((item) => [item.id, item]));
  const ordered = [...snapshot.items].sort((a, b) =>
    a.kind === b.kind ? a.id.localeCompare(b.id) : a.kind === "plan" ? -1 : 1,
  );
  const recurring = recurringTotals(ordered, snapshot.interval);
  const endsBeforeNextPeriod =
    contract.endDate !== null && contract.endDate < contract.currentPeriodEnd;
  return {
    id: contract.id,
    status: contract.status,
    currency: articles.get(template.planArticle.id)?.currency ?? "EUR",
    tariff: { templateId: template.id, name: template.name, billingInterval: template.interval },
    items: ordered.map((item) => ({
      id: item.id,
      articleId: item.articleId,
      kind: item.kind,
      name: item.name,
      quantity: item.quantity,
      unitAmount: itemPeriodAmount({ ...item, quantity: 1 }, snapshot.interval),
      periodAmount: itemPeriodAmount(item, snapshot.interval),
      taxRate: item.taxRate,
      removable: flags.get(item.id)?.removable ?? false,
      quantityChangeable: flags.get(item.id)?.quantityChangeable ?? false,
      maxQuantity: flags.get(item.id)?.maxQuantity ?? 1,
    })),
    recurringNetAmount: recurring.netAmount,
    recurringTaxAmount: recurring.taxAmount,
    recurringGrossAmount: recurring.grossAmount,
    currentPeriod: { start: contract.currentPeriodStart, end: contract.currentPeriodEnd },
    nextBillingDate:
      contract.status === "ended" || endsBeforeNextPeriod ? null : contract.currentPeriodEnd,
    endDate: contract.endDate,
    earliestCancellationDate: options.earliestCancellationDate,
    cancellationEndDates: options.cancellationEndDates,
    scheduledChanges: changes
      .sort((a, b) => a.effectiveDate.localeCompare(b.effectiveDate))
      .map((change) => ({
        id: change.id,
        type: change.type,
        effectiveDate: change.effectiveDate,
        kind: change.kind,
        summary: scheduledSummary(change, termsById, articles, items),
      })),
    switchOptions: options.switchOptions,
    addonOptions: options.addonOptions,
    changeDates: options.changeDates,
    canCancel: options.canCancel,
  };
}

/** GET /portal/v1/contracts: loads the customer's rows in one batch and builds the overview. */
export async function portalOverview(
  db: Db,
  merchant: MerchantRecord,
  customer: { id: string; name: string; locale: string },
  now: Date,
): Promise<PortalOverview> {
  const rows = await loadPortalRows(db, merchant.id, customer.id);
  return buildPortalOverview(merchant, customer, rows, localDate(now, merchant.timeZone));
}
