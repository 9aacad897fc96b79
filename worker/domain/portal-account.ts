// The portal's "open amount and payment method" rules: what a customer owes (open invoices with
// their dunning fees), what state their SEPA mandate is in, the SEPA mandate text they consent to
// (de/en, with the creditor's name and identifier), the reference a portal mandate gets, and the
// checks of a new mandate given by the customer, with messages in the customer's language.
import type {
  PortalMandateConsent,
  PortalOpenInvoice,
  PortalPaymentMethod,
} from "../../widget/src/portal-api.ts";
import type { Cents } from "./money.ts";
import type { DunningLevel } from "./dunning.ts";
import { RETURN_REASONS } from "./return-detection.ts";
import { isUsableSepaName } from "./sepa-creditor.ts";
import { bicRequiredFor, validateSepaIban, type IbanInvalidReason } from "./sepa-identifiers.ts";

export type PortalLocale = "de" | "en";

/** The customer's stored locale ("de", "en-GB", …) as one of the portal's languages. */
export function portalLocale(locale: string | null | undefined): PortalLocale {
  return locale?.toLowerCase().startsWith("en") ? "en" : "de";
}

// ---------------------------------------------------------------------------------------------
// Open invoices

/** Invoice statuses with something left to pay; a credit note is never owed by the customer. */
const OPEN_STATUSES = ["open", "partially_paid", "collection_pending"] as const;

export interface OwedInvoice {
  id: string;
  number: string;
  kind: PortalOpenInvoice["kind"];
  status: string;
  issueDate: string;
  dueDate: string;
  currency: string;
  grossAmount: Cents;
  amountPaid: Cents;
  paymentReference: string;
}

export interface ReachedLevel {
  invoiceId: string;
  level: DunningLevel;
  fee: Cents;
  reachedOn: string;
}

const LEVEL_ORDER: readonly DunningLevel[] = [
  "reminder",
  "first_notice",
  "second_notice",
  "handed_over",
];

export function isOwed(
  invoice: Pick<OwedInvoice, "status" | "kind" | "grossAmount" | "amountPaid">,
) {
  return (
    (OPEN_STATUSES as readonly string[]).includes(invoice.status) &&
    invoice.kind !== "credit_note" &&
    invoice.grossAmount > invoice.amountPaid
  );
}

/** The owed invoices, oldest due date first, each with its dunning fees and highest level. */
export function openInvoices(
  invoices: readonly OwedInvoice[],
  levels: readonly ReachedLevel[],
): PortalOpenInvoice[] {
  return invoices
    .filter(isOwed)
    .map((invoice) => {
      const reached = levels.filter((level) => level.invoiceId === invoice.id);
      const dunningFees = reached.reduce((sum, level) => sum + level.fee, 0);
      const highest = reached
        .map((level) => level.level)
        .sort((a, b) => LEVEL_ORDER.indexOf(b) - LEVEL_ORDER.indexOf(a))[0];
      const openAmount = invoice.grossAmount - invoice.amountPaid;
      return {
        id: invoice.id,
        number: invoice.number,
        kind: invoice.kind,
        status: invoice.status as PortalOpenInvoice["status"],
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        currency: invoice.currency,
        grossAmount: invoice.grossAmount,
        amountPaid: invoice.amountPaid,
        openAmount,
        dunningFees,
        totalDue: openAmount + dunningFees,
        dunningLevel: highest ?? null,
        paymentReference: invoice.paymentReference,
      };
    })
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id));
}

/** The sum owed in `currency` (the portal shows one total; SEPA invoices are in EUR). */
export function openAmountIn(invoices: readonly PortalOpenInvoice[], currency: string): Cents {
  return invoices
    .filter((invoice) => invoice.currency === currency)
    .reduce((sum, invoice) => sum + invoice.totalDue, 0);
}

// ---------------------------------------------------------------------------------------------
// Payment method

export interface MandateView {
  status: string;
  statusReason: string | null;
  ibanMasked: string;
  reference: string;
  debtorName: string | null;
}

/**
 * The latest mandate as the customer sees it. A returned debit stores `return:<code>` as the
 * reason; its class (return-codes.md) says why the mandate is blocked.
 */
