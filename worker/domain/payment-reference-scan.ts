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

/** Digits and upper-case letters only; stored references usually are, and then are their own key. */
function isKeyForm(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 65 && code <= 90))) return false;
  }
  return true;
}

/** The form references are compared in: banks drop spaces and dashes and upper-case freely. */
export function referenceKey(value: string): string {
  return isKeyForm(value) ? value : value.toUpperCase().replace(/[^0-9A-Z]/g, "");
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

const RF_START = /RF[\s.-]{0,2}(\d)[\s.-]{0,2}(\d)/g;
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

const WHITESPACE = /\s/;

/** `\s`, `.`, `/` or `-`: what people print references with. */
function isSeparator(code: number): boolean {
  if (code === 32 || code === 45 || code === 46 || code === 47) return true;
  if (code >= 9 && code <= 13) return true;
  return code >= 160 && WHITESPACE.test(String.fromCharCode(code));
}

/** The alphanumerics after `RFnn`, skipping the separators people print references with. */
function rfBodyAfter(text: string, from: number): string {
  let body = "";
  let gap = 0;
  for (let i = from; i < text.length && body.length < MAX_RF_BODY; i++) {
    const code = text.charCodeAt(i);
    if (alphanumericDigit(code) >= 0) {
      body += text.charAt(i);
      gap = 0;
    } else if (isSeparator(code) && ++gap <= 3) {
      continue;
    } else break;
  }
  return body;
}

/** One step of ISO 7064 MOD 97-10 over alphanumerics (letters count as 10..35). */
function mod97Step(remainder: number, digit: number): number {
  return (remainder * (digit < 10 ? 10 : 100) + digit) % 97;
}

/** R = 27 and F = 15; the check digits follow. */
function withHead(remainder: number, check1: number, check2: number): number {
  return mod97Step(mod97Step(mod97Step(mod97Step(remainder, 27), 15), check1), check2);
}

/**
 * Where the reference ends is unknown (the next word may be glued on), so every length is
 * tried and the mod-97 check keeps the real one (a wrong length survives 1 time in 97). The
 * remainder of the body grows one character at a time, so all lengths cost one pass.
 */
function scanCreditorReferences(text: string, into: string[]): void {
  if (!text.includes("RF")) return;
  RF_START.lastIndex = 0;
  for (let match = RF_START.exec(text); match; match = RF_START.exec(text)) {
    const check1 = Number(match[1]);
    const check2 = Number(match[2]);
    const body = rfBodyAfter(text, match.index + match[0].length);
    let bodyRemainder = 0;
    for (let length = 1; length <= body.length; length++) {
      bodyRemainder = mod97Step(bodyRemainder, alphanumericDigit(body.charCodeAt(length - 1)));
      if (withHead(bodyRemainder, check1, check2) !== 1) continue;
      const valid = normalizeCreditorReference(`RF${check1}${check2}${body.slice(0, length)}`);
      if (valid) addOnce(into, valid);
    }
  }
}

/** Series letters, then the year and the sequence digits, in groups split by a separator. */
const NUMBER_PATTERN = /([A-Z]+)[\s_./-]{0,3}((?:19|20)\d\d(?:[\s_./-]{0,3}\d+){1,4})/g;
const MAX_SERIES_LETTERS = 4;
const MIN_NUMBER_DIGITS = 5;
const MAX_NUMBER_DIGITS = 16;

const GROUP_SEPARATORS = /[\s_./-]+/g;

/**
 * The digit counts at which a group printed after the year ends ("2027 000 123": 7, 10),
 * those of MIN…MAX_NUMBER_DIGITS digits; a longer run ends the list.
 */
function groupEnds(printed: string): number[] {
  const ends: number[] = [];
  let digits = 0;
  for (let i = 0; i < printed.length; i++) {
    const code = printed.charCodeAt(i);
    if (code < 48 || code > 57) continue;
    digits++;
    const next = printed.charCodeAt(i + 1);
    if (next >= 48 && next <= 57) continue;
    if (digits > MAX_NUMBER_DIGITS) break;
    if (digits >= MIN_NUMBER_DIGITS) ends.push(digits);
  }
  return ends;
}

/**
 * Our numbers are `<series>-<year>-<sequence>` (invoice.ts). Where the sequence ends is unclear
 * when it is printed in groups ("RE 2027 000 123"), so each group boundary ends a candidate.
 * A series ("RE") glued to the word before it ("RechnungRE-2027-…", when lines were joined
 * without a space) could be any tail of the letter run, so each tail up to four letters counts.
 */
function scanInvoiceNumbers(text: string, into: string[]): void {
  NUMBER_PATTERN.lastIndex = 0;
  for (let match = NUMBER_PATTERN.exec(text); match; match = NUMBER_PATTERN.exec(text)) {
    const letters = match[1] ?? "";
    const printed = match[2] ?? "";
    const ends = groupEnds(printed);
    if (ends.length === 0) continue;
    const digits = printed.replace(GROUP_SEPARATORS, "");
    const year = digits.slice(0, 4);
    const longest = Math.min(letters.length, MAX_SERIES_LETTERS);
    const shortest = letters.length <= MAX_SERIES_LETTERS ? letters.length : 1;
    for (let length = shortest; length <= longest; length++) {
      const series = letters.slice(letters.length - length);
      for (const end of ends) addOnce(into, `${series}-${year}-${digits.slice(4, end)}`);
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
  const texts: string[] = [];
  for (const text of [endToEndReference, tags.EREF, tags.KREF, tags.SVWZ, parsed.freeText])
    if (text) addOnce(texts, text);
  return texts;
}

export function scanTransactionReferences(
  source: ReferenceSource,
  parsed = parsePurpose(source.purpose),
): ScannedReferences {
  const references: string[] = [];
  const numbers: string[] = [];
  for (const text of referenceTexts(parsed, source.endToEndReference))
    scanTextInto(text, references, numbers);
  const wholeKeys: string[] = [];
  const endToEnd = wholeKey(source.endToEndReference);
  if (endToEnd) wholeKeys.push(endToEnd);
  const eref = wholeKey(parsed.tags.EREF);
  if (eref) addOnce(wholeKeys, eref);
  return { creditorReferences: references, invoiceNumbers: numbers, wholeKeys };
}
