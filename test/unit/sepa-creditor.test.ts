// Pins the creditor settings check: every bad field is named with its reason, lead days default
// to two TARGET2 business days, and the BIC is only required outside the EEA.
import { describe, expect, it } from "vitest";
import { isUsableSepaName, validateCreditorInput } from "../../worker/domain/sepa-creditor.ts";

const good = {
  creditorName: "Stadtwerke Musterstadt GmbH",
  iban: "DE02 1203 0000 0000 2020 51",
  creditorId: "de98zzz09999999999",
};

describe("validateCreditorInput", () => {
  it("normalises a valid creditor and defaults the lead days", () => {
    expect(validateCreditorInput(good)).toEqual({
      ok: true,
      value: {
        name: "Stadtwerke Musterstadt GmbH",
        iban: "DE02120300000000202051",
        ibanCountry: "DE",
        bic: null,
        creditorId: "DE98ZZZ09999999999",
        leadDays: { FRST: 2, RCUR: 2 },
      },
    });
    expect(validateCreditorInput({ ...good, leadDays: 5, bic: "byladem1001" })).toMatchObject({
      ok: true,
      value: { bic: "BYLADEM1001", leadDays: { FRST: 5, RCUR: 5 } },
    });
    expect(validateCreditorInput({ ...good, leadDays: { FRST: 5 } })).toMatchObject({
      ok: true,
      value: { leadDays: { FRST: 5, RCUR: 2 } },
    });
  });

  it("names every bad field with its reason", () => {
    const result = validateCreditorInput({
      creditorName: "",
      iban: "DE02120300000000202052",
      bic: "NOTABIC",
      creditorId: "DE99ZZZ09999999999",
      leadDays: { RCUR: 0 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.field, e.reason])).toEqual([
      ["creditorName", "length"],
      ["iban", "checksum"],
      ["bic", "bad_format"],
      ["creditorId", "checksum"],
      ["leadDays.RCUR", "out_of_range"],
    ]);
  });

  it("requires a BIC for a SEPA account outside the EEA, and refuses non-SEPA IBANs", () => {
    expect(validateCreditorInput({ ...good, iban: "CH9300762011623852957" })).toMatchObject({
      ok: false,
      errors: [{ field: "bic", reason: "required" }],
    });
    expect(
      validateCreditorInput({ ...good, iban: "CH9300762011623852957", bic: "UBSWCHZH80A" }).ok,
    ).toBe(true);
    expect(validateCreditorInput({ ...good, iban: "BR1800360305000010009795493C1" })).toMatchObject(
      { ok: false, errors: [{ field: "iban", reason: "not_sepa" }] },
    );
  });

  it("refuses names with nothing left after transliteration, and over-long lead days", () => {
    expect(isUsableSepaName("株式会社")).toBe(false);
    expect(isUsableSepaName("Müller")).toBe(true);
    expect(validateCreditorInput({ ...good, creditorName: "株式会社" })).toMatchObject({
      ok: false,
      errors: [{ field: "creditorName", reason: "unusable" }],
    });
    expect(validateCreditorInput({ ...good, leadDays: 6 })).toMatchObject({
      ok: false,
      errors: [{ field: "leadDays", reason: "out_of_range" }],
    });
  });
});
