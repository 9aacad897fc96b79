// What the billing run reads and writes, a page of contracts at a time: the contracts with due
// work, their contexts in one batch (with what their due scheduled changes need), the statements that bill their next periods (advance the
// periods, snapshot what each item was billed at, issue the invoices with carried proration
// lines) in one batch, and the ones that end a contract.
import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { union, unionAll } from "drizzle-orm/sqlite-core";
import {
  articles,
  carriedLines,
  contractChanges,
  contractItems,
  contractTemplates,
  contracts,
  invoices,
  merchants,
} from "../../schema/tables.ts";
import type { PendingChange } from "../domain/change-application.ts";
import type { CarriedLine, PeriodBilling } from "../domain/contract-billing.ts";
import type { AddonArticle, ContractSnapshot, TemplateTerms } from "../domain/contract-terms.ts";
import { newId } from "../security.ts";
import type { InvoiceParties } from "../domain/invoice-snapshot.ts";
import {
  addonArticle,
  contractSnapshot,
  templateTerms,
  type ChangeContext,
} from "./change-context.ts";
import {
  merchantsWithSellerQuery,
  pageCustomersQuery,
  partiesOfPage,
  type SellerRows,
} from "./company.ts";
import type { ChangeWrite, ContractChangeRecord } from "./contract-changes.ts";
import {
  billedItemsStatements,
  guardedContractsWrite,
  guardedContractWrite,
  type ContractItemRecord,
  type ContractRecord,
} from "./contracts.ts";
import { hasCreditLeft } from "./customer-credit.ts";
import { inRows, jsonRows, rowValue, type Db } from "./db.ts";
import { issueInvoicesStatements } from "./invoices.ts";
import type { MerchantRecord } from "./merchants.ts";
import { eventsStatements, eventStatements } from "./webhook-events.ts";

export interface DueContract {
  id: string;
  merchantId: string;
  timeZone: string;
}

/**
 * Contracts with a period end or a scheduled change on or before `latestToday` (the furthest
 * "today" of any merchant time zone). Work shrinks this set as it is done, so it is its own
 * cursor across ticks; `after` pages within one tick. The period ends are found through the
 * `contracts_due` index and the changes through `contract_changes_due`, never by walking all
 * contracts.
 */
export async function findDueContracts(
  db: Db,
  latestToday: string,
  after: string,
  limit: number,
  merchantId?: string,
): Promise<DueContract[]> {
  const byPeriod = db
    .select({ id: contracts.id })
    .from(contracts)
    .where(
      and(
        lte(contracts.currentPeriodEnd, latestToday),
        // Unary plus: the page cursor and the merchant filter the due index's rows; neither the
        // primary key nor the merchant index is walked instead.
        sql`+${contracts.id} > ${after}`,
        inArray(contracts.status, ["active", "cancellation_pending"]),
        merchantId === undefined ? undefined : sql`+${contracts.merchantId} = ${merchantId}`,
      ),
    );
  const byChange = db
    .select({ id: contractChanges.contractId })
    .from(contractChanges)
    .where(
      and(
        eq(contractChanges.status, "scheduled"),
        lte(contractChanges.effectiveDate, latestToday),
        gt(contractChanges.contractId, after),
        merchantId === undefined ? undefined : eq(contractChanges.merchantId, merchantId),
      ),
    );
  return db
    .select({ id: contracts.id, merchantId: contracts.merchantId, timeZone: merchants.timeZone })
    .from(contracts)
    .innerJoin(merchants, eq(merchants.id, contracts.merchantId))
    .where(
      and(
        sql`${contracts.id} IN ${unionAll(byPeriod, byChange)}`,
        inArray(contracts.status, ["active", "cancellation_pending"]),
        // Test-mode merchants run on their own clock (worker/jobs/test-clock.ts), never the
        // cron's; their merchant row is joined by primary key, the due index still finds the page.
        merchantId === undefined ? eq(merchants.mode, "live") : undefined,
      ),
    )
    .orderBy(asc(contracts.id))
    .limit(limit);
}

