// Invoice rules that must hold before anything is written: number series, payment references
// the bank can carry, due dates, and the line/total checks that make an issued invoice final.
import type { InvoiceKind } from "../../widget/src/billing-types.ts";

export type { InvoiceKind } from "../../widget/src/billing-types.ts";
import { addDays, isIsoDate } from "./calendar.ts";
import { DomainError } from "./errors.ts";
import type { IsoDate } from "./calendar.ts";
import { isCents, totalsOf } from "./money.ts";
import type { Cents, TaxBreakdownEntry, TaxRateBp } from "./money.ts";

export const INVOICE_KINDS: readonly InvoiceKind[] = ["regular", "interim", "credit_note", "fee"];

/** Stable machine codes: routes put them into the problem+json `code`, clients branch on them. */
export type InvoiceRuleCode =
  | "invalid_kind"
  | "invalid_date"
  | "invalid_sequence_number"
  | "invalid_payment_token"
  | "invalid_payment_term"
  | "invalid_currency"
  | "currency_mismatch"
  | "no_lines"
  | "invalid_description"
  | "invalid_quantity"
  | "invalid_amount"
  | "invalid_tax_rate"
  | "invalid_period"
  | "amount_out_of_range"
  | "credit_note_positive"
  | "credit_note_without_original"
  | "original_invoice_not_allowed"
  | "invoice_negative";

/** A DomainError whose code is an invoice rule's; worker/http/problem.ts gives each its status. */
export class InvoiceRuleError extends DomainError {
  override readonly name = "InvoiceRuleError";
  override readonly code: InvoiceRuleCode;

