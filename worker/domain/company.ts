// The parties of an invoice as § 14 (4) UStG needs them: postal addresses, VAT identification
// numbers per EU country format, the merchant's company settings and which of them are still
// missing before an invoice may be issued.

/** ISO 3166-1 alpha-2, officially assigned codes (2024). */
const ISO_COUNTRIES = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR " +
    "BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ " +
    "EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW " +
    "GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY " +
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV " +
    "MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
    "QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG " +
    "TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

/** EU member states by ISO code; Greece's VAT IDs start with EL, not GR. */
const EU_COUNTRIES = new Set(
  "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split(" "),
);

/** The national part of a VAT ID after its prefix (the EU's VIES formats). */
const VAT_ID_FORMATS: Record<string, RegExp> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[0-9A-Z]\d{7}[0-9A-Z]$/,
  FI: /^\d{8}$/,
  FR: /^[0-9A-HJ-NP-Z]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^\d[0-9A-Z+*]\d{5}[A-W][A-I]?$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^[1-9]\d{1,9}$/,
  SE: /^\d{12}$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
};

export const MAX_ADDRESS_LINE = 100;
export const MAX_POSTAL_CODE = 16;
export const MAX_CITY = 60;
export const MAX_LEGAL_NAME = 200;

export interface PostalAddress {
  line1: string;
  line2?: string | null | undefined;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export function isIsoCountry(code: string): boolean {
  return ISO_COUNTRIES.has(code);
}

export function isEuCountry(code: string): boolean {
  return EU_COUNTRIES.has(code);
}

/** The ISO country a VAT ID belongs to (EL → GR), or null when the prefix is no EU state's. */
export function vatIdCountry(vatId: string): string | null {
  const prefix = vatId.slice(0, 2);
  const country = prefix === "EL" ? "GR" : prefix;
  return EU_COUNTRIES.has(country) && prefix !== "GR" ? country : null;
}

/** "DE 123 456 789" → "DE123456789": the form printed on invoices and sent in the XML. */
export function normalizeVatId(vatId: string): string {
  return vatId.replace(/[\s.-]/g, "").toUpperCase();
}

/** Checks the format of an EU VAT ID (its check digits are the tax office's business, via VIES). */
export function isValidVatId(vatId: string): boolean {
  const normalized = normalizeVatId(vatId);
  const format = VAT_ID_FORMATS[normalized.slice(0, 2)];
  return format !== undefined && format.test(normalized.slice(2));
}

function checkText(
  problems: FieldProblem[],
  field: string,
  value: string | null | undefined,
  max: number,
  required: boolean,
): void {
  const text = value?.trim() ?? "";
  if (text === "") {
    if (required) problems.push({ field, message: `${field} is required` });
    return;
  }
  if (text.length > max)
    problems.push({ field, message: `${field} must be at most ${max} characters` });
}

/** Every problem of an address, each naming its field below `prefix` (e.g. `address.city`). */
export function addressProblems(address: PostalAddress, prefix: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  checkText(problems, `${prefix}.line1`, address.line1, MAX_ADDRESS_LINE, true);
  checkText(problems, `${prefix}.line2`, address.line2, MAX_ADDRESS_LINE, false);
  checkText(problems, `${prefix}.postalCode`, address.postalCode, MAX_POSTAL_CODE, true);
  checkText(problems, `${prefix}.city`, address.city, MAX_CITY, true);
  if (!isIsoCountry(address.country))
    problems.push({
      field: `${prefix}.country`,
      message: `${prefix}.country must be an ISO 3166-1 alpha-2 code, got ${JSON.stringify(address.country)}`,
    });
  return problems;
}

export function vatIdProblems(vatId: string | null | undefined, field: string): FieldProblem[] {
  if (vatId == null || vatId.trim() === "") return [];
  return isValidVatId(vatId)
    ? []
    : [{ field, message: `${field} is not a VAT ID in its country's format (e.g. DE123456789)` }];
}

/** The merchant as seller (BG-4): what every invoice prints in its letterhead and footer. */
export interface CompanySettings {
  legalName: string;
  address: PostalAddress;
  vatId: string | null;
  /** Steuernummer; § 14 (4) Nr. 2 UStG wants it or the VAT ID. */
  taxNumber: string | null;
  email: string;
  /** Optional in the settings, but an invoice cannot be issued without it (BR-DE-6). */
  phone: string | null;
  registerEntry: string | null;
  managingDirectors: string | null;
  /** Kleinunternehmer (§ 19 UStG, § 6 (1) Z 27 öUStG): no VAT charged, the note printed. */
  smallBusiness: boolean;
  /** Where transfers go (BT-84); a direct debit invoice names the creditor instead. */
  iban: string | null;
  bic: string | null;
  logo: { sha256: string; contentType: string } | null;
}

/**
 * The fields an invoice cannot be issued without, named as the settings API names them. A
 * merchant that has never saved its settings is missing all of them.
 */
export function missingCompanyFields(settings: CompanySettings | null): string[] {
  if (settings === null)
    return ["legalName", "address", "vatId|taxNumber", "email", "phone", "iban"];
  const missing: string[] = [];
  if (settings.legalName.trim() === "") missing.push("legalName");
  if (addressProblems(settings.address, "address").length > 0) missing.push("address");
  if (!settings.vatId && !settings.taxNumber) missing.push("vatId|taxNumber");
  if (settings.email.trim() === "") missing.push("email");
  // XRechnung makes the seller's contact telephone (BT-42, BR-DE-6) mandatory.
  if (!settings.phone) missing.push("phone");
  if (!settings.iban) missing.push("iban");
  return missing;
}
