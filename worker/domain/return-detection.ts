// Recognises returned SEPA direct debits (Rücklastschriften) among the merchant's bank debits,
// reads the reason, fee and identifiers out of finAPI fields or MT940/SEPA purpose text, and
// links the return to the collected invoice. Codes and classes follow
// reference/return-codes.md and reference/finapi.md §5.
import type { Cents } from "./money.ts";
import {
  invoiceNumberKey,
  lineJoinings,
  parsePurpose,
  referenceKey,
  scanReferenceText,
  scanTransactionReferences,
} from "./payment-reference-scan.ts";
import type { ParsedPurpose } from "./payment-reference-scan.ts";

/** The Class column of return-codes.md; the mandate is flagged by it. */
export type ReasonClass =
  | "dead"
  | "dead_until_clarified"
  | "wrong_scheme"
  | "technical"
  | "retryable"
  | "no_retry"
  | "fixable"
  | "disputed"
  | "retry_once"
  | "manual"
  | "refusal"
  | "info";

export interface ReturnReason {
  meaning: string;
  reasonClass: ReasonClass;
  action: string;
}

export const RETURN_REASONS: Readonly<Record<string, ReturnReason>> = {
  AC01: { meaning: "Invalid IBAN", reasonClass: "dead", action: "new IBAN + mandate" },
  AC04: { meaning: "Account closed", reasonClass: "dead", action: "new account/mandate" },
  AC06: {
    meaning: "Account blocked (or DD blocked by debtor)",
    reasonClass: "dead_until_clarified",
    action: "contact; no auto-retry",
  },
  AC13: {
    meaning: "Consumer account on B2B",
    reasonClass: "wrong_scheme",
    action: "use a CORE mandate",
  },
  AG01: { meaning: "DD forbidden on account type", reasonClass: "dead", action: "other account" },
  AG02: {
    meaning: "Bad transaction code / sequence type",
    reasonClass: "technical",
    action: "fix, resubmit",
  },
  AM04: {
    meaning: "Insufficient funds",
    reasonClass: "retryable",
    action: "re-present once after ~5–8 days; dunning; pass on the fee",
  },
  AM05: {
    meaning: "Duplicate collection",
    reasonClass: "no_retry",
    action: "check if already paid",
  },
  BE05: {
    meaning: "Creditor ID wrong",
    reasonClass: "technical",
    action: "fix CI, resubmit (our error)",
  },
  FF01: { meaning: "File format", reasonClass: "technical", action: "fix, resubmit" },
  FF05: { meaning: "DD type", reasonClass: "technical", action: "fix, resubmit" },
  MD01: {
    meaning: "No valid mandate / unauthorised (≤13 months)",
    reasonClass: "dead",
    action: "new mandate; bill by transfer",
  },
  MD02: { meaning: "Mandate data wrong", reasonClass: "fixable", action: "correct, new FRST" },
  MD06: {
    meaning: "Refund requested by debtor (≤8 weeks)",
    reasonClass: "disputed",
    action: "suspend; contact",
  },
  MD07: { meaning: "Debtor deceased", reasonClass: "dead", action: "stop" },
  MS02: {
    meaning: "Refusal by debtor",
    reasonClass: "disputed",
    action: "suspend mandate; contact",
  },
  MS03: {
    meaning: "Unspecified (often hides AM04)",
    reasonClass: "retry_once",
    action: "one retry, then dunning",
  },
  RC01: { meaning: "BIC wrong", reasonClass: "technical", action: "fix, resubmit" },
  RR01: {
    meaning: "Missing debtor account or identification",
    reasonClass: "fixable",
    action: "complete the data",
  },
  RR02: {
    meaning: "Missing debtor name or address",
    reasonClass: "fixable",
    action: "complete the data",
  },
  RR03: {
    meaning: "Missing creditor name or address",
    reasonClass: "fixable",
    action: "complete the data",
  },
  RR04: { meaning: "Regulatory", reasonClass: "manual", action: "no retry" },
  SL01: {
    meaning: "Debtor bank service (blocking, whitelist, limit)",
    reasonClass: "refusal",
    action: "contact; no auto-retry",
  },
  FOCR: {
    meaning: "Returned after a cancellation request (SCT recall)",
    reasonClass: "info",
    action: "our refund was recalled",
  },
  CNOR: {
    meaning: "Creditor bank not registered",
    reasonClass: "technical",
    action: "other payment method",
  },
  DNOR: {
    meaning: "Debtor bank not registered",
    reasonClass: "technical",
    action: "other payment method",
  },
};

