// The invoice document as UN/CEFACT Cross Industry Invoice (D16B), the syntax of XRechnung 3.x
// and of the factur-x.xml inside a ZUGFeRD PDF. Element order follows the CII schema; the
// business terms (BT-…) of EN 16931 are named where they are written.
import type { PostalAddress } from "./company.ts";
import { documentSign, servicePeriod, type InvoiceDocument } from "./invoice-document.ts";
import type { InvoiceKind } from "./invoice.ts";
import type { Cents, TaxRateBp } from "./money.ts";
import { taxCategory } from "./tax-decision.ts";

/** XRechnung for /xml; plain EN 16931 for the PDF, whose Factur-X profile is EN 16931. */
export type CiiProfile = "xrechnung" | "en16931";

const GUIDELINE: Record<CiiProfile, string> = {
  xrechnung: "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
  en16931: "urn:cen.eu:en16931:2017",
};

/** UNTDID 1001: commercial invoice (a fee invoice is one too), credit note. */
const TYPE_CODE = {
  regular: "380",
  interim: "380",
  credit_note: "381",
  fee: "380",
} as const satisfies Record<InvoiceKind, string>;

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

type Node = string | null | false | undefined;

/** An element with children; empty optional parts (null/false) disappear. */
function el(name: string, ...children: Node[]): string {
  return `<${name}>${children.filter(Boolean).join("")}</${name}>`;
}

function text(name: string, value: string, attributes = ""): string {
  return `<${name}${attributes}>${escapeXml(value)}</${name}>`;
}

function optionalText(name: string, value: string | null | undefined, attributes = ""): Node {
  return value ? text(name, value, attributes) : null;
}

/** Cents as a decimal with two places: -1250 → "-12.50". */
export function amount(cents: Cents): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Basis points as a percentage without trailing zeros: 1900 → "19", 1250 → "12.5". */
export function percent(rate: TaxRateBp): string {
  return String(rate / 100);
}

/** A unit price to four places (a prorated share need not be whole cents per unit). */
function unitPrice(cents: Cents, quantity: number): string {
  const tenThousandths = Math.round((Math.abs(cents) * 100) / quantity);
  return `${Math.trunc(tenThousandths / 10_000)}.${String(tenThousandths % 10_000).padStart(4, "0")}`;
}

function date102(date: string): string {
  return text("udt:DateTimeString", date.replaceAll("-", ""), ' format="102"');
}

function address(value: PostalAddress): string {
  return el(
    "ram:PostalTradeAddress",
    text("ram:PostcodeCode", value.postalCode),
    text("ram:LineOne", value.line1),
    optionalText("ram:LineTwo", value.line2),
    text("ram:CityName", value.city),
    text("ram:CountryID", value.country),
  );
}

function lineItem(document: InvoiceDocument, line: InvoiceDocument["lines"][number]): string {
  const net = documentSign(document.kind) * line.netAmount;
  // BR-27: the price is never negative, so a credit line carries the sign in its quantity.
  const quantity = net < 0 ? -Math.abs(line.quantity) : Math.abs(line.quantity);
  const period =
    line.periodStart && line.periodEnd
      ? el(
          "ram:BillingSpecifiedPeriod",
          el("ram:StartDateTime", date102(line.periodStart)),
          el("ram:EndDateTime", date102(lastDay(line.periodEnd))),
        )
      : null;
  return el(
    "ram:IncludedSupplyChainTradeLineItem",
    el("ram:AssociatedDocumentLineDocument", text("ram:LineID", String(line.position))),
    el("ram:SpecifiedTradeProduct", text("ram:Name", line.description)),
    el(
      "ram:SpecifiedLineTradeAgreement",
      el(
        "ram:NetPriceProductTradePrice",
        text("ram:ChargeAmount", unitPrice(net, Math.abs(quantity))),
      ),
    ),
    el(
      "ram:SpecifiedLineTradeDelivery",
      text("ram:BilledQuantity", String(quantity), ' unitCode="C62"'),
    ),
    el(
      "ram:SpecifiedLineTradeSettlement",
      el(
        "ram:ApplicableTradeTax",
        text("ram:TypeCode", "VAT"),
        text("ram:CategoryCode", taxCategory(document.tax.treatment, line.taxRate)),
        text("ram:RateApplicablePercent", percent(line.taxRate)),
      ),
      period,
      el(
        "ram:SpecifiedTradeSettlementLineMonetarySummation",
        text("ram:LineTotalAmount", amount(net)),
      ),
    ),
  );
}

