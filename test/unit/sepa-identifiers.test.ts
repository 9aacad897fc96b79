// Pins the SEPA identifier checks against every public vector in test/fixtures/vectors (IBANs, creditor
// identifiers, mandate references): each valid one accepted, each invalid one refused for its reason.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bicRequiredFor,
  creditorIdCheckDigits,
  maskIban,
  mandateReferenceKey,
  normalizeIban,
  sameMandateReference,
  validateBic,
  validateCreditorId,
  validateIban,
  validateMandateReference,
  validateSepaIban,
} from "../../worker/domain/sepa-identifiers.ts";

function vectors<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/vectors/${name}`, import.meta.url), "utf8"),
  ) as T;
}

interface IbanVectors {
  valid: { iban: string; compact: string; country: string; length: number }[];
  valid_after_normalisation: { input: string; compact: string }[];
  invalid: { iban: string; reason: string }[];
}

interface CreditorIdVectors {
  valid: { ci: string; compact: string }[];
  invalid: { ci: string; reason: string }[];
  mandate_reference_cases: { value: string; expect: string }[];
}

const ibanVectors = vectors<IbanVectors>("iban.json");
const creditorIdVectors = vectors<CreditorIdVectors>("sepa-creditor-id.json");

/**
 * The vectors' reasons name the country where one applies ("national_check_digits_ES",
 * "wrong_length_DE_must_be_18"); ours are the generic prefix. One vector reason is a different
 * word for the same thing: "bad_character" in BE68 5A90… is a letter where Belgium's account part
 * allows only digits, which is the BBAN format check (as DE89 AA04…, labelled "bban_format").
 */
function expectedIbanReason(vectorReason: string): string {
  if (vectorReason === "bad_character") return "bban_format";
  if (vectorReason === "check_digits_out_of_range_00_01") return "check_digits_out_of_range";
  return vectorReason.replace(/_[A-Z]{2}$/, "");
}

describe("validateIban: public vectors", () => {
  it("has vectors to test", () => {
    expect(ibanVectors.valid.length).toBeGreaterThan(40);
    expect(ibanVectors.invalid.length).toBeGreaterThan(15);
  });

  it("accepts every valid IBAN, printed or compact, and reports its country", () => {
    for (const vector of ibanVectors.valid) {
      for (const form of [vector.iban, vector.compact]) {
        const result = validateIban(form);
        expect(result, form).toEqual({
          ok: true,
          value: { iban: vector.compact, country: vector.country, sepa: expect.any(Boolean) },
        });
      }
      expect(vector.compact).toHaveLength(vector.length);
    }
  });

  it("accepts IBANs with dashes, dots, spaces and lower case after normalising them", () => {
    for (const vector of ibanVectors.valid_after_normalisation) {
      expect(normalizeIban(vector.input)).toBe(vector.compact);
      expect(validateIban(vector.input), vector.input).toMatchObject({
        ok: true,
        value: { iban: vector.compact },
      });
    }
  });

  it("rejects every invalid IBAN with the vector's reason", () => {
    for (const vector of ibanVectors.invalid) {
      const result = validateIban(vector.iban);
      expect(result.ok, vector.iban).toBe(false);
      if (!result.ok) {
        expect(result.reason, `${vector.iban} (${vector.reason})`).toBe(
          expectedIbanReason(vector.reason),
        );
        expect(result.message.length).toBeGreaterThan(0);
      }
    }
  });
});

describe("validateIban: other input", () => {
  it("explains empty input and characters outside letters and digits", () => {
    expect(validateIban("")).toMatchObject({ ok: false, reason: "empty" });
    expect(validateIban("  ")).toMatchObject({ ok: false, reason: "empty" });
    expect(validateIban("DE89 3704 0044 0532 0130 0!")).toMatchObject({
      ok: false,
      reason: "bad_character",
    });
    expect(validateIban("DE89_3704_0044_0532_0130_00")).toMatchObject({
      ok: false,
      reason: "bad_character",
    });
  });

  it("rejects check digits 00, 01 and 99 even where mod 97 would pass", () => {
    // 97 ≡ 00 and 98 ≡ 01 (mod 97): same remainder, but never issued.
    const valid = "GB82WEST12345698765432";
    for (const digits of ["00", "01", "99"]) {
      expect(validateIban(`GB${digits}${valid.slice(4)}`), digits).toMatchObject({
        ok: false,
        reason: "check_digits_out_of_range",
      });
    }
  });

  it("refuses Swiss QR-IBANs, which only take QR-bill payments", () => {
    expect(validateIban("CH44 3199 9123 0008 8901 2")).toMatchObject({
      ok: false,
      reason: "qr_iban",
    });
  });

  it("tells SEPA from non-SEPA countries", () => {
    expect(validateSepaIban("DE89 3704 0044 0532 0130 00")).toMatchObject({
      ok: true,
      value: { country: "DE", sepa: true },
    });
    expect(validateSepaIban("CH93 0076 2011 6238 5295 7")).toMatchObject({
      ok: true,
      value: { sepa: true },
    });
    expect(validateSepaIban("JO94 CBJO 0010 0000 0000 0131 0003 02")).toMatchObject({
      ok: false,
      reason: "not_sepa",
    });
    expect(validateSepaIban("KZ86 125K ZT50 0410 0100")).toMatchObject({
      ok: false,
      reason: "not_sepa",
    });
  });

  it("never accepts an IBAN with a single changed digit (mod 97 catches all of them)", () => {
    const compacts = ibanVectors.valid.map((vector) => vector.compact);
    fc.assert(
      fc.property(
        fc.constantFrom(...compacts),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (iban, at, delta) => {
          const digitPositions = [...iban].flatMap((char, index) =>
            index >= 2 && /\d/.test(char) ? [index] : [],
          );
          const position = digitPositions[at % digitPositions.length] ?? 2;
          const changed = (Number(iban[position]) + delta) % 10;
          const mutated = `${iban.slice(0, position)}${changed}${iban.slice(position + 1)}`;
          expect(validateIban(mutated).ok).toBe(false);
        },
      ),
    );
  });
});

describe("maskIban", () => {
  it("keeps country, check digits and the last four characters, grouped in fours", () => {
    expect(maskIban("DE89370400440532013000")).toBe("DE89 **** **** **** **30 00");
    expect(maskIban("de89 3704 0044 0532 0130 00")).toBe("DE89 **** **** **** **30 00");
    expect(maskIban("NO9386011117947")).toBe("NO93 **** ***7 947");
  });

  it("hides all but the country and check digits of something too short to be an IBAN", () => {
    expect(maskIban("DE891234")).toBe("DE89 ****");
  });

  it("never shows the middle of any valid IBAN", () => {
    for (const { compact } of ibanVectors.valid) {
      const masked = maskIban(compact).replace(/ /g, "");
      expect(masked).toHaveLength(compact.length);
      expect(masked.slice(4, -4)).toMatch(/^\*+$/);
    }
  });
});

describe("validateBic", () => {
  it("accepts 8- and 11-character BICs in any case and spacing", () => {
    expect(validateBic("COBADEFFXXX")).toEqual({ ok: true, value: "COBADEFFXXX" });
    expect(validateBic("cobadeff")).toEqual({ ok: true, value: "COBADEFF" });
    expect(validateBic("GENO DE 61 LAH")).toEqual({ ok: true, value: "GENODE61LAH" });
    expect(validateBic("RVVGAT2B468")).toEqual({ ok: true, value: "RVVGAT2B468" });
  });

  it("rejects wrong lengths, digits in the bank code, and unknown countries", () => {
    expect(validateBic("")).toMatchObject({ ok: false, reason: "empty" });
    expect(validateBic("COBADEF")).toMatchObject({ ok: false, reason: "bad_format" });
    expect(validateBic("COBADEFFX")).toMatchObject({ ok: false, reason: "bad_format" });
    expect(validateBic("C0BADEFF")).toMatchObject({ ok: false, reason: "bad_format" });
    expect(validateBic("COBAXXFF")).toMatchObject({ ok: false, reason: "unknown_country" });
  });

  it("requires a BIC only outside the EEA", () => {
    expect(bicRequiredFor("DE")).toBe(false);
    expect(bicRequiredFor("AT")).toBe(false);
    expect(bicRequiredFor("NO")).toBe(false);
    expect(bicRequiredFor("CH")).toBe(true);
    expect(bicRequiredFor("GB")).toBe(true);
    expect(bicRequiredFor("SM")).toBe(true);
  });
});

describe("validateCreditorId: public vectors", () => {
  it("accepts every valid creditor identifier, printed or compact", () => {
    expect(creditorIdVectors.valid.length).toBeGreaterThan(5);
    for (const vector of creditorIdVectors.valid) {
      for (const form of [vector.ci, vector.compact]) {
        expect(validateCreditorId(form), form).toMatchObject({
          ok: true,
          value: { creditorId: vector.compact },
        });
      }
    }
  });

  it("rejects every invalid creditor identifier with the vector's reason", () => {
    expect(creditorIdVectors.invalid.length).toBeGreaterThan(5);
    for (const vector of creditorIdVectors.invalid) {
      const result = validateCreditorId(vector.ci);
      expect(result.ok, vector.ci).toBe(false);
      if (!result.ok)
        expect(
          vector.reason.startsWith(result.reason),
          `${vector.ci}: ${vector.reason} vs ${result.reason}`,
        ).toBe(true);
    }
  });

  it("computes the check digits of the Bundesbank test identifier without the business code", () => {
    expect(creditorIdCheckDigits("DE", "09999999999")).toBe("98");
    expect(validateCreditorId("DE98ZZZ09999999999")).toEqual({
      ok: true,
      value: {
        creditorId: "DE98ZZZ09999999999",
        country: "DE",
        businessCode: "ZZZ",
        nationalId: "09999999999",
      },
    });
  });

  it("reproduces the check digits of every valid vector", () => {
    for (const { compact } of creditorIdVectors.valid) {
      expect(creditorIdCheckDigits(compact.slice(0, 2), compact.slice(7)), compact).toBe(
        compact.slice(2, 4),
      );
    }
  });

  it("lets the creditor vary the business code freely, which the checksum ignores", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9]{3}$/), (businessCode) => {
        expect(validateCreditorId(`DE98${businessCode}09999999999`).ok).toBe(true);
      }),
    );
  });

  it("accepts exactly the identifiers whose check digits were computed, for any national id", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z0-9]{4,20}$/),
        fc.integer({ min: 0, max: 99 }),
        (nationalId, digits) => {
          const correct = creditorIdCheckDigits("FR", nationalId);
          const candidate = String(digits).padStart(2, "0");
          // 00/01 alias 97/98 (mod 97), so only compare where the two-digit value is unique.
          fc.pre(!["00", "01", "97", "98"].includes(candidate) || candidate === correct);
          expect(validateCreditorId(`FR${candidate}ZZZ${nationalId}`).ok).toBe(
            candidate === correct,
          );
        },
      ),
    );
  });

  it("refuses check digits 99, which alias 02 under mod 97 but are never computed", () => {
    expect(creditorIdCheckDigits("FR", "8515U0896Y5QA99")).toBe("02");
    expect(validateCreditorId("FR02ZZZ8515U0896Y5QA99").ok).toBe(true);
    expect(validateCreditorId("FR99ZZZ8515U0896Y5QA99")).toMatchObject({
      ok: false,
      reason: "checksum",
    });
  });

  it("explains empty input, bad characters and structure", () => {
    expect(validateCreditorId("")).toMatchObject({ ok: false, reason: "empty" });
    expect(validateCreditorId("DE98-ZZZ-09999999999")).toMatchObject({
      ok: false,
      reason: "bad_character",
    });
    expect(validateCreditorId("DE98ZZZ")).toMatchObject({ ok: false, reason: "wrong_length" });
    expect(validateCreditorId("D198ZZZ09999999999")).toMatchObject({
      ok: false,
      reason: "bad_format",
    });
    expect(validateCreditorId("DE98ZZZ19999999999")).toMatchObject({
      ok: false,
      reason: "bad_format",
    });
  });
});

describe("validateMandateReference", () => {
  it("follows every mandate reference case of the public vectors", () => {
    const cases = creditorIdVectors.mandate_reference_cases;
    expect(cases.length).toBeGreaterThan(5);
    const reasons: Record<string, string> = {
      space: "contains_space",
      umlaut: "bad_character",
      ">35": "too_long",
    };
    for (const { value, expect: expected } of cases) {
      const result = validateMandateReference(value);
      if (expected === "valid") {
        expect(result, value).toEqual({ ok: true, value });
      } else {
        const reason = Object.entries(reasons).find(([word]) => expected.includes(word))?.[1];
        expect(result, value).toMatchObject({ ok: false, reason });
      }
    }
  });

  it("accepts the whole restricted set and 35 characters, refuses 36", () => {
    expect(validateMandateReference("Az09+?/-:().,'")).toMatchObject({ ok: true });
    expect(validateMandateReference("A".repeat(35))).toMatchObject({ ok: true });
    expect(validateMandateReference("A".repeat(36))).toMatchObject({
      ok: false,
      reason: "too_long",
    });
  });

  it("trims surrounding whitespace but refuses inner spaces, tabs and other characters", () => {
    expect(validateMandateReference("  MANDAT-1 ")).toEqual({ ok: true, value: "MANDAT-1" });
    expect(validateMandateReference("MANDAT\t1")).toMatchObject({
      ok: false,
      reason: "contains_space",
    });
    for (const bad of ["M&1", "M_1", "M|1", "M*1", "Maß-1", 'M"1', "M;1"]) {
      expect(validateMandateReference(bad), bad).toMatchObject({
        ok: false,
        reason: "bad_character",
      });
    }
  });

  it("applies the EPC slash rule", () => {
    for (const bad of ["/M1", "M1/", "M//1"])
      expect(validateMandateReference(bad), bad).toMatchObject({ ok: false, reason: "slash_rule" });
    expect(validateMandateReference("M/1")).toMatchObject({ ok: true });
  });

  it("treats references that differ only in case as the same mandate", () => {
    expect(mandateReferenceKey("crmitest-1000253")).toBe("CRMITEST-1000253");
    expect(sameMandateReference("Abc-1", "aBC-1")).toBe(true);
    expect(sameMandateReference("Abc-1", "Abc-2")).toBe(false);
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+?\-:().,']{1,35}$/), (reference) => {
        expect(sameMandateReference(reference, reference.toLowerCase())).toBe(true);
        expect(sameMandateReference(reference, reference.toUpperCase())).toBe(true);
      }),
    );
  });
});
