// The test clock's rules: an advance runs through every day after the clock's up to `to`, never
// backwards and never more than MAX_ADVANCE_DAYS; a day's instant lies on that local day.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, localDate } from "../../worker/domain/calendar.ts";
import { instantOfDay, MAX_ADVANCE_DAYS, planAdvance } from "../../worker/domain/test-clock.ts";

describe("planning an advance", () => {
  it("runs every day after the clock's, the target included", () => {
    expect(planAdvance("2027-01-15", "2027-03-01")).toEqual({
      ok: true,
      days: 45,
      first: "2027-01-16",
    });
    expect(planAdvance("2027-01-15", "2027-01-16")).toEqual({
      ok: true,
      days: 1,
      first: "2027-01-16",
    });
  });

  it("refuses the clock's own day, earlier days and more than the bound", () => {
    expect(planAdvance("2027-01-15", "2027-01-15")).toMatchObject({
      ok: false,
      reason: "not_after_clock",
    });
    expect(planAdvance("2027-01-15", "2026-12-31")).toMatchObject({
      ok: false,
      reason: "not_after_clock",
    });
    expect(planAdvance("2027-01-15", addDays("2027-01-15", MAX_ADVANCE_DAYS))).toMatchObject({
      ok: true,
    });
    expect(planAdvance("2027-01-15", addDays("2027-01-15", MAX_ADVANCE_DAYS + 1))).toMatchObject({
      ok: false,
      reason: "too_far",
    });
  });
});

describe("the instant of a local day", () => {
  const zones = [
    "Europe/Berlin",
    "UTC",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Pacific/Chatham",
  ];
  it("lies on that day in the merchant's zone (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.constantFrom(...zones),
        (offset, zone) => {
          const day = addDays("2000-01-01", offset);
          expect(localDate(instantOfDay(day, zone), zone)).toBe(day);
        },
      ),
    );
  });
});