/**
 * DK `?34` return reasons (finapi.md §5). 912 is MD06 because a real sample pairs them; 908
 * (payee address missing) is RR03; 916 (cut-off missed) has no ISO code and is a resubmission.
 */
export const DK_RETURN_CODES: Readonly<
  Record<string, { iso: string | null; reasonClass?: ReasonClass }>
> = {
  "901": { iso: "AC01" },
  "902": { iso: "AC04" },
  "903": { iso: "AC06" },
  "904": { iso: "AG01" },
  "905": { iso: "AG02" },
  "906": { iso: "AM04" },
  "907": { iso: "AM05" },
  "908": { iso: "RR03" },
  "909": { iso: "MD01" },
  "910": { iso: "MD02" },
  "911": { iso: "BE05" },
  "912": { iso: "MD06" },
  "913": { iso: "MD07" },
  "914": { iso: "MS03" },
  "915": { iso: "RC01" },
  "916": { iso: null, reasonClass: "technical" },
  "917": { iso: "RR04" },
  "930": { iso: "AC13" },
  "931": { iso: "FF05" },
};

/** A bank transaction as finAPI delivers it, amounts already converted to cents. */
export interface BankTransactionForReturn {
  amount: Cents;
  currency?: string | null;
  purpose?: string | null;
  typeCodeZka?: string | null;
  typeCodeSwift?: string | null;
  bankTransactionCode?: string | null;
  originalAmount?: Cents | null;
  originalCurrency?: string | null;
  compensationAmount?: Cents | null;
  endToEndReference?: string | null;
  counterpartMandateReference?: string | null;
  counterpartCreditorId?: string | null;
  /** camt `TxDtls/RtrInf/Rsn/Cd`, when the importer has it. */
  returnReasonCode?: string | null;
}

export type ReturnSignal =
  | "gvc_return"
  | "gvc_reversal"
  | "btc_return"
  | "btc_reversal"
  | "swift_rti"
  | "compensation_amount"
  | "original_amount"
  | "purpose_amount_tags"
  | "dk_reason_code"
  | "purpose_text";

export interface ReturnInfo {
  isReturn: boolean;
  /** A return by the debtor's bank, or a reversal (GVC 193, `PRDD`); both undo the payment. */
  kind: "return" | "reversal" | null;
  signals: ReturnSignal[];
  /** Why a debit with return signals is still not a returned collection. */
  vetoedBy: string | null;
  reasonCode: string | null;
  dkReasonCode: string | null;
  reasonClass: ReasonClass | null;
  /** |amount|: what left the account. */
  debitedAmount: Cents;
  fee: Cents | null;
  originalAmount: Cents | null;
  endToEndReference: string | null;
  mandateReference: string | null;
  creditorId: string | null;
  /** In `invoiceNumberKey` form (`RE-2027-000123`). */
  referencedInvoiceNumbers: string[];
  referencedPaymentReferences: string[];
}

// ---------------------------------------------------------------------------------------------
// Codes

const RETURN_GVCS = new Set(["108", "109"]);
const REVERSAL_GVCS = new Set(["193"]);
/**
 * GVCs that name something else: direct debits drawn from this account (104–107), transfers we
 * sent (116–119, 177), returned transfers (159/160: our refund bounced), debtor-side re-credits
 * (181/184) and bank fees (805–809). Text saying "Rückgabe" does not outvote the bank's code.
 */
const OTHER_GVCS = new Set([
  "104",
  "105",
  "106",
  "107",
  "116",
  "117",
  "118",
  "119",
  "177",
  "159",
  "160",
  "181",
  "184",
  "805",
  "806",
  "807",
  "808",
  "809",
]);

