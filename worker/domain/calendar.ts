// Calendar dates (YYYY-MM-DD), billing periods anchored on a start date with month-end clamping,
// day counts, and the merchant-local "today".
import type { BillingInterval, IsoDate } from "../../widget/src/billing-types.ts";

export type { BillingInterval, IsoDate } from "../../widget/src/billing-types.ts";

/** A billing period `[start, end)`: `end` is the first day of the next period. */
export interface Period {
  start: IsoDate;
  end: IsoDate;
}

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const INTERVAL_MONTHS: Record<BillingInterval, number> = { month: 1, quarter: 3, year: 12 };

export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function parse(date: IsoDate): { year: number; month: number; day: number } {
  const match = ISO_DATE.exec(date);
  if (!match || !isIsoDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

function format(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Pure arithmetic rather than `Date.UTC`, which maps years 0–99 to 1900–1999. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return MONTH_DAYS[month - 1] ?? Number.NaN;
}

/**
 * Days since 1970-01-01 for a calendar date; the basis of all day arithmetic. Proleptic
 * Gregorian arithmetic (H. Hinnant's days_from_civil) so that no year is reinterpreted.
 */
export function toDayNumber(date: IsoDate): number {
  const { year, month, day } = parse(date);
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function fromDayNumber(dayNumber: number): IsoDate {
  const d = new Date(dayNumber * DAY_MS);
  return format(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** Number of days from `from` to `to` (`to` exclusive); negative when `to` is earlier. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/**
 * The date `months` months after `date`, keeping `date`'s day of month where it exists and
 * clamping to the month's last day where it does not (31 Jan + 1 month = 28/29 Feb).
 */
export function addMonthsClamped(date: IsoDate, months: number): IsoDate {
  if (!Number.isSafeInteger(months))
    throw new RangeError(`months must be an integer, got ${months}`);
  const { year, month, day } = parse(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12 + 1;
  return format(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
}

export function compareDates(a: IsoDate, b: IsoDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

/** The first day of the month after `date`. */
export function firstOfNextMonth(date: IsoDate): IsoDate {
  const { year, month } = parse(date);
  return month === 12 ? format(year + 1, 1, 1) : format(year, month + 1, 1);
}

/**
 * The n-th period of a contract anchored on `anchor`. Every boundary is computed from the
 * anchor itself, never from the previous boundary, so a 31st keeps coming back after February
 * (31 Jan → 28 Feb → 31 Mar).
 */
export function nthPeriod(anchor: IsoDate, interval: BillingInterval, n: number): Period {
  const months = INTERVAL_MONTHS[interval];
  return {
    start: addMonthsClamped(anchor, n * months),
    end: addMonthsClamped(anchor, (n + 1) * months),
  };
}

/** The index of the period containing `date` (negative before the anchor). */
export function periodIndexOf(anchor: IsoDate, interval: BillingInterval, date: IsoDate): number {
  const a = parse(anchor);
  const d = parse(date);
  const monthsApart = (d.year - a.year) * 12 + (d.month - a.month);
  let n = Math.floor(monthsApart / INTERVAL_MONTHS[interval]);
  // The estimate is off by at most one period because of day-of-month and clamping.
  while (nthPeriod(anchor, interval, n).start > date) n -= 1;
  while (nthPeriod(anchor, interval, n).end <= date) n += 1;
  return n;
}

export function periodContaining(
  anchor: IsoDate,
  interval: BillingInterval,
  date: IsoDate,
): Period {
  return nthPeriod(anchor, interval, periodIndexOf(anchor, interval, date));
}

export function periodDays(period: Period): number {
  return daysBetween(period.start, period.end);
}

/** The calendar date at `instant` in `timeZone` (IANA name); "today" for a merchant. */
export function localDate(instant: Date, timeZone: string): IsoDate {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(instant);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? "";
  return `${get("year").padStart(4, "0")}-${get("month")}-${get("day")}`;
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
