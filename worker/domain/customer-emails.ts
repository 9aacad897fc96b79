// The e-mails Tarif sends to a merchant's customers, in German and English, each as plain text
// and HTML built from the same paragraphs: invoice issued, contract change confirmed,
// cancellation confirmed (§ 312k (4) BGB: at once, in text form, with the time it was received
// and the end date), direct debit returned, dunning level reached.
import type { IsoDate } from "./calendar.ts";
import type { AutomaticLevel } from "./dunning.ts";
import type { Cents } from "./money.ts";
import type { ReturnTreatment } from "./return-handling.ts";

export type EmailLocale = "de" | "en";

export const EMAIL_KINDS = [
  "invoice_issued",
  "change_confirmed",
  "cancellation_confirmed",
  "debit_returned",
  "dunning_level_reached",
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

interface Common {
  merchantName: string;
  customerName: string;
}

export type ChangeDescription =
  | { type: "switch_template"; from: string; to: string }
  | { type: "add_addon"; name: string; quantity: number }
  | { type: "remove_item"; name: string }
  | { type: "change_quantity"; name: string; quantity: number };

export type EmailData =
  | (Common & {
      kind: "invoice_issued";
      currency: string;
      invoiceNumber: string;
      issueDate: IsoDate;
      dueDate: IsoDate;
      grossAmount: Cents;
      paymentReference: string;
      /** Collected by SEPA direct debit rather than paid by transfer. */
      directDebit: boolean;
    })
  | (Common & {
      kind: "change_confirmed";
      contractName: string;
      change: ChangeDescription;
      effectiveDate: IsoDate;
    })
  | (Common & {
      kind: "cancellation_confirmed";
      contractName: string;
      /** RFC 3339: when the cancellation reached the merchant. */
      receivedAt: string;
      /** The last day of the contract. */
      endDate: IsoDate;
    })
  | (Common & {
      kind: "debit_returned";
      currency: string;
      invoiceNumber: string;
      amount: Cents;
      feeCharged: Cents;
      treatment: ReturnTreatment;
      paymentReference: string;
    })
  | (Common & {
      kind: "dunning_level_reached";
      currency: string;
      level: AutomaticLevel;
      invoiceNumber: string;
      dueDate: IsoDate;
      openAmount: Cents;
      fees: Cents;
      interest: Cents;
      flatFee: Cents;
      total: Cents;
      payBy: IsoDate;
      paymentReference: string;
    });

type WithoutNames<T> = T extends unknown ? Omit<T, "merchantName" | "customerName"> : never;
/** What a change knows when it queues a mail; the names are added when it is sent. */
export type EmailFacts = WithoutNames<EmailData>;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface Format {
  money: (cents: Cents) => string;
  date: (date: IsoDate) => string;
  instant: (instant: string) => string;
}

function formatFor(locale: EmailLocale, currency: string | undefined): Format {
  const tag = locale === "de" ? "de-DE" : "en-GB";
  const money = new Intl.NumberFormat(tag, { style: "currency", currency: currency ?? "EUR" });
  const date = new Intl.DateTimeFormat(tag, { dateStyle: "long", timeZone: "UTC" });
  const instant = new Intl.DateTimeFormat(tag, {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: "Europe/Berlin",
  });
  return {
    money: (cents) => money.format(cents / 100),
    date: (value) => date.format(new Date(`${value}T00:00:00Z`)),
    instant: (value) => instant.format(new Date(value)),
  };
}

/** A letter: subject, salutation, paragraphs, optional amount table, sign-off. */
interface Letter {
  subject: string;
  paragraphs: string[];
  table?: [string, string][];
}

type Texts = (data: EmailData, f: Format) => Letter;

const LEVEL_NAMES: Record<EmailLocale, Record<AutomaticLevel, string>> = {
  de: { reminder: "Zahlungserinnerung", first_notice: "1. Mahnung", second_notice: "2. Mahnung" },
  en: {
    reminder: "Payment reminder",
    first_notice: "First reminder notice",
    second_notice: "Second reminder notice",
  },
};

const changeText: Record<EmailLocale, (change: ChangeDescription) => string> = {
  de: (c) =>
    c.type === "switch_template"
      ? `Wechsel von „${c.from}“ zu „${c.to}“`
      : c.type === "add_addon"
        ? `${c.quantity} × „${c.name}“ hinzugebucht`
        : c.type === "remove_item"
          ? `„${c.name}“ entfernt`
          : `Menge von „${c.name}“ auf ${c.quantity} geändert`,
  en: (c) =>
    c.type === "switch_template"
      ? `switch from “${c.from}” to “${c.to}”`
      : c.type === "add_addon"
        ? `${c.quantity} × “${c.name}” added`
        : c.type === "remove_item"
          ? `“${c.name}” removed`
          : `quantity of “${c.name}” changed to ${c.quantity}`,
};

const de: Texts = (data, f) => {
  switch (data.kind) {
    case "invoice_issued":
      return {
        subject: `Ihre Rechnung ${data.invoiceNumber}`,
        paragraphs: [
          `anbei erhalten Sie Ihre Rechnung ${data.invoiceNumber} vom ${f.date(data.issueDate)} über ${f.money(data.grossAmount)}.`,
          data.directDebit
            ? `Wir ziehen den Betrag zum ${f.date(data.dueDate)} per SEPA-Lastschrift ein (Verwendungszweck ${data.paymentReference}).`
            : `Bitte überweisen Sie den Betrag bis zum ${f.date(data.dueDate)} mit dem Verwendungszweck ${data.paymentReference}.`,
        ],
      };
    case "change_confirmed":
      return {
        subject: `Ihre Vertragsänderung: ${data.contractName}`,
        paragraphs: [
          `wir bestätigen Ihre Änderung an „${data.contractName}“: ${changeText.de(data.change)}.`,
          `Sie gilt ab dem ${f.date(data.effectiveDate)}.`,
        ],
      };
    case "cancellation_confirmed":
      return {
        subject: `Bestätigung Ihrer Kündigung: ${data.contractName}`,
        paragraphs: [
          `wir haben Ihre Kündigung von „${data.contractName}“ am ${f.instant(data.receivedAt)} Uhr erhalten.`,
          `Ihr Vertrag endet mit Ablauf des ${f.date(data.endDate)}.`,
          "Diese Bestätigung erhalten Sie nach § 312k Abs. 4 BGB in Textform.",
        ],
      };
    case "debit_returned":
      return {
        subject: `Lastschrift zur Rechnung ${data.invoiceNumber} zurückgegeben`,
        paragraphs: [
          `Ihre Bank hat die Lastschrift über ${f.money(data.amount)} zur Rechnung ${data.invoiceNumber} zurückgegeben.`,
          ...(data.feeCharged > 0
            ? [
                `Die dadurch entstandenen Gebühren von ${f.money(data.feeCharged)} stellen wir Ihnen gesondert in Rechnung.`,
              ]
            : []),
          {
            represent:
              "Wir ziehen den offenen Betrag in den nächsten Tagen erneut ein. Bitte sorgen Sie für ausreichende Deckung.",
            mandate_ended: `Von Ihrem Konto können wir nicht mehr abbuchen. Bitte erteilen Sie uns in Ihrem Kundenportal ein neues SEPA-Lastschriftmandat oder überweisen Sie den Betrag mit dem Verwendungszweck ${data.paymentReference}.`,
            manual: `Bitte überweisen Sie den Betrag mit dem Verwendungszweck ${data.paymentReference}, oder melden Sie sich bei uns.`,
          }[data.treatment],
        ],
      };
    case "dunning_level_reached":
      return {
        subject: `${LEVEL_NAMES.de[data.level]} zur Rechnung ${data.invoiceNumber}`,
        paragraphs: [
          data.level === "reminder"
            ? `sicher ist es Ihrer Aufmerksamkeit entgangen: Die Rechnung ${data.invoiceNumber} war am ${f.date(data.dueDate)} fällig und ist noch nicht vollständig bezahlt.`
            : `die Rechnung ${data.invoiceNumber} war am ${f.date(data.dueDate)} fällig und ist trotz unserer Erinnerung noch offen.`,
          `Bitte überweisen Sie ${f.money(data.total)} bis zum ${f.date(data.payBy)} mit dem Verwendungszweck ${data.paymentReference}.`,
          "Haben Sie inzwischen bezahlt, betrachten Sie dieses Schreiben bitte als gegenstandslos.",
        ],
        table: amountRows(data, f, {
          open: "Offener Rechnungsbetrag",
          fees: "Mahngebühren",
          interest: "Verzugszinsen (§ 288 BGB)",
          flatFee: "Verzugspauschale (§ 288 Abs. 5 BGB)",
          total: "Zu zahlen",
        }),
      };
  }
};

const en: Texts = (data, f) => {
  switch (data.kind) {
    case "invoice_issued":
      return {
        subject: `Your invoice ${data.invoiceNumber}`,
        paragraphs: [
          `here is your invoice ${data.invoiceNumber} of ${f.date(data.issueDate)} for ${f.money(data.grossAmount)}.`,
          data.directDebit
            ? `We will collect the amount by SEPA direct debit on ${f.date(data.dueDate)} (reference ${data.paymentReference}).`
            : `Please transfer the amount by ${f.date(data.dueDate)} quoting ${data.paymentReference}.`,
        ],
      };
    case "change_confirmed":
      return {
        subject: `Your contract change: ${data.contractName}`,
        paragraphs: [
          `we confirm your change to “${data.contractName}”: ${changeText.en(data.change)}.`,
          `It takes effect on ${f.date(data.effectiveDate)}.`,
        ],
      };
    case "cancellation_confirmed":
      return {
        subject: `Your cancellation is confirmed: ${data.contractName}`,
        paragraphs: [
          `we received your cancellation of “${data.contractName}” on ${f.instant(data.receivedAt)} (German time).`,
          `Your contract ends at the end of ${f.date(data.endDate)}.`,
          "This confirmation is sent to you in text form under § 312k (4) of the German Civil Code.",
        ],
      };
    case "debit_returned":
      return {
        subject: `Direct debit for invoice ${data.invoiceNumber} returned`,
        paragraphs: [
          `your bank returned the direct debit of ${f.money(data.amount)} for invoice ${data.invoiceNumber}.`,
          ...(data.feeCharged > 0
            ? [`We will invoice the resulting fees of ${f.money(data.feeCharged)} separately.`]
            : []),
          {
            represent:
              "We will collect the open amount again in the next few days. Please make sure your account is covered.",
            mandate_ended: `We can no longer debit your account. Please give us a new SEPA direct debit mandate in your customer portal, or transfer the amount quoting ${data.paymentReference}.`,
            manual: `Please transfer the amount quoting ${data.paymentReference}, or get in touch with us.`,
          }[data.treatment],
        ],
      };
    case "dunning_level_reached":
      return {
        subject: `${LEVEL_NAMES.en[data.level]} for invoice ${data.invoiceNumber}`,
        paragraphs: [
          data.level === "reminder"
            ? `perhaps this has slipped your attention: invoice ${data.invoiceNumber} was due on ${f.date(data.dueDate)} and is not fully paid yet.`
            : `invoice ${data.invoiceNumber} was due on ${f.date(data.dueDate)} and is still open despite our reminder.`,
          `Please transfer ${f.money(data.total)} by ${f.date(data.payBy)} quoting ${data.paymentReference}.`,
          "If you have paid in the meantime, please disregard this letter.",
        ],
        table: amountRows(data, f, {
          open: "Invoice amount open",
          fees: "Reminder fees",
          interest: "Default interest (§ 288 BGB)",
          flatFee: "Flat-rate default charge (§ 288 (5) BGB)",
          total: "Amount due",
        }),
      };
  }
};

function amountRows(
  data: Extract<EmailData, { kind: "dunning_level_reached" }>,
  f: Format,
  labels: Record<"open" | "fees" | "interest" | "flatFee" | "total", string>,
): [string, string][] {
  const rows: [string, Cents][] = [
    [labels.open, data.openAmount],
    [labels.fees, data.fees],
    [labels.interest, data.interest],
    [labels.flatFee, data.flatFee],
  ];
  return [
    ...rows.filter(([, amount], i) => i === 0 || amount > 0).map(([l, a]) => [l, f.money(a)]),
    [labels.total, f.money(data.total)],
  ] as [string, string][];
}

const TEXTS: Record<EmailLocale, Texts> = { de, en };
const GREETING: Record<EmailLocale, (name: string) => string> = {
  de: (name) => `Guten Tag ${name},`,
  en: (name) => `Dear ${name},`,
};
const SIGN_OFF: Record<EmailLocale, string> = {
  de: "Mit freundlichen Grüßen",
  en: "Kind regards",
};

export function emailLocale(locale: string | null | undefined): EmailLocale {
  return locale?.toLowerCase().startsWith("en") ? "en" : "de";
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function renderEmail(data: EmailData, locale: EmailLocale): RenderedEmail {
  const letter = TEXTS[locale](
    data,
    formatFor(locale, "currency" in data ? data.currency : undefined),
  );
  // The greeting ends with a comma, so the first paragraph starts in lower case (German style).
  const [first = "", ...rest] = letter.paragraphs;
  const body = [first, ...rest.map(capitalised)];
  const table = letter.table ?? [];
  const textBlocks = [...body];
  if (table.length > 0) textBlocks.splice(1, 0, table.map(([l, v]) => `${l}: ${v}`).join("\n"));
  const text = [
    GREETING[locale](data.customerName),
    ...textBlocks,
    `${SIGN_OFF[locale]}\n${data.merchantName}`,
  ].join("\n\n");
  const htmlBlocks = body.map((p) => `<p>${escapeHtml(p)}</p>`);
  if (table.length > 0)
    htmlBlocks.splice(
      1,
      0,
      `<table>${table.map(([l, v]) => `<tr><td>${escapeHtml(l)}</td><td style="text-align:right">${escapeHtml(v)}</td></tr>`).join("")}</table>`,
    );
  const html = [
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(letter.subject)}</title></head><body>`,
    `<p>${escapeHtml(GREETING[locale](data.customerName))}</p>`,
    ...htmlBlocks,
    `<p>${escapeHtml(SIGN_OFF[locale])}<br>${escapeHtml(data.merchantName)}</p></body></html>`,
  ].join("");
  return { subject: letter.subject, text: `${text}\n`, html };
}
