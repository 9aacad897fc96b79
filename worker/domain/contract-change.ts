// Computes one contract change (tariff switch, add-on, removal, quantity) into its kind, effective
// date, proration lines, totals, settlement and the resulting contract: the single function both
// the preview and the apply path call, so a preview is what gets applied to the cent.
import type { ChangeKind, Settlement } from "../../widget/src/billing-types.ts";

export type { ChangeKind, Settlement } from "../../widget/src/billing-types.ts";
import { addDays, INTERVAL_MONTHS, isIsoDate, periodContaining } from "./calendar.ts";
import type { BillingInterval, IsoDate, Period } from "./calendar.ts";
import { downgradeEffectiveDate } from "./change-points.ts";
import type { ChangeTiming } from "./change-points.ts";
import { ChangeRuleError } from "./change-rule-error.ts";
import { itemPeriodAmount, MAX_QUANTITY, MIN_QUANTITY, recurringAmount } from "./contract-terms.ts";
import type {
  AddonArticle,
  ContractItem,
  ContractSnapshot,
  ChangeRequest,
  ProrationMode,
  TemplateTerms,
} from "./contract-terms.ts";
import { totalsOf } from "./money.ts";
import type { Cents, TaxBreakdownEntry } from "./money.ts";
import { prorate, prorateIntervalChange } from "./proration.ts";
import type { LineLanguage, ProratedItem, ProrationLine } from "./proration.ts";

export type {
  AddonArticle,
  ChangePoint,
  ChangeRequest,
  ContractItem,
  ContractSnapshot,
  ProrationMode,
  TemplateTerms,
} from "./contract-terms.ts";
export type { ChangeTiming } from "./change-points.ts";

/** An item of the contract after the change; `id` is null for a new item (the caller assigns one). */
export interface ResultingItem extends Omit<ContractItem, "id"> {
  id: string | null;
}

export interface ComputeChangeInput {
  contract: ContractSnapshot;
  /** The contract's current template: its allowed add-ons and its downgrade timing govern the change. */
  template: TemplateTerms;
  request: ChangeRequest;
  /** The requested date; a downgrade may be moved to the next period (see `effectiveDate` in the result). */
  effectiveDate: IsoDate;
  /** The merchant-local date the computation is for; echoed so a preview states it. */
  today: IsoDate;
  prorationMode: ProrationMode;
  timing?: ChangeTiming;
  /** Of the proration line texts: the customer's language (English unless given). */
  language?: LineLanguage;
}

export interface ChangeComputation {
  kind: ChangeKind;
  computedOn: IsoDate;
  requestedDate: IsoDate;
  effectiveDate: IsoDate;
  lines: ProrationLine[];
  netAmount: Cents;
  taxAmount: Cents;
  grossAmount: Cents;
  taxBreakdown: TaxBreakdownEntry[];
  settlement: Settlement;
  items: ResultingItem[];
  newTemplateId: string;
  newInterval: BillingInterval;
  newBillingAnchor: IsoDate;
  /** The billing period containing the effective date once the change applies. */
  newCurrentPeriod: Period;
  newMinimumTermMonths: number;
  newNoticePeriodDays: number;
}

type ItemTerms = Omit<ResultingItem, "billedPeriodAmount">;

/** One item's fate: `touched` items are credited (before) and charged (after); the rest carry over. */
interface ItemStep {
  before: ContractItem | null;
  after: ItemTerms | null;
  touched: boolean;
}

interface ChangePlan {
  steps: ItemStep[];
  newTemplateId: string;
  newInterval: BillingInterval;
  minimumTermMonths: number;
  noticePeriodDays: number;
}

function termsOf(item: ContractItem): ItemTerms {
  return {
    id: item.id,
    articleId: item.articleId,
    kind: item.kind,
    name: item.name,
    quantity: item.quantity,
    unitAmount: item.unitAmount,
    taxRate: item.taxRate,
  };
}

function carryOver(item: ContractItem): ItemStep {
  return { before: item, after: termsOf(item), touched: false };
}

function keepTerms(contract: ContractSnapshot, steps: ItemStep[]): ChangePlan {
  return {
    steps,
    newTemplateId: contract.templateId,
    newInterval: contract.interval,
    minimumTermMonths: contract.minimumTermMonths,
    noticePeriodDays: contract.noticePeriodDays,
  };
}

