// The contract and tariff shapes the change rules work on, and the pricing rule that turns an
// item into its amount per billing period.
import type { ChangePoint } from "../../widget/src/billing-types.ts";

export type { ChangePoint, ProrationMode } from "../../widget/src/billing-types.ts";
import { INTERVAL_MONTHS } from "./calendar.ts";
import type { BillingInterval, IsoDate, Period } from "./calendar.ts";
import { lineAmount, sumCents, totalsOf } from "./money.ts";
import type { Cents, TaxRateBp } from "./money.ts";

export type ItemKind = "plan" | "addon";

export interface ContractItem {
  id: string;
  articleId: string;
  kind: ItemKind;
  name: string;
  quantity: number;
  /** Snapshot of the article price: per billing period for a plan, per month for an add-on. */
  unitAmount: Cents;
  taxRate: TaxRateBp;
  /**
   * The full-period amount this item was billed at for the current period (a snapshot, not
   * today's price); for an item added mid-period, the full-period amount its prorated charge was
   * computed from. Credits are taken from this so a customer never gets back more than was billed.
   */
  billedPeriodAmount: Cents;
}

export interface ContractSnapshot {
  id: string;
  startDate: IsoDate;
  billingAnchor: IsoDate;
  interval: BillingInterval;
  currentPeriod: Period;
  minimumTermMonths: number;
  noticePeriodDays: number;
  /** Last day of service once cancelled, else null. */
  endDate: IsoDate | null;
  items: ContractItem[];
  templateId: string;
  templateGroupId: string;
  /** Templates of the group this customer may switch to; empty = the whole group. */
  offeredTemplateIds: string[];
}

export type DowngradeTiming = "next_period" | "like_upgrade";

export interface TemplateTerms {
  id: string;
  name: string;
  templateGroupId: string;
  interval: BillingInterval;
  planArticle: { id: string; name: string; unitAmount: Cents; taxRate: TaxRateBp };
  minimumTermMonths: number;
  noticePeriodDays: number;
  allowedAddonArticleIds: string[];
  changePoints: ChangePoint[];
  downgradeTiming: DowngradeTiming;
}

export interface AddonArticle {
  id: string;
  name: string;
  unitAmount: Cents;
  taxRate: TaxRateBp;
  kind: "plan" | "addon" | "one_time";
}

export type ChangeRequest =
  | { type: "switch_template"; template: TemplateTerms }
  | { type: "add_addon"; article: AddonArticle; quantity: number }
  | { type: "remove_item"; itemId: string }
  | { type: "change_quantity"; itemId: string; quantity: number };

export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 999;

/** What `itemPeriodAmount` needs to know about an item. */
export interface PricedTerms {
  kind: ItemKind;
  unitAmount: Cents;
  quantity: number;
}

/**
 * The amount an item costs per billing period of `interval`. Pricing decision (lead): a plan
 * article's unitAmount is already its price per period of its template, whereas an add-on is
 * priced per month so one catalogue price fits every interval (quarter = 3×, year = 12×).
 */
export function itemPeriodAmount(item: PricedTerms, interval: BillingInterval): Cents {
  const perUnit =
    item.kind === "addon" ? item.unitAmount * INTERVAL_MONTHS[interval] : item.unitAmount;
  return lineAmount(perUnit, item.quantity);
}

/** The contract's recurring net amount per period of `interval`. */
export function recurringAmount(items: readonly PricedTerms[], interval: BillingInterval): Cents {
  return sumCents(items.map((item) => itemPeriodAmount(item, interval)));
}

/** What one regular period costs: net, VAT per rate on the sums (as the invoice), gross. */
export function recurringTotals(
  items: readonly (PricedTerms & { taxRate: TaxRateBp })[],
  interval: BillingInterval,
): { netAmount: Cents; taxAmount: Cents; grossAmount: Cents } {
  const { netAmount, taxAmount, grossAmount } = totalsOf(
    items.map((item) => ({ netAmount: itemPeriodAmount(item, interval), taxRate: item.taxRate })),
  );
  return { netAmount, taxAmount, grossAmount };
}
