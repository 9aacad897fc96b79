// The invoice as an A4 PDF/A-3 in the customer's language with every § 14 (4) UStG field and the
// CII XML attached as factur-x.xml (ZUGFeRD 2.x / Factur-X, profile EN 16931): one file for
// people and software. Rendering is deterministic (dates, file ID and font names come from the
// invoice), so rendering the same snapshot twice gives the same bytes.
import fontkit from "@pdf-lib/fontkit";
import {
  AFRelationship,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFString,
  rgb,
  type PDFFont,
  type PDFImage,
  type PDFPage,
} from "pdf-lib";
import { documentSign, servicePeriod, type InvoiceDocument } from "../domain/invoice-document.ts";
import { formatDate, formatMoney, formatRate, labelsFor, type Labels } from "./labels.ts";
import { xmpMetadata } from "./xmp.ts";

export interface PdfAssets {
  regularFont: Uint8Array;
  boldFont: Uint8Array;
  /** sRGB IEC 61966-2.1, the PDF/A output intent. */
  iccProfile: Uint8Array;
  logo: { bytes: Uint8Array; contentType: string } | null;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const BOTTOM = 110;
const GREY = rgb(0.35, 0.35, 0.35);

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

/** Greedy word wrap by measured width; a word longer than the line is broken by characters. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (font.widthOfTextAtSize(candidate, size) <= width) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = word;
    while (font.widthOfTextAtSize(current, size) > width && current.length > 1) {
      let cut = current.length - 1;
      while (cut > 1 && font.widthOfTextAtSize(current.slice(0, cut), size) > width) cut--;
      lines.push(current.slice(0, cut));
      current = current.slice(cut);
    }
  }
  if (current) lines.push(current);
  return lines.length > 0 ? lines : [""];
}

class Writer {
  page: PDFPage;
  y: number;
  constructor(
    readonly pdf: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.page = pdf.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  text(value: string, x: number, options: { size?: number; bold?: boolean; right?: boolean } = {}) {
    const size = options.size ?? 9;
    const font = options.bold ? this.fonts.bold : this.fonts.regular;
    const at = options.right ? x - font.widthOfTextAtSize(value, size) : x;
    this.page.drawText(value, { x: at, y: this.y, size, font, color: rgb(0, 0, 0) });
  }

  paragraph(value: string, width: number, size = 9) {
    for (const line of wrap(value, this.fonts.regular, size, width)) {
      this.ensure(size * 1.4);
      this.text(line, MARGIN, { size });
      this.y -= size * 1.4;
    }
  }

  rule() {
    this.page.drawLine({
      start: { x: MARGIN, y: this.y },
      end: { x: A4[0] - MARGIN, y: this.y },
      thickness: 0.5,
      color: GREY,
    });
  }

  /** A new page when less than `height` is left above the footer. */
  ensure(height: number) {
    if (this.y - height >= BOTTOM) return;
    this.page = this.pdf.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
}

function partyLines(party: {
  name: string;
  address: InvoiceDocument["seller"]["address"];
}): string[] {
  const { address } = party;
  return [
    party.name,
    address.line1,
    ...(address.line2 ? [address.line2] : []),
    `${address.postalCode} ${address.city}`,
    ...(address.country === "DE" ? [] : [address.country]),
  ];
}

function letterhead(w: Writer, document: InvoiceDocument, logo: PDFImage | null) {
  const { seller } = document;
  if (logo) {
    const scaled = logo.scaleToFit(160, 60);
    w.page.drawImage(logo, {
      x: A4[0] - MARGIN - scaled.width,
      y: A4[1] - MARGIN - scaled.height + 10,
      ...scaled,
    });
  }
  w.text(seller.legalName, MARGIN, { size: 14, bold: true });
  w.y -= 40;
  const sender = [
    seller.legalName,
    seller.address.line1,
    `${seller.address.postalCode} ${seller.address.city}`,
  ];
  w.text(sender.join(" · "), MARGIN, { size: 7 });
  w.y -= 16;
  const top = w.y;
  for (const line of partyLines(document.buyer)) {
    w.text(line, MARGIN, { size: 10 });
    w.y -= 13;
  }
  const addressBottom = w.y;
  w.y = top;
  for (const [label, value] of infoRows(document, labelsFor(document.buyer.locale))) {
    w.text(label, 340, { size: 8.5 });
    w.text(value, A4[0] - MARGIN, { size: 8.5, right: true });
    w.y -= 12;
  }
  w.y = Math.min(w.y, addressBottom) - 24;
}

function infoRows(document: InvoiceDocument, labels: Labels): [string, string][] {
  const locale = document.buyer.locale;
  const period = servicePeriod(document);
  const rows: [string, string][] = [
    [labels.number, document.number],
    [labels.issueDate, formatDate(document.issueDate, locale)],
  ];
  if (period)
    rows.push([
      labels.servicePeriod,
      `${formatDate(period.start, locale)} – ${formatDate(period.last, locale)}`,
    ]);
  rows.push([labels.customerNumber, document.buyer.id]);
  if (document.buyer.buyerReference !== document.buyer.id)
    rows.push([labels.buyerReference, document.buyer.buyerReference]);
  if (document.buyer.vatId) rows.push([labels.customerVatId, document.buyer.vatId]);
  rows.push([labels.dueDate, formatDate(document.dueDate, locale)]);
  return rows;
}

const COLUMNS = {
  position: MARGIN,
  description: MARGIN + 28,
  period: 300,
  quantity: 405,
  vat: 450,
};
const RIGHT = A4[0] - MARGIN;

function lineTable(w: Writer, document: InvoiceDocument, labels: Labels) {
  const locale = document.buyer.locale;
  const sign = documentSign(document.kind);
  const header = () => {
    w.text(labels.position, COLUMNS.position, { bold: true });
    w.text(labels.description, COLUMNS.description, { bold: true });
    w.text(labels.period, COLUMNS.period, { bold: true });
    w.text(labels.quantity, COLUMNS.quantity + 25, { bold: true, right: true });
    w.text(labels.vat, COLUMNS.vat + 30, { bold: true, right: true });
    w.text(labels.amount, RIGHT, { bold: true, right: true });
    w.y -= 6;
    w.rule();
    w.y -= 12;
  };
  header();
  for (const line of document.lines) {
    const text = wrap(
      line.description,
      w.fonts.regular,
      9,
      COLUMNS.period - COLUMNS.description - 8,
    );
    const before = w.page;
    w.ensure(text.length * 12 + 4);
    if (w.page !== before) header();
    w.text(String(line.position), COLUMNS.position);
    if (line.periodStart && line.periodEnd) {
      const last = new Date(Date.parse(`${line.periodEnd}T00:00:00Z`) - 86_400_000)
        .toISOString()
        .slice(0, 10);
      w.text(
        `${formatDate(line.periodStart, locale)} – ${formatDate(last, locale)}`,
        COLUMNS.period,
        {
          size: 8,
        },
      );
    }
    w.text(String(line.quantity), COLUMNS.quantity + 25, { right: true });
    w.text(formatRate(line.taxRate, locale), COLUMNS.vat + 30, { right: true });
    w.text(formatMoney(sign * line.netAmount, document.currency, locale), RIGHT, { right: true });
    for (const part of text) {
      w.text(part, COLUMNS.description);
      w.y -= 12;
    }
    w.y -= 2;
  }
  w.rule();
  w.y -= 14;
}

function totals(w: Writer, document: InvoiceDocument, labels: Labels) {
  const locale = document.buyer.locale;
  const sign = documentSign(document.kind);
  const money = (cents: number) => formatMoney(sign * cents, document.currency, locale);
  const rows: [string, string, boolean][] = [[labels.net, money(document.netAmount), false]];
  for (const entry of document.taxBreakdown)
    rows.push([
      labels.vatOn(formatRate(entry.taxRate, locale), money(entry.netAmount)),
      money(entry.taxAmount),
      false,
    ]);
  rows.push([labels.gross, money(document.grossAmount), true]);
  w.ensure(rows.length * 13 + 10);
  for (const [label, value, bold] of rows) {
    w.text(label, 300, { bold });
    w.text(value, RIGHT, { bold, right: true });
    w.y -= 13;
  }
  w.y -= 10;
}

function paymentText(document: InvoiceDocument, labels: Labels): string {
  const locale = document.buyer.locale;
  const gross = formatMoney(
    documentSign(document.kind) * document.grossAmount,
    document.currency,
    locale,
  );
  const { payment } = document;
  if (payment.means === "direct_debit")
    return labels.directDebit(
      gross,
      payment.mandateReference,
      payment.creditorId,
      payment.debtorIbanMasked,
    );
  if (payment.means === "transfer")
    return labels.transfer(
      gross,
      formatDate(document.dueDate, locale),
      payment.iban,
      document.paymentReference,
    );
  return labels.refund;
}

function notes(w: Writer, document: InvoiceDocument, labels: Labels) {
  const width = A4[0] - 2 * MARGIN;
  const reason = document.tax.exemptionReason?.[document.buyer.locale];
  if (reason) w.paragraph(reason, width);
  if (document.grossAmount !== 0) w.paragraph(paymentText(document, labels), width);
}

function footerLines(document: InvoiceDocument, labels: Labels): string[] {
  const { seller } = document;
  const address = `${seller.address.line1}${seller.address.line2 ? `, ${seller.address.line2}` : ""}, ${seller.address.postalCode} ${seller.address.city}, ${seller.address.country}`;
  const identity = [
    seller.vatId && `${labels.vatId} ${seller.vatId}`,
    seller.taxNumber && `${labels.taxNumber} ${seller.taxNumber}`,
    seller.registerEntry,
    seller.managingDirectors && `${labels.managingDirectors}: ${seller.managingDirectors}`,
  ].filter(Boolean);
  const contact = [
    seller.email,
    seller.phone,
    seller.iban && `IBAN ${seller.iban}`,
    seller.bic && `BIC ${seller.bic}`,
  ].filter(Boolean);
  return [`${seller.legalName} · ${address}`, identity.join(" · "), contact.join(" · ")];
}

function footers(pdf: PDFDocument, fonts: Fonts, document: InvoiceDocument, labels: Labels) {
  const pages = pdf.getPages();
  const lines = footerLines(document, labels);
  pages.forEach((page, index) => {
    let y = 70;
    for (const line of lines) {
      for (const part of wrap(line, fonts.regular, 7, A4[0] - 2 * MARGIN)) {
        page.drawText(part, { x: MARGIN, y, size: 7, font: fonts.regular, color: GREY });
        y -= 9;
      }
    }
    const pageLabel = labels.page(index + 1, pages.length);
    page.drawText(pageLabel, {
      x: A4[0] - MARGIN - fonts.regular.widthOfTextAtSize(pageLabel, 7),
      y: 84,
      size: 7,
      font: fonts.regular,
      color: GREY,
    });
  });
}

async function embedLogo(pdf: PDFDocument, logo: PdfAssets["logo"]): Promise<PDFImage | null> {
  if (!logo) return null;
  if (logo.contentType === "image/png") return pdf.embedPng(logo.bytes);
  if (logo.contentType === "image/jpeg") return pdf.embedJpg(logo.bytes);
  // An SVG logo stays in the settings (e.g. for the portal); pdf-lib cannot draw SVG images.
  return null;
}

async function fileId(invoiceId: string): Promise<PDFHexString> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(invoiceId));
  const hex = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0"));
  return PDFHexString.of(hex.join("").slice(0, 32));
}

