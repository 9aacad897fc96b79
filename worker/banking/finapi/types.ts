// Valibot schemas and TypeScript types for the finAPI Access V2 and Web Form 2.0 payloads Tarif
// uses (reference/finapi.md §1–§3). finAPI data is untrusted: envelopes are validated strictly,
// and each transaction on its own, so one bad record is parked with a reason instead of
// failing the page. Amounts become exact integer cents here, at the boundary.
import * as v from "valibot";
import { toCents } from "./amount.ts";

// ---- enums (reference/finapi-samples/finapi-v2-and-webform2-enums.json) ----

export const BANKING_INTERFACES = ["WEB_SCRAPER", "FINTS_SERVER", "XS2A"] as const;
export type BankingInterface = (typeof BANKING_INTERFACES)[number];

export const ACCOUNT_TYPES = [
  "Checking",
  "Savings",
  "CreditCard",
  "Security",
  "Loan",
  "Membership",
  "Bausparen",
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** Web Form 2.0 spells account types differently from Access. */
export const WEB_FORM_ACCOUNT_TYPES = [
  "BAUSPAREN",
  "CHECKING",
  "CREDIT_CARD",
  "LOAN",
  "MEMBERSHIP",
  "SAVINGS",
  "SECURITY",
] as const;
export type WebFormAccountType = (typeof WEB_FORM_ACCOUNT_TYPES)[number];

export const WEB_FORM_STATUSES = [
  "NOT_YET_OPENED",
  "IN_PROGRESS",
  "COMPLETED",
  "COMPLETED_WITH_ERROR",
  "EXPIRED",
  "ABORTED",
] as const;
export type WebFormStatus = (typeof WEB_FORM_STATUSES)[number];

export const WEB_FORM_TYPES = [
  "BANK_CONNECTION_IMPORT",
  "BANK_CONNECTION_UPDATE",
  "PAYMENT_WITH_ACCOUNT_ID",
  "STANDALONE_PAYMENT",
  "STANDING_ORDER",
  "DIRECT_DEBIT_WITH_ACCOUNT_ID",
] as const;
export type WebFormType = (typeof WEB_FORM_TYPES)[number];

export const UPDATE_STATUSES = ["IN_PROGRESS", "READY"] as const;
export const CATEGORIZATION_STATUSES = ["PENDING", "IN_PROGRESS", "READY"] as const;
export const CONSENT_STATUSES = ["PRESENT", "NOT_PRESENT"] as const;
export const UPDATE_RESULT_STATUSES = [
  "OK",
  "BANK_SERVER_REJECTION",
  "INTERNAL_SERVER_ERROR",
] as const;
export const ACCOUNT_STATUSES = [
  "UPDATED",
  "UPDATED_FIXED",
  "DOWNLOAD_IN_PROGRESS",
  "DOWNLOAD_FAILED",
  "DEPRECATED",
] as const;

/** Request caps (reference §4). */
export const MAX_PER_PAGE = 500;
export const MAX_TRANSACTION_IDS = 1000;

// ---- building blocks ----

const id = v.pipe(v.number(), v.integer(), v.minValue(1));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Generous bound for texts the reference gives no limit for: enough for any real value. */
const MAX_TEXT = 2000;

/**
 * Absent or null → null. The default matters: valibot only runs a schema for a missing key
 * when it has one, so without it an absent field would stay undefined.
 */
function nullable<T extends v.GenericSchema>(schema: T) {
  return v.nullish(schema, null);
}

function text(max = MAX_TEXT) {
  return nullable(v.pipe(v.string(), v.maxLength(max)));
}

function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/**
 * A booking/value date. V2 sends `YYYY-MM-DD`; the V1 examples show `YYYY-MM-DD HH:mm:ss.SSS`
 * (once even with dots): accept both and keep the calendar date, which is all that matters.
 */
const calendarDate = v.pipe(
  v.string(),
  v.regex(/^\d{4}-\d{2}-\d{2}(?:$|[ T])/, "must start with a YYYY-MM-DD date"),
  v.transform((value) => value.slice(0, 10)),
  v.check(isCalendarDate, "is not a calendar date"),
);

/** An instant: RFC 3339 in V2, `YYYY-MM-DD HH:mm:ss.SSS` in V1; kept as sent. */
const timestamp = v.pipe(
  v.string(),
  v.maxLength(64),
  v.regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}[:.]\d{2}[:.]\d{2}/, "must be a timestamp"),
  v.check((value) => isCalendarDate(value.slice(0, 10)), "is not a calendar date"),
);

