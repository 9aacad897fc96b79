// Finds the invoice references a payer or a bank left in bank text (purpose, end-to-end id):
// ISO 11649 creditor references and invoice numbers, however they were spaced, split or cased,
// inside SEPA `EREF+ … SVWZ+` tags or raw MT940 `:86:` subfields. Candidates only: the caller
// looks them up in its index, so an over-eager candidate costs a map lookup, never a booking.
import { normalizeCreditorReference } from "./invoice.ts";

export const SEPA_TAGS = [
  "EREF",
  "KREF",
  "MREF",
  "CRED",
  "DEBT",
  "SVWZ",
  "ABWA",
  "ABWE",
  "BREF",
  "RREF",
  "COAM",
  "OAMT",
] as const;
export type SepaTag = (typeof SEPA_TAGS)[number];

export interface ParsedPurpose {
  /** The GVC in front of the first `?00` when the text was a raw MT940 `:86:` field. */
  gvc: string | null;
  /** MT940 subfields outside the purpose lines (`"00"` booking text, `"34"` DK return reason, …). */
  subfields: Readonly<Record<string, string>>;
  /** SEPA tag values; a tag that occurs twice keeps its first value. */
  tags: Partial<Record<SepaTag, string>>;
  /** Purpose text outside any tag: all of it for an unstructured transfer. */
  freeText: string;
  /** The whole purpose (tags included) with MT940 subfields already joined. */
  text: string;
}

export interface ScannedReferences {
  /** Electronic form (`RF18539007547034`), check digits verified. */
  creditorReferences: string[];
  /** In `invoiceNumberKey` form (`RE-2027-000123`); may include near misses. */
  invoiceNumbers: string[];
  /** A whole end-to-end id / EREF in `referenceKey` form, for references that follow no known pattern. */
  wholeKeys: string[];
}

export interface ReferenceSource {
  purpose?: string | null | undefined;
  endToEndReference?: string | null | undefined;
}

/** Stored references are usually in key form already; testing is cheaper than rebuilding them. */
const ALREADY_KEY = /^[0-9A-Z]*$/;

/** The form references are compared in: banks drop spaces and dashes and upper-case freely. */
export function referenceKey(value: string): string {
  return ALREADY_KEY.test(value) ? value : value.toUpperCase().replace(/[^0-9A-Z]/g, "");
}

const CANONICAL_NUMBER = /^[A-Z]{1,4}-(?:19|20)\d\d-\d+$/;
const NUMBER_PARTS = /^([A-Z]{1,4})((?:19|20)\d\d)(\d+)$/;

/**
 * Invoice numbers are compared as `SERIES-YEAR-SEQUENCE`, the form invoice.ts prints, so a
 * stored number is its own key and indexing 50 000 of them allocates no strings. Numbers in
 * another format fall back to `referenceKey`.
 */
export function invoiceNumberKey(value: string): string {
  if (CANONICAL_NUMBER.test(value)) return value;
  const compact = referenceKey(value);
  const parts = NUMBER_PARTS.exec(compact);
  return parts ? `${parts[1]}-${parts[2]}-${parts[3]}` : compact;
}

// ---------------------------------------------------------------------------------------------
// Purpose parsing

const MT940_SUBFIELD = /\?(\d\d)/g;
/** `?20`–`?29` and `?60`–`?63` are the purpose lines; everything else is metadata. */
const PURPOSE_SUBFIELD = /^(2\d|6[0-3])$/;
/** `0AMT+` (a zero typed for the letter O) was seen in a generator of real bank files. */
const TAG_PATTERN = new RegExp(
  `(${SEPA_TAGS.map((tag) => (tag === "OAMT" ? "[O0]AMT" : tag)).join("|")})\\+`,
  "g",
);

function looksLikeMt940(raw: string): boolean {
  const markers = raw.match(/\?(00|10|2\d|3[0-4]|6[0-3])/g);
  return markers !== null && markers.length >= 2;
}

/**
 * MT940 wraps `:86:` at 65 characters and cuts the purpose into 27-character subfields that
 * split words anywhere, so the line breaks and subfield markers are removed without a space.
 */
