// The seven invoice documents the issue asks the official rules to accept: regular, interim with
// a credit line, credit note, direct debit, reverse charge, small business, 7 % + 19 % mixed.
import type { CompanySettings } from "../../worker/domain/company.ts";
import {
  invoiceDocument,
  type DocumentBuyer,
  type DocumentLine,
  type InvoiceDocument,
} from "../../worker/domain/invoice-document.ts";
import type { InvoiceParties } from "../../worker/domain/invoice-snapshot.ts";
import { totalsOf } from "../../worker/domain/money.ts";
import { chargedRate, decideTax } from "../../worker/domain/tax-decision.ts";

export const seller: CompanySettings = {
  legalName: "Stadtwerke Musterstadt GmbH",
  address: { line1: "Hauptstraße 1", postalCode: "80331", city: "München", country: "DE" },
  vatId: "DE123456789",
  taxNumber: "143/123/45678",
  email: "rechnung@stadtwerke-musterstadt.de",
  phone: "+49 89 123456",
  registerEntry: "Amtsgericht München HRB 12345",
  managingDirectors: "Erika Mustermann",
  smallBusiness: false,
  iban: "DE89370400440532013000",
  bic: "COBADEFFXXX",
  logo: null,
};

export const buyer: DocumentBuyer = {
  id: "cus_01",
  name: "Max Müller",
  kind: "consumer",
  address: { line1: "Gartenweg 5", postalCode: "10115", city: "Berlin", country: "DE" },
  vatId: null,
  buyerReference: "cus_01",
  email: "max@example.org",
  locale: "de",
};

/** The seller and that buyer as an invoice draft takes them (no direct debit). */
export const parties: InvoiceParties = {
  company: seller,
  customer: {
    id: buyer.id,
    name: buyer.name,
    kind: buyer.kind,
    billingAddress: buyer.address,
    vatId: buyer.vatId,
    buyerReference: buyer.buyerReference,
    email: buyer.email,
    locale: buyer.locale,
  },
  directDebit: null,
};

function document(
  { lines: rawLines, ...overrides }: Partial<InvoiceDocument> & { lines: DocumentLine[] },
  parties: { seller?: CompanySettings; buyer?: DocumentBuyer } = {},
): InvoiceDocument {
  const theSeller = parties.seller ?? seller;
  const theBuyer = parties.buyer ?? buyer;
  const tax = decideTax(
    {
      country: theSeller.address.country,
      vatId: theSeller.vatId,
      smallBusiness: theSeller.smallBusiness,
    },
    { kind: theBuyer.kind, country: theBuyer.address.country, vatId: theBuyer.vatId },
  );
  const lines = rawLines.map((line) => ({
    ...line,
    taxRate: chargedRate(tax, theSeller.address.country, line.taxRate, "taxRate"),
  }));
  const totals = totalsOf(lines);
  return invoiceDocument(
    {
      id: "inv_01",
      number: "RE-2027-000001",
      kind: "regular",
      issueDate: "2027-01-11",
      dueDate: "2027-01-25",
      currency: "EUR",
      paymentReference: "RF18539007547034",
      periodStart: null,
      periodEnd: null,
      ...totals,
      ...overrides,
      lines,
    },
    {
      seller: theSeller,
      buyer: theBuyer,
      tax,
      payment: { means: "transfer", iban: theSeller.iban ?? "", bic: theSeller.bic },
      precedingInvoice: null,
      ...overrides,
    },
  );
}

const january = { periodStart: "2027-01-01", periodEnd: "2027-02-01" };
const rest = { periodStart: "2027-01-11", periodEnd: "2027-02-01" };

function line(position: number, description: string, netAmount: number, extra = {}): DocumentLine {
  return { position, description, quantity: 1, netAmount, taxRate: 1900, ...january, ...extra };
}

export const regular = document({
  lines: [line(1, "Pro (01.01.2027 – 31.01.2027)", 2990)],
  ...january,
});

export const interimWithCredit = document({
  number: "ZR-2027-000001",
  kind: "interim",
  lines: [
    line(1, "Gutschrift Basic, anteilig 11.01.–31.01.2027", -677, rest),
    line(2, "Tarifwechsel Pro, anteilig 11.01.–31.01.2027", 2026, rest),
  ],
});

export const creditNote = document({
  number: "GS-2027-000001",
  kind: "credit_note",
  lines: [line(1, "Gutschrift Pro, anteilig 11.01.–31.01.2027", -2026, rest)],
  payment: { means: "refund" },
  precedingInvoice: { number: "RE-2027-000001", issueDate: "2027-01-01" },
});

export const directDebit = document({
  lines: [line(1, "Business (01.01.2027 – 31.01.2027)", 5990)],
  payment: {
    means: "direct_debit",
    mandateReference: "MANDATE-0001",
    creditorId: "DE98ZZZ09999999999",
    debtorIbanMasked: "DE02************0044",
  },
  ...january,
});

export const reverseCharge = document(
  { lines: [line(1, "Pro (01.01.2027 – 31.01.2027)", 2990)], ...january },
  {
    buyer: {
      ...buyer,
      id: "cus_02",
      name: "Wiener Software GmbH",
      kind: "business",
      address: { line1: "Ringstraße 10", postalCode: "1010", city: "Wien", country: "AT" },
      vatId: "ATU12345678",
      buyerReference: "cus_02",
    },
  },
);

export const smallBusiness = document(
  { lines: [line(1, "Pro (01.01.2027 – 31.01.2027)", 2990)], ...january },
  { seller: { ...seller, vatId: null, smallBusiness: true } },
);

export const mixedRates = document({
  lines: [
    line(1, "Pro (01.01.2027 – 31.01.2027)", 2990),
    line(2, "E-Book-Paket (01.01.2027 – 31.01.2027)", 999, { taxRate: 700 }),
    line(3, "Zusatzspeicher (01.01.2027 – 31.01.2027)", 1500, { quantity: 3 }),
  ],
  ...january,
});

/** A returned debit's fee invoice (kind fee): bank charge and handling fee, damages at 0 %. */
export const feeInvoice = document({
  number: "GB-2027-000001",
  kind: "fee",
  lines: [
    line(1, "Rücklastschriftgebühr der Bank zu RE-2027-000001", 300, {
      taxRate: 0,
      periodStart: null,
      periodEnd: null,
    }),
    line(2, "Bearbeitungsgebühr Rücklastschrift zu RE-2027-000001", 500, {
      taxRate: 0,
      periodStart: null,
      periodEnd: null,
    }),
  ],
});

export const sevenCases: Record<string, InvoiceDocument> = {
  regular,
  interimWithCredit,
  creditNote,
  directDebit,
  reverseCharge,
  smallBusiness,
  mixedRates,
};