/** What billing one contract needs, loaded for a whole page at once. */
export interface BillingContext {
  contract: ContractRecord;
  snapshot: ContractSnapshot;
  /** The currency the contract is billed in (its plan article's). */
  planCurrency: string;
  /** Its scheduled changes whose day may have come, oldest first. */
  dueChanges: ContractChangeRecord[];
  /** Proration lines waiting for the next regular invoice, oldest first. */
  carried: (CarriedLine & { id: string })[];
  /** Seller and buyer of its invoice as they are now; undefined if the customer is missing. */
  parties: InvoiceParties | undefined;
  /** Whether its customer has credit left, which the invoice's write then applies. */
  customerHasCredit: boolean;
  /** What applying one of its due changes needs besides the above (see changeContextOf). */
  forChange: {
    items: ContractItemRecord[];
    template: TemplateTerms;
    /** Its latest invoice that is not a credit note; read only when a change is due. */
    lastChargeInvoiceId: string | undefined;
    /** All its changes still waiting for their day (the due ones among them). */
    scheduledChanges: PendingChange[];
    /** The templates and add-on articles its merchant's due changes of the page name. */
    targetTemplates: ReadonlyMap<string, TemplateTerms>;
    targetArticles: ReadonlyMap<string, AddonArticle>;
  };
}

/**
 * The context of a due scheduled change, from the page's context: the same shape, and the same
 * values, as `loadChangeContext` reads for the change on its own.
 */
export function changeContextOf(
  context: BillingContext,
  change: ContractChangeRecord,
): ChangeContext {
  const { request } = change;
  const { forChange } = context;
  return {
    contract: context.contract,
    items: forChange.items,
    snapshot: context.snapshot,
    template: forChange.template,
    targetTemplate:
      request.type === "switch_template"
        ? forChange.targetTemplates.get(request.templateId)
        : undefined,
    targetArticle:
      request.type === "add_addon" ? forChange.targetArticles.get(request.articleId) : undefined,
    planCurrency: context.planCurrency,
    lastChargeInvoiceId: forChange.lastChargeInvoiceId,
    scheduledChanges: forChange.scheduledChanges,
    parties: context.parties,
    customerLocale: context.parties?.customer.locale ?? "de",
  };
}

/** Statements of `loadBillingPage`'s batch when it reads merchants (the first page of each). */
export const BILLING_PAGE_READS = 8;
/** Statements of `loadBillingPage`'s batch when every merchant of the page is already known. */
export const BILLING_PAGE_READS_KNOWN = 7;

/**
 * The contexts of a page of contracts in ONE round trip: contracts, current items, templates,
 * plan articles, scheduled changes, uninvoiced carried lines, the customers with their active
 * mandate and whether they have credit left, and — for merchants not yet known to the caller —
 * the merchants with their company settings and creditor ids. What the changes due by
 * `latestToday` need rides along in the same selects: their target templates with their plan
 * articles (with the templates), their add-on articles (with the plan articles), and, for the
 * contracts with one, the latest invoice that is not a credit note (a column of the contracts).
 */