function splitMt940(raw: string): {
  gvc: string | null;
  subfields: Record<string, string>;
  text: string;
} {
  const flat = raw.replace(/\r?\n/g, "");
  const subfields: Record<string, string> = {};
  const purpose: string[] = [];
  const first = flat.search(/\?\d\d/);
  const head = first > 0 ? flat.slice(0, first).trim() : "";
  const parts = flat.slice(Math.max(first, 0)).split(MT940_SUBFIELD);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const code = parts[i] ?? "";
    const value = parts[i + 1] ?? "";
    if (PURPOSE_SUBFIELD.test(code)) purpose.push(value);
    else subfields[code] = subfields[code] === undefined ? value : subfields[code] + value;
  }
  return { gvc: /^\d{3}$/.test(head) ? head : null, subfields, text: purpose.join("") };
}

function splitTags(text: string): { tags: Partial<Record<SepaTag, string>>; freeText: string } {
  const tags: Partial<Record<SepaTag, string>> = {};
  const matches = [...text.matchAll(TAG_PATTERN)];
  matches.forEach((match, i) => {
    const tag = (match[1] === "0AMT" ? "OAMT" : match[1]) as SepaTag;
    const start = match.index + match[0].length;
    const value = text.slice(start, matches[i + 1]?.index ?? text.length).trim();
    if (tags[tag] === undefined) tags[tag] = value;
  });
  return { tags, freeText: text.slice(0, matches[0]?.index ?? text.length).trim() };
}

export function parsePurpose(raw: string | null | undefined): ParsedPurpose {
  const source = raw ?? "";
  const mt940 = looksLikeMt940(source) ? splitMt940(source) : null;
  const text = mt940 ? mt940.text : source;
  return { gvc: mt940?.gvc ?? null, subfields: mt940?.subfields ?? {}, ...splitTags(text), text };
}

/**
 * A reference wrapped onto the next purpose line needs the lines glued ("RE-2027-000" +
 * "123"); words that merely end a line need a space. Both readings are scanned.
 */
export function lineJoinings(text: string): [glued: string, spaced: string] {
  const lines = text.split(/\r?\n/);
  return [lines.join(""), lines.join(" ")];
}

// ---------------------------------------------------------------------------------------------
// Candidate extraction

const RF_START = /RF[\s.-]{0,2}(\d)[\s.-]{0,2}(\d)/g;
const SEPARATOR = /[\s./-]/;
const ALNUM = /[0-9A-Z]/;
const MAX_RF_BODY = 21;

/** The alphanumerics after `RFnn`, skipping the separators people print references with. */
function rfBodyAfter(text: string, from: number): string {
  let body = "";
  let gap = 0;
  for (let i = from; i < text.length && body.length < MAX_RF_BODY; i++) {
    const char = text.charAt(i);
    if (ALNUM.test(char)) {
      body += char;
      gap = 0;
    } else if (SEPARATOR.test(char) && ++gap <= 3) {
      continue;
    } else break;
  }
  return body;
}

/** One step of ISO 7064 MOD 97-10 over alphanumerics (letters count as 10..35). */
function mod97Step(remainder: number, char: string): number {
  const digit = Number.parseInt(char, 36);
  return (remainder * (digit < 10 ? 10 : 100) + digit) % 97;
}

/**
 * Where the reference ends is unknown (the next word may be glued on), so every length is
 * tried and the mod-97 check keeps the real one (a wrong length survives 1 time in 97). The
 * remainder of the body grows one character at a time, so all lengths cost one pass.
 */
function scanCreditorReferences(text: string, into: Set<string>): void {
  for (const match of text.matchAll(RF_START)) {
    const head = `RF${match[1]}${match[2]}`;
    const body = rfBodyAfter(text, match.index + match[0].length);
    let bodyRemainder = 0;
    for (let length = 1; length <= body.length; length++) {
      bodyRemainder = mod97Step(bodyRemainder, body.charAt(length - 1));
      let remainder = bodyRemainder;
      for (const char of head) remainder = mod97Step(remainder, char);
      if (remainder !== 1) continue;
      const valid = normalizeCreditorReference(head + body.slice(0, length));
      if (valid) into.add(valid);
    }
  }
}

