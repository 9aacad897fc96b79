// Finds the invoice references a payer or a bank left in bank text (purpose, end-to-end id):
// ISO 11649 creditor references and invoice numbers, however they were spaced, split or cased,
// inside SEPA `EREF+ … SVWZ+` tags or raw MT940 `:86:` subfields. Candidates only: the caller
// looks them up in its index, so an over-eager candidate costs a map lookup, never a booking.
// A statement scans thousands of texts in a row, so the scanners walk each text with shared
// global patterns (exec and lastIndex, not matchAll) and collect into small arrays: little
// garbage per text, which keeps the garbage collector's share flat as statements grow.
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

const NOT_KEY_CHARACTER = /[^0-9A-Z]/g;

/**
 * The form references are compared in: banks drop spaces and dashes and upper-case freely.
 * An IBAN printed in lower case or in groups needs one new string, not two.
 */
export function referenceKey(value: string): string {
  let lower = false;
  let other = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90)) continue;
    if (code >= 97 && code <= 122) lower = true;
    else if (code < 128) other = true;
    // Outside ASCII, upper-casing can make letters ("ß" → "SS"): the general path decides.
    else return value.toUpperCase().replace(NOT_KEY_CHARACTER, "");
  }
  if (!lower) return other ? value.replace(NOT_KEY_CHARACTER, "") : value;
  return other ? value.toUpperCase().replace(NOT_KEY_CHARACTER, "") : value.toUpperCase();
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

const MT940_MARKER = /\?(?:00|10|2\d|3[0-4]|6[0-3])/g;

