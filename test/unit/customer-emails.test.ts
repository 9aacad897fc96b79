// The customer e-mails in German and English, plain text and HTML from the same words: every
// kind renders in both languages, amounts and dates in the customer's locale, § 312k BGB
// content in the cancellation confirmation, and no customer-supplied text as markup.
import { describe, expect, it } from "vitest";
import {
  EMAIL_KINDS,
  emailLocale,
  renderEmail,
  type EmailData,
  type EmailKind,
} from "../../worker/domain/customer-emails.ts";

const common = {
  merchantName: "Stadtwerke Musterstadt",
  customerName: "Erika Muster",
  currency: "EUR",
};

/** Intl puts a no-break space between amount and currency sign; the tests read plain spaces. */
function render(data: EmailData, locale: "de" | "en") {
  const mail = renderEmail(data, locale);
  return { ...mail, text: mail.text.replace(/\u00a0/g, " ") };
}

const samples: Record<EmailKind, EmailData> = {
  invoice_issued: {
    ...common,
    kind: "invoice_issued",
    currency: "EUR",
    invoiceNumber: "RE-2027-000042",
    issueDate: "2027-03-01",
    dueDate: "2027-03-15",
    grossAmount: 123_456,
    paymentReference: "RF18ABCDEF",
    directDebit: false,
  },
  change_confirmed: {
    ...common,
    kind: "change_confirmed",
    contractName: "Pro",
    change: { type: "switch_template", from: "Pro", to: "Business" },
    effectiveDate: "2027-04-01",
  },
  cancellation_confirmed: {
    ...common,
    kind: "cancellation_confirmed",
    contractName: "Pro",
    receivedAt: "2027-03-02T09:30:00Z",
    endDate: "2027-03-31",
  },
  debit_returned: {
    ...common,
    kind: "debit_returned",
    currency: "EUR",
    invoiceNumber: "RE-2027-000042",
    amount: 3_570,
    feeCharged: 350,
    treatment: "mandate_ended",
    paymentReference: "RF18ABCDEF",
  },
  dunning_level_reached: {
    ...common,
    kind: "dunning_level_reached",
    currency: "EUR",
    level: "first_notice",
    invoiceNumber: "RE-2027-000042",
    dueDate: "2027-03-15",
    openAmount: 3_570,
    fees: 250,
    interest: 12,
    flatFee: 0,
    total: 3_832,
    payBy: "2027-04-19",
    paymentReference: "RF18ABCDEF",
  },
};

describe("customer e-mails", () => {
  it.each(
    EMAIL_KINDS.flatMap((kind) => (["de", "en"] as const).map((locale) => ({ kind, locale }))),
  )("$kind renders in $locale as text and HTML", ({ kind, locale }) => {
    const mail = renderEmail(samples[kind], locale);
    expect(mail.subject.length).toBeGreaterThan(5);
    expect(mail.text).toContain(locale === "de" ? "Guten Tag Erika Muster," : "Dear Erika Muster,");
    expect(mail.text).toContain("Stadtwerke Musterstadt");
    expect(mail.html).toMatch(new RegExp(`^<!doctype html><html lang="${locale}">`));
    expect(mail.html).not.toMatch(/undefined|NaN/);
    expect(mail.text).not.toMatch(/undefined|NaN|<p>/);
  });

  it("writes amounts and dates the customer's way", () => {
    const de = render(samples.invoice_issued, "de");
    const en = render(samples.invoice_issued, "en");
    expect(de.text).toContain("1.234,56 €");
    expect(de.text).toContain("15. März 2027");
    expect(en.text).toContain("€1,234.56");
    expect(en.text).toContain("15 March 2027");
  });

  it("confirms a cancellation with the time it was received and the end date (§ 312k BGB)", () => {
    const de = render(samples.cancellation_confirmed, "de");
    expect(de.text).toContain("2. März 2027 um 10:30 Uhr");
    expect(de.text).toContain("Ablauf des 31. März 2027");
    expect(de.text).toContain("§ 312k");
    expect(renderEmail(samples.cancellation_confirmed, "en").text).toContain("31 March 2027");
  });

  it("asks for a new mandate after a final return and lists a dunning claim", () => {
    expect(renderEmail(samples.debit_returned, "de").text).toContain(
      "neues SEPA-Lastschriftmandat",
    );
    const dunning = render(samples.dunning_level_reached, "de");
    expect(dunning.subject).toBe("1. Mahnung zur Rechnung RE-2027-000042");
    expect(dunning.text).toContain("Mahngebühren: 2,50 €");
    expect(dunning.text).toContain("Zu zahlen: 38,32 €");
    expect(dunning.text).not.toContain("Verzugspauschale");
    expect(dunning.html).toContain("<table>");
  });

  it("describes each kind of change in both languages", () => {
    const of = (change: Extract<EmailData, { kind: "change_confirmed" }>["change"]) => [
      render({ ...samples.change_confirmed, change } as EmailData, "de").text,
      render({ ...samples.change_confirmed, change } as EmailData, "en").text,
    ];
    expect(of({ type: "switch_template", from: "Pro", to: "Business" })).toEqual([
      expect.stringContaining("Wechsel von „Pro“ zu „Business“"),
      expect.stringContaining("switch from “Pro” to “Business”"),
    ]);
    expect(of({ type: "add_addon", name: "Support", quantity: 2 })[0]).toContain(
      "2 × „Support“ hinzugebucht",
    );
    expect(of({ type: "remove_item", name: "Support" })[1]).toContain("“Support” removed");
    expect(of({ type: "change_quantity", name: "Seats", quantity: 5 })[0]).toContain(
      "auf 5 geändert",
    );
    expect(of({ type: "switch_template", from: "Pro", to: "Business" })[0]).toContain(
      "1. April 2027",
    );
  });

  it("escapes what customers and merchants typed", () => {
    const mail = renderEmail(
      { ...samples.change_confirmed, customerName: '<script>alert("x")</script>' },
      "en",
    );
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("falls back to German for unknown locales", () => {
    expect([
      emailLocale("en-GB"),
      emailLocale("de-AT"),
      emailLocale("fr"),
      emailLocale(null),
    ]).toEqual(["en", "de", "de", "de"]);
  });
});
