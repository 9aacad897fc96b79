// PSD2 rules of worker/domain/bank-consent.ts: never more than four unattended updates a Berlin
// day, spread over the day; consent notices once before and once at the lapse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  consentNoticeDue,
  mayUpdateUnattended,
  spendUpdate,
  type UpdateBudget,
} from "../../worker/domain/bank-consent.ts";

const DAY = 86_400_000;

describe("unattended update budget", () => {
  it("sends at most four a Berlin day however often it is asked, and uses all four", () => {
    fc.assert(
      fc.property(
        fc.integer({
          min: Date.parse("2027-01-01T00:00:00Z"),
          max: Date.parse("2028-01-01T00:00:00Z"),
        }),
        fc.array(fc.integer({ min: 1, max: 4 * 3_600_000 }), { minLength: 1, maxLength: 200 }),
        (start, steps) => {
          let budget: UpdateBudget = { day: null, count: 0, lastAt: null };
          const perDay = new Map<string, number>();
          let at = start;
          for (const step of steps) {
            at += step;
            const now = new Date(at);
            if (mayUpdateUnattended(budget, now)) {
              budget = spendUpdate(budget, now);
              perDay.set(budget.day!, budget.count);
            }
          }
          for (const count of perDay.values()) expect(count).toBeLessThanOrEqual(4);
        },
      ),
    );
    // Asked every 15 minutes for a whole day: exactly four, one per six-hour slot.
    let budget: UpdateBudget = { day: null, count: 0, lastAt: null };
    const sentAt: string[] = [];
    for (
      let at = Date.parse("2027-03-01T23:00:00Z");
      at < Date.parse("2027-03-02T23:00:00Z");
      at += 900_000
    ) {
      const now = new Date(at);
      if (mayUpdateUnattended(budget, now)) {
        budget = spendUpdate(budget, now);
        sentAt.push(now.toISOString());
      }
    }
    expect(sentAt).toEqual([
      "2027-03-01T23:00:00.000Z",
      "2027-03-02T05:00:00.000Z",
      "2027-03-02T11:00:00.000Z",
      "2027-03-02T17:00:00.000Z",
    ]);
  });

  it("starts each Berlin day afresh, also across the daylight saving change", () => {
    const budget = { day: "2027-03-27", count: 4, lastAt: "2027-03-27T22:00:00.000Z" };
    expect(mayUpdateUnattended(budget, new Date("2027-03-27T22:30:00Z"))).toBe(false);
    // 00:30 in Berlin on the day summer time starts.
    expect(mayUpdateUnattended(budget, new Date("2027-03-27T23:30:00Z"))).toBe(true);
    expect(spendUpdate(budget, new Date("2027-03-27T23:30:00Z"))).toEqual({
      day: "2027-03-28",
      count: 1,
      lastAt: "2027-03-27T23:30:00.000Z",
    });
  });
  it("sends one per six-hour slot, never two in a row, even when the day started late", () => {
    const first = new Date("2027-03-01T09:00:00Z"); // 10:00 in Berlin: the second slot
    const fresh = { day: null, count: 0, lastAt: null };
    expect(mayUpdateUnattended(fresh, first)).toBe(true);
    const spent = spendUpdate(fresh, first);
    expect(mayUpdateUnattended(spent, new Date("2027-03-01T09:15:00Z"))).toBe(false);
    expect(mayUpdateUnattended(spent, new Date("2027-03-01T10:59:00Z"))).toBe(false);
    expect(mayUpdateUnattended(spent, new Date("2027-03-01T11:00:00Z"))).toBe(true);
  });
});

describe("consent notices", () => {
  const expiresAt = "2027-05-30T09:00:00.000Z";
  const at = (ms: number) => new Date(Date.parse(expiresAt) + ms);

  it("warns once within the warning days and tells once when the consent has lapsed", () => {
    expect(consentNoticeDue(expiresAt, null, at(-8 * DAY), 7)).toBeNull();
    expect(consentNoticeDue(expiresAt, null, at(-7 * DAY), 7)).toBe("expiring");
    expect(consentNoticeDue(expiresAt, "expiring", at(-DAY), 7)).toBeNull();
    expect(consentNoticeDue(expiresAt, "expiring", at(0), 7)).toBe("lapsed");
    expect(consentNoticeDue(expiresAt, null, at(DAY), 7)).toBe("lapsed");
    expect(consentNoticeDue(expiresAt, "lapsed", at(DAY), 7)).toBeNull();
    expect(consentNoticeDue(null, null, at(DAY), 7)).toBeNull();
  });
});
