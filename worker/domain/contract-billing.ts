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
import { itemPeriodAmount, type ContractItem, type ContractSnapshot } from "./contract-terms.ts";
import {
  draftInvoice,
  regularBillingKey,
  type FreshInvoiceIds,
  type InvoiceDraft,
} from "./invoice-draft.ts";
import type { InvoiceParties } from "./invoice-snapshot.ts";
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

/**
 * What the billing run does next for one contract on `today`: a scheduled change whose day has
 * come and that lies on or before the period end comes first (at the boundary it shapes the
 * next invoice); then ending a contract whose last day has passed, or billing the next period.
 */
export type BillingStep = "apply_change" | "idle" | "end_contract" | "bill_period";

export function billingStep(
  contract: { status: string; currentPeriodEnd: IsoDate; endDate: IsoDate | null },
  dueChangeDate: IsoDate | undefined,
  today: IsoDate,
): BillingStep {
  if (contract.status === "ended") return "idle";
  if (
    dueChangeDate !== undefined &&
    dueChangeDate <= today &&
    dueChangeDate <= contract.currentPeriodEnd
  )
    return "apply_change";
  if (contract.currentPeriodEnd > today) return "idle";
  if (contract.endDate !== null && contract.endDate < contract.currentPeriodEnd)
    return "end_contract";
  return "bill_period";
}

export interface PeriodBilling {
  period: Period;
  /** Every item with what it is billed at for the new period. */
  items: { id: string; billedPeriodAmount: Cents }[];
  invoice: InvoiceDraft;
}

/**
 * The regular invoice for the period after the current one, billed in advance, with the carried
 * proration lines; dated the day it is issued (a run that catches up dates it on that day).
 */
export function nextPeriodBilling(
  input: {
    snapshot: ContractSnapshot;
    merchantId: string;
    customerId: string;
    currency: string;
    paymentTermDays: number;
    carried: readonly CarriedLine[];
    today: IsoDate;
    /** Seller and buyer as they are now; an invoice lacking required data is refused (throws). */
    parties: InvoiceParties;
  },
  fresh: FreshInvoiceIds,
): PeriodBilling {
  const { snapshot } = input;
  const period = periodContaining(
    snapshot.billingAnchor,
    snapshot.interval,
    snapshot.currentPeriod.end,
  );
  const items = snapshot.items.map((item) => ({
    ...item,
    billedPeriodAmount: itemPeriodAmount(item, snapshot.interval),
  }));
  const invoice = draftInvoice(
    {
      kind: "regular",
      currency: input.currency,
      lines: periodInvoiceLines(items, snapshot.interval, period, input.carried),
    },
    {
      merchantId: input.merchantId,
      customerId: input.customerId,
      contractId: snapshot.id,
      issueDate: input.today,
      paymentTermDays: input.paymentTermDays,
      periodStart: period.start,
      periodEnd: period.end,
      changeId: null,
      billingKey: regularBillingKey(snapshot.id, period.start),
      parties: input.parties,
    },
    fresh,
  );
  return {
    period,
    items: items.map((item) => ({ id: item.id, billedPeriodAmount: item.billedPeriodAmount })),
    invoice,
  };
}
