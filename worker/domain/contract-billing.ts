// Regular billing of a contract: what each item costs per period, which period a new contract
// is billed for first, and the lines of a period's invoice (billed in advance).
import {
  addDays,
  nthPeriod,
  periodContaining,
  type BillingInterval,
  type IsoDate,
  type Period,
} from "./calendar.ts";
import { itemPeriodAmount, type ContractItem } from "./contract-terms.ts";
import type { Cents, TaxRateBp } from "./money.ts";

/**
 * The period a new contract is first billed for: its first period when it starts in the
 * future, otherwise the period containing today (a running contract taken over is billed from
 * its current period on, not for the past).
 */
export function openingPeriod(
  startDate: IsoDate,
  interval: BillingInterval,
  today: IsoDate,
): Period {
  return startDate > today
    ? nthPeriod(startDate, interval, 0)
    : periodContaining(startDate, interval, today);
}

export type BillableItem = Omit<ContractItem, "billedPeriodAmount">;

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
      unitAmount: itemPeriodAmount({ ...item, quantity: 1 }, interval),
      periodStart: period.start,
      periodEnd: period.end,
      netAmount: itemPeriodAmount(item, interval),
      taxRate: item.taxRate,
    }));
  return [...itemLines, ...carried.map((line) => ({ ...line, unitAmount: null }))];
}