function outputIntent(pdf: PDFDocument, iccProfile: Uint8Array) {
  const profile = pdf.context.register(pdf.context.flateStream(iccProfile, { N: 3 }));
  const intent = pdf.context.obj({
    Type: "OutputIntent",
    S: "GTS_PDFA1",
    OutputConditionIdentifier: PDFString.of("sRGB IEC61966-2.1"),
    Info: PDFString.of("sRGB IEC61966-2.1"),
    DestOutputProfile: profile,
  });
  pdf.catalog.set(PDFName.of("OutputIntents"), pdf.context.obj([pdf.context.register(intent)]));
}

function documentTitle(document: InvoiceDocument, labels: Labels): string {
  return `${labels.title[document.kind]} ${document.number}`;
}

/** The PDF/A-3 bytes of one invoice with `facturX` (its EN 16931 CII XML) attached. */
export async function invoicePdf(
  document: InvoiceDocument,
  facturX: string,
  assets: PdfAssets,
): Promise<Uint8Array> {
  const labels = labelsFor(document.buyer.locale);
  const issued = new Date(`${document.issueDate}T00:00:00Z`);
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(fontkit);
  const fonts = {
    regular: await pdf.embedFont(assets.regularFont, { subset: true, customName: "TarifSans" }),
    bold: await pdf.embedFont(assets.boldFont, { subset: true, customName: "TarifSans-Bold" }),
  };
  const w = new Writer(pdf, fonts);
  letterhead(w, document, await embedLogo(pdf, assets.logo));
  w.text(documentTitle(document, labels), MARGIN, { size: 14, bold: true });
  w.y -= 18;
  if (document.precedingInvoice) {
    w.text(
      `${labels.correcting} ${document.precedingInvoice.number} (${formatDate(document.precedingInvoice.issueDate, document.buyer.locale)})`,
      MARGIN,
    );
    w.y -= 16;
  }
  lineTable(w, document, labels);
  totals(w, document, labels);
  notes(w, document, labels);
  footers(pdf, fonts, document, labels);

  const title = documentTitle(document, labels);
  pdf.setTitle(title, { showInWindowTitleBar: true });
  pdf.setAuthor(document.seller.legalName);
  pdf.setSubject(title);
  pdf.setCreator("Tarif");
  pdf.setProducer("Tarif (pdf-lib)");
  pdf.setCreationDate(issued);
  pdf.setModificationDate(issued);
  pdf.setLanguage(document.buyer.locale === "de" ? "de-DE" : "en-GB");
  await pdf.attach(new TextEncoder().encode(facturX), "factur-x.xml", {
    mimeType: "text/xml",
    description: "Factur-X/ZUGFeRD invoice (EN 16931)",
    creationDate: issued,
    modificationDate: issued,
    afRelationship: AFRelationship.Alternative,
  });
  const metadata = xmpMetadata({
    title,
    author: document.seller.legalName,
    created: issued.toISOString(),
    language: document.buyer.locale,
  });
  const metadataStream = pdf.context.stream(new TextEncoder().encode(metadata), {
    Type: "Metadata",
    Subtype: "XML",
  });
  pdf.catalog.set(PDFName.of("Metadata"), pdf.context.register(metadataStream));
  outputIntent(pdf, assets.iccProfile);
  const id = await fileId(document.id);
  pdf.context.trailerInfo.ID = pdf.context.obj([id, id]);
  return pdf.save({ useObjectStreams: false });
}
