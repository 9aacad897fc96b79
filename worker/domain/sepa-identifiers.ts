// SEPA identifiers a merchant or customer types in: IBAN, BIC, SEPA creditor identifier and
// mandate reference. Each check returns one machine reason (for a 4xx naming the field) and a
// message; IBANs are masked for display because a full IBAN is never shown back.
import {
  electronicFormatIBAN,
  isSEPACountry,
  validateBIC,
  validateIBAN,
  ValidationErrorsBIC,
  ValidationErrorsIBAN,
} from "ibantools";

/** A validation outcome: the normalised value, or the one reason that best explains the failure. */
export type Check<T, R extends string> =
  { ok: true; value: T } | { ok: false; reason: R; message: string };

function fail<R extends string>(
  reason: R,
  message: string,
): { ok: false; reason: R; message: string } {
  return { ok: false, reason, message };
}

// ---------------------------------------------------------------------------------------------
// IBAN

export type IbanInvalidReason =
  | "empty"
  | "bad_character"
  | "unknown_country"
  | "non_numeric_check_digits"
  | "wrong_length"
  | "bban_format"
  | "check_digits_out_of_range"
  | "checksum"
  | "national_check_digits"
  | "qr_iban";

export interface ValidIban {
  /** Electronic format: upper case, no separators. */
  iban: string;
  country: string;
  /** Whether the country takes part in the SEPA schemes (only those can be debited). */
  sepa: boolean;
}

const IBAN_MESSAGES: Record<IbanInvalidReason, string> = {
  empty: "IBAN is empty",
  bad_character: "IBAN may only contain letters and digits",
  unknown_country: "IBAN country code is not an IBAN country",
  non_numeric_check_digits: "IBAN check digits (positions 3-4) must be digits",
  wrong_length: "IBAN has the wrong length for its country",
  bban_format: "IBAN account part does not match its country's format",
  check_digits_out_of_range: "IBAN check digits must lie between 02 and 98",
  checksum: "IBAN check digits do not match (mod 97)",
  national_check_digits: "IBAN fails the national bank/account check digits",
  qr_iban: "QR-IBANs are only for Swiss QR-bills and cannot be debited",
};

/** Users paste IBANs with spaces, dashes or dots (as printed on cards and letters). */
export function normalizeIban(input: string): string {
  return electronicFormatIBAN(input.replace(/[.\s]/g, "")) ?? "";
}

// ibantools reports every failing check at once; the reason shown is the most basic one, in the
// order a person would fix the input (characters, country, length, structure, checksums).
const IBANTOOLS_ORDER: ReadonlyArray<[ValidationErrorsIBAN, IbanInvalidReason]> = [
  [ValidationErrorsIBAN.NoIBANProvided, "empty"],
  [ValidationErrorsIBAN.NoIBANCountry, "unknown_country"],
  [ValidationErrorsIBAN.ChecksumNotNumber, "non_numeric_check_digits"],
  [ValidationErrorsIBAN.WrongBBANLength, "wrong_length"],
  [ValidationErrorsIBAN.WrongBBANFormat, "bban_format"],
  [ValidationErrorsIBAN.WrongIBANChecksum, "checksum"],
  [ValidationErrorsIBAN.WrongAccountBankBranchChecksum, "national_check_digits"],
  [ValidationErrorsIBAN.QRIBANNotAllowed, "qr_iban"],
];

function ibanFailure(iban: string, codes: readonly ValidationErrorsIBAN[]): IbanInvalidReason {
  const structural = IBANTOOLS_ORDER.slice(0, 5).find(([code]) => codes.includes(code));
  if (structural) return structural[1];
  // 00, 01 and 99 can satisfy mod 97 (they alias 97, 98 and 02) but ISO 13616 never issues them.
  const checkDigits = Number(iban.slice(2, 4));
  if (checkDigits < 2 || checkDigits > 98) return "check_digits_out_of_range";
  const rest = IBANTOOLS_ORDER.slice(5).find(([code]) => codes.includes(code));
  return rest ? rest[1] : "checksum";
}

