// Dunning rules: one level per run after the configured days past due, nothing once paid or
// handed over, what a letter claims (open amount, level fees, interest, the B2B flat fee in
// EUR only), and the settings' validation naming each bad field.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays } from "../../worker/domain/calendar.ts";
import {
  claimOf,
  DEFAULT_DUNNING_SETTINGS,
  levelFee,
  nextLevel,
  validateDunningSettings,
  type DunningHistoryEntry,
  type DunningSettings,
} from "../../worker/domain/dunning.ts";

const settings: DunningSettings = {
  ...DEFAULT_DUNNING_SETTINGS,
  reminderDays: [7, 21, 35],
  levelFees: [0, 250, 500],
};
const due = "2027-01-15";

/** Runs the dunning rule once per day, as the billing cron and the test clock do. */
function simulate(days: number, openAmount = 10_000): DunningHistoryEntry[] {
  const history: DunningHistoryEntry[] = [];
  for (let day = 0; day <= days; day++) {
    const today = addDays(due, day);
    const level = nextLevel({ dueDate: due, today, openAmount, history }, settings);
    if (level) history.push({ level, reachedOn: today, fee: levelFee(level, settings) });
  }
  return history;
}

describe("dunning levels", () => {
  it("reaches reminder, 1st and 2nd notice on the configured days past due, each once", () => {
    expect(simulate(100)).toEqual([
      { level: "reminder", reachedOn: "2027-01-22", fee: 0 },
      { level: "first_notice", reachedOn: "2027-02-05", fee: 250 },
      { level: "second_notice", reachedOn: "2027-02-19", fee: 500 },
    ]);
  });

  it("does not start before the due date has passed or when nothing is open", () => {
    expect(simulate(100, 0)).toEqual([]);
    expect(nextLevel({ dueDate: due, today: due, openAmount: 1, history: [] }, settings)).toBe(
      null,
    );
  });

  it("skips no level when the cron was down: one level per run", () => {
    const history: DunningHistoryEntry[] = [];
    const today = addDays(due, 60);
    const first = nextLevel({ dueDate: due, today, openAmount: 1, history }, settings);
    expect(first).toBe("reminder");
    history.push({ level: "reminder", reachedOn: today, fee: 0 });
    expect(nextLevel({ dueDate: due, today, openAmount: 1, history }, settings)).toBe(
      "first_notice",
    );
  });

  it("stops once the invoice is paid or handed over", () => {
    const history: DunningHistoryEntry[] = [{ level: "reminder", reachedOn: "2027-01-22", fee: 0 }];
    const today = "2027-03-01";
    expect(nextLevel({ dueDate: due, today, openAmount: 0, history }, settings)).toBe(null);
    const handed = [...history, { level: "handed_over" as const, reachedOn: "2027-01-30", fee: 0 }];
    expect(nextLevel({ dueDate: due, today, openAmount: 500, history: handed }, settings)).toBe(
      null,
    );
  });

  it("never reaches a level twice nor more than three automatic levels (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), (days) => {
        const history = simulate(days);
        expect(new Set(history.map((h) => h.level)).size).toBe(history.length);
        expect(history.length).toBeLessThanOrEqual(3);
      }),
    );
  });
});

describe("what a dunning letter claims", () => {
  const base = {
    principal: 11_900,
    currency: "EUR",
    dueDate: "2025-01-15",
    asOf: "2025-02-14",
    payments: [],
    history: [
      { level: "reminder" as const, reachedOn: "2025-01-22", fee: 0 },
      { level: "first_notice" as const, reachedOn: "2025-02-05", fee: 250 },
    ],
  };

  it("adds the level fees; interest and the flat fee only when the merchant wants them", () => {
    expect(claimOf({ ...base, debtor: "consumer" }, settings)).toEqual({
      openAmount: 11_900,
      fees: 250,
      interest: 0,
      flatFee: 0,
      total: 12_150,
    });
    const full = { ...settings, defaultInterest: true, b2bFlatFee: true };
    // 11 900 × 11.27 % × 30 / 365 = 110.23 cents
    expect(claimOf({ ...base, debtor: "business" }, full)).toEqual({
      openAmount: 11_900,
      fees: 250,
      interest: 110,
      flatFee: 4_000,
      total: 16_260,
    });
    // 11 900 × 7.27 % × 30 / 365 = 71.11 cents; no flat fee for consumers
    expect(claimOf({ ...base, debtor: "consumer" }, full).interest).toBe(71);
    expect(claimOf({ ...base, debtor: "consumer" }, full).flatFee).toBe(0);
    expect(claimOf({ ...base, currency: "CHF", debtor: "business" }, full).flatFee).toBe(0);
  });

  it("a partial payment lowers the open amount and the interest", () => {
    const full = { ...settings, defaultInterest: true };
    const paid = claimOf(
      { ...base, debtor: "consumer", payments: [{ date: "2025-01-20", amount: 5_900 }] },
      full,
    );
    expect(paid.openAmount).toBe(6_000);
    // 5 days on 119.00, 25 days on 60.00 at 7.27 % = 11.85 + 29.88 = 41.73 cents
    expect(paid.interest).toBe(42);
  });
});

describe("dunning settings", () => {
  it("accepts the defaults", () => {
    expect(validateDunningSettings({ ...DEFAULT_DUNNING_SETTINGS })).toEqual([]);
  });

  it("names every bad field", () => {
    const errors = validateDunningSettings({
      ...DEFAULT_DUNNING_SETTINGS,
      handlingFee: -1,
      reminderDays: [7, 7, 400],
      levelFees: [0, 2.5, 500],
      baseRates: [
        { validFrom: "2025-02-30", rateBp: 100 },
        { validFrom: "2025-01-01", rateBp: 5_000 },
      ],
    });
    expect(errors.map((e) => e.field)).toEqual([
      "handlingFee",
      "levelFees.1",
      "reminderDays.1",
      "reminderDays.2",
      "baseRates.0.validFrom",
      "baseRates.1.rateBp",
    ]);
  });
});
