// Pins the TARGET2 calendar (Easter, the six holidays, weekends) and the earliest collection
// date: a collection is never due on a closing day nor sooner than the merchant's lead time.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, fromDayNumber, toDayNumber } from "../../worker/domain/calendar.ts";
import type { IsoDate } from "../../worker/domain/calendar.ts";
import {
  addTarget2BusinessDays,
  checkCollectionDate,
  DEFAULT_SEPA_LEAD_DAYS,
  earliestCollectionDate,
  easterSunday,
  isTarget2BusinessDay,
  isTarget2Holiday,
  isValidLeadDays,
  latestCollectionDate,
  leadDaysFor,
  MAX_LEAD_DAYS,
  nextTarget2BusinessDay,
  target2Holidays,
} from "../../worker/domain/sepa-calendar.ts";
import type { CollectionSequenceType } from "../../worker/domain/sepa-calendar.ts";

const anyDate: fc.Arbitrary<IsoDate> = fc
  .integer({ min: toDayNumber("2000-01-01"), max: toDayNumber("2199-12-31") })
  .map(fromDayNumber);
const sequenceType: fc.Arbitrary<CollectionSequenceType> = fc.constantFrom(
  "FRST",
  "RCUR",
  "OOFF",
  "FNAL",
);

/** Business days in (from, to], counted one day at a time: the slow, obvious definition. */
function businessDaysAfter(from: IsoDate, to: IsoDate): number {
  let count = 0;
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1))
    if (isTarget2BusinessDay(day)) count += 1;
  return count;
}

describe("easterSunday", () => {
  it("matches published Easter dates, including the earliest and latest possible", () => {
    const known: Record<number, IsoDate> = {
      1818: "1818-03-22",
      1943: "1943-04-25",
      2000: "2000-04-23",
      2008: "2008-03-23",
      2011: "2011-04-24",
      2019: "2019-04-21",
      2024: "2024-03-31",
      2025: "2025-04-20",
      2026: "2026-04-05",
      2027: "2027-03-28",
      2028: "2028-04-16",
      2038: "2038-04-25",
      2285: "2285-03-22",
    };
    for (const [year, date] of Object.entries(known))
      expect(easterSunday(Number(year)), year).toBe(date);
  });

  it("is always a Sunday between 22 March and 25 April", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 4099 }), (year) => {
        const easter = easterSunday(year);
        expect(easter.slice(5) >= "03-22" && easter.slice(5) <= "04-25").toBe(true);
        expect(new Date(`${easter}T00:00:00Z`).getUTCDay()).toBe(0);
      }),
    );
  });
});

describe("TARGET2 closing days", () => {
  it("lists New Year, Good Friday, Easter Monday, 1 May, 25 and 26 December", () => {
    expect(target2Holidays(2025)).toEqual([
      "2025-01-01",
      "2025-04-18",
      "2025-04-21",
      "2025-05-01",
      "2025-12-25",
      "2025-12-26",
    ]);
    expect(target2Holidays(2027)).toEqual([
      "2027-01-01",
      "2027-03-26",
      "2027-03-29",
      "2027-05-01",
      "2027-12-25",
      "2027-12-26",
    ]);
  });

  it("closes on those holidays and weekends, and nowhere else", () => {
    for (const date of [
      "2025-01-01",
      "2025-04-18",
      "2025-04-21",
      "2025-05-01",
      "2025-12-25",
      "2025-12-26",
    ]) {
      expect(isTarget2Holiday(date), date).toBe(true);
      expect(isTarget2BusinessDay(date), date).toBe(false);
    }
    expect(isTarget2BusinessDay("2025-05-03"), "Saturday").toBe(false);
    expect(isTarget2BusinessDay("2025-05-04"), "Sunday").toBe(false);
    // German bank holidays that TARGET2 does not observe: SEPA settles on them.
    for (const date of ["2025-06-09", "2025-10-03", "2025-12-24", "2025-12-31", "2025-04-17"]) {
      expect(isTarget2BusinessDay(date), date).toBe(true);
    }
  });

  it("has the business days per year that weekdays minus weekday holidays give", () => {
    // 2024: 262 weekdays, all six holidays on weekdays. 2025: 261, six. 2026: 261, 26 Dec is a
    // Saturday. 2027: 261, 1 May and Christmas fall on the weekend.
    const expected: Record<number, number> = { 2024: 256, 2025: 255, 2026: 256, 2027: 258 };
    for (const [year, days] of Object.entries(expected)) {
      expect(businessDaysAfter(`${Number(year) - 1}-12-31`, `${year}-12-31`), year).toBe(days);
    }
  });
});

describe("addTarget2BusinessDays", () => {
  it("skips weekends and the Easter and Christmas closures", () => {
    expect(addTarget2BusinessDays("2025-04-17", 1)).toBe("2025-04-22");
    expect(addTarget2BusinessDays("2025-12-23", 2)).toBe("2025-12-29");
    expect(addTarget2BusinessDays("2025-12-31", 1)).toBe("2026-01-02");
    expect(addTarget2BusinessDays("2027-04-30", 1)).toBe("2027-05-03");
    expect(addTarget2BusinessDays("2025-05-02", 1)).toBe("2025-05-05");
  });

  it("with n = 0 gives the day itself or the next business day", () => {
    expect(addTarget2BusinessDays("2025-05-05", 0)).toBe("2025-05-05");
    expect(addTarget2BusinessDays("2025-05-03", 0)).toBe("2025-05-05");
    expect(nextTarget2BusinessDay("2025-12-25")).toBe("2025-12-29");
  });

  it("refuses negative or fractional counts", () => {
    expect(() => addTarget2BusinessDays("2025-05-05", -1)).toThrow(RangeError);
    expect(() => addTarget2BusinessDays("2025-05-05", 1.5)).toThrow(RangeError);
  });

  it("lands on a business day with exactly n business days in between, from any date", () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 1, max: 15 }), (date, n) => {
        const result = addTarget2BusinessDays(date, n);
        expect(isTarget2BusinessDay(result)).toBe(true);
        expect(businessDaysAfter(date, result)).toBe(n);
      }),
    );
  });

  it("adds up: n then m business days is n + m", () => {
    fc.assert(
      fc.property(
        anyDate,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        (date, n, m) => {
          expect(addTarget2BusinessDays(addTarget2BusinessDays(date, n), m)).toBe(
            addTarget2BusinessDays(date, n + m),
          );
        },
      ),
    );
  });
});