function isExactAmount(value: number): boolean {
  try {
    toCents(value);
    return true;
  } catch {
    return false;
  }
}

/** A JSON-number amount, converted to cents; anything not exactly representable is an issue. */
const cents = v.pipe(
  v.number(),
  v.check(isExactAmount, "must be a finite amount with at most 2 decimals"),
  v.transform(toCents),
);

// ---- OAuth ----

export const AccessTokenSchema = v.object({
  access_token: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
  token_type: v.pipe(
    v.string(),
    v.check((value) => value.toLowerCase() === "bearer", "must be bearer"),
  ),
  refresh_token: text(4096),
  // 0 is the "never expires" setting of ClientConfiguration (reference §1).
  expires_in: v.optional(v.pipe(v.number(), v.minValue(0)), 0),
  scope: text(),
});
export type AccessToken = v.InferOutput<typeof AccessTokenSchema>;

// ---- users ----

export interface UserCreateParams {
  /** 1–36 chars of [0-9A-Za-z-_.+@]; finAPI generates one if absent. */
  id?: string;
  /** 6–128 chars; finAPI generates one if absent. */
  password?: string;
  email?: string;
  phone?: string;
  isAutoUpdateEnabled?: boolean;
}

export const UserSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(36)),
  password: text(128),
  email: text(320),
  phone: text(50),
  isAutoUpdateEnabled: v.boolean(),
});
export type FinapiUser = v.InferOutput<typeof UserSchema>;

/** What a user token is requested with (grant_type=password). */
export interface UserCredentials {
  username: string;
  password: string;
}

// ---- banks, bank connections ----

const BankSchema = v.looseObject({
  id,
  name: text(),
  bic: text(),
  blz: text(),
  isTestBank: v.optional(v.boolean()),
});

const UpdateResultSchema = v.object({
  result: v.picklist(UPDATE_RESULT_STATUSES),
  errorMessage: text(),
  errorType: text(),
  timestamp: nullable(timestamp),
});

const ConnectionInterfaceSchema = v.object({
  bankingInterface: v.picklist(BANKING_INTERFACES),
  aisConsent: nullable(
    v.object({ status: v.picklist(CONSENT_STATUSES), expiresAt: nullable(timestamp) }),
  ),
  lastManualUpdate: nullable(UpdateResultSchema),
  lastAutoUpdate: nullable(UpdateResultSchema),
  userActionRequired: v.optional(v.boolean(), false),
  maxDaysForDownload: nullable(count),
});

export const BankConnectionSchema = v.object({
  id,
  name: text(),
  updateStatus: v.picklist(UPDATE_STATUSES),
  categorizationStatus: nullable(v.picklist(CATEGORIZATION_STATUSES)),
  interfaces: v.optional(v.array(ConnectionInterfaceSchema), []),
  accountIds: v.array(id),
  bank: nullable(BankSchema),
});
export type BankConnection = v.InferOutput<typeof BankConnectionSchema>;

export const BankConnectionListSchema = v.object({ connections: v.array(BankConnectionSchema) });

export interface UpdateBankConnectionParams {
  bankConnectionId: number;
  /** Named bankingInterface, not interface: the wrong name gets a 400 (reference §2). */
  bankingInterface?: BankingInterface;
  storeSecrets?: boolean;
  importNewAccounts?: boolean;
  skipPositionsDownload?: boolean;
  loadOwnerData?: boolean;
  redirectUrl?: string;
}