function gvcOf(tx: BankTransactionForReturn, parsed: ParsedPurpose): string | null {
  const raw = (tx.typeCodeZka ?? parsed.gvc ?? "").trim();
  return /^\d{1,3}$/.test(raw) ? raw.padStart(3, "0") : null;
}

interface BankCode {
  family: string;
  subFamily: string;
}

/** `PMNT-IDDT-UPDD` (finAPI) or the camt triple joined by any separator. */
function bankCodeOf(tx: BankTransactionForReturn): BankCode | null {
  const parts = (tx.bankTransactionCode ?? "")
    .toUpperCase()
    .split(/[^A-Z]+/)
    .filter(Boolean);
  if (parts.length < 3) return null;
  return { family: parts[parts.length - 2] ?? "", subFamily: parts[parts.length - 1] ?? "" };
}

type Verdict = { kind: "return" | "reversal"; signal: ReturnSignal } | { veto: string } | null;

/**
 * The bank's own codes decide first: a return code books a return whatever the text says; a
 * code for something else (a debit drawn from the merchant `RDDT-ESDD`, card, transfer, a
 * returned transfer `RRTN`, which finapi.md's sketch accepts) rules it out, whatever the text.
 */
function verdictFromCodes(gvc: string | null, code: BankCode | null): Verdict {
  if (gvc && RETURN_GVCS.has(gvc)) return { kind: "return", signal: "gvc_return" };
  if (gvc && REVERSAL_GVCS.has(gvc)) return { kind: "reversal", signal: "gvc_reversal" };
  if (code?.family === "IDDT" && code.subFamily === "UPDD")
    return { kind: "return", signal: "btc_return" };
  if (code?.family === "IDDT" && code.subFamily === "PRDD")
    return { kind: "reversal", signal: "btc_reversal" };
  if (gvc && OTHER_GVCS.has(gvc)) return { veto: `GVC ${gvc}` };
  if (code && namesSomethingElse(code))
    return { veto: `bank transaction code ${code.family}-${code.subFamily}` };
  return null;
}

/** `RDDT-UPDD`/`PRDD` is left to the other signals, since finapi.md's detection sketch accepts it. */
function namesSomethingElse(code: BankCode): boolean {
  if (code.subFamily === "RRTN") return true;
  return code.family !== "IDDT" && code.subFamily !== "UPDD" && code.subFamily !== "PRDD";
}

// ---------------------------------------------------------------------------------------------
// Amounts written into purpose text

/** German (`1.234,56`) or plain (`4.00`, `4`) amounts to cents, exactly; null if unreadable. */
export function parseTextAmount(text: string): Cents | null {
  const raw = text.trim().replace(/\s+/g, "");
  const match = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:[,.](\d{1,2}))?$/.exec(raw);
  if (!match) return null;
  const whole = Number((match[1] ?? "0").replace(/\./g, ""));
  const fraction = Number((match[2] ?? "0").padEnd(2, "0"));
  const cents = whole * 100 + fraction;
  return Number.isSafeInteger(cents) ? cents : null;
}

function amountAfter(pattern: RegExp, text: string): Cents | null {
  const match = pattern.exec(text);
  return match ? parseTextAmount(match[1] ?? "") : null;
}

interface TextAmounts {
  original: Cents | null;
  compensation: Cents | null;
}

/** `OAMT+`/`COAM+` tags, or the `:61:` variant `/OCMT/EUR<orig>//CHGS/EUR<fee>/`. */
function amountsInText(parsed: ParsedPurpose, text: string): TextAmounts {
  const tag = (value: string | undefined): Cents | null =>
    value === undefined ? null : parseTextAmount(value.split(/[^\d.,\s]/)[0] ?? "");
  return {
    original: tag(parsed.tags.OAMT) ?? amountAfter(/OCMT\/[A-Z]{3}([\d.,]+)/, text),
    compensation: tag(parsed.tags.COAM) ?? amountAfter(/CHGS\/[A-Z]{3}([\d.,]+)/, text),
  };
}