export async function loadBillingPage(
  db: Db,
  contractIds: readonly string[],
  latestToday: string,
  unknownMerchantIds: readonly string[],
  knownSellers: ReadonlyMap<string, SellerRows>,
): Promise<{
  contexts: Map<string, BillingContext>;
  merchants: MerchantRecord[];
  sellers: Map<string, SellerRows>;
}> {
  const ids = [...contractIds];
  const templateIds = db
    .select({ id: contracts.templateId })
    .from(contracts)
    .where(inArray(contracts.id, ids));
  const customerIds = db
    .select({ id: contracts.customerId })
    .from(contracts)
    .where(inArray(contracts.id, ids));
  // The page's ids once more as ONE parameter: a second list of 50 would pass D1's 100.
  const pageIds = sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
  const dueChange = sql`${contractChanges.status} = 'scheduled' AND ${contractChanges.effectiveDate} <= ${latestToday}`;
  /** The ids the page's due changes of `type` name in their request's `key`. */
  const dueTargets = (type: ContractChangeRecord["type"], key: string) =>
    sql`(SELECT ${contractChanges.request} ->> ${`$.${key}`} FROM ${contractChanges} WHERE ${contractChanges.contractId} IN ${pageIds} AND ${contractChanges.type} = ${type} AND ${dueChange})`;
  const pageTemplates = or(
    inArray(contractTemplates.id, templateIds),
    sql`${contractTemplates.id} IN ${dueTargets("switch_template", "templateId")}`,
  );
  const pageReads = [
    db
      .select({
        contract: contracts,
        lastChargeInvoiceId: sql<
          string | null
        >`CASE WHEN EXISTS (SELECT 1 FROM ${contractChanges} WHERE ${contractChanges.contractId} = "contracts"."id" AND ${dueChange}) THEN (SELECT i.id FROM ${invoices} AS i WHERE i.merchant_id = "contracts"."merchant_id" AND i.contract_id = "contracts"."id" AND i.kind <> 'credit_note' ORDER BY i.id DESC LIMIT 1) END`,
      })
      .from(contracts)
      .where(inArray(contracts.id, ids)),
    db
      .select()
      .from(contractItems)
      .where(and(inArray(contractItems.contractId, ids), isNull(contractItems.endedOn)))
      .orderBy(asc(contractItems.id)),
    db.select().from(contractTemplates).where(pageTemplates),
    db
      .select()
      .from(articles)
      .where(
        or(
          inArray(
            articles.id,
            db
              .select({ id: contractTemplates.planArticleId })
              .from(contractTemplates)
              .where(pageTemplates),
          ),
          sql`${articles.id} IN ${dueTargets("add_addon", "articleId")}`,
        ),
      ),
    db
      .select()
      .from(contractChanges)
      .where(and(inArray(contractChanges.contractId, ids), eq(contractChanges.status, "scheduled")))
      .orderBy(asc(contractChanges.effectiveDate), asc(contractChanges.id)),
    db
      .select()
      .from(carriedLines)
      .where(and(inArray(carriedLines.contractId, ids), isNull(carriedLines.invoiceId)))
      .orderBy(asc(carriedLines.id)),
    pageCustomersQuery(db, customerIds, {
      hasCredit: hasCreditLeft(sql`"customers"."merchant_id"`, sql`"customers"."id"`),
    }),
  ] as const;
  const unknown = [...unknownMerchantIds];
  const [[rows, items, templates, plans, changes, carried, customerRows], merchantRows, sellers] =
    unknown.length === 0
      ? [await db.batch(pageReads), [], new Map<string, SellerRows>()]
      : await db
          .batch([...pageReads, merchantsWithSellerQuery(db, unknown)])
          .then(
            ([r, i, t, p, c, l, u, m]) =>
              [
                [r, i, t, p, c, l, u] as const,
                m.map((row) => row.merchant),
                new Map(
                  m.map((row) => [
                    row.merchant.id,
                    { company: row.company ?? undefined, creditorId: row.creditorId ?? undefined },
                  ]),
                ),
              ] as const,
          );
  const sellerOf = (merchantId: string) => sellers.get(merchantId) ?? knownSellers.get(merchantId);
  const templateById = new Map(templates.map((template) => [template.id, template]));
  const planById = new Map(plans.map((plan) => [plan.id, plan]));
  const targetsOf = new Map<string, BillingContext["forChange"]["targetTemplates"]>();
  const articlesOf = new Map<string, Map<string, AddonArticle>>();
  /** What the single change context reads: the merchant's own template and plan, by id. */
  const targets = (merchantId: string) => {
    let templatesById = targetsOf.get(merchantId);
    let articlesById = articlesOf.get(merchantId);
    if (!templatesById || !articlesById) {
      const own = <T extends { merchantId: string }>(row: T) => row.merchantId === merchantId;
      templatesById = new Map(
        templates.filter(own).flatMap((template) => {
          const plan = planById.get(template.planArticleId);
          return plan && own(plan) ? [[template.id, templateTerms(template, plan)] as const] : [];
        }),
      );
      articlesById = new Map(
        plans.filter(own).map((article) => [article.id, addonArticle(article)] as const),
      );
      targetsOf.set(merchantId, templatesById);
      articlesOf.set(merchantId, articlesById);
    }
    return { targetTemplates: templatesById, targetArticles: articlesById };
  };
  const contexts = new Map<string, BillingContext>();
  for (const { contract, lastChargeInvoiceId } of rows) {
    const template = templateById.get(contract.templateId);
    const plan = template ? planById.get(template.planArticleId) : undefined;
    // Both belong to the contract's merchant; a mismatch is a broken row, not billed.
    if (!template || !plan || template.merchantId !== contract.merchantId) continue;
    const terms = templateTerms(template, plan);
    const own = <T extends { contractId: string; merchantId: string }>(row: T) =>
      row.contractId === contract.id && row.merchantId === contract.merchantId;
    const customer = customerRows.find(
      (row) =>
        row.customer.id === contract.customerId && row.customer.merchantId === contract.merchantId,
    );
    const ownItems = items.filter(own);
    const scheduled = changes.filter(own);
    const dueChanges = scheduled.filter((change) => change.effectiveDate <= latestToday);
    contexts.set(contract.id, {
      contract,
      snapshot: contractSnapshot(contract, ownItems, terms),
      planCurrency: plan.currency,
      dueChanges,
      carried: carried.filter(own).map((line) => ({
        id: line.id,
        description: line.description,
        articleId: line.articleId,
        itemId: line.itemId,
        quantity: line.quantity,
        periodStart: line.periodStart,
        periodEnd: line.periodEnd,
        netAmount: line.netAmount,
        taxRate: line.taxRate,
      })),
      parties: partiesOfPage(sellerOf(contract.merchantId), customer),
      customerHasCredit: Boolean(customer?.hasCredit),
      forChange: {
        items: ownItems,
        template: terms,
        lastChargeInvoiceId: lastChargeInvoiceId ?? undefined,
        scheduledChanges: scheduled.map((change) => ({ id: change.id, type: change.type })),
        ...(dueChanges.length > 0
          ? targets(contract.merchantId)
          : { targetTemplates: new Map(), targetArticles: new Map() }),
      },
    });
  }
  return { contexts, merchants: merchantRows, sellers };
}