export function validateIban(input: string): Check<ValidIban, IbanInvalidReason> {
  const iban = normalizeIban(input);
  if (iban === "") return fail("empty", IBAN_MESSAGES.empty);
  if (!/^[A-Z0-9]+$/.test(iban)) return fail("bad_character", IBAN_MESSAGES.bad_character);
  const result = validateIBAN(iban, { allowQRIBAN: false });
  const checkDigits = Number(iban.slice(2, 4));
  if (!result.valid || checkDigits < 2 || checkDigits > 98) {
    const reason = ibanFailure(iban, result.errorCodes);
    return fail(reason, IBAN_MESSAGES[reason]);
  }
  const country = iban.slice(0, 2);
  return { ok: true, value: { iban, country, sepa: isSEPACountry(country) } };
}

/** An IBAN that a SEPA direct debit can be drawn from or credited to. */
export function validateSepaIban(input: string): Check<ValidIban, IbanInvalidReason | "not_sepa"> {
  const result = validateIban(input);
  if (result.ok && !result.value.sepa) {
    return fail("not_sepa", `IBAN country ${result.value.country} is not part of the SEPA schemes`);
  }
  return result;
}

/**
 * EEA members (EU with its outermost regions, Iceland, Liechtenstein, Norway). Inside the EEA the BIC may be omitted
 * (EU Regulation 260/2012); for the other SEPA countries (CH, GB, SM, MC, AD, VA, …) it is required.
 */
const EEA_COUNTRIES: ReadonlySet<string> = new Set(
  "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GF GP MQ YT RE MF AX".split(
    " ",
  ),
);

export function bicRequiredFor(ibanCountry: string): boolean {
  return !EEA_COUNTRIES.has(ibanCountry);
}

/** "DE89 **** **** **** **30 00": enough to recognise the account, useless to debit it. */
export function maskIban(input: string): string {
  const iban = normalizeIban(input);
  const keepEnd = iban.length > 8 ? 4 : 0;
  const masked =
    iban.slice(0, 4) +
    "*".repeat(Math.max(0, iban.length - 4 - keepEnd)) +
    iban.slice(iban.length - keepEnd);
  return masked.replace(/(.{4})(?=.)/g, "$1 ");
}

// ---------------------------------------------------------------------------------------------
// BIC

export type BicInvalidReason = "empty" | "bad_format" | "unknown_country";

export function normalizeBic(input: string): string {
  return input.replace(/\s/g, "").toUpperCase();
}

export function validateBic(input: string): Check<string, BicInvalidReason> {
  const bic = normalizeBic(input);
  if (bic === "") return fail("empty", "BIC is empty");
  // ibantools looks at the country first; a BIC of the wrong shape is a format error whatever
  // its positions 5-6 happen to hold.
  const result = /^[A-Z0-9]{8}([A-Z0-9]{3})?$/.test(bic)
    ? validateBIC(bic)
    : { valid: false, errorCodes: [ValidationErrorsBIC.WrongBICFormat] };
  if (result.valid) return { ok: true, value: bic };
  if (result.errorCodes.includes(ValidationErrorsBIC.NoBICCountry)) {
    return fail("unknown_country", "BIC country code (positions 5-6) is not a country");
  }
  return fail(
    "bad_format",
    "BIC must be 8 or 11 characters: 4-letter bank code, country, location, optional branch",
  );
}

// ---------------------------------------------------------------------------------------------
// SEPA creditor identifier (Gläubiger-Identifikationsnummer)

export type CreditorIdInvalidReason =
  "empty" | "bad_character" | "bad_format" | "wrong_length" | "checksum";

export interface ValidCreditorId {
  creditorId: string;
  country: string;
  businessCode: string;
  nationalId: string;
}

/**
 * National formats for the markets Tarif serves (EPC262-08 overview; Bundesbank, OeNB): both
 * are 18 characters; other countries are checked for the generic structure and the check digits.
 */
const NATIONAL_CREDITOR_ID: Readonly<
  Record<string, { length: number; pattern: RegExp; description: string }>
> = {
  DE: { length: 18, pattern: /^0[0-9]{10}$/, description: "'0' and 10 digits" },
  AT: { length: 18, pattern: /^[0-9]{11}$/, description: "11 digits" },
};

/** ISO 7064 mod 97 over a string of digits and letters (A=10 … Z=35), without big integers. */
function mod97(text: string): number {
  let remainder = 0;
  for (const char of text) {
    const value = Number.parseInt(char, 36);
    remainder = (remainder * (value > 9 ? 100 : 10) + value) % 97;
  }
  return remainder;
}