describe("lead days", () => {
  it("defaults to 2 business days for every sequence type", () => {
    expect(DEFAULT_SEPA_LEAD_DAYS).toEqual({ FRST: 2, RCUR: 2, OOFF: 2, FNAL: 2 });
    expect(leadDaysFor("FRST")).toBe(2);
    expect(leadDaysFor("RCUR", { FRST: 5 })).toBe(2);
    expect(leadDaysFor("FRST", { FRST: 5 })).toBe(5);
    expect(leadDaysFor("RCUR", 1)).toBe(1);
  });

  it("allows 1 (the rulebook's D-1) up to 5 (the old FRST rule), nothing else", () => {
    expect([0, 1, 5, 6, 2.5, Number.NaN, "2"].map(isValidLeadDays)).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(() => leadDaysFor("RCUR", 0)).toThrow(RangeError);
    expect(() => leadDaysFor("FRST", { FRST: 6 })).toThrow(RangeError);
  });
});

describe("earliestCollectionDate", () => {
  it("counts business days after today, never today itself", () => {
    // Monday 2025-05-05: Wednesday with the default, Tuesday at D-1.
    expect(earliestCollectionDate("2025-05-05", "RCUR")).toBe("2025-05-07");
    expect(earliestCollectionDate("2025-05-05", "RCUR", 1)).toBe("2025-05-06");
    // Maundy Thursday 2025: Good Friday, the weekend and Easter Monday are all closed.
    expect(earliestCollectionDate("2025-04-17", "FRST")).toBe("2025-04-23");
    // Generated on a Saturday: Monday is the first business day.
    expect(earliestCollectionDate("2025-05-03", "RCUR", 1)).toBe("2025-05-05");
    expect(earliestCollectionDate("2025-05-05", "FRST", { FRST: 5, RCUR: 1 })).toBe("2025-05-12");
    expect(earliestCollectionDate("2025-05-05", "RCUR", { FRST: 5, RCUR: 1 })).toBe("2025-05-06");
  });

  it("is always a business day after today, no sooner than the lead time, and within 14 days", () => {
    fc.assert(
      fc.property(
        anyDate,
        sequenceType,
        fc.integer({ min: 1, max: MAX_LEAD_DAYS }),
        (today, type, lead) => {
          const earliest = earliestCollectionDate(today, type, lead);
          expect(isTarget2BusinessDay(earliest)).toBe(true);
          expect(earliest > today).toBe(true);
          expect(businessDaysAfter(today, earliest)).toBe(lead);
          expect(earliest <= latestCollectionDate(today)).toBe(true);
        },
      ),
    );
  });
});

describe("checkCollectionDate", () => {
  it("accepts the earliest date and any business day up to 14 days ahead", () => {
    expect(checkCollectionDate("2025-05-05", "2025-05-07", "RCUR")).toEqual({
      ok: true,
      collectionDate: "2025-05-07",
    });
    expect(checkCollectionDate("2025-05-05", "2025-05-19", "FRST")).toEqual({
      ok: true,
      collectionDate: "2025-05-19",
    });
  });

  it("names what is wrong and what would be allowed", () => {
    expect(checkCollectionDate("2025-05-05", "2025-05-06", "RCUR")).toMatchObject({
      ok: false,
      reason: "too_early",
      earliest: "2025-05-07",
      latest: "2025-05-19",
    });
    expect(checkCollectionDate("2025-04-10", "2025-04-18", "RCUR")).toMatchObject({
      ok: false,
      reason: "not_target2_business_day",
    });
    expect(checkCollectionDate("2025-05-05", "2025-05-10", "RCUR")).toMatchObject({
      ok: false,
      reason: "not_target2_business_day",
    });
    expect(checkCollectionDate("2025-05-05", "2025-05-20", "RCUR")).toMatchObject({
      ok: false,
      reason: "too_far_ahead",
    });
    expect(checkCollectionDate("2025-05-05", "2025-02-30", "RCUR")).toMatchObject({
      ok: false,
      reason: "not_a_date",
    });
    expect(checkCollectionDate("2025-05-05", "05.05.2025", "RCUR")).toMatchObject({
      ok: false,
      reason: "not_a_date",
    });
  });

  it("accepts exactly the business days from the earliest to the latest date", () => {
    fc.assert(
      fc.property(
        anyDate,
        fc.integer({ min: -3, max: 20 }),
        fc.integer({ min: 1, max: MAX_LEAD_DAYS }),
        (today, offset, lead) => {
          const date = addDays(today, offset);
          const expected =
            isTarget2BusinessDay(date) &&
            date >= earliestCollectionDate(today, "RCUR", lead) &&
            date <= addDays(today, 14);
          expect(checkCollectionDate(today, date, "RCUR", lead).ok).toBe(expected);
        },
      ),
    );
  });
});