/** The merchants with due work, for the cron to enqueue a billing message for each. */
export async function merchantsWithDueContracts(db: Db, latestToday: string): Promise<string[]> {
  // Test-mode merchants run on their own clock (worker/jobs/test-clock.ts), never the cron's.
  const live = db.select({ id: merchants.id }).from(merchants).where(eq(merchants.mode, "live"));
  const byPeriod = db
    .selectDistinct({ merchantId: contracts.merchantId })
    .from(contracts)
    .where(
      and(
        inArray(contracts.status, ["active", "cancellation_pending"]),
        lte(contracts.currentPeriodEnd, latestToday),
        inArray(contracts.merchantId, live),
      ),
    );
  const byChange = db
    .selectDistinct({ merchantId: contractChanges.merchantId })
    .from(contractChanges)
    .where(
      and(
        eq(contractChanges.status, "scheduled"),
        lte(contractChanges.effectiveDate, latestToday),
        inArray(contractChanges.merchantId, live),
      ),
    );
  const rows = await union(byPeriod, byChange);
  return rows.map((row) => row.merchantId);
}

/** One contract's next period, as the domain computed it, with the contract it was read at. */
export interface ContractPeriodBilling extends PeriodBilling {
  contract: { id: string; merchantId: string; version: number };
  carriedLineIds: string[];
  /** Apply the customer's credit in the write (only when the context saw credit left). */
  applyCredit: boolean;
}

