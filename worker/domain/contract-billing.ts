// Regular billing of a contract: what each item costs per period, which period a new contract
// is billed for first, and the lines of a period's invoice (billed in advance).
import { addDays, INTERVAL_MONTHS, nthPeriod, periodContaining, type BillingInterval, type IsoDate, type Period } from "./calendar.ts";
import { lineAmount, type Cents, type TaxRateBp } from "./money.ts";

export type ItemKind = "plan" | "addon";

/**
 * A plan article is priced per billing period of its template; an add-on is priced per month,
 * so it costs the same per month on a monthly and on a yearly tariff.
 */
export function periodAmount(kind: ItemKind, unitAmount: Cents, quantity: number, interval: BillingInterval): Cents {
  const perPeriod = kind === "addon" ? lineAmount(unitAmount, INTERVAL_MONTHS[interval]) : unitAmount;
  return lineAmount(perPeriod, quantity);
}

/**
 * The period a new contract is first billed for: its first period when it starts in the
 * future, otherwise the period containing today (a running contract taken over is billed from
 * its current period on, not for the past).
 */
export function openingPeriod(startDate: IsoDate, interval: BillingInterval, today: IsoDate): Period {
  return startDate > today ? nthPeriod(startDate, interval, 0) : periodContaining(startDate, interval, today);
}

export interface BillableItem {
  id: string;
  articleId: string;
  kind: ItemKind;
  name: string;
  quantity: number;
  unitAmount: Cents;
  taxRate: TaxRateBp;
}

export interface CarriedLine {
  description: string;
  articleId: string | null;
  itemId: string | null;
  quantity: number;
  periodStart: IsoDate | null;
  periodEnd: IsoDate | null;
  netAmount: Cents;
  taxRate: TaxRateBp;
}

export interface PeriodInvoiceLine extends CarriedLine {
  unitAmount: Cents | null;
}

/** "Pro (01.01.2027 – 31.01.2027)": the period as the customer reads it, last day inclusive. */
export function describePeriodLine(name: string, period: Period): string {
  return `${name} (${germanDate(period.start)} – ${germanDate(addDays(period.end, -1))})`;
}

function germanDate(date: IsoDate): string {
  const [year, month, day] = date.split("-");
  return `${day}.${month}.${year}`;
}

/** The lines of the regular invoice for `period`: every item in advance, then carried prorations. */
export function periodInvoiceLines(
  items: readonly BillableItem[],
  interval: BillingInterval,
  period: Period,
  carried: readonly CarriedLine[] = [],
): PeriodInvoiceLine[] {
  const itemLines = [...items]
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "plan" ? -1 : 1))
    .map((item) => ({
      description: describePeriodLine(item.name, period),
      articleId: item.articleId,
      itemId: item.id,
      quantity: item.quantity,
      unitAmount: periodAmount(item.kind, item.unitAmount, 1, interval),
      periodStart: period.start,
      periodEnd: period.end,
      netAmount: periodAmount(item.kind, item.unitAmount, item.quantity, interval),
      taxRate: item.taxRate,
    }));
  return [...itemLines, ...carried.map((line) => ({ ...line, unitAmount: null }))];
}
