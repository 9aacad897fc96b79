// The invoice PDF read back with poppler-utils (pdftotext, pdfdetach, pdfinfo, pdffonts): the
// § 14 UStG fields in the customer's language, the attached factur-x.xml, PDF/A-3 metadata.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ciiXml } from "../../worker/domain/cii.ts";
import type { InvoiceDocument } from "../../worker/domain/invoice-document.ts";
import { invoicePdf } from "../../worker/documents/pdf.ts";
import {
  creditNote,
  directDebit,
  interimWithCredit,
  mixedRates,
  regular,
  reverseCharge,
  smallBusiness,
} from "../support/invoice-documents.ts";
import { pdfAssets } from "../support/pdf-assets.ts";

const scratch = mkdtempSync(join(tmpdir(), "tarif-pdf-"));

async function rendered(name: string, document: InvoiceDocument) {
  const xml = ciiXml(document, "en16931");
  const bytes = await invoicePdf(document, xml, pdfAssets);
  const path = join(scratch, `${name}.pdf`);
  writeFileSync(path, bytes);
  const tool = (command: string, ...args: string[]) =>
    execFileSync(command, [...args], { encoding: "utf8" });
  return {
    bytes,
    xml,
    path,
    text: tool("pdftotext", "-layout", path, "-"),
    info: tool("pdfinfo", path),
    fonts: tool("pdffonts", path),
    attachments: tool("pdfdetach", "-list", path),
    attached: () => {
      const out = join(scratch, `${name}-factur-x.xml`);
      tool("pdfdetach", "-save", "1", "-o", out, path);
      return readFileSync(out, "utf8");
    },
  };
}