/** A due scheduled change applied within a billing page (see `prepareChange`). */
export interface PageChange {
  write: ChangeWrite;
  /** Apply the customer's credit to its invoice (only when the context saw credit left). */
  applyCredit: boolean;
}

/**
 * Everything billing a page of contracts writes, for ONE atomic batch: the periods advanced
 * behind every contract's version guard, the items' billed amounts, the carried lines claimed
 * by their invoices (only while unclaimed), and the invoices issued. The page's due changes
 * join it: each one's guarded contract, items and change record, their invoices issued with
 * the page's (one multi-row insert, one number draw per series), their events in one insert.
 * A concurrent writer or a second run of the same page aborts the whole batch, so nothing is
 * written twice.
 */
export function billPageStatements(
  db: Db,
  billings: readonly ContractPeriodBilling[],
  at: Date,
  changes: readonly PageChange[] = [],
): BatchItem<"sqlite">[] {
  if (billings.length === 0 && changes.length === 0) return [];
  const claimed = billings.flatMap((billing) =>
    billing.carriedLineIds.map((id) => ({ id, invoiceId: billing.invoice.id })),
  );
  const claimedLines = jsonRows(claimed);
  const changeInvoices = changes.flatMap(({ write, applyCredit }) =>
    write.invoice ? [{ draft: write.invoice, applyCredit }] : [],
  );
  const withCredit = new Set([
    ...billings.flatMap((billing) => (billing.applyCredit ? [billing.invoice.id] : [])),
    ...changeInvoices.flatMap(({ draft, applyCredit }) => (applyCredit ? [draft.id] : [])),
  ]);
  return [
    ...(billings.length === 0
      ? []
      : guardedContractsWrite(
          db,
          billings.map(({ contract, period }) => ({
            contract,
            set: { currentPeriodStart: period.start, currentPeriodEnd: period.end },
          })),
          newId("wrt"),
          { updatedAt: at.toISOString() },
        )),
    ...billedItemsStatements(
      db,
      billings.flatMap(({ contract, period, items }) =>
        items.map((item) => ({
          id: item.id,
          merchantId: contract.merchantId,
          billedPeriodAmount: item.billedPeriodAmount,
          billedPeriodStart: period.start,
        })),
      ),
    ),
    ...(claimed.length > 0
      ? [
          db
            .update(carriedLines)
            .set({ invoiceId: rowValue(claimedLines, "invoiceId", carriedLines.id) })
            .where(
              and(
                inRows(claimedLines, carriedLines.id),
                inArray(carriedLines.merchantId, [
                  ...new Set(billings.map(({ contract }) => contract.merchantId)),
                ]),
                sql`${carriedLines.invoiceId} IS NULL`,
              ),
            ),
        ]
      : []),
    ...changes.flatMap(({ write }) => write.head),
    ...issueInvoicesStatements(
      db,
      [...billings.map((billing) => billing.invoice), ...changeInvoices.map(({ draft }) => draft)],
      at,
      { mayHaveCredit: (draft) => withCredit.has(draft.id) },
    ),
    ...changes.flatMap(({ write }) => write.tail()),
    ...eventsStatements(
      db,
      changes.map(({ write }) => write.event),
    ),
  ];
}

export function endContractStatements(
  db: Db,
  contract: {
    id: string;
    merchantId: string;
    customerId: string;
    version: number;
    endDate: string | null;
  },
  at: Date,
): BatchItem<"sqlite">[] {
  return [
    ...guardedContractWrite(db, contract, newId("wrt"), {
      status: "ended",
      updatedAt: at.toISOString(),
    }),
    ...eventStatements(db, {
      merchantId: contract.merchantId,
      type: "contract.ended",
      data: { contractId: contract.id, customerId: contract.customerId, endDate: contract.endDate },
      at,
    }),
  ];
}
