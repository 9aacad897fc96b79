// The printed words of an invoice PDF in the customer's language, and dates and money the way
// German and English readers expect them ("31.01.2027", "1.234,56 €" / "31 Jan 2027", "€1,234.56").
import type { DocumentLocale, InvoiceDocument } from "../domain/invoice-document.ts";

export interface Labels {
  title: Record<InvoiceDocument["kind"], string>;
  correcting: string;
  number: string;
  issueDate: string;
  servicePeriod: string;
  customerNumber: string;
  buyerReference: string;
  customerVatId: string;
  dueDate: string;
  position: string;
  description: string;
  period: string;
  quantity: string;
  vat: string;
  amount: string;
  net: string;
  vatOn: (rate: string, base: string) => string;
  gross: string;
  transfer: (amount: string, due: string, iban: string, reference: string) => string;
  directDebit: (amount: string, mandate: string, creditor: string, iban: string) => string;
  refund: string;
  vatId: string;
  taxNumber: string;
  managingDirectors: string;
  page: (page: number, pages: number) => string;
}

const de: Labels = {
  title: {
    regular: "Rechnung",
    interim: "Zwischenrechnung",
    credit_note: "Gutschrift",
    fee: "Gebührenrechnung",
  },
  correcting: "Rechnungskorrektur zu",
  number: "Rechnungsnummer",
  issueDate: "Rechnungsdatum",
  servicePeriod: "Leistungszeitraum",
  customerNumber: "Kundennummer",
  buyerReference: "Ihre Referenz",
  customerVatId: "Ihre USt-IdNr.",
  dueDate: "Fällig am",
  position: "Pos.",
  description: "Beschreibung",
  period: "Zeitraum",
  quantity: "Menge",
  vat: "USt.",
  amount: "Netto",
  net: "Summe netto",
  vatOn: (rate, base) => `Umsatzsteuer ${rate} auf ${base}`,
  gross: "Gesamtbetrag",
  transfer: (amount, due, iban, reference) =>
    `Bitte überweisen Sie ${amount} bis zum ${due} auf das Konto ${iban} und geben Sie als Verwendungszweck ${reference} an.`,
  directDebit: (amount, mandate, creditor, iban) =>
    `${amount} werden per SEPA-Lastschrift von Ihrem Konto ${iban} eingezogen (Mandatsreferenz ${mandate}, Gläubiger-ID ${creditor}).`,
  refund: "Der Betrag wird Ihnen erstattet oder mit offenen Rechnungen verrechnet.",
  vatId: "USt-IdNr.",
  taxNumber: "Steuernummer",
  managingDirectors: "Geschäftsführung",
  page: (page, pages) => `Seite ${page} von ${pages}`,
};

const en: Labels = {
  title: {
    regular: "Invoice",
    interim: "Interim invoice",
    credit_note: "Credit note",
    fee: "Fee invoice",
  },
  correcting: "Correcting invoice",
  number: "Invoice number",
  issueDate: "Invoice date",
  servicePeriod: "Service period",
  customerNumber: "Customer number",
  buyerReference: "Your reference",
  customerVatId: "Your VAT ID",
  dueDate: "Due on",
  position: "No.",
  description: "Description",
  period: "Period",
  quantity: "Qty",
  vat: "VAT",
  amount: "Net",
  net: "Total net",
  vatOn: (rate, base) => `VAT ${rate} on ${base}`,
  gross: "Total",
  transfer: (amount, due, iban, reference) =>
    `Please transfer ${amount} by ${due} to the account ${iban}, quoting ${reference} as the reference.`,
  directDebit: (amount, mandate, creditor, iban) =>
    `${amount} will be collected by SEPA direct debit from your account ${iban} (mandate reference ${mandate}, creditor ID ${creditor}).`,
  refund: "The amount will be refunded to you or set off against open invoices.",
  vatId: "VAT ID",
  taxNumber: "Tax number",
  managingDirectors: "Managing directors",
  page: (page, pages) => `Page ${page} of ${pages}`,
};

export function labelsFor(locale: DocumentLocale): Labels {
  return locale === "en" ? en : de;
}

const INTL_LOCALE: Record<DocumentLocale, string> = { de: "de-DE", en: "en-GB" };

export function formatDate(date: string, locale: DocumentLocale): string {
  const [year, month, day] = date.split("-");
  if (locale === "de") return `${day}.${month}.${year}`;
  return new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  }).format(new Date(`${date}T00:00:00Z`));
}

export function formatMoney(cents: number, currency: string, locale: DocumentLocale): string {
  return new Intl.NumberFormat(INTL_LOCALE[locale], { style: "currency", currency }).format(
    cents / 100,
  );
}

export function formatRate(rateBp: number, locale: DocumentLocale): string {
  return `${new Intl.NumberFormat(INTL_LOCALE[locale]).format(rateBp / 100)} %`;
}