function assertQuantity(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < MIN_QUANTITY || quantity > MAX_QUANTITY) {
    throw new ChangeRuleError(
      "invalid_quantity",
      "quantity",
      `quantity must be an integer from ${MIN_QUANTITY} to ${MAX_QUANTITY}, got ${quantity}`,
    );
  }
}

function findItem(contract: ContractSnapshot, itemId: string): ContractItem {
  const item = contract.items.find((candidate) => candidate.id === itemId);
  if (!item)
    throw new ChangeRuleError(
      "item_not_found",
      "itemId",
      `contract ${contract.id} has no item ${itemId}`,
    );
  return item;
}

function assertSwitchTarget(contract: ContractSnapshot, target: TemplateTerms): void {
  if (target.id === contract.templateId) {
    throw new ChangeRuleError(
      "same_template",
      "templateId",
      `the contract already uses template ${target.id}`,
    );
  }
  if (target.templateGroupId !== contract.templateGroupId) {
    throw new ChangeRuleError(
      "template_not_in_group",
      "templateId",
      `template ${target.id} is not in the contract's template group ${contract.templateGroupId}`,
    );
  }
  if (contract.offeredTemplateIds.length > 0 && !contract.offeredTemplateIds.includes(target.id)) {
    throw new ChangeRuleError(
      "template_not_offered",
      "templateId",
      `template ${target.id} is not offered for contract ${contract.id}`,
    );
  }
}

/**
 * A switch replaces the plan item (keeping its quantity, like a price swap in Stripe) and drops
 * add-ons the new template does not allow, with a credit. Kept add-ons are untouched unless the
 * interval changes, in which case everything is re-billed from the new anchor.
 */
function planSwitch(contract: ContractSnapshot, target: TemplateTerms): ChangePlan {
  assertSwitchTarget(contract, target);
  const intervalChanged = target.interval !== contract.interval;
  const { planArticle } = target;
  const steps = contract.items.map((item): ItemStep => {
    if (item.kind === "plan") {
      const after: ItemTerms = {
        id: null,
        articleId: planArticle.id,
        kind: "plan",
        name: planArticle.name,
        quantity: item.quantity,
        unitAmount: planArticle.unitAmount,
        taxRate: planArticle.taxRate,
      };
      return { before: item, after, touched: true };
    }
    if (!target.allowedAddonArticleIds.includes(item.articleId))
      return { before: item, after: null, touched: true };
    return { before: item, after: termsOf(item), touched: intervalChanged };
  });
  return {
    steps,
    newTemplateId: target.id,
    newInterval: target.interval,
    minimumTermMonths: target.minimumTermMonths,
    noticePeriodDays: target.noticePeriodDays,
  };
}

/** One item per add-on article keeps the portal simple; more of the same is a quantity change. */
function planAddAddon(
  contract: ContractSnapshot,
  template: TemplateTerms,
  article: AddonArticle,
  quantity: number,
): ChangePlan {
  assertQuantity(quantity);
  if (article.kind !== "addon")
    throw new ChangeRuleError(
      "not_an_addon",
      "articleId",
      `article ${article.id} is not an add-on`,
    );
  if (!template.allowedAddonArticleIds.includes(article.id)) {
    throw new ChangeRuleError(
      "addon_not_allowed",
      "articleId",
      `template ${template.id} does not allow add-on ${article.id}`,
    );
  }
  if (contract.items.some((item) => item.articleId === article.id)) {
    throw new ChangeRuleError(
      "addon_already_on_contract",
      "articleId",
      `add-on ${article.id} is already on the contract; change its quantity instead`,
    );
  }
  const added: ItemTerms = {
    id: null,
    articleId: article.id,
    kind: "addon",
    name: article.name,
    quantity,
    unitAmount: article.unitAmount,
    taxRate: article.taxRate,
  };
  return keepTerms(contract, [
    ...contract.items.map(carryOver),
    { before: null, after: added, touched: true },
  ]);
}

function planRemove(contract: ContractSnapshot, itemId: string): ChangePlan {
  const target = findItem(contract, itemId);
  if (target.kind === "plan")
    throw new ChangeRuleError(
      "cannot_remove_plan",
      "itemId",
      "the plan item cannot be removed; switch the tariff or cancel the contract",
    );
  return keepTerms(
    contract,
    contract.items.map((item) =>
      item === target ? { before: item, after: null, touched: true } : carryOver(item),
    ),
  );
}

