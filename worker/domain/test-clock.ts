// The test clock of a sandbox merchant (like Stripe's): which days an advance runs through, how
// far one advance may go, and the instant that stands for a merchant-local day.
import { addDays, daysBetween, localDate, type IsoDate } from "./calendar.ts";

/** One advance covers at most this many days (a year and a bit: a whole year of billing at once). */
export const MAX_ADVANCE_DAYS = 400;

export type AdvancePlan =
  | { ok: true; days: number; first: IsoDate }
  | { ok: false; reason: "not_after_clock" | "too_far"; days: number };

/** From the clock's local day to `to`: every day after the clock's, `to` included. */
export function planAdvance(clockDay: IsoDate, to: IsoDate): AdvancePlan {
  const days = daysBetween(clockDay, to);
  if (days <= 0) return { ok: false, reason: "not_after_clock", days };
  if (days > MAX_ADVANCE_DAYS) return { ok: false, reason: "too_far", days };
  return { ok: true, days, first: addDays(clockDay, 1) };
}

/**
 * The instant the clock stands at on a merchant-local day: 12:00 UTC moved by half a day when
 * the zone is far enough east or west, so that the merchant's local date is exactly `day`
 * (every zone lies within UTC−12 … UTC+14).
 */
export function instantOfDay(day: IsoDate, timeZone: string): Date {
  const noon = new Date(`${day}T12:00:00.000Z`);
  const local = localDate(noon, timeZone);
  if (local > day) return new Date(noon.getTime() - 12 * 3_600_000);
  if (local < day) return new Date(noon.getTime() + 11 * 3_600_000);
  return noon;
}