export function paymentMethodOf(
  mandate: MandateView | null,
  customerName: string,
): PortalPaymentMethod {
  if (!mandate) return { kind: "none" };
  if (mandate.status === "active")
    return {
      kind: "sepa_mandate",
      status: "active",
      ibanMasked: mandate.ibanMasked,
      reference: mandate.reference,
      accountHolder: mandate.debtorName ?? customerName,
    };
  const code = mandate.statusReason?.startsWith("return:")
    ? mandate.statusReason.slice("return:".length).toUpperCase()
    : null;
  return {
    kind: "sepa_mandate",
    status: "blocked",
    ibanMasked: mandate.ibanMasked,
    reference: mandate.reference,
    reasonClass: code ? (RETURN_REASONS[code]?.reasonClass ?? null) : null,
    reasonCode: code,
  };
}

// ---------------------------------------------------------------------------------------------
// The mandate text

/** Bump when the wording changes: each mandate stores the version its customer agreed to. */
export const MANDATE_CONSENT_VERSION = "sepa-core-prenotified-2026-12";

/**
 * The SEPA Core mandate text (Deutsche Kreditwirtschaft / EPC wording) with the creditor's
 * name and identifier, and the pre-notification: date and amount come with each invoice.
 */
export function mandateConsent(creditor: {
  name: string;
  creditorId: string;
}): PortalMandateConsent {
  const { name, creditorId } = creditor;
  return {
    version: MANDATE_CONSENT_VERSION,
    creditorName: name,
    creditorId,
    text: {
      de:
        `SEPA-Lastschriftmandat: Ich ermächtige ${name} (Gläubiger-Identifikationsnummer ${creditorId}), ` +
        `Zahlungen von meinem Konto mittels Lastschrift einzuziehen. Zugleich weise ich mein Kreditinstitut an, ` +
        `die von ${name} auf mein Konto gezogenen Lastschriften einzulösen. ` +
        `Die Mandatsreferenz wird mir nach Erteilung angezeigt. Betrag und Fälligkeitstag jeder Lastschrift ` +
        `werden mir mit der Rechnung spätestens einen Tag vor der Belastung mitgeteilt (Vorabankündigung). ` +
        `Hinweis: Ich kann innerhalb von acht Wochen, beginnend mit dem Belastungsdatum, die Erstattung des ` +
        `belasteten Betrages verlangen. Es gelten dabei die mit meinem Kreditinstitut vereinbarten Bedingungen.`,
      en:
        `SEPA Direct Debit Mandate: By giving this mandate, I authorise ${name} (creditor identifier ${creditorId}) ` +
        `to send instructions to my bank to debit my account, and my bank to debit my account in accordance ` +
        `with the instructions from ${name}. The mandate reference is shown to me once the mandate is given. ` +
        `The amount and due date of each debit are announced to me with the invoice at least one day before ` +
        `my account is debited (pre-notification). As part of my rights, I am entitled to a refund from my ` +
        `bank under the terms and conditions of my agreement with my bank. A refund must be claimed within ` +
        `eight weeks starting from the date on which my account was debited.`,
    },
  };
}

/**
 * A mandate given in the portal is referenced by its own id (`mdt_0k…` → `TRF-0K…`): unique
 * per creditor because ids are, never reused, 28 characters of the SEPA identifier set.
 */
export function portalMandateReference(mandateId: string): string {
  const body = mandateId.replace(/^mdt_/, "").toUpperCase();
  if (!/^[0-9A-Z]{1,31}$/.test(body)) throw new RangeError(`not a mandate id: ${mandateId}`);
  return `TRF-${body}`;
}

// ---------------------------------------------------------------------------------------------
// A new mandate from the customer

export interface PortalMandateInput {
  iban: string;
  accountHolder: string;
  consent?: boolean | undefined;
}

export interface ValidPortalMandate {
  iban: string;
  ibanCountry: string;
  accountHolder: string;
}

export type PortalMandateField = "iban" | "accountHolder" | "consent";

export interface PortalMandateError {
  field: PortalMandateField;
  message: string;
}

const MAX_HOLDER = 70;

type Texts = {
  iban: Record<IbanInvalidReason | "not_sepa" | "bic_needed", string>;
  holderEmpty: string;
  holderTooLong: string;
  holderUnusable: string;
  consent: string;
};

