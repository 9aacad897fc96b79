// When a contract can end: the earliest last day of service a cancellation today allows, and the
// check of an end date the customer or merchant chose.
import { addDays, addMonthsClamped, isIsoDate, maxDate, periodContaining } from "./calendar.ts";
import type { IsoDate } from "./calendar.ts";
import { ruleFailure } from "./change-rule-error.ts";
import type { RuleCheck } from "./change-rule-error.ts";
import type { ContractSnapshot } from "./contract-terms.ts";

export type CancellationTerms = Pick<
  ContractSnapshot,
  | "startDate"
  | "billingAnchor"
  | "interval"
  | "currentPeriod"
  | "minimumTermMonths"
  | "noticePeriodDays"
>;

/** The last day the customer is bound to; the day before the start when there is no minimum term. */
export function minimumTermLastDay(contract: CancellationTerms): IsoDate {
  return addDays(addMonthsClamped(contract.startDate, contract.minimumTermMonths), -1);
}

/** The last day of the billing period containing `date`: billing is in advance, so a paid period is always served to its end. */
export function lastDayOfPeriodContaining(contract: CancellationTerms, date: IsoDate): IsoDate {
  return addDays(periodContaining(contract.billingAnchor, contract.interval, date).end, -1);
}

export function isLastDayOfPeriod(contract: CancellationTerms, date: IsoDate): boolean {
  return lastDayOfPeriodContaining(contract, date) === date;
}

/**
 * Earliest last day of service for a cancellation declared today: the later of the minimum term's
 * last day and today + notice, rounded up to the end of its billing period. Never inside an
 * already billed earlier period, nor before the contract starts.
 */
export function earliestCancellationEnd(contract: CancellationTerms, today: IsoDate): IsoDate {
  const bound = maxDate(minimumTermLastDay(contract), addDays(today, contract.noticePeriodDays));
  const notBefore = maxDate(contract.startDate, contract.currentPeriod.start);
  return lastDayOfPeriodContaining(contract, maxDate(bound, notBefore));
}

/** Checks an end date (last day of service) chosen instead of the earliest one. */
export function checkChosenEnd(
  contract: CancellationTerms,
  today: IsoDate,
  endDate: IsoDate,
): RuleCheck {
  if (!isIsoDate(endDate))
    return ruleFailure(
      "invalid_date",
      "endDate",
      `endDate ${endDate} is not a calendar date (YYYY-MM-DD)`,
    );
  const earliest = earliestCancellationEnd(contract, today);
  if (endDate < earliest)
    return ruleFailure(
      "end_date_too_early",
      "endDate",
      `endDate ${endDate} is before the earliest possible end ${earliest}`,
    );
  if (!isLastDayOfPeriod(contract, endDate)) {
    const next = lastDayOfPeriodContaining(contract, endDate);
    return ruleFailure(
      "end_date_not_period_end",
      "endDate",
      `endDate ${endDate} is not the last day of a billing period; the period ends ${next}`,
    );
  }
  return { ok: true };
}