  constructor(
    code: InvoiceRuleCode,
    message: string,
    /** The offending input field (e.g. `lines[2].netAmount`), so a 4xx can name it. */
    readonly field?: string,
  ) {
    super(code, message, field === undefined ? undefined : [{ field, message }]);
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Number series

const SERIES_PREFIX: Record<InvoiceKind, string> = {
  regular: "RE",
  interim: "ZR",
  credit_note: "GS",
  fee: "GB",
};

export interface InvoiceSeries {
  /** The gapless counter's key (per merchant): one counter per kind and calendar year. */
  key: string;
  /** What the number starts with, e.g. `RE-2027`. */
  prefix: string;
}

function assertKind(kind: string): asserts kind is InvoiceKind {
  if (!(INVOICE_KINDS as readonly string[]).includes(kind)) {
    throw new InvoiceRuleError("invalid_kind", `unknown invoice kind: ${kind}`, "kind");
  }
}

function assertDate(date: string, field: string): void {
  if (!isIsoDate(date))
    throw new InvoiceRuleError("invalid_date", `${field} is not a calendar date: ${date}`, field);
}

/** The series follows the issue date's year, so numbering restarts every year as German practice expects. */
export function invoiceSeries(kind: InvoiceKind, issueDate: IsoDate): InvoiceSeries {
  assertKind(kind);
  assertDate(issueDate, "issueDate");
  const year = issueDate.slice(0, 4);
  return { key: `${kind}:${year}`, prefix: `${SERIES_PREFIX[kind]}-${year}` };
}

/** Zero-padded to six digits so numbers sort as text; never truncated beyond that. */
export function formatInvoiceNumber(prefix: string, sequenceNumber: number): string {
  if (!Number.isSafeInteger(sequenceNumber) || sequenceNumber < 1) {
    throw new InvoiceRuleError(
      "invalid_sequence_number",
      `sequence number must be a positive integer, got ${sequenceNumber}`,
    );
  }
  return `${prefix}-${String(sequenceNumber).padStart(6, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// Payment reference (ISO 11649 structured creditor reference)

const REFERENCE_BODY = /^[0-9A-Z]{8,21}$/;
const CREDITOR_REFERENCE = /^RF(\d{2})([0-9A-Z]{1,21})$/;
/** Crockford's base32: no I, L, O, U, so a reference typed off a PDF cannot mix up 0/O or 1/I/L. */
const CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** ISO 7064 MOD 97-10 over the alphanumeric string, letters as 10..35, without building a huge number. */
function mod97(value: string): number {
  let remainder = 0;
  for (const char of value) {
    const digit = Number.parseInt(char, 36);
    remainder = (remainder * (digit < 10 ? 10 : 100) + digit) % 97;
  }
  return remainder;
}

function checkDigits(body: string): string {
  return String(98 - mod97(`${body}RF00`)).padStart(2, "0");
}

/**
 * The body is the token itself (after an `inv_`-style prefix), upper-cased, so the reference
 * stays unique exactly as long as the token is. A mixed-case token is refused: upper-casing
 * it could map two invoices onto one reference, and banks do not preserve case.
 */
export function paymentReference(token: string): string {
  const raw = token.slice(token.lastIndexOf("_") + 1);
  if (/[a-z]/.test(raw) && /[A-Z]/.test(raw)) {
    throw new InvoiceRuleError(
      "invalid_payment_token",
      "payment token must not mix upper and lower case",
      "token",
    );
  }
  const body = raw.toUpperCase();
  if (!REFERENCE_BODY.test(body)) {
    throw new InvoiceRuleError(
      "invalid_payment_token",
      `payment token must be 8 to 21 letters or digits, got ${JSON.stringify(raw)}`,
      "token",
    );
  }
  return `RF${checkDigits(body)}${body}`;
}

/**
 * A fresh token for `paymentReference` from caller-supplied random bytes (10 bytes = 80 bits →
 * 16 characters); the caller owns the randomness so this module stays pure.
 */
export function paymentTokenFromBytes(bytes: Uint8Array): string {
  if (bytes.length < 5 || bytes.length > 13)
    throw new RangeError(`need 5 to 13 random bytes, got ${bytes.length}`);
  let bits = 0;
  let buffer = 0;
  let token = "";
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      token += CROCKFORD_ALPHABET.charAt((buffer >> bits) & 31);
    }
  }
  if (bits > 0) token += CROCKFORD_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return token;
}

/**
 * The electronic form (`RF18539007547034`) of a reference found in print form or in bank text
 * (spaces, lower case), or null when it fails the check. Check digits 00, 01 and 99 are never
 * issued, although 00/01 would pass the bare mod-97 test.
 */
export function normalizeCreditorReference(value: string): string | null {
  const compact = value.replace(/\s+/g, "").toUpperCase();
  const match = CREDITOR_REFERENCE.exec(compact);
  if (!match) return null;
  const [, check = "", body = ""] = match;
  if (check === "00" || check === "01" || check === "99") return null;
  return mod97(`${body}RF${check}`) === 1 ? compact : null;
}

export function isValidCreditorReference(value: string): boolean {
  return normalizeCreditorReference(value) !== null;
}

// ---------------------------------------------------------------------------------------------
// Due date

/** Payment term in calendar days after the issue date ("zahlbar innerhalb von 14 Tagen"). */
export function dueDate(issueDate: IsoDate, paymentTermDays: number): IsoDate {
  assertDate(issueDate, "issueDate");
  if (!Number.isSafeInteger(paymentTermDays) || paymentTermDays < 0 || paymentTermDays > 3650) {
    throw new InvoiceRuleError(
      "invalid_payment_term",
      `payment term must be 0 to 3650 days, got ${paymentTermDays}`,
      "paymentTermDays",
    );
  }
  return addDays(issueDate, paymentTermDays);
}

// ---------------------------------------------------------------------------------------------
// Building an invoice

export interface InvoiceLineInput {
  description: string;
  articleId?: string | null;
  itemId?: string | null;
  quantity: number;
  /** The full-period unit price; for prorated lines `netAmount` is the prorated part of it. */
  unitAmount?: Cents | null;
  periodStart?: IsoDate | null;
  periodEnd?: IsoDate | null;
  netAmount: Cents;
  taxRate: TaxRateBp;
  /** Only checked against the invoice currency, for callers that carry it per line. */
  currency?: string;
}

export interface InvoiceInput {
  kind: InvoiceKind;
  currency: string;
  lines: readonly InvoiceLineInput[];
  /** Required for a credit note (the invoice it corrects); refused otherwise. */
  originalInvoiceId?: string | null;
}

export interface InvoiceLine {
  position: number;
  description: string;
  articleId: string | null;
  itemId: string | null;
  quantity: number;
  unitAmount: Cents | null;
  periodStart: IsoDate | null;
  periodEnd: IsoDate | null;
  netAmount: Cents;
  taxRate: TaxRateBp;
}

export interface BuiltInvoice {
  kind: InvoiceKind;
  currency: string;
  originalInvoiceId: string | null;
  lines: InvoiceLine[];
  netAmount: Cents;
  taxAmount: Cents;
  grossAmount: Cents;
  taxBreakdown: TaxBreakdownEntry[];
}

const CURRENCY = /^[A-Z]{3}$/;
const MAX_DESCRIPTION_LENGTH = 1000;

function checkCurrency(currency: string, expected: string | null, field: string): void {
  if (!CURRENCY.test(currency))
    throw new InvoiceRuleError(
      "invalid_currency",
      `${field} must be an ISO 4217 code, got ${currency}`,
      field,
    );
  if (expected !== null && currency !== expected) {
    throw new InvoiceRuleError(
      "currency_mismatch",
      `${field} is ${currency}, the invoice is in ${expected}`,
      field,
    );
  }
}

function checkPeriod(start: IsoDate | null, end: IsoDate | null, field: string): void {
  if (start === null && end === null) return;
  if (start === null || end === null) {
    throw new InvoiceRuleError(
      "invalid_period",
      "periodStart and periodEnd go together",
      `${field}.${start === null ? "periodStart" : "periodEnd"}`,
    );
  }
  assertDate(start, `${field}.periodStart`);
  assertDate(end, `${field}.periodEnd`);
  if (start >= end)
    throw new InvoiceRuleError(
      "invalid_period",
      `period ${start}–${end} is empty (end is exclusive)`,
      `${field}.periodEnd`,
    );
}

function checkLineAmounts(line: InvoiceLineInput, field: string): void {
  if (!Number.isSafeInteger(line.quantity) || line.quantity === 0) {
    throw new InvoiceRuleError(
      "invalid_quantity",
      `quantity must be a non-zero integer, got ${line.quantity}`,
      `${field}.quantity`,
    );
  }
  if (!isCents(line.netAmount)) {
    throw new InvoiceRuleError(
      "invalid_amount",
      `netAmount must be integer cents, got ${line.netAmount}`,
      `${field}.netAmount`,
    );
  }
  if (line.unitAmount != null && !isCents(line.unitAmount)) {
    throw new InvoiceRuleError(
      "invalid_amount",
      `unitAmount must be integer cents, got ${line.unitAmount}`,
      `${field}.unitAmount`,
    );
  }
  if (!Number.isSafeInteger(line.taxRate) || line.taxRate < 0 || line.taxRate > 10_000) {
    throw new InvoiceRuleError(
      "invalid_tax_rate",
      `taxRate must be 0 to 10000 basis points, got ${line.taxRate}`,
      `${field}.taxRate`,
    );
  }
}

function buildLine(line: InvoiceLineInput, index: number, currency: string): InvoiceLine {
  const field = `lines[${index}]`;
  const description = line.description.trim();
  if (description === "" || description.length > MAX_DESCRIPTION_LENGTH) {
    throw new InvoiceRuleError(
      "invalid_description",
      `description must be 1 to ${MAX_DESCRIPTION_LENGTH} characters`,
      `${field}.description`,
    );
  }
  checkLineAmounts(line, field);
  if (line.currency !== undefined) checkCurrency(line.currency, currency, `${field}.currency`);
  const periodStart = line.periodStart ?? null;
  const periodEnd = line.periodEnd ?? null;
  checkPeriod(periodStart, periodEnd, field);
  return {
    position: index + 1,
    description,
    articleId: line.articleId ?? null,
    itemId: line.itemId ?? null,
    quantity: line.quantity,
    unitAmount: line.unitAmount ?? null,
    periodStart,
    periodEnd,
    netAmount: line.netAmount,
    taxRate: line.taxRate,
  };
}

function checkOriginal(kind: InvoiceKind, originalInvoiceId: string | null): void {
  if (kind === "credit_note" && (originalInvoiceId === null || originalInvoiceId.trim() === "")) {
    throw new InvoiceRuleError(
      "credit_note_without_original",
      "a credit note must reference the invoice it corrects",
      "originalInvoiceId",
    );
  }
  if (kind !== "credit_note" && originalInvoiceId !== null) {
    throw new InvoiceRuleError(
      "original_invoice_not_allowed",
      "only a credit note references an original invoice",
      "originalInvoiceId",
    );
  }
}

function checkSign(kind: InvoiceKind, netAmount: Cents): void {
  if (kind === "credit_note" && netAmount > 0) {
    throw new InvoiceRuleError(
      "credit_note_positive",
      `a credit note cannot charge: net total is ${netAmount}`,
      "lines",
    );
  }
  if (kind !== "credit_note" && netAmount < 0) {
    throw new InvoiceRuleError(
      "invoice_negative",
      `a ${kind} invoice cannot be negative (issue a credit note): net total is ${netAmount}`,
      "lines",
    );
  }
}

function totalsOrRangeError(lines: readonly InvoiceLine[]): ReturnType<typeof totalsOf> {
  try {
    return totalsOf(lines);
  } catch (error) {
    if (error instanceof RangeError)
      throw new InvoiceRuleError("amount_out_of_range", error.message, "lines");
    throw error;
  }
}

/**
 * Validates and totals an invoice before it is numbered and written. Individual lines may have
 * either sign (a regular invoice can carry a proration credit, a credit note a new item's
 * charge); only the total's sign is fixed by the kind.
 */
export function buildInvoice(input: InvoiceInput): BuiltInvoice {
  assertKind(input.kind);
  checkCurrency(input.currency, null, "currency");
  const originalInvoiceId = input.originalInvoiceId ?? null;
  checkOriginal(input.kind, originalInvoiceId);
  if (input.lines.length === 0)
    throw new InvoiceRuleError("no_lines", "an invoice needs at least one line", "lines");
  const lines = input.lines.map((line, index) => buildLine(line, index, input.currency));
  const totals = totalsOrRangeError(lines);
  checkSign(input.kind, totals.netAmount);
  return { kind: input.kind, currency: input.currency, originalInvoiceId, lines, ...totals };
}
