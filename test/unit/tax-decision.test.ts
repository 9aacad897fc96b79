import { describe, expect, it } from "vitest";
import {
  chargedRate,
  decideTax,
  taxCategory,
  TaxRuleError,
  type TaxBuyer,
  type TaxSeller,
} from "../../worker/domain/tax-decision.ts";

const germanSeller: TaxSeller = { country: "DE", vatId: "DE123456789", smallBusiness: false };
const austrianSeller: TaxSeller = { country: "AT", vatId: "ATU12345678", smallBusiness: false };
const consumer = (country: string): TaxBuyer => ({ kind: "consumer", country, vatId: null });
const business = (country: string, vatId: string | null): TaxBuyer => ({
  kind: "business",
  country,
  vatId,
});

describe("decideTax", () => {
  it("charges domestic VAT to a German consumer and a German business", () => {
    expect(decideTax(germanSeller, consumer("DE")).treatment).toBe("domestic");
    expect(decideTax(germanSeller, business("DE", "DE987654321")).treatment).toBe("domestic");
  });

  it("reverses the charge for an EU business abroad with its VAT ID", () => {
    const decision = decideTax(germanSeller, business("AT", "ATU12345678"));
    expect(decision.treatment).toBe("reverse_charge");
    expect(decision.exemptionReason?.de).toContain("Steuerschuldnerschaft des Leistungsempfängers");
    expect(decision.exemptionCode).toBe("VATEX-EU-AE");
    expect(decideTax(austrianSeller, business("DE", "DE 123 456 789")).treatment).toBe(
      "reverse_charge",
    );
    expect(decideTax(germanSeller, business("GR", "EL123456789")).treatment).toBe("reverse_charge");
  });

  it("charges domestic VAT to an EU business without a (valid) VAT ID and to EU consumers", () => {
    expect(decideTax(germanSeller, business("AT", null)).treatment).toBe("domestic");
    expect(decideTax(germanSeller, business("AT", "ATU1234")).treatment).toBe("domestic");
    expect(decideTax(germanSeller, consumer("AT")).treatment).toBe("domestic");
    // A consumer who typed a VAT ID is still a consumer.
    expect(decideTax(germanSeller, { ...consumer("AT"), vatId: "ATU12345678" }).treatment).toBe(
      "domestic",
    );
  });

  it("charges no VAT for a small business, not even by reverse charge", () => {
    const small = { ...germanSeller, vatId: null, smallBusiness: true };
    const decision = decideTax(small, business("AT", "ATU12345678"));
    expect(decision.treatment).toBe("small_business");
    expect(decision.exemptionReason?.de).toContain("§ 19 UStG");
    expect(
      decideTax({ ...austrianSeller, smallBusiness: true }, consumer("AT")).exemptionReason?.de,
    ).toContain("§ 6 Abs. 1 Z 27 UStG");
  });

  it("needs the seller's VAT ID for reverse charge and a supported seller country", () => {
    expect(() =>
      decideTax({ ...germanSeller, vatId: null }, business("FR", "FRXX123456789")),
    ).toThrow(expect.objectContaining({ code: "seller_vat_id_required", field: "vatId" }));
    expect(() => decideTax({ ...germanSeller, country: "FR" }, consumer("FR"))).toThrow(
      TaxRuleError,
    );
  });
});

describe("chargedRate and taxCategory", () => {
  const domestic = decideTax(germanSeller, consumer("DE"));
  const austrian = decideTax(austrianSeller, consumer("AT"));

  it("allows the German rates 19, 7 and 0 % and the Austrian 20, 13, 10 and 0 %", () => {
    for (const rate of [1900, 700, 0]) expect(chargedRate(domestic, "DE", rate, "x")).toBe(rate);
    for (const rate of [2000, 1300, 1000, 0])
      expect(chargedRate(austrian, "AT", rate, "x")).toBe(rate);
    expect(() => chargedRate(domestic, "DE", 2000, "lines[0].taxRate")).toThrow(
      expect.objectContaining({ code: "tax_rate_not_allowed", field: "lines[0].taxRate" }),
    );
    expect(() => chargedRate(austrian, "AT", 1900, "x")).toThrow(TaxRuleError);
  });

  it("charges 0 % under reverse charge and the small-business rule", () => {
    const reverse = decideTax(germanSeller, business("AT", "ATU12345678"));
    expect(chargedRate(reverse, "DE", 1900, "x")).toBe(0);
    const small = decideTax({ ...germanSeller, smallBusiness: true }, consumer("DE"));
    expect(chargedRate(small, "DE", 700, "x")).toBe(0);
  });

  it("maps each treatment and rate to its EN 16931 category", () => {
    expect(taxCategory("domestic", 1900)).toBe("S");
    expect(taxCategory("domestic", 0)).toBe("Z");
    expect(taxCategory("reverse_charge", 0)).toBe("AE");
    expect(taxCategory("small_business", 0)).toBe("E");
  });
});