function sameCurrency(tx: BankTransactionForReturn): boolean {
  return (
    !tx.originalCurrency ||
    !tx.currency ||
    tx.originalCurrency.toUpperCase() === tx.currency.toUpperCase()
  );
}

interface Amounts {
  fee: Cents | null;
  originalAmount: Cents | null;
  signals: ReturnSignal[];
}

/**
 * An `originalAmount` in another currency is a card or FX booking, not a return, so it only
 * counts in the account's currency. Fee = compensation, else |amount| − original.
 */
function amountsOf(tx: BankTransactionForReturn, parsed: ParsedPurpose, text: string): Amounts {
  const inText = amountsInText(parsed, text);
  const signals: ReturnSignal[] = [];
  if (tx.compensationAmount != null) signals.push("compensation_amount");
  const fieldOriginal =
    tx.originalAmount != null && sameCurrency(tx) ? Math.abs(tx.originalAmount) : null;
  if (fieldOriginal !== null) signals.push("original_amount");
  if (inText.original !== null || inText.compensation !== null) signals.push("purpose_amount_tags");
  const debited = Math.abs(tx.amount);
  const compensation =
    tx.compensationAmount != null ? Math.abs(tx.compensationAmount) : inText.compensation;
  const original = fieldOriginal ?? inText.original;
  const feeFromOriginal = original !== null && debited >= original ? debited - original : null;
  const fee = compensation ?? feeFromOriginal;
  const originalAmount =
    original ?? (compensation !== null && debited >= compensation ? debited - compensation : null);
  return { fee, originalAmount, signals };
}

// ---------------------------------------------------------------------------------------------
// Text

/** Words that only ever describe a returned debit. */
const RETURN_WORDS = /R(?:UE|Ü)CK(?:LAST|BEL|GABEGRUND)|RETURN\/REFUND/;
/**
 * "Retoure" and "Rückgabe" also name returned goods (a merchant's refund transfer says
 * "Erstattung Retoure 4711"), so they count only next to direct-debit vocabulary.
 */
const AMBIGUOUS_RETURN_WORDS = /RETOURE|R(?:UE|Ü)CKGABE|\bRETURN\b/;
const DIRECT_DEBIT_CONTEXT = /LASTSCHR|SEPA-DD|\bSDD\b|\bLS\b|MREF\+|CRED\+|\bCORE\b|\bB2B\b/;

/** Both line readings, upper-cased, so a word wrapped onto the next line is still found. */
function searchable(...parts: string[]): string {
  return lineJoinings(parts.join(" ")).join("\n").toUpperCase();
}

/**
 * Where a bank writes the reason in words: booking text, remittance, untagged text. Not the
 * mandate or end-to-end reference, which may contain "AM04" by chance.
 */
function reasonText(parsed: ParsedPurpose): string {
  return searchable(parsed.subfields["00"] ?? "", parsed.tags.SVWZ ?? "", parsed.freeText);
}

function textSaysReturn(text: string): boolean {
  return (
    RETURN_WORDS.test(text) ||
    (AMBIGUOUS_RETURN_WORDS.test(text) && DIRECT_DEBIT_CONTEXT.test(text))
  );
}

const KNOWN_CODE = new RegExp(`\\b(${Object.keys(RETURN_REASONS).join("|")})\\b`);
const REASON_LABEL =
  /(?:R(?:UE|Ü)CKGABEGRUND|REASON(?:\s*CODE)?)\s*:?\s*([A-Z]{2}\d{2}|FOCR|CNOR|DNOR)\b/;

interface Reason {
  reasonCode: string | null;
  dkReasonCode: string | null;
  reasonClass: ReasonClass | null;
}