// ---- accounts ----

const AccountInterfaceSchema = v.object({
  bankingInterface: v.picklist(BANKING_INTERFACES),
  status: v.picklist(ACCOUNT_STATUSES),
  capabilities: v.optional(v.array(v.string()), []),
  lastSuccessfulUpdate: nullable(timestamp),
});

export const AccountSchema = v.object({
  id,
  bankConnectionId: id,
  accountName: text(),
  iban: text(34),
  accountNumber: text(),
  accountHolderName: text(),
  accountCurrency: text(3),
  accountType: v.picklist(ACCOUNT_TYPES),
  balance: nullable(cents),
  overdraft: nullable(cents),
  availableFunds: nullable(cents),
  isNew: v.boolean(),
  isSeized: v.optional(v.boolean(), false),
  interfaces: v.optional(v.array(AccountInterfaceSchema), []),
});
/** An account; balance, overdraft and availableFunds are in cents. */
export type Account = v.InferOutput<typeof AccountSchema>;
export const AccountListSchema = v.object({ accounts: v.array(AccountSchema) });

export interface AccountQuery {
  ids?: number[];
  bankConnectionIds?: number[];
  accountTypes?: AccountType[];
}

// ---- transactions ----

const LabelSchema = v.object({ id, name: v.pipe(v.string(), v.maxLength(MAX_TEXT)) });

/** One transaction as finAPI sends it (field names as in V2 models/transaction.py). */
export const TransactionSchema = v.object({
  id,
  parentId: nullable(id),
  accountId: id,
  valueDate: calendarDate,
  bankBookingDate: calendarDate,
  finapiBookingDate: calendarDate,
  amount: cents,
  currency: text(3),
  purpose: text(2000),
  type: text(),
  primanota: text(),
  counterpartName: text(80),
  counterpartAccountNumber: text(),
  counterpartIban: text(34),
  counterpartBlz: text(),
  counterpartBic: text(11),
  counterpartBankName: text(),
  counterpartMandateReference: text(),
  counterpartCustomerReference: text(),
  counterpartCreditorId: text(),
  counterpartDebitorId: text(),
  differentDebitor: text(),
  differentCreditor: text(),
  // GVC: a string "1".."999" in V2; some serialisations send a number.
  typeCodeZka: nullable(
    v.pipe(
      v.union([v.string(), v.pipe(v.number(), v.integer())]),
      v.transform(String),
      v.maxLength(16),
    ),
  ),
  typeCodeSwift: text(16),
  sepaPurposeCode: text(16),
  bankTransactionCode: text(64),
  bankTransactionCodeDescription: text(),
  endToEndReference: text(),
  compensationAmount: nullable(cents),
  originalAmount: nullable(cents),
  originalCurrency: text(3),
  feeAmount: nullable(cents),
  feeCurrency: text(3),
  labels: v.optional(v.array(LabelSchema), []),
  isPotentialDuplicate: v.boolean(),
  isAdjustingEntry: v.boolean(),
  isNew: v.boolean(),
  importDate: timestamp,
});

/**
 * A validated transaction. Same field names as finAPI, but every amount field
 * (amount, originalAmount, compensationAmount, feeAmount) is integer cents, signed as sent.
 */
export type FinapiTransaction = v.InferOutput<typeof TransactionSchema>;

/** A transaction that failed validation: kept with the reason so it can be parked, not dropped. */
export interface RejectedTransaction {
  /** The finAPI id if one could be read, so the park record stays unique per transaction. */
  id: number | null;
  reason: string;
  raw: unknown;
}

export const PagingSchema = v.object({
  page: count,
  perPage: count,
  pageCount: count,
  totalCount: count,
});
export type Paging = v.InferOutput<typeof PagingSchema>;

