// Day-based proration (like Lago and Kill Bill): credit lines for the unused days of what was
// billed, charge lines for the same days of the new state, and the full-period charge when the
// billing interval changes.
import { addDays, daysBetween, nthPeriod } from "./calendar.ts";
import type { BillingInterval, IsoDate, Period } from "./calendar.ts";
import { roundHalfUpRatio } from "./money.ts";
import type { Cents, TaxRateBp } from "./money.ts";

export interface ProrationLine {
  description: string;
  /** The item's display name, for clients that word the line themselves. */
  name: string;
  /** The contract item the line is about; null for an item that does not exist yet. */
  itemId: string | null;
  articleId: string;
  periodStart: IsoDate;
  /** Exclusive, like every period. */
  periodEnd: IsoDate;
  quantity: number;
  netAmount: Cents;
  taxRate: TaxRateBp;
}

/** The language of the line texts: the customer's, as the document they receive. */
export type LineLanguage = "de" | "en";

/** English for an English locale ("en", "en-GB"), German for every other: the merchants' market. */
export function lineLanguageOf(locale: string): LineLanguage {
  return /^en\b/i.test(locale) ? "en" : "de";
}

/** An item with the full-period amount to prorate from (billed amount for a credit, new amount for a charge). */
export interface ProratedItem {
  /** The new plan of a tariff switch: its charge reads "Tarifwechsel …" in German. */
  switched?: boolean;
  itemId: string | null;
  articleId: string;
  name: string;
  quantity: number;
  taxRate: TaxRateBp;
  periodAmount: Cents;
}

/** Same numeric form as the regular invoice lines, readable in German and English alike. */
function numericDate(date: IsoDate): string {
  return `${date.slice(8, 10)}.${date.slice(5, 7)}.${date.slice(0, 4)}`;
}

/** "11.01.–31.01.2027" for a span within one year, as German invoices write it. */
function germanSpan(start: IsoDate, endExclusive: IsoDate): string {
  const last = addDays(endExclusive, -1);
  if (last === start) return numericDate(start);
  if (start.slice(0, 4) !== last.slice(0, 4)) return `${numericDate(start)}–${numericDate(last)}`;
  return `${start.slice(8, 10)}.${start.slice(5, 7)}.–${numericDate(last)}`;
}

/** The line text of a prorated credit or charge in the customer's language. */
function prorationText(
  kind: "credit" | "charge" | "full",
  item: ProratedItem,
  start: IsoDate,
  end: IsoDate,
  language: LineLanguage,
): string {
  const label = itemLabel(item);
  if (language === "en") {
    const span = describeSpan(start, end);
    if (kind === "credit") return `Unused time on ${label} (${span})`;
    if (kind === "charge") return `Remaining time on ${label} (${span})`;
    return `${label} (${span})`;
  }
  const span = germanSpan(start, end);
  if (kind === "credit") return `Gutschrift ${label}, anteilig ${span}`;
  const prefix = item.switched ? "Tarifwechsel " : "";
  if (kind === "charge") return `${prefix}${label}, anteilig ${span}`;
  return `${prefix}${label} ${span}`;
}

/** "11.01.2027 – 31.01.2027" for [2027-01-11, 2027-02-01): invoices show the last day, not the exclusive end. */
export function describeSpan(start: IsoDate, endExclusive: IsoDate): string {
  const last = addDays(endExclusive, -1);
  return last === start ? numericDate(start) : `${numericDate(start)} – ${numericDate(last)}`;
}

function itemLabel(item: ProratedItem): string {
  return item.quantity === 1 ? item.name : `${item.quantity} × ${item.name}`;
}

function lineFor(
  item: ProratedItem,
  description: string,
  start: IsoDate,
  end: IsoDate,
  netAmount: Cents,
): ProrationLine {
  return {
    description,
    name: item.name,
    itemId: item.itemId,
    articleId: item.articleId,
    periodStart: start,
    periodEnd: end,
    quantity: item.quantity,
    netAmount,
    taxRate: item.taxRate,
  };
}