/** Series letters, then the year and the sequence digits, in groups split by a separator. */
const NUMBER_PATTERN = /([A-Z]+)[\s_./-]{0,3}((?:19|20)\d\d(?:[\s_./-]{0,3}\d+){1,4})/g;
const MAX_SERIES_LETTERS = 4;
const MIN_NUMBER_DIGITS = 5;
const MAX_NUMBER_DIGITS = 16;

/**
 * A series ("RE") glued to the word before it ("RechnungRE-2027-…", when lines were joined
 * without a space) could be any tail of the letter run, so each tail up to four letters counts.
 */
function seriesCandidates(letters: string): string[] {
  if (letters.length <= MAX_SERIES_LETTERS) return [letters];
  return Array.from({ length: MAX_SERIES_LETTERS }, (_, i) =>
    letters.slice(letters.length - i - 1),
  );
}

/**
 * Our numbers are `<series>-<year>-<sequence>` (invoice.ts). Where the sequence ends is unclear
 * when it is printed in groups ("RE 2027 000 123"), so each group boundary ends a candidate.
 */
function scanInvoiceNumbers(text: string, into: Set<string>): void {
  for (const match of text.matchAll(NUMBER_PATTERN)) {
    const groups = (match[2] ?? "").split(/[\s_./-]+/);
    let digits = "";
    const ends: string[] = [];
    for (const group of groups) {
      digits += group;
      if (digits.length > MAX_NUMBER_DIGITS) break;
      if (digits.length >= MIN_NUMBER_DIGITS) ends.push(digits);
    }
    for (const series of seriesCandidates(match[1] ?? "")) {
      for (const end of ends) into.add(`${series}-${end.slice(0, 4)}-${end.slice(4)}`);
    }
  }
}

const NOT_PROVIDED = "NOTPROVIDED";

function wholeKey(value: string | null | undefined): string | null {
  const key = referenceKey(value ?? "");
  return key.length >= 6 && key !== NOT_PROVIDED ? key : null;
}

/** Scans one piece of text in both line readings; case does not matter. */
export function scanReferenceText(text: string): ScannedReferences {
  const references = new Set<string>();
  const numbers = new Set<string>();
  const upper = text.toUpperCase();
  for (const variant of upper.includes("\n") ? lineJoinings(upper) : [upper]) {
    scanCreditorReferences(variant, references);
    scanInvoiceNumbers(variant, numbers);
  }
  return { creditorReferences: [...references], invoiceNumbers: [...numbers], wholeKeys: [] };
}

/**
 * The texts a payer or our own collection can put a reference in. Mandate reference, creditor
 * id and payer names are left out: mandate references often embed customer numbers that look
 * like invoice numbers, and they say nothing about which invoice is paid.
 */
function referenceTexts(
  parsed: ParsedPurpose,
  endToEndReference: string | null | undefined,
): string[] {
  const { tags } = parsed;
  const texts = new Set([
    endToEndReference ?? "",
    tags.EREF ?? "",
    tags.KREF ?? "",
    tags.SVWZ ?? "",
    parsed.freeText,
  ]);
  texts.delete("");
  return [...texts];
}

export function scanTransactionReferences(
  source: ReferenceSource,
  parsed = parsePurpose(source.purpose),
): ScannedReferences {
  const references = new Set<string>();
  const numbers = new Set<string>();
  for (const text of referenceTexts(parsed, source.endToEndReference)) {
    const found = scanReferenceText(text);
    found.creditorReferences.forEach((reference) => references.add(reference));
    found.invoiceNumbers.forEach((number) => numbers.add(number));
  }
  const wholeKeys = new Set<string>();
  for (const value of [source.endToEndReference, parsed.tags.EREF]) {
    const key = wholeKey(value);
    if (key) wholeKeys.add(key);
  }
  return {
    creditorReferences: [...references],
    invoiceNumbers: [...numbers],
    wholeKeys: [...wholeKeys],
  };
}
