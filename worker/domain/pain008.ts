// Builds the pain.008.001.08 file (ISO 20022 SEPA Core direct debit initiation, the version
// German banks take under DK Anlage 3 since November 2019) that a collection run hands to the
// merchant's bank: exact decimal amounts, the SEPA character set, one PmtInf per due date and
// sequence type, and a summary of what went into each PmtInf so bank credits can be matched.
import { DomainError } from "./errors.ts";
import { isIsoDate } from "./calendar.ts";
import type { IsoDate } from "./calendar.ts";
import { isCents } from "./money.ts";
import type { Cents } from "./money.ts";
import type { CollectionSequenceType } from "./sepa-calendar.ts";
import {
  bicRequiredFor,
  validateBic,
  validateCreditorId,
  validateMandateReference,
  validateSepaIban,
} from "./sepa-identifiers.ts";

export const PAIN008_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08";

/** EPC limits (stricter than the ISO schema's Max140Text for names). */
export const MAX_NAME_LENGTH = 70;
export const MAX_REMITTANCE_LENGTH = 140;
export const MAX_ID_LENGTH = 35;
/** EPC: the largest amount one SEPA Core collection may carry, 999 999 999.99 EUR. */
export const MAX_AMOUNT_CENTS = 99_999_999_999;

export interface Pain008Creditor {
  name: string;
  iban: string;
  bic?: string | null;
  creditorId: string;
}

export interface Pain008Transaction {
  /** The invoice's payment reference; the bank echoes it on credits and returns. */
  endToEndId: string;
  amount: Cents;
  mandateId: string;
  mandateSignatureDate: IsoDate;
  debtorName: string;
  debtorIban: string;
  debtorBic?: string | null;
  remittanceInfo: string;
  /** Overrides the file's sequence type (a run mixes first and recurring collections). */
  sequenceType?: CollectionSequenceType;
  /** Overrides the file's collection date. */
  collectionDate?: IsoDate;
  /**
   * Set when the mandate changed since the last collection, as the rulebook requires it to be
   * reported once: the old mandate reference, the old IBAN, or a move to another bank.
   */
  amendment?: {
    originalMandateId?: string;
    originalDebtorIban?: string;
    debtorBankChanged?: boolean;
  };
}

export interface Pain008Input {
  messageId: string;
  /** RFC 3339 instant, e.g. "2027-01-04T09:30:00Z". */
  creationDateTime: string;
  initiatingPartyName: string;
  creditor: Pain008Creditor;
  collectionDate: IsoDate;
  sequenceType: CollectionSequenceType;
  transactions: readonly Pain008Transaction[];
  /** One bank line per PmtInf (the default, so the run's credit can be matched as a batch). */
  batchBooking?: boolean;
}

export interface Pain008PaymentInfo {
  paymentInfoId: string;
  sequenceType: CollectionSequenceType;
  collectionDate: IsoDate;
  numberOfTransactions: number;
  controlSum: Cents;
  endToEndIds: string[];
}

export interface Pain008Document {
  xml: string;
  messageId: string;
  numberOfTransactions: number;
  controlSum: Cents;
  paymentInfos: Pain008PaymentInfo[];
}

/** Bad input for a file; `path` names the field (e.g. "transactions[2].debtorIban"). */
export class Pain008Error extends DomainError {
  override readonly name = "Pain008Error";

  constructor(
    readonly path: string,
    readonly reason: string,
    message: string,
  ) {
    super("collection_data_invalid", `${path}: ${message}`, [{ field: path, message }]);
  }
}

// ---------------------------------------------------------------------------------------------
// Amounts

/** Cents as an exact decimal with two places ("0.01", "9999.99"), by integer arithmetic only. */
export function formatCentsDecimal(cents: Cents | bigint): string {
  const value = BigInt(cents);
  const magnitude = value < 0n ? -value : value;
  const fraction = String(magnitude % 100n).padStart(2, "0");
  return `${value < 0n ? "-" : ""}${magnitude / 100n}.${fraction}`;
}

/** A sum of cents in BigInt, so no float ever carries the control sum. */
function sumAmounts(transactions: readonly Pain008Transaction[]): bigint {
  return transactions.reduce((total, tx) => total + BigInt(tx.amount), 0n);
}

// ---------------------------------------------------------------------------------------------
// SEPA character set

