// Pins how references are found in real-world bank text: spaced, dashed, lower-cased, wrapped
// across purpose lines, inside SEPA tags and raw MT940 `?20…?29` subfields (the shapes come from
// reference/finapi-samples/mt940-ruecklastschrift-examples.txt).
import { describe, expect, it } from "vitest";
import {
  invoiceNumberKey,
  lineJoinings,
  parsePurpose,
  referenceKey,
  scanReferenceText,
  scanTransactionReferences,
} from "../../worker/domain/payment-reference-scan.ts";

const RF = "RF18539007547034"; // the ISO 11649 example

describe("referenceKey / invoiceNumberKey", () => {
  it("keeps upper-case letters and digits only", () => {
    expect(referenceKey("re-2027 / 000123")).toBe("RE2027000123");
    expect(referenceKey("RF18 5390 0754 7034")).toBe(RF);
  });

  it("writes invoice numbers as SERIES-YEAR-SEQUENCE, the printed form", () => {
    expect(invoiceNumberKey("RE-2027-000123")).toBe("RE-2027-000123");
    expect(invoiceNumberKey("re 2027/000123")).toBe("RE-2027-000123");
    expect(invoiceNumberKey("RE2027000123")).toBe("RE-2027-000123");
    expect(invoiceNumberKey("INV/0815")).toBe("INV0815");
  });
});

describe("creditor references (RF)", () => {
  it.each([
    ["compact", `Zahlung ${RF}`],
    ["spaced in groups of four", "Zahlung RF18 5390 0754 7034"],
    ["dashed", "RF18-5390-0754-7034"],
    ["lower case", "rf18 5390 0754 7034 danke"],
    ["wrapped onto the next purpose line", "Zahlung RF18 5390\n0754 7034"],
    ["wrapped inside a group", "Zahlung RF18 539\n0 0754 7034"],
    ["followed by a glued word", "RF18539007547034Danke"],
    ["after punctuation", "Ref.:RF18 5390 0754 7034, vielen Dank"],
  ])("finds it %s", (_, text) => {
    expect(scanReferenceText(text).creditorReferences).toContain(RF);
  });

  it("drops a reference whose check digits are wrong", () => {
    expect(scanReferenceText("RF19 5390 0754 7034").creditorReferences).not.toContain(
      "RF19539007547034",
    );
  });

  it("finds two references in one purpose", () => {
    const found = scanReferenceText(
      "RF127K3M9QX2ABCD0001 und RF82 7K3M 9QX2 ABCD 0002",
    ).creditorReferences;
    expect(found).toEqual(expect.arrayContaining(["RF127K3M9QX2ABCD0001", "RF827K3M9QX2ABCD0002"]));
  });
});

describe("invoice numbers", () => {
  it.each([
    ["as printed", "Rechnung RE-2027-000123"],
    ["lower case", "rechnung re-2027-000123"],
    ["with spaces", "RE 2027 000123"],
    ["compact", "RE-2027-000123"],
    ["with slashes", "RE/2027/000123"],
    ["wrapped after a dash", "Rechnung RE-2027-\n000123"],
    ["wrapped inside the sequence", "Rechnung RE-2027-000\n123"],
    ["glued to the word before (MT940 27-character lines)", "Zahlung fuer RechnungRE-2027-000123"],
    ["in spaced groups", "RE 2027 000 123"],
  ])("finds RE-2027-000123 %s", (_, text) => {
    expect(scanReferenceText(text).invoiceNumbers).toContain("RE-2027-000123");
  });

  it("finds several numbers of different series", () => {
    const found = scanReferenceText(
      "RE-2027-000123, RE-2027-000124 und ZR-2027-000004",
    ).invoiceNumbers;
    expect(found).toEqual(
      expect.arrayContaining(["RE-2027-000123", "RE-2027-000124", "ZR-2027-000004"]),
    );
  });

  it("ignores dates and amounts that are not numbers of a series", () => {
    expect(scanReferenceText("vom 01.01.2027 Betrag 1.234,56 EUR").invoiceNumbers).toEqual([]);
  });
});

describe("lineJoinings", () => {
  it("reads lines both glued and spaced", () => {
    expect(lineJoinings("RE-2027-000\n123")).toEqual(["RE-2027-000123", "RE-2027-000 123"]);
  });
});

describe("parsePurpose: SEPA tags", () => {
  it("splits EREF+ KREF+ MREF+ CRED+ SVWZ+ ABWA+", () => {
    const parsed = parsePurpose(
      `EREF+${RF} KREF+BATCH-7 MREF+M-000042 CRED+DE98ZZZ09999999999 SVWZ+Rechnung RE-2027-000123 ABWA+Max Mustermann`,
    );
    expect(parsed.tags).toEqual({
      EREF: RF,
      KREF: "BATCH-7",
      MREF: "M-000042",
      CRED: "DE98ZZZ09999999999",
      SVWZ: "Rechnung RE-2027-000123",
      ABWA: "Max Mustermann",
    });
    expect(parsed.freeText).toBe("");
  });

  it("keeps untagged text as free text", () => {
    expect(parsePurpose("Miete Mai RE-2027-000123").freeText).toBe("Miete Mai RE-2027-000123");
  });

  it("reads the OAMT+ tag even when the O was typed as a zero", () => {
    expect(
      parsePurpose("COAM+     3,00 0AMT+     49,90 SVWZ+ RUECKLASTSCHRIFT").tags,
    ).toMatchObject({ COAM: "3,00", OAMT: "49,90" });
  });
});

