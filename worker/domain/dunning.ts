// Dunning (Mahnwesen) as pure rules: the merchant's dunning settings and their validation, which
// level an overdue invoice reaches next (payment reminder, 1st and 2nd notice; handing over is
// the merchant's decision), and what the customer owes at that level — the open amount, the
// level fees so far, § 288 BGB default interest and, for businesses, the 40 EUR flat fee once.
import { daysBetween, isIsoDate, type IsoDate } from "./calendar.ts";
import {
  B2B_FLAT_FEE,
  BASISZINSSATZ,
  defaultInterest,
  type BaseRate,
  type DatedPayment,
  type Debtor,
} from "./default-interest.ts";
import type { Cents } from "./money.ts";

export const AUTOMATIC_LEVELS = ["reminder", "first_notice", "second_notice"] as const;
export type AutomaticLevel = (typeof AUTOMATIC_LEVELS)[number];
export type DunningLevel = AutomaticLevel | "handed_over";

export interface DunningSettings {
  /** Charge the bank's return fee on to the customer. */
  passOnReturnFee: boolean;
  /** The merchant's own handling fee per return, on top of the bank's (cents). */
  handlingFee: Cents;
  /** Collect a debit returned for a retryable reason once more. */
  representDebits: boolean;
  /** Days past the due date for each automatic level, strictly increasing. */
  reminderDays: [number, number, number];
  /** Fee per automatic level (cents); a reminder usually costs nothing. */
  levelFees: [Cents, Cents, Cents];
  /** Claim § 288 BGB default interest. */
  defaultInterest: boolean;
  /** Claim the § 288 (5) BGB flat fee from business customers. */
  b2bFlatFee: boolean;
  /** The Basiszinssatz with the dates each value applies from. */
  baseRates: BaseRate[];
}

export const DEFAULT_DUNNING_SETTINGS: Readonly<DunningSettings> = {
  passOnReturnFee: true,
  handlingFee: 0,
  representDebits: true,
  reminderDays: [7, 21, 35],
  levelFees: [0, 250, 500],
  defaultInterest: false,
  b2bFlatFee: false,
  baseRates: [...BASISZINSSATZ],
};

/** A fee above this is a typo, not a Mahngebühr. */
export const MAX_FEE: Cents = 100_000;
export const MAX_REMINDER_DAYS = 365;

export interface SettingsError {
  field: string;
  message: string;
}

function centsError(field: string, value: number, max: number): SettingsError | null {
  return Number.isSafeInteger(value) && value >= 0 && value <= max
    ? null
    : { field, message: `must be a whole number of cents from 0 to ${max}` };
}

function reminderDaysErrors(days: readonly number[]): SettingsError[] {
  const errors: SettingsError[] = [];
  days.forEach((value, index) => {
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_REMINDER_DAYS)
      errors.push({
        field: `reminderDays.${index}`,
        message: `must be a whole number of days from 1 to ${MAX_REMINDER_DAYS}`,
      });
    else if (index > 0 && value <= (days[index - 1] ?? 0))
      errors.push({
        field: `reminderDays.${index}`,
        message: "each level must come later than the one before",
      });
  });
  return errors;
}

function baseRateErrors(rates: readonly BaseRate[]): SettingsError[] {
  const errors: SettingsError[] = [];
  const seen = new Set<string>();
  rates.forEach((rate, index) => {
    if (!isIsoDate(rate.validFrom))
      errors.push({ field: `baseRates.${index}.validFrom`, message: "must be a date YYYY-MM-DD" });
    else if (seen.has(rate.validFrom))
      errors.push({ field: `baseRates.${index}.validFrom`, message: "appears twice" });
    seen.add(rate.validFrom);
    if (!Number.isSafeInteger(rate.rateBp) || Math.abs(rate.rateBp) > 2_000)
      errors.push({
        field: `baseRates.${index}.rateBp`,
        message: "must be whole basis points between -2000 and 2000",
      });
  });
  if (rates.length === 0) errors.push({ field: "baseRates", message: "needs at least one rate" });
  return errors;
}

/** Every problem of a complete settings value, each naming its field. */
export function validateDunningSettings(settings: DunningSettings): SettingsError[] {
  return [
    centsError("handlingFee", settings.handlingFee, MAX_FEE),
    ...settings.levelFees.map((fee, i) => centsError(`levelFees.${i}`, fee, MAX_FEE)),
  ]
    .filter((error): error is SettingsError => error !== null)
    .concat(reminderDaysErrors(settings.reminderDays), baseRateErrors(settings.baseRates));
}

export interface DunningHistoryEntry {
  level: DunningLevel;
  reachedOn: IsoDate;
  fee: Cents;
}

export interface DunningCase {
  dueDate: IsoDate;
  today: IsoDate;
  /** Gross minus paid (credit applied included); zero or less stops dunning. */
  openAmount: Cents;
  history: readonly DunningHistoryEntry[];
}

/**
 * One level per run: a customer gets the reminder before the first notice even when the cron
 * was down for weeks, so no level is skipped. Nothing once paid or handed over.
 */
export function nextLevel(c: DunningCase, settings: DunningSettings): AutomaticLevel | null {
  if (c.openAmount <= 0 || c.today <= c.dueDate) return null;
  if (c.history.some((entry) => entry.level === "handed_over")) return null;
  const reached = c.history.filter((entry) => entry.level !== "handed_over").length;
  const level = AUTOMATIC_LEVELS[reached];
  if (level === undefined) return null;
  const threshold = settings.reminderDays[reached] ?? Number.POSITIVE_INFINITY;
  return daysBetween(c.dueDate, c.today) >= threshold ? level : null;
}

/** A dunning letter gives the customer this many days to pay. */
export const DUNNING_PAYMENT_DAYS = 10;

export function levelFee(level: AutomaticLevel, settings: DunningSettings): Cents {
  return settings.levelFees[AUTOMATIC_LEVELS.indexOf(level)] ?? 0;
}

export interface ClaimInput {
  principal: Cents;
  currency: string;
  dueDate: IsoDate;
  asOf: IsoDate;
  payments: readonly DatedPayment[];
  debtor: Debtor;
  history: readonly DunningHistoryEntry[];
}

export interface Claim {
  /** What is left of the invoice itself. */
  openAmount: Cents;
  fees: Cents;
  interest: Cents;
  flatFee: Cents;
  total: Cents;
}

/**
 * What a dunning letter asks for. Fees, interest and the flat fee are damages (§§ 280, 286, 288
 * BGB), not a supply, so they carry no VAT; the flat fee is in euros by law, so only for EUR.
 */
export function claimOf(input: ClaimInput, settings: DunningSettings): Claim {
  const paid = input.payments.reduce((sum, payment) => sum + payment.amount, 0);
  const openAmount = Math.max(0, input.principal - paid);
  const fees = input.history.reduce((sum, entry) => sum + entry.fee, 0);
  const interest = settings.defaultInterest
    ? defaultInterest({ ...input, baseRates: settings.baseRates }).amount
    : 0;
  const flatFee =
    settings.b2bFlatFee && input.debtor === "business" && input.currency === "EUR"
      ? B2B_FLAT_FEE
      : 0;
  return { openAmount, fees, interest, flatFee, total: openAmount + fees + interest + flatFee };
}
