// PSD2 rules for keeping a bank connection alive without the bank customer: at most four
// unattended bank accesses a day per consent, spread over the day, and when to tell the merchant
// that the customer must renew the consent (some days before it lapses, and when it has lapsed).
import { localDate } from "./calendar.ts";

/** PSD2 (RTS Art. 36(5)): four accesses a day without the customer, per recurring consent. */
export const UNATTENDED_UPDATES_PER_DAY = 4;
/** finAPI and the banks count days in Germany. */
const BANK_TIME_ZONE = "Europe/Berlin";

export interface UpdateBudget {
  /** The Berlin day the count belongs to. */
  day: string | null;
  count: number;
  /** When the last one was sent. */
  lastAt: string | null;
}

/** The Berlin hour of an instant, 0–23. */
function berlinHour(instant: Date): number {
  const hour = new Intl.DateTimeFormat("en-GB", {
    timeZone: BANK_TIME_ZONE,
    hour: "2-digit",
    hourCycle: "h23",
  }).format(instant);
  return Number(hour);
}

/** Which of the day's `perDay` equal slots an instant falls in, with its Berlin day. */
function slotOf(instant: Date, perDay: number): string {
  return `${localDate(instant, BANK_TIME_ZONE)}/${Math.floor((berlinHour(instant) * perDay) / 24)}`;
}

/**
 * Whether an unattended update may be sent now: at most `perDay` a Berlin day, and at most one
 * in each of the day's `perDay` equal slots, so the accesses spread over the day.
 */
export function mayUpdateUnattended(
  budget: UpdateBudget,
  now: Date,
  perDay = UNATTENDED_UPDATES_PER_DAY,
): boolean {
  const used = budget.day === localDate(now, BANK_TIME_ZONE) ? budget.count : 0;
  const sameSlot =
    budget.lastAt !== null && slotOf(new Date(budget.lastAt), perDay) === slotOf(now, perDay);
  return used < perDay && !sameSlot;
}

/** The budget after one more update sent now. */
export function spendUpdate(budget: UpdateBudget, now: Date): UpdateBudget {
  const today = localDate(now, BANK_TIME_ZONE);
  return {
    day: today,
    count: (budget.day === today ? budget.count : 0) + 1,
    lastAt: now.toISOString(),
  };
}

export type ConsentNotice = "expiring" | "lapsed";

/** Why the customer is asked to renew: a notice of the consent, or the bank wants them now. */
export type ConsentReason = ConsentNotice | "bank_requires_customer";

/**
 * Which notice is due for a consent: `lapsed` once it has run out, `expiring` within
 * `warningDays` before; null when nothing new is due (each goes out once per consent).
 */
export function consentNoticeDue(
  expiresAt: string | null,
  sent: ConsentNotice | null,
  now: Date,
  warningDays: number,
): ConsentNotice | null {
  if (expiresAt === null || sent === "lapsed") return null;
  const left = Date.parse(expiresAt) - now.getTime();
  if (left <= 0) return "lapsed";
  if (sent === null && left <= warningDays * 86_400_000) return "expiring";
  return null;
}