/** Structured field, then the labelled text, then a known ISO code in the words, then DK `?34`. */
function reasonOf(tx: BankTransactionForReturn, parsed: ParsedPurpose): Reason {
  const text = reasonText(parsed);
  const dk = /^\s*(\d{3})\b/.exec(parsed.subfields["34"] ?? "")?.[1] ?? null;
  const dkEntry = dk ? DK_RETURN_CODES[dk] : undefined;
  const structured = (tx.returnReasonCode ?? "").trim().toUpperCase() || null;
  const code =
    structured ??
    REASON_LABEL.exec(text)?.[1] ??
    KNOWN_CODE.exec(text)?.[1] ??
    dkEntry?.iso ??
    null;
  const reasonClass =
    (code ? RETURN_REASONS[code]?.reasonClass : undefined) ?? dkEntry?.reasonClass ?? null;
  return { reasonCode: code, dkReasonCode: dk, reasonClass };
}

// ---------------------------------------------------------------------------------------------
// Detection

function firstPresent(...values: (string | null | undefined)[]): string | null {
  for (const value of values) {
    const trimmed = value?.trim();
    if (trimmed && referenceKey(trimmed) !== "NOTPROVIDED") return trimmed;
  }
  return null;
}

function softSignals(
  amounts: Amounts,
  tx: BankTransactionForReturn,
  reason: Reason,
  text: string,
): ReturnSignal[] {
  const signals: ReturnSignal[] = [];
  if (/RTI$/i.test((tx.typeCodeSwift ?? "").trim())) signals.push("swift_rti");
  signals.push(...amounts.signals);
  if (reason.dkReasonCode !== null) signals.push("dk_reason_code");
  if (textSaysReturn(text)) signals.push("purpose_text");
  return signals;
}

/**
 * Only debits can be returns. The bank's codes decide when they are clear; without them any
 * of the softer signals (SWIFT `…RTI`, return amounts, DK reason, purpose text) is enough.
 */
export function detectReturn(tx: BankTransactionForReturn): ReturnInfo {
  const parsed = parsePurpose(tx.purpose);
  const text = searchable(parsed.subfields["00"] ?? "", parsed.text);
  const amounts = amountsOf(tx, parsed, text);
  const reason = reasonOf(tx, parsed);
  const verdict =
    tx.amount < 0 ? verdictFromCodes(gvcOf(tx, parsed), bankCodeOf(tx)) : { veto: "not a debit" };
  const soft = softSignals(amounts, tx, reason, text);
  const vetoedBy = verdict && "veto" in verdict ? verdict.veto : null;
  const coded = verdict && "kind" in verdict ? verdict : null;
  const isReturn = coded !== null || (vetoedBy === null && soft.length > 0);
  const scanned = scanTransactionReferences(
    { endToEndReference: tx.endToEndReference, purpose: tx.purpose },
    parsed,
  );
  return {
    isReturn,
    kind: coded?.kind ?? (isReturn ? "return" : null),
    signals: coded ? [coded.signal, ...soft] : soft,
    vetoedBy: isReturn ? null : vetoedBy,
    ...(isReturn ? reason : { reasonCode: null, dkReasonCode: null, reasonClass: null }),
    debitedAmount: Math.abs(tx.amount),
    fee: isReturn ? amounts.fee : null,
    originalAmount: isReturn ? amounts.originalAmount : null,
    endToEndReference: firstPresent(tx.endToEndReference, parsed.tags.EREF),
    mandateReference: firstPresent(tx.counterpartMandateReference, parsed.tags.MREF),
    creditorId: firstPresent(tx.counterpartCreditorId, parsed.tags.CRED),
    referencedInvoiceNumbers: invoiceNumbersInRemittance(parsed),
    referencedPaymentReferences: scanned.creditorReferences,
  };
}

/** Our collections put the invoice number into the remittance (SVWZ), so only that is searched. */
function invoiceNumbersInRemittance(parsed: ParsedPurpose): string[] {
  const remittance = [parsed.tags.SVWZ ?? "", parsed.freeText].join("\n");
  return scanReferenceText(remittance).invoiceNumbers;
}

// ---------------------------------------------------------------------------------------------
// Classification of any bank line, so callers never feed a bounced refund to the matcher

export type TransactionKind =
  "incoming_payment" | "returned_transfer" | "direct_debit_return" | "other_debit" | "zero_amount";