function looksLikeMt940(raw: string): boolean {
  if (!raw.includes("?")) return false;
  MT940_MARKER.lastIndex = 0;
  const found = MT940_MARKER.test(raw) && MT940_MARKER.test(raw);
  MT940_MARKER.lastIndex = 0;
  return found;
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

/** Fills `tags` (first value of each tag wins) and answers the text in front of the first tag. */
function splitTags(text: string, tags: Partial<Record<SepaTag, string>>): string {
  if (!text.includes("+")) return text.trim();
  TAG_PATTERN.lastIndex = 0;
  let match = TAG_PATTERN.exec(text);
  const freeText = text.slice(0, match ? match.index : text.length).trim();
  while (match) {
    const tag = (match[1] === "0AMT" ? "OAMT" : match[1]) as SepaTag;
    const start = match.index + match[0].length;
    const next = TAG_PATTERN.exec(text);
    if (tags[tag] === undefined)
      tags[tag] = text.slice(start, next ? next.index : text.length).trim();
    match = next;
  }
  return freeText;
}

export function parsePurpose(raw: string | null | undefined): ParsedPurpose {
  const source = raw ?? "";
  const mt940 = looksLikeMt940(source) ? splitMt940(source) : null;
  const text = mt940 ? mt940.text : source;
  const tags: Partial<Record<SepaTag, string>> = {};
  const freeText = splitTags(text, tags);
  return { gvc: mt940?.gvc ?? null, subfields: mt940?.subfields ?? {}, tags, freeText, text };
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

const MAX_RF_BODY = 21;

/** Adds `value` unless it is there already; the lists are short, so a scan beats a Set. */
function addOnce(into: string[], value: string): void {
  if (!into.includes(value)) into.push(value);
}

/** 0–9 and A–Z as ISO 7064 digits (0..35), -1 for anything else (the text is upper-cased). */
function alphanumericDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  return -1;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

const WHITESPACE = /\s/;

/** What `\s` matches in a pattern. */
function isWhitespace(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  return code >= 160 && WHITESPACE.test(String.fromCharCode(code));
}

/** `\s`, `.`, `/` or `-`: what people print references with. */
function isSeparator(code: number): boolean {
  return code === 45 || code === 46 || code === 47 || isWhitespace(code);
}

/** `[\s.-]`: what may stand between `RF` and each of its check digits. */
function isCheckSeparator(code: number): boolean {
  return code === 45 || code === 46 || isWhitespace(code);
}

/** `[\s_./-]`: what may split an invoice number into groups. */
function isNumberSeparator(code: number): boolean {
  return code === 95 || isSeparator(code);
}

/** Past at most `max` characters for which `test` holds; -1 when more of them follow. */
function skipUpTo(
  text: string,
  from: number,
  max: number,
  test: (code: number) => boolean,
): number {
  let i = from;
  while (i < text.length && test(text.charCodeAt(i))) {
    if (i - from === max) return -1;
    i++;
  }
  return i;
}

/** One step of ISO 7064 MOD 97-10 over alphanumerics (letters count as 10..35). */
function mod97Step(remainder: number, digit: number): number {
  return (remainder * (digit < 10 ? 10 : 100) + digit) % 97;
}

/** R = 27 and F = 15; the check digits follow. */
function withHead(remainder: number, check1: number, check2: number): number {
  return mod97Step(mod97Step(mod97Step(mod97Step(remainder, 27), 15), check1), check2);
}

/** The alphanumerics of the RF body being checked, as character codes: no string per character. */
const rfBody = new Uint16Array(MAX_RF_BODY);

/**
 * Reads the alphanumerics after `RFnn` into `rfBody`, skipping the separators people print
 * references with (at most three in a row); answers how many there are.
 */
function readRfBody(text: string, from: number): number {
  let length = 0;
  let gap = 0;
  for (let i = from; i < text.length && length < MAX_RF_BODY; i++) {
    const code = text.charCodeAt(i);
    if (alphanumericDigit(code) >= 0) {
      rfBody[length++] = code;
      gap = 0;
    } else if (isSeparator(code) && ++gap <= 3) {
      continue;
    } else break;
  }
  return length;
}

/**
 * `RF`, then each check digit after at most two of `[\s.-]`: answers where the body starts and
 * the check digits in `found`, or -1 when no reference starts at `at`.
 */
function rfHeadEnd(text: string, at: number, found: { check1: number; check2: number }): number {
  const first = skipUpTo(text, at + 2, 2, isCheckSeparator);
  if (first < 0 || !isDigit(text.charCodeAt(first))) return -1;
  const second = skipUpTo(text, first + 1, 2, isCheckSeparator);
  if (second < 0 || !isDigit(text.charCodeAt(second))) return -1;
  found.check1 = text.charCodeAt(first) - 48;
  found.check2 = text.charCodeAt(second) - 48;
  return second + 1;
}

const rfHead = { check1: 0, check2: 0 };

/**
 * Where the reference ends is unknown (the next word may be glued on), so every length is
 * tried and the mod-97 check keeps the real one (a wrong length survives 1 time in 97). The
 * remainder of the body grows one character at a time, so all lengths cost one pass, and a
 * string is made only for a length that passes the check.
 */
function scanCreditorReferences(text: string, into: string[]): void {
  for (let at = text.indexOf("RF"); at >= 0;) {
    const bodyStart = rfHeadEnd(text, at, rfHead);
    if (bodyStart < 0) {
      at = text.indexOf("RF", at + 1);
      continue;
    }
    const { check1, check2 } = rfHead;
    const bodyLength = readRfBody(text, bodyStart);
    let bodyRemainder = 0;
    for (let length = 1; length <= bodyLength; length++) {
      bodyRemainder = mod97Step(bodyRemainder, alphanumericDigit(rfBody[length - 1] as number));
      if (withHead(bodyRemainder, check1, check2) !== 1) continue;
      let body = "";
      for (let i = 0; i < length; i++) body += String.fromCharCode(rfBody[i] as number);
      const valid = normalizeCreditorReference(`RF${check1}${check2}${body}`);
      if (valid) addOnce(into, valid);
    }
    at = text.indexOf("RF", bodyStart);
  }
}

const MAX_SERIES_LETTERS = 4;
const MIN_NUMBER_DIGITS = 5;
const MAX_NUMBER_DIGITS = 16;
/** Digit groups after the year: `(?:[\s_./-]{0,3}\d+){1,4}`. */
const MAX_NUMBER_GROUPS = 4;

function isLetter(code: number): boolean {
  return code >= 65 && code <= 90;
}

/**
 * `(?:19|20)\d\d(?:[\s_./-]{0,3}\d+){1,4}` at `at`, each part as long as it goes: answers
 * where the printed number ends, or -1.
 */
function numberEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  const second = text.charCodeAt(at + 1);
  const isYear =
    ((first === 49 && second === 57) || (first === 50 && second === 48)) &&
    isDigit(text.charCodeAt(at + 2)) &&
    isDigit(text.charCodeAt(at + 3));
  if (!isYear) return -1;
  let end = -1;
  let i = at + 4;
  for (let group = 0; group < MAX_NUMBER_GROUPS; group++) {
    const digitsAt = skipUpTo(text, i, 3, isNumberSeparator);
    if (digitsAt < 0 || !isDigit(text.charCodeAt(digitsAt))) break;
    i = digitsAt;
    while (isDigit(text.charCodeAt(i))) i++;
    end = i;
  }
  return end;
}

/**
 * The digit counts (from the year on) at which a group of the number in [from, to) ends
 * ("2027 000 123": 7, 10), those of MIN…MAX_NUMBER_DIGITS digits; a longer run ends the list.
 */
const groupEnds = new Int32Array(MAX_NUMBER_GROUPS + 1);

function readGroupEnds(text: string, from: number, to: number): number {
  let count = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    if (!isDigit(text.charCodeAt(i))) continue;
    digits++;
    if (isDigit(text.charCodeAt(i + 1))) continue;
    if (digits > MAX_NUMBER_DIGITS) break;
    if (digits >= MIN_NUMBER_DIGITS) groupEnds[count++] = digits;
  }
  return count;
}

