// Pins calendar.ts: billing periods must tile time without gaps or overlaps from any anchor
// (month ends, leap days, 2100), and "today" must flip at local midnight, DST included.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  addMonthsClamped,
  compareDates,
  daysBetween,
  daysInMonth,
  firstOfNextMonth,
  fromDayNumber,
  INTERVAL_MONTHS,
  isIsoDate,
  isTimeZone,
  localDate,
  maxDate,
  nthPeriod,
  periodContaining,
  periodDays,
  periodIndexOf,
  toDayNumber,
} from "../../worker/domain/calendar.ts";
import type { BillingInterval, IsoDate } from "../../worker/domain/calendar.ts";

const FIRST_DAY = toDayNumber("1900-01-01");
const LAST_DAY = toDayNumber("2399-12-31");

/** Any date in five centuries, so 1900/2100/2200/2300 (not leap) and 2000 (leap) all occur. */
const anyDate: fc.Arbitrary<IsoDate> = fc
  .integer({ min: FIRST_DAY, max: LAST_DAY })
  .map(fromDayNumber);

/** Month ends and leap days, where clamping happens: the 28th to the 31st of any month. */
const monthEndDate: fc.Arbitrary<IsoDate> = fc
  .record({
    year: fc.integer({ min: 1900, max: 2399 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 28, max: 31 }),
  })
  .map(({ year, month, day }) => iso(year, month, Math.min(day, daysInMonth(year, month))));

const anchorDate = fc.oneof(
  anyDate,
  monthEndDate,
  fc.constantFrom(
    "2028-02-29",
    "2096-02-29",
    "2100-02-28",
    "2027-01-31",
    "2027-08-31",
    "2027-01-30",
    "2027-01-29",
  ),
);
const interval: fc.Arbitrary<BillingInterval> = fc.constantFrom("month", "quarter", "year");

const PERIOD_DAYS: Record<BillingInterval, [number, number]> = {
  month: [28, 31],
  quarter: [89, 92],
  year: [365, 366],
};