/** A credit with GVC 159/160 or `…-RRTN` is our own refund coming back, not a customer paying. */
export function classifyTransaction(tx: BankTransactionForReturn): TransactionKind {
  if (tx.amount === 0) return "zero_amount";
  if (tx.amount > 0) {
    const gvc = gvcOf(tx, parsePurpose(tx.purpose));
    const returnedTransfer =
      (gvc !== null && ["159", "160"].includes(gvc)) || bankCodeOf(tx)?.subFamily === "RRTN";
    return returnedTransfer ? "returned_transfer" : "incoming_payment";
  }
  return detectReturn(tx).isReturn ? "direct_debit_return" : "other_debit";
}

// ---------------------------------------------------------------------------------------------
// Linking a return to the collected invoice

export interface CollectedPayment {
  invoiceId: string;
  invoiceNumber: string;
  /** The pain.008 end-to-end id: the invoice's payment reference. */
  endToEndReference: string;
  mandateReference: string | null;
  /** What was collected, in cents. */
  amount: Cents;
}

export interface ReturnLookups {
  byEndToEnd: ReadonlyMap<string, readonly string[]>;
  byMandateAmount: ReadonlyMap<string, readonly string[]>;
  byNumber: ReadonlyMap<string, readonly string[]>;
}

export type ReturnLink = {
  invoiceId: string;
  via: "end_to_end" | "mandate_amount" | "invoice_number";
};

function mandateAmountKey(mandateReference: string, amount: Cents): string {
  return `${referenceKey(mandateReference)}\u0000${amount}`;
}

function addUnique(map: Map<string, string[]>, key: string, invoiceId: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(invoiceId)) list.push(invoiceId);
  map.set(key, list);
}

export function buildReturnLookups(collected: readonly CollectedPayment[]): ReturnLookups {
  const byEndToEnd = new Map<string, string[]>();
  const byMandateAmount = new Map<string, string[]>();
  const byNumber = new Map<string, string[]>();
  for (const payment of collected) {
    addUnique(byEndToEnd, referenceKey(payment.endToEndReference), payment.invoiceId);
    addUnique(byNumber, invoiceNumberKey(payment.invoiceNumber), payment.invoiceId);
    if (payment.mandateReference)
      addUnique(
        byMandateAmount,
        mandateAmountKey(payment.mandateReference, payment.amount),
        payment.invoiceId,
      );
  }
  return { byEndToEnd, byMandateAmount, byNumber };
}

/** One invoice behind all the keys, or nothing: two candidates are a question, not a link. */
function uniqueInvoice(
  map: ReadonlyMap<string, readonly string[]>,
  keys: readonly string[],
): string | null {
  const found = new Set<string>();
  for (const key of keys) (map.get(key) ?? []).forEach((id) => found.add(id));
  return found.size === 1 ? ([...found][0] ?? null) : null;
}

/**
 * End-to-end id first (it is ours and unique per collection), then mandate + original amount
 * (a monthly mandate collects the same amount often, so it must be unique), then the invoice
 * number in the remittance text.
 */
export function linkReturn(info: ReturnInfo, lookups: ReturnLookups): ReturnLink | null {
  const endToEndKeys = [info.endToEndReference, ...info.referencedPaymentReferences]
    .filter((v): v is string => v !== null)
    .map(referenceKey);
  const byEndToEnd = uniqueInvoice(lookups.byEndToEnd, endToEndKeys);
  if (byEndToEnd) return { invoiceId: byEndToEnd, via: "end_to_end" };
  if (info.mandateReference) {
    const amount = info.originalAmount ?? info.debitedAmount;
    const byMandate = uniqueInvoice(lookups.byMandateAmount, [
      mandateAmountKey(info.mandateReference, amount),
    ]);
    if (byMandate) return { invoiceId: byMandate, via: "mandate_amount" };
  }
  const byNumber = uniqueInvoice(lookups.byNumber, info.referencedInvoiceNumbers);
  return byNumber ? { invoiceId: byNumber, via: "invoice_number" } : null;
}