function lastDay(endExclusive: string): string {
  const date = new Date(`${endExclusive}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}

function sellerParty(document: InvoiceDocument): string {
  const { seller } = document;
  return el(
    "ram:SellerTradeParty",
    // BT-29: BR-CO-26 wants some seller identifier even where there is no VAT ID.
    text("ram:ID", seller.taxNumber ?? seller.vatId ?? seller.legalName),
    text("ram:Name", seller.legalName),
    optionalText("ram:Description", seller.registerEntry),
    el(
      "ram:DefinedTradeContact",
      text("ram:PersonName", seller.managingDirectors ?? seller.legalName),
      seller.phone &&
        el("ram:TelephoneUniversalCommunication", text("ram:CompleteNumber", seller.phone)),
      el("ram:EmailURIUniversalCommunication", text("ram:URIID", seller.email)),
    ),
    address(seller.address),
    el("ram:URIUniversalCommunication", text("ram:URIID", seller.email, ' schemeID="EM"')),
    seller.vatId &&
      el("ram:SpecifiedTaxRegistration", text("ram:ID", seller.vatId, ' schemeID="VA"')),
    seller.taxNumber &&
      el("ram:SpecifiedTaxRegistration", text("ram:ID", seller.taxNumber, ' schemeID="FC"')),
  );
}

function buyerParty(document: InvoiceDocument): string {
  const { buyer } = document;
  return el(
    "ram:BuyerTradeParty",
    text("ram:ID", buyer.id),
    text("ram:Name", buyer.name),
    address(buyer.address),
    buyer.email &&
      el("ram:URIUniversalCommunication", text("ram:URIID", buyer.email, ' schemeID="EM"')),
    buyer.vatId &&
      el("ram:SpecifiedTaxRegistration", text("ram:ID", buyer.vatId, ' schemeID="VA"')),
  );
}

function paymentMeans(document: InvoiceDocument): string {
  const { payment } = document;
  if (payment.means === "direct_debit") {
    return el(
      "ram:SpecifiedTradeSettlementPaymentMeans",
      text("ram:TypeCode", "59"),
      text("ram:Information", "SEPA-Lastschrift"),
      el("ram:PayerPartyDebtorFinancialAccount", text("ram:IBANID", payment.debtorIbanMasked)),
    );
  }
  if (payment.means === "transfer") {
    return el(
      "ram:SpecifiedTradeSettlementPaymentMeans",
      text("ram:TypeCode", "58"),
      text("ram:Information", "SEPA-Überweisung"),
      el(
        "ram:PayeePartyCreditorFinancialAccount",
        text("ram:IBANID", payment.iban),
        text("ram:AccountName", document.seller.legalName),
      ),
      payment.bic &&
        el("ram:PayeeSpecifiedCreditorFinancialInstitution", text("ram:BICID", payment.bic)),
    );
  }
  return el(
    "ram:SpecifiedTradeSettlementPaymentMeans",
    text("ram:TypeCode", "1"),
    text("ram:Information", "Erstattung oder Verrechnung durch den Verkäufer"),
  );
}

function taxBreakdown(document: InvoiceDocument, sign: 1 | -1): string[] {
  const reason = document.tax.exemptionReason?.[document.buyer.locale] ?? null;
  return document.taxBreakdown.map((entry) =>
    el(
      "ram:ApplicableTradeTax",
      text("ram:CalculatedAmount", amount(sign * entry.taxAmount)),
      text("ram:TypeCode", "VAT"),
      optionalText("ram:ExemptionReason", reason),
      text("ram:BasisAmount", amount(sign * entry.netAmount)),
      text("ram:CategoryCode", taxCategory(document.tax.treatment, entry.taxRate)),
      optionalText("ram:ExemptionReasonCode", document.tax.exemptionCode),
      text("ram:RateApplicablePercent", percent(entry.taxRate)),
    ),
  );
}

function settlement(document: InvoiceDocument): string {
  const sign = documentSign(document.kind);
  const { payment, precedingInvoice } = document;
  const period = servicePeriod(document);
  const currencyId = ` currencyID="${escapeXml(document.currency)}"`;
  return el(
    "ram:ApplicableHeaderTradeSettlement",
    payment.means === "direct_debit" && text("ram:CreditorReferenceID", payment.creditorId),
    text("ram:PaymentReference", document.paymentReference),
    text("ram:InvoiceCurrencyCode", document.currency),
    paymentMeans(document),
    ...taxBreakdown(document, sign),
    period &&
      el(
        "ram:BillingSpecifiedPeriod",
        el("ram:StartDateTime", date102(period.start)),
        el("ram:EndDateTime", date102(period.last)),
      ),
    el(
      "ram:SpecifiedTradePaymentTerms",
      el("ram:DueDateDateTime", date102(document.dueDate)),
      payment.means === "direct_debit" &&
        text("ram:DirectDebitMandateID", payment.mandateReference),
    ),
    el(
      "ram:SpecifiedTradeSettlementHeaderMonetarySummation",
      text("ram:LineTotalAmount", amount(sign * document.netAmount)),
      text("ram:TaxBasisTotalAmount", amount(sign * document.netAmount)),
      text("ram:TaxTotalAmount", amount(sign * document.taxAmount), currencyId),
      text("ram:GrandTotalAmount", amount(sign * document.grossAmount)),
      text("ram:DuePayableAmount", amount(sign * document.grossAmount)),
    ),
    precedingInvoice &&
      el(
        "ram:InvoiceReferencedDocument",
        text("ram:IssuerAssignedID", precedingInvoice.number),
        el(
          "ram:FormattedIssueDateTime",
          text(
            "qdt:DateTimeString",
            precedingInvoice.issueDate.replaceAll("-", ""),
            ' format="102"',
          ),
        ),
      ),
  );
}

function notes(document: InvoiceDocument): string[] {
  const { seller } = document;
  const legal = [
    seller.legalName,
    seller.registerEntry,
    seller.managingDirectors &&
      `${document.buyer.locale === "de" ? "Geschäftsführung" : "Managing directors"}: ${seller.managingDirectors}`,
  ]
    .filter(Boolean)
    .join(", ");
  const reason = document.tax.exemptionReason?.[document.buyer.locale];
  return [
    el("ram:IncludedNote", text("ram:Content", legal), text("ram:SubjectCode", "REG")),
    reason
      ? el("ram:IncludedNote", text("ram:Content", reason), text("ram:SubjectCode", "TXD"))
      : "",
  ];
}

/** The CII XML of one invoice document, UTF-8, without a byte-order mark. */
export function ciiXml(document: InvoiceDocument, profile: CiiProfile): string {
  const root =
    '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"' +
    ' xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"' +
    ' xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"' +
    ' xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">';
  const body = [
    el(
      "rsm:ExchangedDocumentContext",
      el(
        "ram:BusinessProcessSpecifiedDocumentContextParameter",
        text("ram:ID", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"),
      ),
      el("ram:GuidelineSpecifiedDocumentContextParameter", text("ram:ID", GUIDELINE[profile])),
    ),
    el(
      "rsm:ExchangedDocument",
      text("ram:ID", document.number),
      text("ram:TypeCode", TYPE_CODE[document.kind]),
      el("ram:IssueDateTime", date102(document.issueDate)),
      ...notes(document),
    ),
    el(
      "rsm:SupplyChainTradeTransaction",
      ...document.lines.map((line) => lineItem(document, line)),
      el(
        "ram:ApplicableHeaderTradeAgreement",
        text("ram:BuyerReference", document.buyer.buyerReference),
        sellerParty(document),
        buyerParty(document),
      ),
      el("ram:ApplicableHeaderTradeDelivery"),
      settlement(document),
    ),
  ].join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}${body}</rsm:CrossIndustryInvoice>\n`;
}