/** The digits after the year up to the `end`-th digit; one slice when they are printed in one run. */
function sequenceDigits(text: string, from: number, end: number): string {
  let sequence = "";
  let digits = 0;
  let runStart = -1;
  for (let i = from; ; i++) {
    if (!isDigit(text.charCodeAt(i))) {
      if (runStart >= 0) sequence += text.slice(runStart, i);
      runStart = -1;
      continue;
    }
    digits++;
    if (digits > 4 && runStart < 0) runStart = i;
    if (digits === end) return sequence + text.slice(runStart, i + 1);
  }
}

/** Just past the `count`-th digit from `from` on. */
function indexAfterDigits(text: string, from: number, count: number): number {
  let digits = 0;
  let i = from;
  for (; digits < count; i++) if (isDigit(text.charCodeAt(i))) digits++;
  return i;
}

/**
 * Our numbers are `<series>-<year>-<sequence>` (invoice.ts). Where the sequence ends is unclear
 * when it is printed in groups ("RE 2027 000 123"), so each group boundary ends a candidate.
 * A series ("RE") glued to the word before it ("RechnungRE-2027-…", when lines were joined
 * without a space) could be any tail of the letter run, so each tail up to four letters counts.
 * The text is walked by hand (letters, at most three separators, the year, up to four digit
 * groups, as the pattern above reads them): no match arrays, and a number printed in our own
 * form is its key as one slice of the text.
 */
function scanInvoiceNumbers(text: string, into: string[]): void {
  for (let start = 0; start < text.length;) {
    if (!isLetter(text.charCodeAt(start))) {
      start++;
      continue;
    }
    let lettersEnd = start + 1;
    while (isLetter(text.charCodeAt(lettersEnd))) lettersEnd++;
    const yearAt = skipUpTo(text, lettersEnd, 3, isNumberSeparator);
    const end = yearAt < 0 ? -1 : numberEnd(text, yearAt);
    if (end < 0) {
      // Starting later in the same letters meets the same text after them.
      start = lettersEnd;
      continue;
    }
    addNumberKeys(text, start, lettersEnd, yearAt, end, into);
    start = end;
  }
}

function addNumberKeys(
  text: string,
  start: number,
  lettersEnd: number,
  yearAt: number,
  end: number,
  into: string[],
): void {
  const count = readGroupEnds(text, yearAt, end);
  if (count === 0) return;
  const letters = lettersEnd - start;
  const longest = Math.min(letters, MAX_SERIES_LETTERS);
  const shortest = letters <= MAX_SERIES_LETTERS ? letters : 1;
  // `RE-2027-000123` as printed: the key is a slice of the text.
  const ownForm =
    yearAt === lettersEnd + 1 &&
    text.charCodeAt(lettersEnd) === 45 &&
    text.charCodeAt(yearAt + 4) === 45;
  for (let length = shortest; length <= longest; length++) {
    for (let g = 0; g < count; g++) {
      const digits = groupEnds[g] as number;
      const keyEnd = yearAt + 5 + digits - 4;
      const key =
        ownForm && indexAfterDigits(text, yearAt, digits) === keyEnd
          ? text.slice(lettersEnd - length, keyEnd)
          : `${text.slice(lettersEnd - length, lettersEnd)}-${text.slice(yearAt, yearAt + 4)}-${sequenceDigits(text, yearAt, digits)}`;
      addOnce(into, key);
    }
  }
}