function planQuantity(contract: ContractSnapshot, itemId: string, quantity: number): ChangePlan {
  const target = findItem(contract, itemId);
  assertQuantity(quantity);
  if (quantity === target.quantity)
    throw new ChangeRuleError(
      "quantity_unchanged",
      "quantity",
      `item ${itemId} already has quantity ${quantity}`,
    );
  return keepTerms(
    contract,
    contract.items.map((item) =>
      item === target
        ? { before: item, after: { ...termsOf(item), quantity }, touched: true }
        : carryOver(item),
    ),
  );
}

function planChange(
  contract: ContractSnapshot,
  template: TemplateTerms,
  request: ChangeRequest,
): ChangePlan {
  switch (request.type) {
    case "switch_template":
      return planSwitch(contract, request.template);
    case "add_addon":
      return planAddAddon(contract, template, request.article, request.quantity);
    case "remove_item":
      return planRemove(contract, request.itemId);
    case "change_quantity":
      return planQuantity(contract, request.itemId, request.quantity);
  }
}

/**
 * Upgrade vs downgrade on the recurring amount per month, compared exactly as
 * before × monthsAfter against after × monthsBefore so a yearly 119.99 never loses to rounding.
 */
export function classifyChange(
  before: { amount: Cents; interval: BillingInterval },
  after: { amount: Cents; interval: BillingInterval },
): ChangeKind {
  const left = BigInt(before.amount) * BigInt(INTERVAL_MONTHS[after.interval]);
  const right = BigInt(after.amount) * BigInt(INTERVAL_MONTHS[before.interval]);
  return right > left ? "upgrade" : right < left ? "downgrade" : "neutral";
}

function assertEffectiveDate(contract: ContractSnapshot, date: IsoDate): void {
  if (!isIsoDate(date))
    throw new ChangeRuleError(
      "invalid_date",
      "effectiveDate",
      `effectiveDate ${date} is not a calendar date (YYYY-MM-DD)`,
    );
  if (date < contract.currentPeriod.start) {
    throw new ChangeRuleError(
      "effective_date_before_period",
      "effectiveDate",
      `effectiveDate ${date} lies before the current period, which starts ${contract.currentPeriod.start}`,
    );
  }
  assertNotAfterEnd(contract, date);
}

function assertNotAfterEnd(contract: ContractSnapshot, date: IsoDate): void {
  if (contract.endDate !== null && date > contract.endDate) {
    throw new ChangeRuleError(
      "effective_date_after_end",
      "effectiveDate",
      `the change would take effect on ${date}, after the contract ends on ${contract.endDate}`,
    );
  }
}

/**
 * A new anchor would leave the cancellation date off any period end and bill a full new period
 * the customer no longer gets, so a cancelled contract keeps its interval.
 */
function assertIntervalChangeAllowed(contract: ContractSnapshot, plan: ChangePlan): void {
  if (plan.newInterval !== contract.interval && contract.endDate !== null) {
    throw new ChangeRuleError(
      "interval_change_on_cancelled_contract",
      "templateId",
      `contract ${contract.id} is cancelled; it cannot switch to another billing interval`,
    );
  }
}

interface ProrationBasis {
  /** The period [s, t] the effective date is prorated in; e == t means nothing to prorate. */
  period: Period;
  billedAmount: (item: ContractItem) => Cents;
  /** The period containing the effective date under the current anchor. */
  periodAfter: Period;
}

/**
 * The current period was billed at the items' snapshots. A later period will have been billed at
 * the recurring amounts by the time the change applies, and a later period boundary has not been
 * billed at all, so it is treated like e == t.
 */
function prorationBasis(contract: ContractSnapshot, date: IsoDate): ProrationBasis {
  const { currentPeriod, billingAnchor, interval } = contract;
  if (date < currentPeriod.end)
    return {
      period: currentPeriod,
      billedAmount: (item) => item.billedPeriodAmount,
      periodAfter: currentPeriod,
    };
  const periodAfter = periodContaining(billingAnchor, interval, date);
  if (date === currentPeriod.end)
    return { period: currentPeriod, billedAmount: (item) => item.billedPeriodAmount, periodAfter };
  const period =
    periodAfter.start === date
      ? periodContaining(billingAnchor, interval, addDays(date, -1))
      : periodAfter;
  return { period, billedAmount: (item) => itemPeriodAmount(item, interval), periodAfter };
}