describe("invoice PDF", () => {
  it("shows every § 14 UStG field of a regular invoice, in German", async () => {
    const pdf = await rendered("regular", regular);
    for (const expected of [
      "Rechnung RE-2027-000001",
      "Stadtwerke Musterstadt GmbH",
      "Hauptstraße 1",
      "80331 München",
      "Max Müller",
      "Gartenweg 5",
      "10115 Berlin",
      "USt-IdNr. DE123456789",
      "Steuernummer 143/123/45678",
      "Amtsgericht München HRB 12345",
      "Geschäftsführung: Erika Mustermann",
      "Rechnungsdatum",
      "11.01.2027",
      "Leistungszeitraum",
      "01.01.2027 – 31.01.2027",
      "Summe netto",
      "29,90 €",
      "Umsatzsteuer 19 % auf 29,90 €",
      "5,68 €",
      "Gesamtbetrag",
      "35,58 €",
      "RF18539007547034",
      "DE89370400440532013000",
      "Seite 1 von 1",
    ])
      expect(pdf.text).toContain(expected);
  });

  it("attaches the CII as factur-x.xml, byte for byte, and says so in the metadata", async () => {
    const pdf = await rendered("regular-attachment", regular);
    expect(pdf.attachments).toContain("factur-x.xml");
    expect(pdf.attached()).toBe(pdf.xml);
    const raw = Buffer.from(pdf.bytes).toString("latin1");
    expect(raw).toContain("/AFRelationship /Alternative");
    expect(raw).toMatch(/\/AF \[ \d+ 0 R \]/);
    expect(raw).toContain("/Subtype /text#2Fxml");
    expect(raw).toContain("<pdfaid:part>3</pdfaid:part>");
    expect(raw).toContain("<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>");
    expect(raw).toContain("/OutputIntents");
    expect(pdf.info).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    expect(pdf.info).toContain("Title:           Rechnung RE-2027-000001");
    // Every font embedded (pdffonts prints "yes" in the emb column).
    const fontRows = pdf.fonts.split("\n").slice(2).filter(Boolean);
    expect(fontRows.length).toBeGreaterThan(0);
    for (const row of fontRows) expect(row).toMatch(/CID TrueType\s+Identity-H\s+yes/);
  });

  it("renders the same bytes twice (stored once, but a re-render must not differ)", async () => {
    const xml = ciiXml(regular, "en16931");
    const first = await invoicePdf(regular, xml, pdfAssets);
    const second = await invoicePdf(regular, xml, pdfAssets);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });

  it("writes an English invoice for an English customer", async () => {
    const english = { ...regular, buyer: { ...regular.buyer, locale: "en" as const } };
    const pdf = await rendered("english", english);
    for (const expected of [
      "Invoice RE-2027-000001",
      "Invoice date",
      "11 Jan 2027",
      "Total net",
      "€29.90",
      "VAT ID DE123456789",
      "Page 1 of 1",
    ])
      expect(pdf.text).toContain(expected);
    expect(pdf.text).not.toContain("Rechnungsdatum");
  });

  it("shows a credit note with its corrected invoice and positive amounts", async () => {
    const pdf = await rendered("credit-note", creditNote);
    expect(pdf.text).toContain("Gutschrift GS-2027-000001");
    expect(pdf.text).toContain("Rechnungskorrektur zu RE-2027-000001 (01.01.2027)");
    expect(pdf.text).toContain("24,11 €");
    expect(pdf.text).not.toContain("-24,11");
  });

  it("shows an interim invoice's credit line negative", async () => {
    const pdf = await rendered("interim", interimWithCredit);
    expect(pdf.text).toContain("Zwischenrechnung ZR-2027-000001");
    expect(pdf.text).toContain("-6,77 €");
    expect(pdf.text).toContain("Tarifwechsel Pro, anteilig 11.01.–31.01.2027");
  });

  it("names mandate, creditor ID and the masked IBAN of a direct debit", async () => {
    const pdf = await rendered("direct-debit", directDebit);
    expect(pdf.text).toContain("SEPA-Lastschrift");
    expect(pdf.text).toContain("DE02************0044");
    expect(pdf.text).toContain("MANDATE-0001");
    expect(pdf.text).toContain("DE98ZZZ09999999999");
  });

  it("prints the reverse-charge note and the customer's VAT ID", async () => {
    const pdf = await rendered("reverse-charge", reverseCharge);
    expect(pdf.text).toContain("Steuerschuldnerschaft des Leistungsempfängers");
    expect(pdf.text).toContain("ATU12345678");
    expect(pdf.text).toContain("Umsatzsteuer 0 % auf 29,90 €");
  });

  it("prints the small-business note", async () => {
    const pdf = await rendered("small-business", smallBusiness);
    expect(pdf.text).toContain("§ 19 UStG");
    expect(pdf.text).not.toContain("USt-IdNr. DE");
  });

  it("shows one VAT line per rate and breaks long invoices onto more pages", async () => {
    const pdf = await rendered("mixed", mixedRates);
    expect(pdf.text).toContain("Umsatzsteuer 7 % auf 9,99 €");
    expect(pdf.text).toContain("Umsatzsteuer 19 % auf 44,90 €");
    const many = {
      ...mixedRates,
      lines: Array.from({ length: 60 }, (_, index) => ({
        ...mixedRates.lines[0]!,
        position: index + 1,
        description: `Zusatzleistung ${index + 1} mit einer langen Beschreibung, die umbrochen werden muss, weil sie nicht in eine Zeile passt`,
      })),
    };
    const long = await rendered("long", many);
    expect(long.info).toMatch(/Pages:\s+[3-9]/);
    expect(long.text).toContain("Zusatzleistung 60");
    expect(long.text).toMatch(/Seite 1 von [3-9]/);
  });

  it("draws a PNG logo", async () => {
    // 1×1 red PNG.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
      "base64",
    );
    const bytes = await invoicePdf(regular, ciiXml(regular, "en16931"), {
      ...pdfAssets,
      logo: { bytes: png, contentType: "image/png" },
    });
    const path = join(scratch, "logo.pdf");
    writeFileSync(path, bytes);
    expect(execFileSync("pdfimages", ["-list", path], { encoding: "utf8" })).toMatch(
      /image\s+1\s+1/,
    );
  });
});
