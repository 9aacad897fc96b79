// The CII XML of the seven cases the issue names and of a fee invoice, checked by the official
// EN 16931 and XRechnung rules (vendored in test/fixtures) and the CII D16B schema; and the
// business terms per case.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { amount, ciiXml, percent } from "../../worker/domain/cii.ts";
import { fatal, validateCii } from "../support/cii-validation.ts";
import {
  creditNote,
  directDebit,
  feeInvoice,
  interimWithCredit,
  mixedRates,
  regular,
  reverseCharge,
  sevenCases,
  smallBusiness,
} from "../support/invoice-documents.ts";

const xsd = resolve(
  import.meta.dirname,
  "../fixtures/en16931/cii-xsd/CrossIndustryInvoice_100pD16B.xsd",
);
const scratch = mkdtempSync(join(tmpdir(), "tarif-cii-"));

function schemaErrors(name: string, xml: string): string {
  const path = join(scratch, `${name}.xml`);
  writeFileSync(path, xml);
  try {
    execFileSync("xmllint", ["--noout", "--schema", xsd, path], { stdio: "pipe" });
    return "";
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}

describe("CII XML under the official rules", () => {
  for (const [name, document] of Object.entries({ ...sevenCases, feeInvoice })) {
    it(
      `${name}: XRechnung and EN 16931 report no fatal finding`,
      { timeout: 300_000 },
      async () => {
        const xml = ciiXml(document, "xrechnung");
        expect(schemaErrors(name, xml)).toBe("");
        expect(fatal(await validateCii(xml, ["en16931", "xrechnung"]))).toEqual([]);
        const facturX = ciiXml(document, "en16931");
        expect(fatal(await validateCii(facturX, ["en16931"]))).toEqual([]);
      },
    );
  }

  it("the rules do catch a broken document", { timeout: 300_000 }, async () => {
    const broken = ciiXml(
      { ...regular, buyer: { ...regular.buyer, buyerReference: "" } },
      "xrechnung",
    ).replace(
      '<ram:TaxTotalAmount currencyID="EUR">5.68</ram:TaxTotalAmount>',
      '<ram:TaxTotalAmount currencyID="EUR">5.00</ram:TaxTotalAmount>',
    );
    const ids = fatal(await validateCii(broken, ["en16931", "xrechnung"])).map((f) => f.id);
    expect(ids).toContain("BR-DE-15");
    expect(ids).toContain("BR-CO-15");
  });
});

describe("business terms per case", () => {
  it("formats amounts and rates", () => {
    expect(amount(-1250)).toBe("-12.50");
    expect(amount(5)).toBe("0.05");
    expect(percent(1900)).toBe("19");
    expect(percent(1250)).toBe("12.5");
  });

  it("a regular invoice: 380, seller and buyer, service period, transfer with IBAN and reference", () => {
    const xml = ciiXml(regular, "xrechnung");
    expect(xml).toContain("<ram:TypeCode>380</ram:TypeCode>");
    expect(xml).toContain("xrechnung_3.0");
    expect(xml).toContain("<ram:ID>RE-2027-000001</ram:ID>");
    expect(xml).toContain('<ram:ID schemeID="VA">DE123456789</ram:ID>');
    expect(xml).toContain('<ram:ID schemeID="FC">143/123/45678</ram:ID>');
    expect(xml).toContain("<ram:CityName>Berlin</ram:CityName>");
    // BT-134/135: the last day, not the exclusive end.
    expect(xml).toContain('<udt:DateTimeString format="102">20270131</udt:DateTimeString>');
    expect(xml).toContain("<ram:TypeCode>58</ram:TypeCode>");
    expect(xml).toContain("<ram:IBANID>DE89370400440532013000</ram:IBANID>");
    expect(xml).toContain("<ram:PaymentReference>RF18539007547034</ram:PaymentReference>");
    expect(xml).toContain("<ram:GrandTotalAmount>35.58</ram:GrandTotalAmount>");
    expect(ciiXml(regular, "en16931")).toContain("<ram:ID>urn:cen.eu:en16931:2017</ram:ID>");
  });

  it("an interim invoice keeps its credit line negative, with the sign in the quantity", () => {
    const xml = ciiXml(interimWithCredit, "xrechnung");
    expect(xml).toContain('<ram:BilledQuantity unitCode="C62">-1</ram:BilledQuantity>');
    expect(xml).toContain("<ram:LineTotalAmount>-6.77</ram:LineTotalAmount>");
    expect(xml).toContain("Tarifwechsel Pro, anteilig 11.01.–31.01.2027");
  });

  it("a credit note is 381 with positive amounts and the corrected invoice (BT-25)", () => {
    const xml = ciiXml(creditNote, "xrechnung");
    expect(xml).toContain("<ram:TypeCode>381</ram:TypeCode>");
    expect(xml).toContain("<ram:IssuerAssignedID>RE-2027-000001</ram:IssuerAssignedID>");
    expect(xml).toContain("<ram:GrandTotalAmount>24.11</ram:GrandTotalAmount>");
  });

  it("a direct debit invoice is 59 with mandate (BT-89), creditor id (BT-90), masked IBAN (BT-91)", () => {
    const xml = ciiXml(directDebit, "xrechnung");
    expect(xml).toContain("<ram:TypeCode>59</ram:TypeCode>");
    expect(xml).toContain("<ram:DirectDebitMandateID>MANDATE-0001</ram:DirectDebitMandateID>");
    expect(xml).toContain("<ram:CreditorReferenceID>DE98ZZZ09999999999</ram:CreditorReferenceID>");
    expect(xml).toContain("<ram:IBANID>DE02************0044</ram:IBANID>");
    expect(xml).not.toContain("PayeePartyCreditorFinancialAccount");
  });

  it("reverse charge is AE at 0 % with the note and both VAT IDs", () => {
    const xml = ciiXml(reverseCharge, "xrechnung");
    expect(xml).toContain("<ram:CategoryCode>AE</ram:CategoryCode>");
    expect(xml).toContain("Steuerschuldnerschaft des Leistungsempfängers");
    expect(xml).toContain('<ram:ID schemeID="VA">ATU12345678</ram:ID>');
    expect(xml).toContain('<ram:TaxTotalAmount currencyID="EUR">0.00</ram:TaxTotalAmount>');
  });

  it("a small business invoice is E with the § 19 note and no VAT", () => {
    const xml = ciiXml(smallBusiness, "xrechnung");
    expect(xml).toContain("<ram:CategoryCode>E</ram:CategoryCode>");
    expect(xml).toContain("§ 19 UStG");
    expect(xml).not.toContain('schemeID="VA"');
  });

  it("a mixed invoice has one VAT breakdown per rate", () => {
    const xml = ciiXml(mixedRates, "xrechnung");
    expect(xml.match(/<ram:CalculatedAmount>/g)).toHaveLength(2);
    expect(xml).toContain("<ram:RateApplicablePercent>7</ram:RateApplicablePercent>");
    expect(xml).toContain('<ram:BilledQuantity unitCode="C62">3</ram:BilledQuantity>');
    expect(xml).toContain("<ram:ChargeAmount>5.0000</ram:ChargeAmount>");
  });

  it("a fee invoice is a commercial invoice (380) with its lines zero rated (Z)", () => {
    const xml = ciiXml(feeInvoice, "xrechnung");
    expect(xml).toContain("<ram:TypeCode>380</ram:TypeCode>");
    expect(xml).toContain("<ram:CategoryCode>Z</ram:CategoryCode>");
    expect(xml).toContain("<ram:GrandTotalAmount>8.00</ram:GrandTotalAmount>");
    expect(xml).not.toContain("ram:BillingSpecifiedPeriod");
  });

  it("escapes what would break the XML", () => {
    const xml = ciiXml(
      { ...regular, buyer: { ...regular.buyer, name: "Müller & <Söhne>" } },
      "xrechnung",
    );
    expect(xml).toContain("Müller &amp; &lt;Söhne&gt;");
  });
});
