// The TARGET2 (T2) business-day calendar that SEPA direct debits settle on, and the earliest
// collection date a merchant may put into a pain.008 file given today and its bank's lead time.
import { addDays, isIsoDate, toDayNumber } from "./calendar.ts";
import type { IsoDate } from "./calendar.ts";

export type CollectionSequenceType = "FRST" | "RCUR" | "OOFF" | "FNAL";

/** Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * The TARGET2 holidays of a year (ECB, unchanged since 2002 and kept by T2 in 2023): New Year,
 * Good Friday, Easter Monday, Labour Day, Christmas Day and 26 December. Weekends come on top.
 * National bank holidays (e.g. German Whit Monday) do not close TARGET2, so SEPA settles on them.
 */
export function target2Holidays(year: number): IsoDate[] {
  const easter = easterSunday(year);
  const y = String(year).padStart(4, "0");
  return [
    `${y}-01-01`,
    addDays(easter, -2),
    addDays(easter, 1),
    `${y}-05-01`,
    `${y}-12-25`,
    `${y}-12-26`,
  ];
}

/** 0 = Sunday … 6 = Saturday; day 0 of the day numbers (1970-01-01) was a Thursday. */
function weekday(date: IsoDate): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

export function isWeekend(date: IsoDate): boolean {
  const day = weekday(date);
  return day === 0 || day === 6;
}

export function isTarget2Holiday(date: IsoDate): boolean {
  return target2Holidays(Number(date.slice(0, 4))).includes(date);
}

export function isTarget2BusinessDay(date: IsoDate): boolean {
  return !isWeekend(date) && !isTarget2Holiday(date);
}

/**
 * The n-th TARGET2 business day after `date` (n ≥ 1; `date` itself never counts, whether or not
 * it is a business day). n = 0 gives `date` back when it is a business day, else the next one.
 */
export function addTarget2BusinessDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`business days must be a non-negative integer, got ${n}`);
  if (n === 0) return nextTarget2BusinessDay(date);
  let current = date;
  for (let left = n; left > 0;) {
    current = addDays(current, 1);
    if (isTarget2BusinessDay(current)) left -= 1;
  }
  return current;
}

/** `date` if it is a TARGET2 business day, otherwise the next one. */
export function nextTarget2BusinessDay(date: IsoDate): IsoDate {
  let current = date;
  while (!isTarget2BusinessDay(current)) current = addDays(current, 1);
  return current;
}

// ---------------------------------------------------------------------------------------------
// Lead times

/**
 * How many TARGET2 business days before the collection date the merchant's file must reach its
 * bank, per sequence type. A merchant setting, because banks differ.
 *
 * The SEPA Core rulebook (since version 9.0, November 2016) lets the creditor bank present FRST,
 * RCUR, OOFF and FNAL alike at D-1, one inter-bank business day before the due date. Banks add
 * their own submission deadline on top (a cut-off time on D-1, often D-2), and Tarif cannot know
 * when during the day the merchant uploads the file. The default is therefore 2 business days
 * for every sequence type: the file generated today is still in time if it reaches the bank
 * tomorrow before cut-off. A merchant whose bank wants more (some still ask 5 days for FRST, the
 * pre-2016 rule) raises it; less than 1 is never allowed, as D-1 is the scheme minimum.
 */
export interface SepaLeadDays {
  FRST: number;
  RCUR: number;
  OOFF: number;
  FNAL: number;
}

export const DEFAULT_SEPA_LEAD_DAYS: Readonly<SepaLeadDays> = {
  FRST: 2,
  RCUR: 2,
  OOFF: 2,
  FNAL: 2,
};

/**
 * The scheme minimum (D-1), and the old FRST rule (D-5) as the maximum: no bank asks for more,
 * and a longer lead could push the earliest date past the 14-day window below over Easter.
 */
export const MIN_LEAD_DAYS = 1;
export const MAX_LEAD_DAYS = 5;

/**
 * Rulebook: the creditor bank may send a collection at the earliest 14 calendar days before its
 * due date, and banks reject files dated further ahead.
 */
export const MAX_ADVANCE_CALENDAR_DAYS = 14;

export function isValidLeadDays(value: unknown): value is number {
  return (
    typeof value === "number" &&
    Number.isSafeInteger(value) &&
    value >= MIN_LEAD_DAYS &&
    value <= MAX_LEAD_DAYS
  );
}

/** A lead time given as one number for all types, or per type; unknown types fall back to the default. */
export function leadDaysFor(
  sequenceType: CollectionSequenceType,
  leadDays: number | Partial<SepaLeadDays> = DEFAULT_SEPA_LEAD_DAYS,
): number {
  const days =
    typeof leadDays === "number"
      ? leadDays
      : (leadDays[sequenceType] ?? DEFAULT_SEPA_LEAD_DAYS[sequenceType]);
  if (!isValidLeadDays(days))
    throw new RangeError(
      `lead days must be an integer from ${MIN_LEAD_DAYS} to ${MAX_LEAD_DAYS}, got ${days}`,
    );
  return days;
}

/**
 * The earliest date a collection generated `today` (merchant-local) may be due: `leadDays`
 * TARGET2 business days after today. Today itself never counts, since its cut-off may be past.
 */
export function earliestCollectionDate(
  today: IsoDate,
  sequenceType: CollectionSequenceType,
  leadDays: number | Partial<SepaLeadDays> = DEFAULT_SEPA_LEAD_DAYS,
): IsoDate {
  return addTarget2BusinessDays(today, leadDaysFor(sequenceType, leadDays));
}

/** The latest due date a file generated today may carry. */
export function latestCollectionDate(today: IsoDate): IsoDate {
  return addDays(today, MAX_ADVANCE_CALENDAR_DAYS);
}

export type CollectionDateInvalidReason =
  "not_a_date" | "not_target2_business_day" | "too_early" | "too_far_ahead";

export type CollectionDateCheck =
  | { ok: true; collectionDate: IsoDate }
  | {
      ok: false;
      reason: CollectionDateInvalidReason;
      message: string;
      earliest: IsoDate;
      latest: IsoDate;
    };

/** Checks a requested collection date (the API's `collectionDate`), saying what would be allowed. */
export function checkCollectionDate(
  today: IsoDate,
  collectionDate: string,
  sequenceType: CollectionSequenceType,
  leadDays: number | Partial<SepaLeadDays> = DEFAULT_SEPA_LEAD_DAYS,
): CollectionDateCheck {
  const earliest = earliestCollectionDate(today, sequenceType, leadDays);
  const latest = latestCollectionDate(today);
  const reject = (reason: CollectionDateInvalidReason, message: string): CollectionDateCheck => ({
    ok: false,
    reason,
    message,
    earliest,
    latest,
  });
  if (!isIsoDate(collectionDate))
    return reject("not_a_date", "collection date must be a calendar date YYYY-MM-DD");
  if (!isTarget2BusinessDay(collectionDate)) {
    return reject(
      "not_target2_business_day",
      `${collectionDate} is a weekend or TARGET2 holiday; SEPA debits settle only on TARGET2 business days`,
    );
  }
  if (collectionDate < earliest)
    return reject("too_early", `the earliest possible collection date is ${earliest}`);
  if (collectionDate > latest)
    return reject(
      "too_far_ahead",
      `collections may be due at most ${MAX_ADVANCE_CALENDAR_DAYS} days ahead (${latest})`,
    );
  return { ok: true, collectionDate };
}
