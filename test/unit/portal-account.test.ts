// The portal account rules: the open amount with dunning fees, the payment method a returned
// debit leaves, the generated mandate reference, the mandate text and the checks of a new
// mandate with their texts in both languages.
import { describe, expect, it } from "vitest";
import {
  mandateConsent,
  openAmountIn,
  openInvoices,
  paymentMethodOf,
  portalLocale,
  portalMandateReference,
  validatePortalMandate,
  type OwedInvoice,
} from "../../worker/domain/portal-account.ts";
import { validateMandateReference } from "../../worker/domain/sepa-identifiers.ts";

const invoice = (id: string, patch: Partial<OwedInvoice> = {}): OwedInvoice => ({
  id,
  number: `RE-${id}`,
  kind: "regular",
  status: "open",
  issueDate: "2027-03-01",
  dueDate: "2027-03-15",
  currency: "EUR",
  grossAmount: 3570,
  amountPaid: 0,
  paymentReference: `RF-${id}`,
  ...patch,
});

describe("open invoices", () => {
  it("adds the dunning fees, names the highest level and sorts by due date", () => {
    const owed = openInvoices(
      [
        invoice("b", { dueDate: "2027-04-01", amountPaid: 1000, status: "partially_paid" }),
        invoice("a"),
        invoice("paid", { status: "paid", amountPaid: 3570 }),
        invoice("credit", { kind: "credit_note", grossAmount: -500 }),
        invoice("void", { status: "void" }),
        invoice("pending", { status: "collection_pending", dueDate: "2027-05-01" }),
      ],
      [
        { invoiceId: "a", level: "first_notice", fee: 500, reachedOn: "2027-04-10" },
        { invoiceId: "a", level: "reminder", fee: 0, reachedOn: "2027-03-25" },
        { invoiceId: "paid", level: "reminder", fee: 250, reachedOn: "2027-03-25" },
      ],
    );
    expect(
      owed.map((i) => [i.id, i.openAmount, i.dunningFees, i.totalDue, i.dunningLevel]),
    ).toEqual([
      ["a", 3570, 500, 4070, "first_notice"],
      ["b", 2570, 0, 2570, null],
      ["pending", 3570, 0, 3570, null],
    ]);
    expect(openAmountIn(owed, "EUR")).toBe(4070 + 2570 + 3570);
    expect(openAmountIn(owed, "CHF")).toBe(0);
  });
});

describe("payment method", () => {
  const mandate = {
    status: "active",
    statusReason: null,
    ibanMasked: "DE89 **** **** **** **30 00",
    reference: "M-1",
    debtorName: null,
  };

  it("shows an active mandate with the customer as holder unless the mandate names one", () => {
    expect(paymentMethodOf(mandate, "Erika")).toMatchObject({
      status: "active",
      accountHolder: "Erika",
    });
    expect(paymentMethodOf({ ...mandate, debtorName: "Max" }, "Erika")).toMatchObject({
      accountHolder: "Max",
    });
    expect(paymentMethodOf(null, "Erika")).toEqual({ kind: "none" });
  });

  it("gives a blocked mandate the reason class of the return that blocked it", () => {
    expect(
      paymentMethodOf({ ...mandate, status: "dead", statusReason: "return:AC04" }, "E"),
    ).toMatchObject({
      status: "blocked",
      reasonClass: "dead",
      reasonCode: "AC04",
    });
    expect(
      paymentMethodOf({ ...mandate, status: "revoked", statusReason: "return:MD06" }, "E"),
    ).toMatchObject({
      reasonClass: "disputed",
    });
    expect(
      paymentMethodOf({ ...mandate, status: "revoked", statusReason: "revoked_by_merchant" }, "E"),
    ).toMatchObject({ status: "blocked", reasonClass: null, reasonCode: null });
  });
});

describe("the portal mandate", () => {
  it("is referenced by its id, a valid and unique SEPA mandate reference", () => {
    const reference = portalMandateReference("mdt_01m8y3j7fy0016as9c9wbv22");
    expect(reference).toBe("TRF-01M8Y3J7FY0016AS9C9WBV22");
    expect(validateMandateReference(reference)).toMatchObject({ ok: true });
    expect(() => portalMandateReference("mdt_a b")).toThrow(RangeError);
  });

  it("has the mandate text with the creditor's name and identifier in both languages", () => {
    const consent = mandateConsent({ name: "Stadtwerke", creditorId: "DE98ZZZ09999999999" });
    for (const text of [consent.text.de, consent.text.en]) {
      expect(text).toContain("Stadtwerke");
      expect(text).toContain("DE98ZZZ09999999999");
    }
    expect(consent.text.de).toContain("acht Wochen");
    expect(consent.text.de).toContain("Vorabankündigung");
    expect(consent.text.en).toContain("pre-notification");
  });

  it("accepts an IBAN with spaces and lower case, and a trimmed holder", () => {
    expect(
      validatePortalMandate(
        { iban: "de89 3704 0044 0532 0130 00", accountHolder: "  Erika   Muster ", consent: true },
        "de",
      ),
    ).toEqual({
      ok: true,
      value: { iban: "DE89370400440532013000", ibanCountry: "DE", accountHolder: "Erika Muster" },
    });
  });

  it("names every bad field, in German or English", () => {
    const de = validatePortalMandate(
      { iban: "DE89370400440532013001", accountHolder: "", consent: false },
      "de",
    );
    expect(de).toEqual({
      ok: false,
      errors: [
        { field: "iban", message: expect.stringContaining("Prüfziffer") },
        { field: "accountHolder", message: "Bitte geben Sie den Namen des Kontoinhabers ein." },
        { field: "consent", message: "Bitte bestätigen Sie das SEPA-Lastschriftmandat." },
      ],
    });
    const en = validatePortalMandate(
      { iban: "GB33BUKB20201555555555", accountHolder: "株式会社" },
      "en",
    );
    expect(en).toEqual({
      ok: false,
      errors: [
        { field: "iban", message: expect.stringContaining("outside the EEA") },
        {
          field: "accountHolder",
          message: "The account holder's name must contain letters or digits.",
        },
        { field: "consent", message: "Please confirm the SEPA direct debit mandate." },
      ],
    });
    expect(portalLocale("en-GB")).toBe("en");
    expect(portalLocale("de-AT")).toBe("de");
    expect(portalLocale(null)).toBe("de");
  });
});
