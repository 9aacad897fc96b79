// Browser-test fixtures of the payment view (GET /portal/v1/account, POST /portal/v1/mandates):
// a customer whose mandate an MD01 return blocked, with an invoice at the first dunning notice
// and the fee invoice of the return, in the style of fixtures.ts.
import type {
  NewMandateResult,
  PortalAccount,
  PortalOpenInvoice,
} from "../../widget/src/portal-api.js";

export function openInvoice(overrides: Partial<PortalOpenInvoice> = {}): PortalOpenInvoice {
  return {
    id: "inv_open1",
    number: "RE-2027-000003",
    kind: "regular",
    status: "open",
    issueDate: "2027-03-01",
    dueDate: "2027-03-15",
    currency: "EUR",
    grossAmount: 3570,
    amountPaid: 0,
    openAmount: 3570,
    dunningFees: 500,
    totalDue: 4070,
    dunningLevel: "first_notice",
    paymentReference: "RF18539007547034",
    ...overrides,
  };
}

export function blockedAccount(overrides: Partial<PortalAccount> = {}): PortalAccount {
  const invoices = [
    openInvoice(),
    openInvoice({
      id: "inv_fee1",
      number: "GB-2027-000001",
      kind: "fee",
      issueDate: "2027-03-18",
      dueDate: "2027-04-01",
      grossAmount: 550,
      openAmount: 550,
      dunningFees: 0,
      totalDue: 550,
      dunningLevel: null,
      paymentReference: "RF71218000000001",
    }),
  ];
  return {
    openAmount: 4620,
    currency: "EUR",
    openInvoices: invoices,
    paymentMethod: {
      kind: "sepa_mandate",
      status: "blocked",
      ibanMasked: "DE12 **** **** **** **98 90",
      reference: "M-LENA-1",
      reasonClass: "dead",
      reasonCode: "AC04",
    },
    transfer: {
      recipient: "Stadtwerke Musterstadt",
      iban: "DE02 5001 0517 0137 0750 30",
      bic: "INGDDEFFXXX",
    },
    canUpdateMandate: true,
    mandateConsent: {
      version: "sepa-core-prenotified-2026-12",
      creditorName: "Stadtwerke Musterstadt",
      creditorId: "DE98ZZZ09999999999",
      text: {
        de: "SEPA-Lastschriftmandat: Ich ermächtige Stadtwerke Musterstadt (Gläubiger-Identifikationsnummer DE98ZZZ09999999999), Zahlungen von meinem Konto mittels Lastschrift einzuziehen.",
        en: "SEPA Direct Debit Mandate: By giving this mandate, I authorise Stadtwerke Musterstadt (creditor identifier DE98ZZZ09999999999) to send instructions to my bank to debit my account.",
      },
    },
    ...overrides,
  };
}

export const createdMandate: NewMandateResult = {
  id: "mdt_new1",
  reference: "TRF-01M8Y3J7FY0016AS9C9WBV22",
  signatureDate: "2027-03-18",
  ibanMasked: "DE75 **** **** **** **61 99",
  accountHolder: "Lena Beispiel",
  status: "active",
  sequenceType: "FRST",
  consentAt: "2027-03-18T09:00:00.000Z",
  consentTextVersion: "sepa-core-prenotified-2026-12",
  invoicesToCollect: ["inv_open1", "inv_fee1"],
};