const TEXTS: Record<PortalLocale, Texts> = {
  de: {
    iban: {
      empty: "Bitte geben Sie Ihre IBAN ein.",
      bad_character: "Die IBAN darf nur Buchstaben und Ziffern enthalten.",
      unknown_country: "Die IBAN beginnt nicht mit einem gültigen Ländercode.",
      non_numeric_check_digits: "Die Stellen 3 und 4 der IBAN müssen Ziffern sein.",
      wrong_length: "Die IBAN hat für ihr Land nicht die richtige Länge.",
      bban_format: "Die Kontonummer in der IBAN passt nicht zum Format ihres Landes.",
      check_digits_out_of_range: "Die Prüfziffer der IBAN ist ungültig.",
      checksum: "Die IBAN ist ungültig: Bitte prüfen Sie die Eingabe (Prüfziffer passt nicht).",
      national_check_digits: "Die IBAN ist ungültig: Die nationale Prüfziffer passt nicht.",
      qr_iban: "Eine QR-IBAN kann nicht belastet werden.",
      not_sepa: "Von Konten in diesem Land ist keine SEPA-Lastschrift möglich.",
      bic_needed:
        "Für Konten außerhalb des EWR ist das Mandat hier nicht möglich; bitte überweisen Sie den Betrag.",
    },
    holderEmpty: "Bitte geben Sie den Namen des Kontoinhabers ein.",
    holderTooLong: `Der Name des Kontoinhabers darf höchstens ${MAX_HOLDER} Zeichen haben.`,
    holderUnusable: "Der Name des Kontoinhabers muss Buchstaben oder Ziffern enthalten.",
    consent: "Bitte bestätigen Sie das SEPA-Lastschriftmandat.",
  },
  en: {
    iban: {
      empty: "Please enter your IBAN.",
      bad_character: "The IBAN may only contain letters and digits.",
      unknown_country: "The IBAN does not start with a valid country code.",
      non_numeric_check_digits: "Positions 3 and 4 of the IBAN must be digits.",
      wrong_length: "The IBAN does not have the right length for its country.",
      bban_format: "The account number in the IBAN does not match its country's format.",
      check_digits_out_of_range: "The IBAN's check digits are not valid.",
      checksum:
        "The IBAN is not valid: please check what you typed (the check digits do not match).",
      national_check_digits: "The IBAN is not valid: the national check digit does not match.",
      qr_iban: "A QR-IBAN cannot be debited.",
      not_sepa: "Accounts in this country cannot be debited by SEPA direct debit.",
      bic_needed:
        "A mandate for an account outside the EEA cannot be given here; please pay by transfer.",
    },
    holderEmpty: "Please enter the account holder's name.",
    holderTooLong: `The account holder's name may have at most ${MAX_HOLDER} characters.`,
    holderUnusable: "The account holder's name must contain letters or digits.",
    consent: "Please confirm the SEPA direct debit mandate.",
  },
};

/** Every problem at once, each naming its field, in the customer's language. */
export function validatePortalMandate(
  input: PortalMandateInput,
  locale: PortalLocale,
): { ok: true; value: ValidPortalMandate } | { ok: false; errors: PortalMandateError[] } {
  const t = TEXTS[locale];
  const errors: PortalMandateError[] = [];
  const iban = validateSepaIban(input.iban);
  if (!iban.ok) errors.push({ field: "iban", message: t.iban[iban.reason] });
  // The portal asks for no BIC; outside the EEA a debit needs one, so it is not offered there.
  else if (bicRequiredFor(iban.value.country))
    errors.push({ field: "iban", message: t.iban.bic_needed });
  const holder = input.accountHolder.trim().replace(/\s+/g, " ");
  if (holder === "") errors.push({ field: "accountHolder", message: t.holderEmpty });
  else if (holder.length > MAX_HOLDER)
    errors.push({ field: "accountHolder", message: t.holderTooLong });
  else if (!isUsableSepaName(holder))
    errors.push({ field: "accountHolder", message: t.holderUnusable });
  if (input.consent !== true) errors.push({ field: "consent", message: t.consent });
  if (errors.length > 0 || !iban.ok) return { ok: false, errors };
  return {
    ok: true,
    value: { iban: iban.value.iban, ibanCountry: iban.value.country, accountHolder: holder },
  };
}