describe("parsePurpose: raw MT940 :86:", () => {
  // jejik-mt940 GermanBankTest, test case 1 (line breaks as in the statement)
  const a1 =
    "109?00SEPA-DD SOLL RUECKBEL. CORE?1097186?20EREF+A17102018.10\n00253.?211000104.108709?22MREF+crmitest-1000253-1000104-1?23CRED+DE74ZZZ0\n0001117144?24KREF+SEPA-20181017122054-?2527079600-P1?30COBADEFFXXX\n?31DE34200400612345533292?32Collab 45\n?34912    \n";
  // jejik-mt940 GermanBankTest, "Multiline EREF"
  const a3 =
    "109?00Retouren\n?10531\n?20EREF+A11111111.2222.3333.44\n?21444\n?22MREF+TEST-1111-2222-1\n?23OAMT+1,50\n?24COAM+4,00\n?25SVWZ+Retoure SEPA Lastschri\n?26ft vom 01.01.1970, Rueckgab\n?27egrund: MD06 Lastschriftwid\n?28erspruch durch den Zahlungs\n?29pflichtigen SVWZ: RETURN/RE\n?60FUND, E-Mobility Abrechnung\n?61 Nr. X zu Vertrag Y, Kun\n?30ABCDEF5FXXX\n?31DE48513500250200510002\n?32Stadtwerke \n?34912\n";

  it("joins ?20..?29 without spaces and keeps the other subfields apart", () => {
    const parsed = parsePurpose(a1);
    expect(parsed.gvc).toBe("109");
    expect(parsed.subfields["00"]).toBe("SEPA-DD SOLL RUECKBEL. CORE");
    expect(parsed.subfields["34"]?.trim()).toBe("912");
    expect(parsed.tags).toEqual({
      EREF: "A17102018.1000253.1000104.108709",
      MREF: "crmitest-1000253-1000104-1",
      CRED: "DE74ZZZ00001117144",
      KREF: "SEPA-20181017122054-27079600-P1",
    });
  });

  it("continues the purpose in ?60..?63 and rejoins a word cut by the 27-character lines", () => {
    const parsed = parsePurpose(a3);
    expect(parsed.tags.EREF).toBe("A11111111.2222.3333.44444");
    expect(parsed.tags.SVWZ).toContain("Rueckgabegrund: MD06 Lastschriftwiderspruch");
    expect(parsed.tags.SVWZ).toContain(
      "RETURN/REFUND, E-Mobility Abrechnung Nr. X zu Vertrag Y, Kun",
    );
    expect(parsed.tags).toMatchObject({ OAMT: "1,50", COAM: "4,00", MREF: "TEST-1111-2222-1" });
  });

  it("finds an invoice number split across MT940 subfields", () => {
    const raw =
      "166?00GUTSCHR. UEBERWEISUNG?20EREF+NOTPROVIDED?21SVWZ+Rechnung RE-2027-00?220123 Danke?32Erika Musterfrau";
    expect(scanTransactionReferences({ purpose: raw }).invoiceNumbers).toContain("RE-2027-000123");
  });

  it("treats a lone question mark in ordinary text as text", () => {
    expect(parsePurpose("Rechnung RE-2027-000123?").tags).toEqual({});
    expect(parsePurpose("Rechnung RE-2027-000123?").freeText).toBe("Rechnung RE-2027-000123?");
  });
});

describe("scanTransactionReferences", () => {
  it("reads the end-to-end reference field and the remittance, not the mandate reference", () => {
    const found = scanTransactionReferences({
      endToEndReference: "RF18 5390 0754 7034",
      purpose: "MREF+RE-2027-000999 CRED+DE98ZZZ09999999999 SVWZ+RE-2027-000123",
    });
    expect(found.creditorReferences).toEqual([RF]);
    expect(found.invoiceNumbers).toContain("RE-2027-000123");
    expect(found.invoiceNumbers).not.toContain("RE-2027-000999");
    expect(found.wholeKeys).toEqual([RF]);
  });

  it("offers a whole end-to-end id as one key, but never NOTPROVIDED", () => {
    expect(
      scanTransactionReferences({ endToEndReference: "COLL-2027-05-ABCDEF" }).wholeKeys,
    ).toEqual(["COLL202705ABCDEF"]);
    expect(
      scanTransactionReferences({ endToEndReference: "NOTPROVIDED", purpose: "EREF+NOTPROVIDED" })
        .wholeKeys,
    ).toEqual([]);
  });

  it("copes with empty input", () => {
    expect(scanTransactionReferences({ purpose: null, endToEndReference: null })).toEqual({
      creditorReferences: [],
      invoiceNumbers: [],
      wholeKeys: [],
    });
  });
});