const NOT_PROVIDED = "NOTPROVIDED";

function wholeKey(value: string | null | undefined): string | null {
  const key = referenceKey(value ?? "");
  return key.length >= 6 && key !== NOT_PROVIDED ? key : null;
}

function scanTextInto(text: string, references: string[], numbers: string[]): void {
  const upper = text.toUpperCase();
  if (!upper.includes("\n")) {
    scanCreditorReferences(upper, references);
    scanInvoiceNumbers(upper, numbers);
    return;
  }
  for (const variant of lineJoinings(upper)) {
    scanCreditorReferences(variant, references);
    scanInvoiceNumbers(variant, numbers);
  }
}

/** Scans one piece of text in both line readings; case does not matter. */
export function scanReferenceText(text: string): ScannedReferences {
  const references: string[] = [];
  const numbers: string[] = [];
  scanTextInto(text, references, numbers);
  return { creditorReferences: references, invoiceNumbers: numbers, wholeKeys: [] };
}

type Text = string | null | undefined;

/** Scans `text` unless it is empty or one of the texts before it (a tag often repeats the id). */
function scanDistinct(text: Text, a: Text, b: Text, c: Text, d: Text): void {
  if (!text || text === a || text === b || text === c || text === d) return;
  scanTextInto(text, foundReferences, foundNumbers);
}

/** Filled per transaction and copied out only when something was found. */
const foundReferences: string[] = [];
const foundNumbers: string[] = [];
const foundWholeKeys: string[] = [];

/**
 * The texts a payer or our own collection can put a reference in. Mandate reference, creditor
 * id and payer names are left out: mandate references often embed customer numbers that look
 * like invoice numbers, and they say nothing about which invoice is paid. A purpose without
 * `?` (MT940) or `+` (SEPA tags) is all free text, and is scanned without parsing it.
 */
function scanIntoFound(source: ReferenceSource, parsed: ParsedPurpose | null): void {
  foundReferences.length = 0;
  foundNumbers.length = 0;
  foundWholeKeys.length = 0;
  const purpose = source.purpose ?? "";
  const structured =
    parsed ?? (purpose.includes("?") || purpose.includes("+") ? parsePurpose(purpose) : null);
  const endToEnd = source.endToEndReference;
  if (structured) {
    const { EREF, KREF, SVWZ } = structured.tags;
    scanDistinct(endToEnd, null, null, null, null);
    scanDistinct(EREF, endToEnd, null, null, null);
    scanDistinct(KREF, endToEnd, EREF, null, null);
    scanDistinct(SVWZ, endToEnd, EREF, KREF, null);
    scanDistinct(structured.freeText, endToEnd, EREF, KREF, SVWZ);
  } else {
    scanDistinct(endToEnd, null, null, null, null);
    scanDistinct(purpose.trim(), endToEnd, null, null, null);
  }
  const whole = wholeKey(endToEnd);
  if (whole) foundWholeKeys.push(whole);
  const eref = structured ? wholeKey(structured.tags.EREF) : null;
  if (eref) addOnce(foundWholeKeys, eref);
}

export function scanTransactionReferences(
  source: ReferenceSource,
  parsed?: ParsedPurpose,
): ScannedReferences {
  scanIntoFound(source, parsed ?? null);
  return {
    creditorReferences: foundReferences.slice(),
    invoiceNumbers: foundNumbers.slice(),
    wholeKeys: foundWholeKeys.slice(),
  };
}

/** Shared by every scan without keys of a kind; never written to (not frozen: frozen arrays
 * leave the fast paths of for-of). */
const NO_KEYS: string[] = [];

/**
 * scanTransactionReferences for a matcher that keeps every scan of a statement for the whole
 * run: null when the texts name nothing (most do not), and one shared empty list for each
 * kind of key not found, so what survives the run's young-generation collections stays small.
 * The lists are read, never written to.
 */
function copyOut(found: string[]): string[] {
  return found.length === 0 ? NO_KEYS : found.slice();
}

export function scanForMatching(source: ReferenceSource): ScannedReferences | null {
  scanIntoFound(source, null);
  if (foundReferences.length + foundNumbers.length + foundWholeKeys.length === 0) return null;
  return {
    creditorReferences: copyOut(foundReferences),
    invoiceNumbers: copyOut(foundNumbers),
    wholeKeys: copyOut(foundWholeKeys),
  };
}
