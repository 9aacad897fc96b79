// Every return reason of the reference table (test/fixtures/return-codes.md) gets the treatment its
// class calls for: re-present once, end the mandate, or leave it to a person; and a
// re-presentation happens at most once with an end-to-end id that still names the invoice.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RETURN_REASONS } from "../../worker/domain/return-detection.ts";
import {
  mayRepresent,
  representationEndToEndId,
  returnTreatment,
  type ReturnTreatment,
} from "../../worker/domain/return-handling.ts";

interface Row {
  code: string;
  reasonClass: string;
  action: string;
}

/** `| AC01 | Invalid IBAN | dead | new IBAN + mandate |`, with `FF01/FF05` and `RR01–RR03` expanded. */
function referenceRows(): Row[] {
  const table = readFileSync(new URL("../fixtures/return-codes.md", import.meta.url), "utf8");
  return table
    .split("\n")
    .filter((line) => /^\| [A-Z]{2}/.test(line))
    .flatMap((line) => {
      const [, codes = "", , reasonClass = "", action = ""] = line.split("|").map((s) => s.trim());
      const range = /^([A-Z]{2})(\d\d)–[A-Z]{2}(\d\d)$/.exec(codes);
      const expanded = range
        ? Array.from(
            { length: Number(range[3]) - Number(range[2]) + 1 },
            (_, i) => `${range[1]}${String(Number(range[2]) + i).padStart(2, "0")}`,
          )
        : codes.split("/");
      return expanded.map((code) => ({
        code,
        reasonClass: reasonClass.replace(/\*/g, ""),
        action,
      }));
    });
}

/** What the reference's Class and Action columns ask for, read as a merchant would. */
function expectedTreatment(row: Row): ReturnTreatment {
  if (/^retry/.test(row.reasonClass)) return "represent";
  if (/^(dead|disputed|refusal|wrong scheme)/.test(row.reasonClass)) return "mandate_ended";
  // DNOR: the debtor's bank takes no SEPA debits at all, so only another payment method helps.
  if (row.code === "DNOR") return "mandate_ended";
  return "manual";
}

describe("return treatment by reason class", () => {
  const rows = referenceRows();

  it("reads the whole reference table", () => {
    expect(rows.map((r) => r.code)).toEqual(expect.arrayContaining(["AM04", "MS03", "MD01"]));
    expect(rows).toHaveLength(Object.keys(RETURN_REASONS).length);
    for (const row of rows) expect(RETURN_REASONS[row.code], row.code).toBeDefined();
  });

  it.each(referenceRows())("$code ($reasonClass) is treated as the reference says", (row) => {
    const reasonClass = RETURN_REASONS[row.code]!.reasonClass;
    expect(returnTreatment(reasonClass, row.code)).toBe(expectedTreatment(row));
  });

  it("names the issue's examples", () => {
    const of = (code: string) => returnTreatment(RETURN_REASONS[code]!.reasonClass, code);
    expect(["AM04", "MS03"].map(of)).toEqual(["represent", "represent"]);
    expect(["MD01", "MD06", "AC04"].map(of)).toEqual([
      "mandate_ended",
      "mandate_ended",
      "mandate_ended",
    ]);
    expect(["AM05", "MD02", "BE05"].map(of)).toEqual(["manual", "manual", "manual"]);
  });

  it("leaves a return without a reason code to a person", () => {
    expect(returnTreatment(null)).toBe("manual");
    expect(returnTreatment("unknown")).toBe("manual");
  });
});

describe("re-presentation", () => {
  it("happens at most once, only for retryable reasons, only when the merchant wants it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ReturnTreatment>("represent", "mandate_ended", "manual"),
        fc.boolean(),
        fc.nat(5),
        (treatment, representDebits, representationsSoFar) => {
          const allowed = mayRepresent({ treatment, representDebits, representationsSoFar });
          expect(allowed).toBe(
            treatment === "represent" && representDebits && representationsSoFar === 0,
          );
        },
      ),
    );
  });

  it("gets a new end-to-end id that starts with the invoice's payment reference", () => {
    const reference = "RF18QF8Z4T5K2M9X7B3C6D1E0";
    const id = representationEndToEndId(reference, 1);
    expect(id).toBe(`${reference}-R1`);
    expect(id).not.toBe(reference);
    expect(id.length).toBeLessThanOrEqual(35);
    expect(() => representationEndToEndId(reference, 0)).toThrow(RangeError);
  });
});