/**
 * The characters every SEPA bank must accept (EPC "Latin character set"); anything else is
 * transliterated rather than risked, because a bank may reject the whole file for one character.
 */
const SEPA_TEXT_CHARS = /^[A-Za-z0-9/\-?:().,'+ ]*$/;

const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ä: "ae",
  ö: "oe",
  ü: "ue",
  Ä: "Ae",
  Ö: "Oe",
  Ü: "Ue",
  ß: "ss",
  ẞ: "SS",
  æ: "ae",
  Æ: "AE",
  œ: "oe",
  Œ: "OE",
  ø: "oe",
  Ø: "Oe",
  å: "aa",
  Å: "Aa",
  ð: "d",
  Ð: "D",
  þ: "th",
  Þ: "TH",
  ł: "l",
  Ł: "L",
  đ: "d",
  Đ: "D",
  ı: "i",
  ħ: "h",
  Ħ: "H",
  "&": "+",
  "@": "(at)",
  "€": "EUR",
  '"': "'",
  "‘": "'",
  "’": "'",
  "‚": "'",
  "“": "'",
  "”": "'",
  "„": "'",
  "–": "-",
  "—": "-",
  _: "-",
  "[": "(",
  "]": ")",
  "{": "(",
  "}": ")",
  "<": "(",
  ">": ")",
  "\\": "/",
  ";": ",",
  "!": ".",
  "*": ".",
  "#": ".",
  "%": ".",
  "=": "-",
  "|": "/",
  "~": "-",
  "^": ".",
  "`": "'",
};

function transliterateChar(char: string): string {
  const mapped = TRANSLITERATIONS[char];
  if (mapped !== undefined) return mapped;
  if (/\s/.test(char)) return " ";
  if (SEPA_TEXT_CHARS.test(char)) return char;
  // é → e, ñ → n, š → s: drop the combining marks of the canonical decomposition.
  const base = char.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  return SEPA_TEXT_CHARS.test(base) ? base : ".";
}

/** Free text (names, remittance) in the SEPA character set: "Jürgen Weiß & Co" → "Juergen Weiss + Co". */
export function toSepaText(text: string): string {
  return Array.from(text.normalize("NFC"), transliterateChar)
    .join("")
    .replace(/ {2,}/g, " ")
    .trim();
}

/** SEPA text cut to `max` characters, never leaving a trailing space. */
export function toSepaTextLimited(text: string, max: number): string {
  return toSepaText(text).slice(0, max).trimEnd();
}