function iso(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

describe("isIsoDate", () => {
  it("accepts real calendar dates, leap days included", () => {
    for (const date of [
      "2027-01-01",
      "2027-12-31",
      "2028-02-29",
      "2000-02-29",
      "2027-04-30",
      "1970-01-01",
      "0004-02-29",
    ]) {
      expect(isIsoDate(date), date).toBe(true);
    }
  });

  it("rejects dates that do not exist and other shapes", () => {
    for (const date of [
      "2027-02-29",
      "2100-02-29",
      "1900-02-29",
      "2027-13-01",
      "2027-00-10",
      "2027-01-00",
      "2027-01-32",
      "2027-04-31",
      "2027-1-1",
      "2027-01-1",
      "27-01-01",
      "20270101",
      "2027/01/01",
      "2027-01-01T00:00:00Z",
      " 2027-01-01",
      "2027-01-01 ",
      "",
      "２０２７-01-01",
    ]) {
      expect(isIsoDate(date), date).toBe(false);
    }
  });

  it("agrees with the JavaScript calendar for every year, month 0–13 and day 0–32", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (year, month, day) => {
          const date = new Date(Date.UTC(year, month - 1, day));
          const exists =
            date.getUTCFullYear() === year &&
            date.getUTCMonth() === month - 1 &&
            date.getUTCDate() === day;
          expect(isIsoDate(iso(year, month, day))).toBe(exists);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("daysInMonth", () => {
  it("knows the Gregorian leap-year rule", () => {
    expect(daysInMonth(2027, 2)).toBe(28);
    expect(daysInMonth(2028, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2027, 4)).toBe(30);
    expect(daysInMonth(2027, 12)).toBe(31);
  });

  it("does not treat years 0–99 as 1900–1999", () => {
    expect(daysInMonth(4, 2)).toBe(29);
    expect(daysInMonth(0, 2)).toBe(29); // year 0 is a leap year in the proleptic Gregorian calendar
    expect(daysInMonth(1900, 2)).toBe(28);
  });
});

describe("day numbers and day arithmetic", () => {
  it("counts from 1970-01-01", () => {
    expect(toDayNumber("1970-01-01")).toBe(0);
    expect(toDayNumber("1969-12-31")).toBe(-1);
    expect(toDayNumber("2000-03-01")).toBe(11_017);
    expect(fromDayNumber(11_017)).toBe("2000-03-01");
  });

  it("counts days between dates, end exclusive", () => {
    expect(daysBetween("2027-01-01", "2027-02-01")).toBe(31);
    expect(daysBetween("2027-01-11", "2027-02-01")).toBe(21);
    expect(daysBetween("2027-02-01", "2027-03-01")).toBe(28);
    expect(daysBetween("2028-02-01", "2028-03-01")).toBe(29);
    expect(daysBetween("2028-01-01", "2029-01-01")).toBe(366);
    expect(daysBetween("2100-01-01", "2101-01-01")).toBe(365);
    expect(daysBetween("2000-01-01", "2001-01-01")).toBe(366);
    expect(daysBetween("2027-03-28", "2027-03-29")).toBe(1); // DST change day is still one day
    expect(daysBetween("2027-02-01", "2027-01-01")).toBe(-31);
    expect(daysBetween("2027-05-05", "2027-05-05")).toBe(0);
  });

  it("does not confuse years 0–99 with 1900–1999", () => {
    expect(toDayNumber("0050-01-01")).not.toBe(toDayNumber("1950-01-01"));
    expect(daysBetween("0099-12-31", "0100-01-01")).toBe(1);
    expect(daysBetween("0001-01-01", "2001-01-01")).toBe(730_485); // 2000 years of 365.2425 days
  });

  it("adds days across month, year and leap-day boundaries", () => {
    expect(addDays("2027-12-31", 1)).toBe("2028-01-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2100-02-28", 1)).toBe("2100-03-01");
    expect(addDays("2027-03-01", -1)).toBe("2027-02-28");
    expect(addDays("2027-01-15", 0)).toBe("2027-01-15");
  });

  it("refuses dates that do not exist", () => {
    expect(() => toDayNumber("2027-02-29")).toThrow(RangeError);
    expect(() => daysBetween("2027-01-01", "2027-1-2")).toThrow(RangeError);
  });

  it("round-trips and agrees with Date.UTC", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: toDayNumber("0100-01-01"), max: toDayNumber("9999-12-31") }),
        (dayNumber) => {
          const date = fromDayNumber(dayNumber);
          expect(isIsoDate(date)).toBe(true);
          expect(toDayNumber(date)).toBe(dayNumber);
          const [year, month, day] = date.split("-").map(Number) as [number, number, number];
          expect(Date.UTC(year, month - 1, day) / 86_400_000).toBe(dayNumber);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("makes addDays and daysBetween inverse", () => {
    fc.assert(
      fc.property(anyDate, anyDate, (from, to) => {
        expect(addDays(from, daysBetween(from, to))).toBe(to);
        expect(daysBetween(from, to)).toBe(-daysBetween(to, from) || 0);
      }),
    );
  });
});

describe("compareDates / maxDate / firstOfNextMonth", () => {
  it("orders ISO dates", () => {
    expect(compareDates("2027-01-31", "2027-02-01")).toBe(-1);
    expect(compareDates("2027-02-01", "2027-01-31")).toBe(1);
    expect(compareDates("2027-02-01", "2027-02-01")).toBe(0);
    expect(maxDate("2027-12-31", "2028-01-01")).toBe("2028-01-01");
  });

  it("finds the first of the next month", () => {
    expect(firstOfNextMonth("2027-01-31")).toBe("2027-02-01");
    expect(firstOfNextMonth("2027-12-15")).toBe("2028-01-01");
    expect(firstOfNextMonth("2028-02-01")).toBe("2028-03-01");
  });
});

describe("addMonthsClamped", () => {
  it("keeps the day of month and clamps at month ends", () => {
    expect(addMonthsClamped("2027-01-15", 1)).toBe("2027-02-15");
    expect(addMonthsClamped("2027-01-31", 1)).toBe("2027-02-28");
    expect(addMonthsClamped("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonthsClamped("2027-01-31", 2)).toBe("2027-03-31");
    expect(addMonthsClamped("2027-05-31", 1)).toBe("2027-06-30");
    expect(addMonthsClamped("2027-03-31", -1)).toBe("2027-02-28");
    expect(addMonthsClamped("2027-12-15", 1)).toBe("2028-01-15");
    expect(addMonthsClamped("2027-01-15", -1)).toBe("2026-12-15");
    expect(addMonthsClamped("2028-02-29", 12)).toBe("2029-02-28");
    expect(addMonthsClamped("2028-02-29", 48)).toBe("2032-02-29");
    expect(addMonthsClamped("2096-02-29", 48)).toBe("2100-02-28");
    expect(addMonthsClamped("2027-11-30", 3)).toBe("2028-02-29");
    expect(addMonthsClamped("2027-06-10", 0)).toBe("2027-06-10");
    expect(addMonthsClamped("2027-06-10", -18)).toBe("2025-12-10");
  });

  it("refuses fractional months and invalid dates", () => {
    expect(() => addMonthsClamped("2027-01-31", 1.5)).toThrow(RangeError);
    expect(() => addMonthsClamped("2027-01-31", Number.NaN)).toThrow(RangeError);
    expect(() => addMonthsClamped("2027-02-30", 1)).toThrow(RangeError);
  });

  it("moves exactly `months` calendar months and clamps only when the day does not exist", () => {
    fc.assert(
      fc.property(anchorDate, fc.integer({ min: -1200, max: 1200 }), (date, months) => {
        const [year, month, day] = date.split("-").map(Number) as [number, number, number];
        const result = addMonthsClamped(date, months);
        const [rYear, rMonth, rDay] = result.split("-").map(Number) as [number, number, number];
        expect(isIsoDate(result)).toBe(true);
        expect(rYear * 12 + rMonth - (year * 12 + month)).toBe(months);
        expect(rDay).toBe(Math.min(day, daysInMonth(rYear, rMonth)));
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips when the day of month exists everywhere", () => {
    fc.assert(
      fc.property(
        anyDate.filter((date) => Number(date.slice(8)) <= 28),
        fc.integer({ min: -600, max: 600 }),
        (date, months) => {
          expect(addMonthsClamped(addMonthsClamped(date, months), -months)).toBe(date);
        },
      ),
    );
  });
});

describe("nthPeriod", () => {
  it("returns to the 31st after February", () => {
    expect([0, 1, 2, 3].map((n) => nthPeriod("2027-01-31", "month", n))).toEqual([
      { start: "2027-01-31", end: "2027-02-28" },
      { start: "2027-02-28", end: "2027-03-31" },
      { start: "2027-03-31", end: "2027-04-30" },
      { start: "2027-04-30", end: "2027-05-31" },
    ]);
    expect(nthPeriod("2028-01-31", "month", 1)).toEqual({ start: "2028-02-29", end: "2028-03-31" });
    expect(nthPeriod("2027-01-30", "month", 1)).toEqual({ start: "2027-02-28", end: "2027-03-30" });
  });

  it("clamps quarters and years on leap days", () => {
    expect(nthPeriod("2027-11-30", "quarter", 0)).toEqual({
      start: "2027-11-30",
      end: "2028-02-29",
    });
    expect(nthPeriod("2027-11-30", "quarter", 1)).toEqual({
      start: "2028-02-29",
      end: "2028-05-30",
    });
    expect(nthPeriod("2028-02-29", "year", 0)).toEqual({ start: "2028-02-29", end: "2029-02-28" });
    expect(nthPeriod("2028-02-29", "year", 1)).toEqual({ start: "2029-02-28", end: "2030-02-28" });
    expect(nthPeriod("2028-02-29", "year", 4)).toEqual({ start: "2032-02-29", end: "2033-02-28" });
    expect(nthPeriod("2096-02-29", "year", 4)).toEqual({ start: "2100-02-28", end: "2101-02-28" });
    expect(periodDays(nthPeriod("2028-02-29", "year", 0))).toBe(365);
    expect(periodDays(nthPeriod("2028-01-01", "year", 0))).toBe(366);
    expect(periodDays(nthPeriod("2100-01-01", "year", 0))).toBe(365);
  });

  it("goes backwards for negative n", () => {
    expect(nthPeriod("2027-03-31", "month", -1)).toEqual({
      start: "2027-02-28",
      end: "2027-03-31",
    });
    expect(nthPeriod("2027-01-15", "year", -1)).toEqual({ start: "2026-01-15", end: "2027-01-15" });
  });

  it("tiles time: each period ends where the next starts, with lengths of its interval", () => {
    fc.assert(
      fc.property(anchorDate, interval, fc.integer({ min: -100, max: 400 }), (anchor, unit, n) => {
        const period = nthPeriod(anchor, unit, n);
        const next = nthPeriod(anchor, unit, n + 1);
        const [minDays, maxDays] = PERIOD_DAYS[unit];
        expect(period.end).toBe(next.start);
        expect(periodDays(period)).toBeGreaterThanOrEqual(minDays);
        expect(periodDays(period)).toBeLessThanOrEqual(maxDays);
        expect(period.start).toBe(addMonthsClamped(anchor, n * INTERVAL_MONTHS[unit]));
      }),
      { numRuns: 3000 },
    );
  });

  it("covers a whole span of periods day by day, each day exactly once", () => {
    fc.assert(
      fc.property(anchorDate, interval, (anchor, unit) => {
        const count = unit === "month" ? 49 : unit === "quarter" ? 17 : 5;
        const periods = Array.from({ length: count }, (_, n) => nthPeriod(anchor, unit, n));
        const covered = periods.reduce((days, period) => days + periodDays(period), 0);
        const last = periods.at(-1);
        expect(periods[0]?.start).toBe(anchor);
        expect(covered).toBe(daysBetween(anchor, last?.end ?? anchor));
        for (let n = 1; n < periods.length; n += 1)
          expect(periods[n]?.start).toBe(periods[n - 1]?.end);
      }),
      { numRuns: 300 },
    );
  });
});

describe("periodContaining / periodIndexOf", () => {
  it("finds the period around a date, its first day included and its end excluded", () => {
    expect(periodContaining("2027-01-31", "month", "2027-01-31")).toEqual({
      start: "2027-01-31",
      end: "2027-02-28",
    });
    expect(periodContaining("2027-01-31", "month", "2027-02-27")).toEqual({
      start: "2027-01-31",
      end: "2027-02-28",
    });
    expect(periodContaining("2027-01-31", "month", "2027-02-28")).toEqual({
      start: "2027-02-28",
      end: "2027-03-31",
    });
    expect(periodContaining("2027-01-31", "month", "2027-03-30")).toEqual({
      start: "2027-02-28",
      end: "2027-03-31",
    });
    expect(periodContaining("2027-01-01", "month", "2027-01-11")).toEqual({
      start: "2027-01-01",
      end: "2027-02-01",
    });
    expect(periodContaining("2028-02-29", "year", "2029-02-28")).toEqual({
      start: "2029-02-28",
      end: "2030-02-28",
    });
    expect(periodContaining("2027-11-30", "quarter", "2028-02-28")).toEqual({
      start: "2027-11-30",
      end: "2028-02-29",
    });
  });

  it("counts periods, negative before the anchor", () => {
    expect(periodIndexOf("2027-01-31", "month", "2027-01-31")).toBe(0);
    expect(periodIndexOf("2027-01-31", "month", "2027-03-31")).toBe(2);
    expect(periodIndexOf("2027-01-31", "month", "2027-01-30")).toBe(-1);
    expect(periodContaining("2027-01-31", "month", "2026-12-31")).toEqual({
      start: "2026-12-31",
      end: "2027-01-31",
    });
    expect(periodIndexOf("2027-01-15", "year", "2030-01-14")).toBe(2);
    expect(periodIndexOf("2027-01-15", "year", "2030-01-15")).toBe(3);
  });

  it("contains the date and is the period of that index", () => {
    fc.assert(
      fc.property(anchorDate, interval, anyDate, (anchor, unit, date) => {
        const period = periodContaining(anchor, unit, date);
        expect(period.start <= date && date < period.end).toBe(true);
        expect(period).toEqual(nthPeriod(anchor, unit, periodIndexOf(anchor, unit, date)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("localDate", () => {
  const at = (instant: string, timeZone = "Europe/Berlin") =>
    localDate(new Date(instant), timeZone);

  it("flips at local midnight in winter (UTC+1) and summer (UTC+2)", () => {
    expect(at("2027-01-14T22:59:59.999Z")).toBe("2027-01-14");
    expect(at("2027-01-14T23:00:00Z")).toBe("2027-01-15");
    expect(at("2027-07-14T21:59:59.999Z")).toBe("2027-07-14");
    expect(at("2027-07-14T22:00:00Z")).toBe("2027-07-15");
  });

  it("is a day ahead of UTC on New Year's Eve evening", () => {
    expect(at("2027-12-31T23:30:00Z")).toBe("2028-01-01");
    expect(at("2027-12-31T23:30:00Z", "UTC")).toBe("2027-12-31");
  });

  it("handles the spring-forward day (28 March 2027, 23 hours)", () => {
    expect(at("2027-03-27T22:59:59Z")).toBe("2027-03-27");
    expect(at("2027-03-27T23:00:00Z")).toBe("2027-03-28"); // 00:00 CET
    expect(at("2027-03-28T01:00:00Z")).toBe("2027-03-28"); // 02:00 CET → 03:00 CEST
    expect(at("2027-03-28T21:59:59Z")).toBe("2027-03-28"); // 23:59:59 CEST
    expect(at("2027-03-28T22:00:00Z")).toBe("2027-03-29");
  });

  it("handles the fall-back day (31 October 2027, 25 hours)", () => {
    expect(at("2027-10-30T21:59:59Z")).toBe("2027-10-30");
    expect(at("2027-10-30T22:00:00Z")).toBe("2027-10-31"); // 00:00 CEST
    expect(at("2027-10-31T00:30:00Z")).toBe("2027-10-31"); // 02:30 CEST, first time
    expect(at("2027-10-31T01:30:00Z")).toBe("2027-10-31"); // 02:30 CET, second time
    expect(at("2027-10-31T22:59:59Z")).toBe("2027-10-31"); // 23:59:59 CET
    expect(at("2027-10-31T23:00:00Z")).toBe("2027-11-01");
  });

  it("gives Vienna the same dates as Berlin around DST and midnight", () => {
    for (const instant of [
      "2027-03-27T23:00:00Z",
      "2027-03-28T22:00:00Z",
      "2027-10-30T22:00:00Z",
      "2027-10-31T23:00:00Z",
      "2027-10-31T22:59:59Z",
    ]) {
      expect(at(instant, "Europe/Vienna"), instant).toBe(at(instant, "Europe/Berlin"));
    }
    expect(at("2028-03-25T23:00:00Z", "Europe/Vienna")).toBe("2028-03-26");
  });

  it("lies one or two hours ahead of UTC in Berlin and Vienna, and never goes backwards", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1990-01-01T00:00:00Z"),
          max: new Date("2099-12-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: 1, max: 3_600_000 * 30 }),
        (instant, step) => {
          const local = localDate(instant, "Europe/Berlin");
          const plusOne = new Date(instant.getTime() + 3_600_000).toISOString().slice(0, 10);
          const plusTwo = new Date(instant.getTime() + 7_200_000).toISOString().slice(0, 10);
          expect([plusOne, plusTwo]).toContain(local);
          expect(localDate(instant, "Europe/Vienna")).toBe(local);
          expect(localDate(new Date(instant.getTime() + step), "Europe/Berlin") >= local).toBe(
            true,
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("pads years below 1000", () => {
    const instant = new Date(0);
    instant.setUTCFullYear(5, 0, 1);
    expect(localDate(instant, "UTC")).toBe("0005-01-01");
  });

  it("refuses an unknown time zone", () => {
    expect(() => localDate(new Date(), "Mars/Olympus")).toThrow(RangeError);
  });
});

describe("isTimeZone", () => {
  it("knows IANA zones", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Europe/Vienna")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
    expect(isTimeZone("Berlin")).toBe(false);
  });
});