/**
 * The two check digits of a creditor identifier. EPC262-08: computed like an IBAN's, over the
 * national identifier followed by the country code, but the 3-character business code
 * (positions 5-7, "ZZZ" by default) is left out so a creditor can vary it freely.
 */
export function creditorIdCheckDigits(country: string, nationalId: string): string {
  return String(98 - mod97(`${nationalId}${country}00`)).padStart(2, "0");
}

export function normalizeCreditorId(input: string): string {
  return input.replace(/\s/g, "").toUpperCase();
}

export function validateCreditorId(input: string): Check<ValidCreditorId, CreditorIdInvalidReason> {
  const ci = normalizeCreditorId(input);
  if (ci === "") return fail("empty", "creditor identifier is empty");
  if (!/^[A-Z0-9]+$/.test(ci))
    return fail("bad_character", "creditor identifier may only contain letters and digits");
  if (ci.length < 8 || ci.length > 35)
    return fail("wrong_length", "creditor identifier must be 8 to 35 characters long");
  if (!/^[A-Z]{2}[0-9]{2}/.test(ci))
    return fail(
      "bad_format",
      "creditor identifier must start with a country code and two check digits",
    );
  const value: ValidCreditorId = {
    creditorId: ci,
    country: ci.slice(0, 2),
    businessCode: ci.slice(4, 7),
    nationalId: ci.slice(7),
  };
  const national = nationalFormatFailure(value);
  if (national) return national;
  // ISO 7064 MOD 97-10 only ever yields 02–98; 00, 01 and 99 would alias 97, 98 and 02.
  const checkDigits = Number(ci.slice(2, 4));
  const checkDigitsInRange = checkDigits >= 2 && checkDigits <= 98;
  if (!checkDigitsInRange || mod97(`${value.nationalId}${value.country}${ci.slice(2, 4)}`) !== 1) {
    return fail(
      "checksum",
      "creditor identifier check digits do not match (mod 97, business code excluded)",
    );
  }
  return { ok: true, value };
}

function nationalFormatFailure(
  ci: ValidCreditorId,
): { ok: false; reason: CreditorIdInvalidReason; message: string } | null {
  const rule = NATIONAL_CREDITOR_ID[ci.country];
  if (!rule) return null;
  if (ci.creditorId.length !== rule.length) {
    return fail(
      "wrong_length",
      `a ${ci.country} creditor identifier has ${rule.length} characters`,
    );
  }
  if (rule.pattern.test(ci.nationalId)) return null;
  const reason = /[^0-9]/.test(ci.nationalId) ? "bad_character" : "bad_format";
  return fail(
    reason,
    `a ${ci.country} creditor identifier ends in ${rule.description} after the business code`,
  );
}

// ---------------------------------------------------------------------------------------------
// Mandate reference (Mandatsreferenz)

export type MandateReferenceInvalidReason =
  "empty" | "too_long" | "contains_space" | "bad_character" | "slash_rule";

/** The SEPA restricted character set for identifiers (DK XSD RestrictedIdentificationSEPA2). */
const MANDATE_REFERENCE_CHARS = /^[A-Za-z0-9+?/\-:().,']+$/;

export function validateMandateReference(
  input: string,
): Check<string, MandateReferenceInvalidReason> {
  const reference = input.trim();
  if (reference === "") return fail("empty", "mandate reference is empty");
  if (reference.length > 35) return fail("too_long", "mandate reference has at most 35 characters");
  if (/\s/.test(reference))
    return fail("contains_space", "mandate reference may not contain spaces");
  if (!MANDATE_REFERENCE_CHARS.test(reference)) {
    return fail(
      "bad_character",
      "mandate reference may only use A-Z a-z 0-9 and + ? / - : ( ) . , '",
    );
  }
  // EPC implementation guidelines: identifiers never start or end with '/' nor contain '//'.
  if (reference.startsWith("/") || reference.endsWith("/") || reference.includes("//")) {
    return fail("slash_rule", "mandate reference may not start or end with '/' or contain '//'");
  }
  return { ok: true, value: reference };
}

/**
 * The key under which mandate references are unique per creditor: banks and the Bundesbank do
 * not distinguish case, so "abc-1" and "ABC-1" are the same mandate.
 */
export function mandateReferenceKey(reference: string): string {
  return reference.trim().toUpperCase();
}

export function sameMandateReference(a: string, b: string): boolean {
  return mandateReferenceKey(a) === mandateReferenceKey(b);
}
