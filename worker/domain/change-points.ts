// When a contract change may take effect: the dates a template's change points produce for a
// contract on a given day, the check the API applies to a requested date, and downgrade timing.
import {
  addDays,
  addMonthsClamped,
  firstOfNextMonth,
  isIsoDate,
  maxDate,
  periodContaining,
} from "./calendar.ts";
import type { IsoDate } from "./calendar.ts";
import { ruleFailure } from "./change-rule-error.ts";
import type { RuleCheck } from "./change-rule-error.ts";
import type {
  ChangePoint,
  ContractSnapshot,
  DowngradeTiming,
  TemplateTerms,
} from "./contract-terms.ts";

export type ChangePointType = ChangePoint["type"];

/** An inclusive range of allowed dates (a `custom` change point). */
export interface ChangeDateRange {
  from: IsoDate;
  to: IsoDate;
}

export interface AllowedChangeDates {
  /** Sorted, unique. */
  dates: IsoDate[];
  ranges: ChangeDateRange[];
  /** Which fixed change point produced which date, so the portal can label the choices. */
  points: { type: Exclude<ChangePointType, "custom">; date: IsoDate }[];
}

/** "as_requested" is for the merchant API: an operator's date wins over the template's rule. */
export type ChangeTiming = "template" | "as_requested";

type DateWindow = { floor: IsoDate; ceiling: IsoDate | null };

/** A change can neither precede the contract (or today) nor follow its last day of service. */
function windowOf(contract: ContractSnapshot, today: IsoDate): DateWindow {
  return { floor: maxDate(today, contract.startDate), ceiling: contract.endDate };
}

function inWindow(window: DateWindow, date: IsoDate): boolean {
  return date >= window.floor && (window.ceiling === null || date <= window.ceiling);
}

/**
 * The first day after the minimum term or, once that has passed, after the renewal term that
 * contains today (terms renew by minimumTermMonths from the start date). With no minimum term
 * there is no term to wait for and this is the next period, as the template author would expect.
 */
export function endOfTermChangeDate(contract: ContractSnapshot, today: IsoDate): IsoDate {
  const months = contract.minimumTermMonths;
  if (months <= 0) return contract.currentPeriod.end;
  const boundary = (k: number) => addMonthsClamped(contract.startDate, k * months);
  // Jump close to today first so decades-old monthly contracts do not walk term by term.
  let k = Math.max(1, Math.floor(monthsFrom(contract.startDate, today) / months));
  while (k > 1 && boundary(k - 1) > today) k -= 1;
  while (boundary(k) <= today) k += 1;
  return boundary(k);
}

function monthsFrom(from: IsoDate, to: IsoDate): number {
  const [fy, fm] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const [ty, tm] = [Number(to.slice(0, 4)), Number(to.slice(5, 7))];
  return (ty - fy) * 12 + (tm - fm);
}

function fixedPointDate(
  point: Exclude<ChangePoint, { type: "custom" }>,
  contract: ContractSnapshot,
  today: IsoDate,
  window: DateWindow,
): IsoDate {
  switch (point.type) {
    // "Immediately" for a contract that has not started yet means its first day.
    case "immediately":
      return window.floor;
    case "next_period":
      return contract.currentPeriod.end;
    case "end_of_term":
      return endOfTermChangeDate(contract, today);
    case "next_month":
      return firstOfNextMonth(today);
  }
}

function customRange(
  point: Extract<ChangePoint, { type: "custom" }>,
  today: IsoDate,
  window: DateWindow,
): ChangeDateRange | null {
  const from = maxDate(addDays(today, point.minLeadDays), window.floor);
  const horizon = addDays(today, point.maxHorizonDays);
  const to = window.ceiling !== null && window.ceiling < horizon ? window.ceiling : horizon;
  return from <= to ? { from, to } : null;
}

/** The dates the portal offers and the API accepts for a change to this contract today. */
export function allowedChangeDates(
  contract: ContractSnapshot,
  template: Pick<TemplateTerms, "changePoints">,
  today: IsoDate,
): AllowedChangeDates {
  const window = windowOf(contract, today);
  const points: AllowedChangeDates["points"] = [];
  const ranges: ChangeDateRange[] = [];
  for (const point of template.changePoints) {
    if (point.type === "custom") {
      const range = customRange(point, today, window);
      if (range) ranges.push(range);
      continue;
    }
    const date = fixedPointDate(point, contract, today, window);
    if (inWindow(window, date)) points.push({ type: point.type, date });
  }
  points.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const dates = [...new Set(points.map((point) => point.date))];
  ranges.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  return { dates, ranges, points };
}

export function isChangeDateAllowed(allowed: AllowedChangeDates, date: IsoDate): boolean {
  return (
    allowed.dates.includes(date) ||
    allowed.ranges.some((range) => date >= range.from && date <= range.to)
  );
}

function describeAllowed(allowed: AllowedChangeDates): string {
  const parts = [...allowed.dates, ...allowed.ranges.map((range) => `${range.from}..${range.to}`)];
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** The portal's check of a requested effective date against the template's change points. */
export function checkEffectiveDate(
  contract: ContractSnapshot,
  template: Pick<TemplateTerms, "changePoints">,
  today: IsoDate,
  date: IsoDate,
): RuleCheck {
  if (!isIsoDate(date))
    return ruleFailure(
      "invalid_date",
      "effectiveDate",
      `effectiveDate ${date} is not a calendar date (YYYY-MM-DD)`,
    );
  const allowed = allowedChangeDates(contract, template, today);
  if (isChangeDateAllowed(allowed, date)) return { ok: true };
  return ruleFailure(
    "effective_date_not_allowed",
    "effectiveDate",
    `effectiveDate ${date} is not allowed; allowed: ${describeAllowed(allowed)}`,
  );
}

/** The first billing-period start on or after `date` (the date itself if it is one). */
export function periodStartOnOrAfter(
  contract: Pick<ContractSnapshot, "billingAnchor" | "interval" | "currentPeriod">,
  date: IsoDate,
): IsoDate {
  const { currentPeriod } = contract;
  const period =
    date >= currentPeriod.start && date < currentPeriod.end
      ? currentPeriod
      : periodContaining(contract.billingAnchor, contract.interval, date);
  return period.start === date ? date : period.end;
}

/**
 * The date a downgrade takes effect. The template's "next_period" defers it to the first period
 * start after the current (already billed) period has begun — on the period's first day too, and
 * for a backdated date — so the customer keeps what they paid for and is never credited for it.
 */
export function downgradeEffectiveDate(
  contract: Pick<ContractSnapshot, "billingAnchor" | "interval" | "currentPeriod">,
  requested: IsoDate,
  downgradeTiming: DowngradeTiming,
  timing: ChangeTiming = "template",
): IsoDate {
  if (timing === "as_requested" || downgradeTiming === "like_upgrade") return requested;
  return maxDate(contract.currentPeriod.end, periodStartOnOrAfter(contract, requested));
}