/** The page envelope; items are validated one by one (see parseTransaction). */
export const TransactionPageSchema = v.object({
  transactions: v.pipe(v.array(v.unknown()), v.maxLength(MAX_PER_PAGE)),
  paging: PagingSchema,
});

export interface TransactionQuery {
  view?: "bankView" | "userView";
  accountIds?: number[];
  ids?: number[];
  /** Inclusive YYYY-MM-DD bounds. */
  minImportDate?: string;
  maxImportDate?: string;
  minBankBookingDate?: string;
  maxBankBookingDate?: string;
  direction?: "all" | "income" | "spending";
  isAdjustingEntry?: boolean;
  isPotentialDuplicate?: boolean;
  /** ≤ 500; default 500. */
  perPage?: number;
  /** `field,asc|desc`, repeatable; default ["id,asc"] so new imports only ever append. */
  order?: string[];
  /** Upper bound on pages fetched in one listing; default 100 (50 000 transactions). */
  maxPages?: number;
  /** The first page to fetch (a resumed backlog); default 1. */
  startPage?: number;
}

export interface TransactionPage {
  page: number;
  pageCount: number;
  totalCount: number;
  transactions: FinapiTransaction[];
  rejected: RejectedTransaction[];
}

export interface TransactionList {
  transactions: FinapiTransaction[];
  rejected: RejectedTransaction[];
  pages: number;
  totalCount: number;
}

export function parseTransaction(
  raw: unknown,
): { ok: true; transaction: FinapiTransaction } | { ok: false; rejected: RejectedTransaction } {
  const result = v.safeParse(TransactionSchema, raw);
  if (result.success) return { ok: true, transaction: result.output };
  return { ok: false, rejected: { id: readId(raw), reason: describeIssues(result.issues), raw } };
}

function readId(raw: unknown): number | null {
  if (typeof raw !== "object" || raw === null) return null;
  const value = (raw as { id?: unknown }).id;
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** "amount: must be …; bankBookingDate: is not a calendar date", bounded for storage. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ")
    .slice(0, 500);
}

// ---- Web Form 2.0 ----

export interface BankConnectionImportParams {
  bank?: { id: number } | { search: string };
  bankConnectionName?: string;
  skipPositionsDownload?: boolean;
  skipBalancesDownload?: boolean;
  loadOwnerData?: boolean;
  maxDaysForDownload?: number;
  accountTypes?: WebFormAccountType[];
  allowedInterfaces?: BankingInterface[];
  allowTestBank?: boolean;
  /** finAPI POSTs {webFormId, status} here when the form finishes; HTTPS only. */
  callbacks?: { finalised?: string };
  profileId?: string;
  /** Required for licensed (AISP) mandators, forbidden for the others. */
  redirectUrl?: string;
}

export interface BankConnectionUpdateWebFormParams {
  bank: { bankConnectionId: number };
  /** finAPI POSTs {webFormId, status} here when the form finishes; HTTPS only. */
  callbacks?: { finalised?: string };
  /** Accounts the bank offers now but finAPI does not know yet are imported too. */
  importNewAccounts?: boolean;
  skipPositionsDownload?: boolean;
  redirectUrl?: string;
}

export const WebFormSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(36)),
  url: v.pipe(v.string(), v.url(), v.maxLength(2048)),
  createdAt: nullable(timestamp),
  expiresAt: nullable(timestamp),
  type: v.picklist(WEB_FORM_TYPES),
  status: v.picklist(WEB_FORM_STATUSES),
  payload: v.nullish(
    v.object({
      bankConnectionId: nullable(id),
      paymentId: nullable(id),
      standingOrderId: nullable(id),
      errorCode: text(64),
      errorMessage: text(),
    }),
    () => ({
      bankConnectionId: null,
      paymentId: null,
      standingOrderId: null,
      errorCode: null,
      errorMessage: null,
    }),
  ),
});
export type WebForm = v.InferOutput<typeof WebFormSchema>;