/** Identifiers (message, payment, end-to-end ids) are never altered: a changed id breaks matching. */
const SEPA_ID_CHARS = /^[A-Za-z0-9/\-?:().,'+ ]{1,35}$/;

function checkIdentifier(path: string, value: string): string {
  if (!SEPA_ID_CHARS.test(value) || value.trim() !== value) {
    throw new Pain008Error(
      path,
      "bad_identifier",
      "must be 1-35 characters of A-Z a-z 0-9 / - ? : ( ) . , ' + (inner spaces only)",
    );
  }
  if (value.startsWith("/") || value.endsWith("/") || value.includes("//")) {
    throw new Pain008Error(path, "slash_rule", "may not start or end with '/' or contain '//'");
  }
  return value;
}

/**
 * A message id for a run id: Tarif ids carry a "run_" style prefix, and "_" is not in the SEPA
 * set; "-" never occurs in the ids, so the mapping stays one-to-one.
 */
export function sepaMessageId(runId: string): string {
  return checkIdentifier("messageId", runId.replace(/_/g, "-"));
}

// ---------------------------------------------------------------------------------------------
// XML

interface XmlNode {
  name: string;
  attributes?: Readonly<Record<string, string>>;
  text?: string;
  children?: readonly XmlNode[];
}

const XML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

function el(
  name: string,
  content: string | readonly XmlNode[],
  attributes?: Record<string, string>,
): XmlNode {
  return typeof content === "string"
    ? { name, text: content, attributes }
    : { name, children: content, attributes };
}

function renderNode(node: XmlNode, depth: number): string {
  const indent = "  ".repeat(depth);
  const attrs = Object.entries(node.attributes ?? {})
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join("");
  if (node.text !== undefined)
    return `${indent}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>\n`;
  const inner = (node.children ?? []).map((child) => renderNode(child, depth + 1)).join("");
  return `${indent}<${node.name}${attrs}>\n${inner}${indent}</${node.name}>\n`;
}

// ---------------------------------------------------------------------------------------------
// Validation of the input

interface CheckedTransaction extends Pain008Transaction {
  sequenceType: CollectionSequenceType;
  collectionDate: IsoDate;
  debtorIban: string;
  debtorBic: string | null;
}

interface CheckedCreditor {
  name: string;
  iban: string;
  bic: string | null;
  creditorId: string;
}

function checkName(path: string, name: string): string {
  const text = toSepaTextLimited(name, MAX_NAME_LENGTH);
  if (!/[A-Za-z0-9]/.test(text))
    throw new Pain008Error(path, "empty", "must contain a letter or digit after transliteration");
  return text;
}

function checkBic(
  path: string,
  bic: string | null | undefined,
  ibanCountry: string,
): string | null {
  if (bic === undefined || bic === null || bic.trim() === "") {
    if (bicRequiredFor(ibanCountry))
      throw new Pain008Error(
        path,
        "required",
        `required for accounts outside the EEA (${ibanCountry})`,
      );
    return null;
  }
  const result = validateBic(bic);
  if (!result.ok) throw new Pain008Error(path, result.reason, result.message);
  return result.value;
}

function checkIban(path: string, iban: string): { iban: string; country: string } {
  const result = validateSepaIban(iban);
  if (!result.ok) throw new Pain008Error(path, result.reason, result.message);
  return { iban: result.value.iban, country: result.value.country };
}

function checkCreditor(creditor: Pain008Creditor): CheckedCreditor {
  const iban = checkIban("creditor.iban", creditor.iban);
  const creditorId = validateCreditorId(creditor.creditorId);
  if (!creditorId.ok)
    throw new Pain008Error("creditor.creditorId", creditorId.reason, creditorId.message);
  return {
    name: checkName("creditor.name", creditor.name),
    iban: iban.iban,
    bic: checkBic("creditor.bic", creditor.bic, iban.country),
    creditorId: creditorId.value.creditorId,
  };
}

function checkDate(path: string, date: string): IsoDate {
  if (!isIsoDate(date))
    throw new Pain008Error(path, "not_a_date", "must be a calendar date YYYY-MM-DD");
  return date;
}

function checkAmount(path: string, amount: number): Cents {
  if (!isCents(amount) || amount < 1 || amount > MAX_AMOUNT_CENTS) {
    throw new Pain008Error(
      path,
      "bad_amount",
      `must be an integer number of cents from 1 to ${MAX_AMOUNT_CENTS}`,
    );
  }
  return amount;
}

function checkTransaction(
  tx: Pain008Transaction,
  index: number,
  input: Pain008Input,
): CheckedTransaction {
  const path = `transactions[${index}]`;
  const mandate = validateMandateReference(tx.mandateId);
  if (!mandate.ok || mandate.value !== tx.mandateId) {
    throw new Pain008Error(
      `${path}.mandateId`,
      mandate.ok ? "not_normalised" : mandate.reason,
      mandate.ok ? "has surrounding spaces" : mandate.message,
    );
  }
  const collectionDate =
    tx.collectionDate === undefined
      ? checkDate("collectionDate", input.collectionDate)
      : checkDate(`${path}.collectionDate`, tx.collectionDate);
  const signed = checkDate(`${path}.mandateSignatureDate`, tx.mandateSignatureDate);
  if (signed > collectionDate)
    throw new Pain008Error(
      `${path}.mandateSignatureDate`,
      "after_collection",
      "mandate is signed after the collection date",
    );
  const debtor = checkIban(`${path}.debtorIban`, tx.debtorIban);
  return {
    ...tx,
    endToEndId: checkIdentifier(`${path}.endToEndId`, tx.endToEndId),
    amount: checkAmount(`${path}.amount`, tx.amount),
    debtorName: checkName(`${path}.debtorName`, tx.debtorName),
    debtorIban: debtor.iban,
    debtorBic: checkBic(`${path}.debtorBic`, tx.debtorBic, debtor.country),
    remittanceInfo: toSepaTextLimited(tx.remittanceInfo, MAX_REMITTANCE_LENGTH),
    sequenceType: tx.sequenceType ?? input.sequenceType,
    collectionDate,
  };
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Whole seconds, as DK Anlage 3 shows CreDtTm; fractions from Date#toISOString are dropped. */
function checkCreationDateTime(value: string): string {
  const match = DATE_TIME.exec(value);
  if (
    !match ||
    !isIsoDate(match[1] ?? "") ||
    Number(match[2]) > 23 ||
    Number(match[3]) > 59 ||
    Number(match[4]) > 59
  ) {
    throw new Pain008Error(
      "creationDateTime",
      "bad_datetime",
      "must be an RFC 3339 date-time such as 2027-01-04T09:30:00Z",
    );
  }
  return value.replace(/\.\d+(?=Z|[+-])/, "");
}

function checkUniqueEndToEndIds(transactions: readonly CheckedTransaction[]): void {
  const seen = new Set<string>();
  transactions.forEach((tx, index) => {
    if (seen.has(tx.endToEndId))
      throw new Pain008Error(
        `transactions[${index}].endToEndId`,
        "duplicate",
        "appears twice in the file",
      );
    seen.add(tx.endToEndId);
  });
}

// ---------------------------------------------------------------------------------------------
// Grouping

const SEQUENCE_ORDER: Readonly<Record<CollectionSequenceType, number>> = {
  FRST: 0,
  RCUR: 1,
  FNAL: 2,
  OOFF: 3,
};

interface Group {
  sequenceType: CollectionSequenceType;
  collectionDate: IsoDate;
  transactions: CheckedTransaction[];
}

/** One PmtInf per (collection date, sequence type): the schema puts both on the PmtInf. */
function groupTransactions(transactions: readonly CheckedTransaction[]): Group[] {
  const groups = new Map<string, Group>();
  for (const tx of transactions) {
    const key = `${tx.collectionDate}|${tx.sequenceType}`;
    const group = groups.get(key) ?? {
      sequenceType: tx.sequenceType,
      collectionDate: tx.collectionDate,
      transactions: [],
    };
    group.transactions.push(tx);
    groups.set(key, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      a.collectionDate.localeCompare(b.collectionDate) ||
      SEQUENCE_ORDER[a.sequenceType] - SEQUENCE_ORDER[b.sequenceType],
  );
}

/** "<messageId>-<n>", shortening the message id so the whole stays within 35 characters. */
function paymentInfoId(messageId: string, index: number): string {
  const suffix = `-${index + 1}`;
  return `${messageId.slice(0, MAX_ID_LENGTH - suffix.length).replace(/[/ ]+$/, "")}${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// Elements

function agent(bic: string | null): XmlNode {
  // Without a BIC the EPC guidelines ask for the literal "NOTPROVIDED" (IBAN-only, EEA).
  const id = bic === null ? el("Othr", [el("Id", "NOTPROVIDED")]) : el("BICFI", bic);
  return el("FinInstnId", [id]);
}

function account(iban: string): XmlNode[] {
  return [el("Id", [el("IBAN", iban)])];
}

function creditorSchemeId(creditorId: string): XmlNode {
  return el("CdtrSchmeId", [
    el("Id", [
      el("PrvtId", [el("Othr", [el("Id", creditorId), el("SchmeNm", [el("Prtry", "SEPA")])])]),
    ]),
  ]);
}

function amendmentDetails(
  amendment: NonNullable<Pain008Transaction["amendment"]>,
  path: string,
): XmlNode[] {
  const details: XmlNode[] = [];
  if (amendment.originalMandateId !== undefined) {
    const original = validateMandateReference(amendment.originalMandateId);
    if (!original.ok)
      throw new Pain008Error(
        `${path}.amendment.originalMandateId`,
        original.reason,
        original.message,
      );
    details.push(el("OrgnlMndtId", original.value));
  }
  if (amendment.originalDebtorIban !== undefined) {
    details.push(
      el(
        "OrgnlDbtrAcct",
        account(
          checkIban(`${path}.amendment.originalDebtorIban`, amendment.originalDebtorIban).iban,
        ),
      ),
    );
  } else if (amendment.debtorBankChanged === true) {
    // EPC: a move to another bank without the old IBAN is flagged with the code SMNDA.
    details.push(el("OrgnlDbtrAcct", [el("Id", [el("Othr", [el("Id", "SMNDA")])])]));
  }
  return details;
}

function mandateInfo(tx: CheckedTransaction, index: number): XmlNode {
  const details = tx.amendment ? amendmentDetails(tx.amendment, `transactions[${index}]`) : [];
  const amended = details.length > 0 ? [el("AmdmntInd", "true"), el("AmdmntInfDtls", details)] : [];
  return el("DrctDbtTx", [
    el("MndtRltdInf", [
      el("MndtId", tx.mandateId),
      el("DtOfSgntr", tx.mandateSignatureDate),
      ...amended,
    ]),
  ]);
}

function transactionNode(tx: CheckedTransaction, index: number): XmlNode {
  const remittance =
    tx.remittanceInfo === "" ? [] : [el("RmtInf", [el("Ustrd", tx.remittanceInfo)])];
  return el("DrctDbtTxInf", [
    el("PmtId", [el("EndToEndId", tx.endToEndId)]),
    el("InstdAmt", formatCentsDecimal(tx.amount), { Ccy: "EUR" }),
    mandateInfo(tx, index),
    el("DbtrAgt", [agent(tx.debtorBic)]),
    el("Dbtr", [el("Nm", tx.debtorName)]),
    el("DbtrAcct", account(tx.debtorIban)),
    ...remittance,
  ]);
}

function paymentInfoNode(
  group: Group,
  id: string,
  creditor: CheckedCreditor,
  batchBooking: boolean,
  indexOf: Map<CheckedTransaction, number>,
): XmlNode {
  return el("PmtInf", [
    el("PmtInfId", id),
    el("PmtMtd", "DD"),
    el("BtchBookg", String(batchBooking)),
    el("NbOfTxs", String(group.transactions.length)),
    el("CtrlSum", formatCentsDecimal(sumAmounts(group.transactions))),
    el("PmtTpInf", [
      el("SvcLvl", [el("Cd", "SEPA")]),
      el("LclInstrm", [el("Cd", "CORE")]),
      el("SeqTp", group.sequenceType),
    ]),
    el("ReqdColltnDt", group.collectionDate),
    el("Cdtr", [el("Nm", creditor.name)]),
    el("CdtrAcct", account(creditor.iban)),
    el("CdtrAgt", [agent(creditor.bic)]),
    el("ChrgBr", "SLEV"),
    creditorSchemeId(creditor.creditorId),
    ...group.transactions.map((tx) => transactionNode(tx, indexOf.get(tx) ?? 0)),
  ]);
}

// ---------------------------------------------------------------------------------------------
// The document

/** Builds the file, or throws Pain008Error naming the first bad field. */
export function buildPain008(input: Pain008Input): Pain008Document {
  const messageId = checkIdentifier("messageId", input.messageId);
  const creationDateTime = checkCreationDateTime(input.creationDateTime);
  const initiatingPartyName = checkName("initiatingPartyName", input.initiatingPartyName);
  const creditor = checkCreditor(input.creditor);
  if (input.transactions.length === 0)
    throw new Pain008Error("transactions", "empty", "a file needs at least one transaction");
  const transactions = input.transactions.map((tx, index) => checkTransaction(tx, index, input));
  checkUniqueEndToEndIds(transactions);
  const indexOf = new Map(transactions.map((tx, index) => [tx, index] as const));
  const groups = groupTransactions(transactions);
  const ids = groups.map((_, index) => paymentInfoId(messageId, index));
  const controlSum = sumAmounts(transactions);
  const document = el(
    "Document",
    [
      el("CstmrDrctDbtInitn", [
        el("GrpHdr", [
          el("MsgId", messageId),
          el("CreDtTm", creationDateTime),
          el("NbOfTxs", String(transactions.length)),
          el("CtrlSum", formatCentsDecimal(controlSum)),
          el("InitgPty", [el("Nm", initiatingPartyName)]),
        ]),
        ...groups.map((group, index) =>
          paymentInfoNode(group, ids[index] ?? "", creditor, input.batchBooking ?? true, indexOf),
        ),
      ]),
    ],
    { xmlns: PAIN008_NAMESPACE },
  );
  return {
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n${renderNode(document, 0)}`,
    messageId,
    numberOfTransactions: transactions.length,
    controlSum: Number(controlSum),
    paymentInfos: groups.map((group, index) => ({
      paymentInfoId: ids[index] ?? "",
      sequenceType: group.sequenceType,
      collectionDate: group.collectionDate,
      numberOfTransactions: group.transactions.length,
      controlSum: Number(sumAmounts(group.transactions)),
      endToEndIds: group.transactions.map((tx) => tx.endToEndId),
    })),
  };
}