function assertInside(period: Period, effectiveDate: IsoDate): void {
  if (effectiveDate < period.start || effectiveDate > period.end) {
    throw new RangeError(
      `effective date ${effectiveDate} lies outside the period ${period.start}..${period.end}`,
    );
  }
}

/** round(amount × days(e, t) / days(s, t)), half-up per line; the change day belongs to the new state. */
export function proratedAmount(amount: Cents, period: Period, effectiveDate: IsoDate): Cents {
  assertInside(period, effectiveDate);
  return roundHalfUpRatio(
    amount,
    daysBetween(effectiveDate, period.end),
    daysBetween(period.start, period.end),
  );
}

/**
 * A line that rounds to 0.00 (a free item, a one-cent sliver) is kept: it still shows the customer
 * what changed, and every credit and charge of a change appears on the document.
 */
export function creditLine(
  item: ProratedItem,
  period: Period,
  effectiveDate: IsoDate,
  language: LineLanguage = "en",
): ProrationLine {
  // 0 − x rather than −x: a zero credit must be 0, not −0 (which toEqual and Object.is tell apart).
  const amount = 0 - proratedAmount(item.periodAmount, period, effectiveDate);
  return lineFor(
    item,
    prorationText("credit", item, effectiveDate, period.end, language),
    effectiveDate,
    period.end,
    amount,
  );
}

export function chargeLine(
  item: ProratedItem,
  period: Period,
  effectiveDate: IsoDate,
  language: LineLanguage = "en",
): ProrationLine {
  const amount = proratedAmount(item.periodAmount, period, effectiveDate);
  return lineFor(
    item,
    prorationText("charge", item, effectiveDate, period.end, language),
    effectiveDate,
    period.end,
    amount,
  );
}

export interface ProrationInput {
  /** The billed period [s, t) the effective date falls in. */
  period: Period;
  effectiveDate: IsoDate;
  /** Items leaving (or changing away from their old terms), with the amount they were billed at. */
  removed: readonly ProratedItem[];
  /** Items arriving (or changing to new terms), with their new full-period amount. */
  added: readonly ProratedItem[];
  /** Of the line texts; English unless given. */
  language?: LineLanguage;
}

/** Credits first, then charges, each in item order. Nothing is left to prorate when e == t. */
export function prorate(input: ProrationInput): ProrationLine[] {
  const { period, effectiveDate } = input;
  assertInside(period, effectiveDate);
  if (effectiveDate === period.end) return [];
  const language = input.language ?? "en";
  const credits = input.removed.map((item) => creditLine(item, period, effectiveDate, language));
  const charges = input.added.map((item) => chargeLine(item, period, effectiveDate, language));
  return [...credits, ...charges];
}

export interface IntervalChangeInput extends ProrationInput {
  newInterval: BillingInterval;
}

export interface IntervalChangeProration {
  lines: ProrationLine[];
  newBillingAnchor: IsoDate;
  newCurrentPeriod: Period;
}

/**
 * A switch to another interval cannot share the old period, so the billing anchor moves to the
 * effective date: the old items are credited for their unused days and the new items are charged
 * for the whole first new period [e, e + interval). At e == t nothing of the old period is unused
 * and the new period is billed by the regular invoice, so there are no lines.
 */
export function prorateIntervalChange(input: IntervalChangeInput): IntervalChangeProration {
  const { period, effectiveDate, newInterval } = input;
  assertInside(period, effectiveDate);
  const newCurrentPeriod = nthPeriod(effectiveDate, newInterval, 0);
  const result = { newBillingAnchor: effectiveDate, newCurrentPeriod };
  if (effectiveDate === period.end) return { lines: [], ...result };
  const language = input.language ?? "en";
  const credits = input.removed.map((item) => creditLine(item, period, effectiveDate, language));
  const charges = input.added.map((item) => fullPeriodLine(item, newCurrentPeriod, language));
  return { lines: [...credits, ...charges], ...result };
}

function fullPeriodLine(item: ProratedItem, period: Period, language: LineLanguage): ProrationLine {
  return lineFor(
    item,
    prorationText("full", item, period.start, period.end, language),
    period.start,
    period.end,
    item.periodAmount,
  );
}