function prorated(item: ContractItem | ItemTerms, amount: Cents, switched = false): ProratedItem {
  return {
    switched: switched && item.kind === "plan",
    itemId: item.id,
    articleId: item.articleId,
    name: item.name,
    quantity: item.quantity,
    taxRate: item.taxRate,
    periodAmount: amount,
  };
}

interface ProrationOutcome {
  lines: ProrationLine[];
  newBillingAnchor: IsoDate;
  newCurrentPeriod: Period;
}

function prorationOf(
  contract: ContractSnapshot,
  plan: ChangePlan,
  date: IsoDate,
  language: LineLanguage | undefined,
): ProrationOutcome {
  const switched = plan.newTemplateId !== contract.templateId;
  const basis = prorationBasis(contract, date);
  const touched = plan.steps.filter((step) => step.touched);
  const removed = touched.flatMap((step) =>
    step.before ? [prorated(step.before, basis.billedAmount(step.before))] : [],
  );
  const added = touched.flatMap((step) =>
    step.after
      ? [prorated(step.after, itemPeriodAmount(step.after, plan.newInterval), switched)]
      : [],
  );
  const input = { period: basis.period, effectiveDate: date, removed, added, language };
  if (plan.newInterval !== contract.interval)
    return prorateIntervalChange({ ...input, newInterval: plan.newInterval });
  return {
    lines: prorate(input),
    newBillingAnchor: contract.billingAnchor,
    newCurrentPeriod: basis.periodAfter,
  };
}

function resultingItems(plan: ChangePlan): ResultingItem[] {
  return plan.steps.flatMap((step) => {
    if (!step.after) return [];
    const billedPeriodAmount =
      step.touched || !step.before
        ? itemPeriodAmount(step.after, plan.newInterval)
        : step.before.billedPeriodAmount;
    return [{ ...step.after, billedPeriodAmount }];
  });
}

function settlementOf(
  mode: ProrationMode,
  lines: readonly ProrationLine[],
  netAmount: Cents,
): Settlement {
  if (mode === "none" || lines.length === 0 || netAmount === 0) return "none";
  if (mode === "next_invoice") return "next_invoice";
  return netAmount > 0 ? "interim_invoice" : "credit_note";
}

/**
 * Validates and computes a change. Pure and deterministic: the same input gives the same output,
 * which is what lets the apply path trust a preview. Throws ChangeRuleError on a rule violation.
 */
export function computeChange(input: ComputeChangeInput): ChangeComputation {
  const { contract, template, request, prorationMode } = input;
  assertEffectiveDate(contract, input.effectiveDate);
  const plan = planChange(contract, template, request);
  assertIntervalChangeAllowed(contract, plan);
  const afterItems = plan.steps.flatMap((step) => (step.after ? [step.after] : []));
  const kind = classifyChange(
    { amount: recurringAmount(contract.items, contract.interval), interval: contract.interval },
    { amount: recurringAmount(afterItems, plan.newInterval), interval: plan.newInterval },
  );
  const effectiveDate =
    kind === "downgrade"
      ? downgradeEffectiveDate(
          contract,
          input.effectiveDate,
          template.downgradeTiming,
          input.timing,
        )
      : input.effectiveDate;
  assertNotAfterEnd(contract, effectiveDate);
  const proration = prorationOf(contract, plan, effectiveDate, input.language);
  const lines = prorationMode === "none" ? [] : proration.lines;
  const totals = totalsOf(lines);
  return {
    kind,
    computedOn: input.today,
    requestedDate: input.effectiveDate,
    effectiveDate,
    lines,
    netAmount: totals.netAmount,
    taxAmount: totals.taxAmount,
    grossAmount: totals.grossAmount,
    taxBreakdown: totals.taxBreakdown,
    settlement: settlementOf(prorationMode, lines, totals.netAmount),
    items: resultingItems(plan),
    newTemplateId: plan.newTemplateId,
    newInterval: plan.newInterval,
    newBillingAnchor: proration.newBillingAnchor,
    newCurrentPeriod: proration.newCurrentPeriod,
    newMinimumTermMonths: plan.minimumTermMonths,
    newNoticePeriodDays: plan.noticePeriodDays,
  };
}
