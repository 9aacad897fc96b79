import { describe, expect, it } from "vitest";
import {
  addressProblems,
  isIsoCountry,
  isValidVatId,
  missingCompanyFields,
  normalizeVatId,
  vatIdCountry,
  vatIdProblems,
  type CompanySettings,
} from "../../worker/domain/company.ts";
import { seller } from "../support/invoice-documents.ts";

describe("VAT IDs", () => {
  it("checks the format of each country", () => {
    for (const id of [
      "DE123456789",
      "ATU12345678",
      "FRXX123456789",
      "NL123456789B01",
      "EL123456789",
    ])
      expect(isValidVatId(id)).toBe(true);
    for (const id of [
      "DE12345678",
      "DE1234567890",
      "AT12345678",
      "ATU1234567",
      "GR123456789",
      "XX123",
      "",
    ])
      expect(isValidVatId(id)).toBe(false);
  });

  it("normalizes spaces and case and knows the country (EL is Greece)", () => {
    expect(normalizeVatId("de 123.456-789")).toBe("DE123456789");
    expect(vatIdCountry("EL123456789")).toBe("GR");
    expect(vatIdCountry("GR123456789")).toBeNull();
    expect(vatIdProblems("DE12", "vatId")).toEqual([expect.objectContaining({ field: "vatId" })]);
    expect(vatIdProblems(null, "vatId")).toEqual([]);
  });
});

describe("addresses", () => {
  const address = { line1: "Hauptstraße 1", postalCode: "80331", city: "München", country: "DE" };

  it("accepts a complete address and names each bad field", () => {
    expect(addressProblems(address, "address")).toEqual([]);
    expect(isIsoCountry("AT")).toBe(true);
    expect(isIsoCountry("XX")).toBe(false);
    const problems = addressProblems(
      { line1: "x".repeat(101), postalCode: "", city: "München", country: "Germany" },
      "billingAddress",
    );
    expect(problems.map((p) => p.field)).toEqual([
      "billingAddress.line1",
      "billingAddress.postalCode",
      "billingAddress.country",
    ]);
  });
});

describe("missingCompanyFields", () => {
  it("is empty for complete settings and names what an invoice needs", () => {
    expect(missingCompanyFields(seller)).toEqual([]);
    expect(missingCompanyFields(null)).toEqual([
      "legalName",
      "address",
      "vatId|taxNumber",
      "email",
      "phone",
      "iban",
    ]);
    const partial: CompanySettings = { ...seller, vatId: null, taxNumber: null, phone: null };
    expect(missingCompanyFields(partial)).toEqual(["vatId|taxNumber", "phone"]);
    expect(missingCompanyFields({ ...seller, vatId: null })).toEqual([]);
  });
});
