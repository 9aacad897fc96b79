// The fake finAPI's in-memory world: clients, users, tokens, banks, web forms, tasks, bank
// connections, accounts and transactions, and how each renders as finAPI JSON. Amounts are
// kept in cents and only turned into JSON numbers on the way out, like finAPI's own `4111.3`.
import { centsToAmount, toCents } from "../../../worker/banking/finapi/amount.ts";
import { berlinDate, berlinTimestamp } from "./errors.ts";
import { generateTestBanks, germanIban } from "./generators.ts";
import type { BankingInterface, FakeBank } from "./generators.ts";

export interface FakeClientRecord {
  clientId: string;
  clientSecret: string;
  no: number;
}

export interface FakeUserRecord {
  id: string;
  password: string;
  email: string | null;
  phone: string | null;
  isAutoUpdateEnabled: boolean;
  clientId: string;
  no: number;
  locked: boolean;
  verified: boolean;
}

export interface TokenRecord {
  token: string;
  kind: "client" | "user";
  clientId: string;
  userId: string | null;
  expiresAt: number | null;
}

export interface RefreshTokenRecord {
  token: string;
  clientId: string;
  userId: string;
  expiresAt: number | null;
}

export interface UpdateResult {
  result: "OK" | "BANK_SERVER_REJECTION" | "INTERNAL_SERVER_ERROR";
  errorMessage: string | null;
  errorType: "BUSINESS" | "TECHNICAL" | null;
  timestamp: number;
}

export interface FakeConnection {
  id: number;
  userId: string;
  bankId: number;
  name: string;
  bankingInterface: BankingInterface;
  updateStatus: "IN_PROGRESS" | "READY";
  updateDoneAt: number | null;
  updateKind: "manual" | "auto";
  consentExpiresAt: number | null;
  lastManualUpdate: UpdateResult | null;
  lastAutoUpdate: UpdateResult | null;
  userActionRequired: boolean;
  accountIds: number[];
  /** Updates that will answer 510 (SCA needed) before one succeeds. */
  scaRequired: number;
  /** Background tasks for this connection end in WEB_FORM_REQUIRED. */
  webFormRequired: boolean;
  /** Unattended updates (no PSU headers) accepted per Berlin day: PSD2 allows 4 per consent. */
  unattendedUpdates: Record<string, number>;
  /** Whether the running update imports accounts finAPI does not know yet. */
  importNewAccounts: boolean;
}

export interface FakeAccount {
  id: number;
  userId: string;
  bankConnectionId: number;
  accountName: string;
  iban: string;
  accountNumber: string;
  accountHolderName: string;
  accountCurrency: string;
  accountType: string;
  balanceCents: number;
  isNew: boolean;
  lastSuccessfulUpdate: number;
  /** Bookings the bank has but finAPI has not downloaded yet: imported by the next update. */
  pending: FakeTransactionInput[];
  /** False for an account opened at the bank that finAPI imports only with `importNewAccounts`. */
  visible: boolean;
  /** Closed at the bank: the next update removes it (and its transactions) from finAPI. */
  closedAtBank: boolean;
}

/** Optional string fields of a transaction, stored as given (null when absent). */
export const TEXT_FIELDS = [
  "currency",
  "purpose",
  "type",
  "primanota",
  "counterpartName",
  "counterpartAccountNumber",
  "counterpartIban",
  "counterpartBlz",
  "counterpartBic",
  "counterpartBankName",
  "counterpartMandateReference",
  "counterpartCustomerReference",
  "counterpartCreditorId",
  "counterpartDebitorId",
  "differentDebitor",
  "differentCreditor",
  "typeCodeZka",
  "typeCodeSwift",
  "sepaPurposeCode",
  "bankTransactionCode",
  "bankTransactionCodeDescription",
  "endToEndReference",
  "originalCurrency",
  "feeCurrency",
] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/** What tests hand to control.addTransactions: finAPI field names, amounts in cents or euros. */
export type FakeTransactionInput = Partial<Record<TextField, string | null>> & {
  amountCents?: number;
  /** Euros as finAPI sends them; converted exactly. Use amountCents where possible. */
  amount?: number;
  originalAmountCents?: number | null;
  compensationAmountCents?: number | null;
  feeAmountCents?: number | null;
  bankBookingDate?: string;
  valueDate?: string;
  /** RFC 3339; defaults to the fake clock's now. */
  importDate?: string | undefined;
  isPotentialDuplicate?: boolean;
  isAdjustingEntry?: boolean;
  isNew?: boolean;
  /** Merged over the rendered JSON as-is, to serve malformed data (e.g. {amount: 1.005}). */
  raw?: Record<string, unknown>;
};

export interface FakeTransaction {
  id: number;
  accountId: number;
  userId: string;
  amountCents: number;
  valueDate: string;
  bankBookingDate: string;
  finapiBookingDate: string;
  importedAt: number;
  importDate: string;
  text: Record<TextField, string | null>;
  originalAmountCents: number | null;
  compensationAmountCents: number | null;
  feeAmountCents: number | null;
  labelIds: number[];
  isPotentialDuplicate: boolean;
  isAdjustingEntry: boolean;
  isNew: boolean;
  raw: Record<string, unknown> | null;
}

export interface WebFormPayload {
  bankConnectionId: number | null;
  paymentId: number | null;
  standingOrderId: number | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface FakeWebForm {
  id: string;
  url: string;
  createdAt: number;
  expiresAt: number;
  type: "BANK_CONNECTION_IMPORT" | "BANK_CONNECTION_UPDATE";
  status:
    "NOT_YET_OPENED" | "IN_PROGRESS" | "COMPLETED" | "COMPLETED_WITH_ERROR" | "EXPIRED" | "ABORTED";
  payload: WebFormPayload;
  userId: string;
  bankId: number | null;
  bankSearch: string | null;
  bankConnectionName: string | null;
  accountTypes: string[] | null;
  allowedInterfaces: BankingInterface[] | null;
  finalisedCallback: string | null;
  redirectUrl: string | null;
  /** For BANK_CONNECTION_UPDATE forms. */
  targetConnectionId: number | null;
}

export interface FakeTask {
  id: string;
  createdAt: number;
  dueAt: number;
  type: "BANK_CONNECTION_UPDATE";
  status:
    "NOT_YET_STARTED" | "IN_PROGRESS" | "WEB_FORM_REQUIRED" | "COMPLETED" | "COMPLETED_WITH_ERROR";
  userId: string;
  bankConnectionId: number;
  webFormId: string | null;
  errorCode: string | null;
  callbacks: { finalised: string | null; webFormRequired: string | null };
}

export interface NotificationRuleRecord {
  id: number;
  userId: string;
  triggerEvent: string;
  params: Record<string, string> | null;
  callbackHandle: string | null;
  includeDetails: boolean;
}

/** The whole world, with id counters. Plain data: routes and control both work on it. */
export class FakeStore {
  readonly clients = new Map<string, FakeClientRecord>();
  readonly users = new Map<string, FakeUserRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** The token currently handed out per client/user, so a valid one is returned again. */
  readonly activeToken = new Map<string, string>();
  readonly banks: FakeBank[];
  readonly connections = new Map<number, FakeConnection>();
  readonly accounts = new Map<number, FakeAccount>();
  readonly transactions = new Map<number, FakeTransaction>();
  readonly webForms = new Map<string, FakeWebForm>();
  readonly tasks = new Map<string, FakeTask>();
  readonly notificationRules = new Map<number, NotificationRuleRecord>();
  /** account|amount|date|purpose of every stored transaction, so duplicate checks stay O(1). */
  readonly bookingKeys = new Set<string>();
  private nextNo = { user: 1, connection: 1, account: 1, transaction: 1, rule: 1 };

  constructor(seed: number, extraBanks: number) {
    this.banks = generateTestBanks(seed, extraBanks);
  }

  next(kind: keyof FakeStore["nextNo"]): number {
    const value = this.nextNo[kind];
    this.nextNo[kind] = value + 1;
    return value;
  }

  bank(id: number): FakeBank | undefined {
    return this.banks.find((bank) => bank.id === id);
  }

  /** finAPI forgets a connection with its accounts and their transactions. */
  deleteConnection(id: number): void {
    const connection = this.connections.get(id);
    if (!connection) return;
    for (const accountId of connection.accountIds) this.deleteAccount(accountId);
    for (const account of [...this.accounts.values()])
      if (account.bankConnectionId === id) this.deleteAccount(account.id);
    this.connections.delete(id);
  }

  deleteAccount(id: number): void {
    for (const transaction of [...this.transactions.values()])
      if (transaction.accountId === id) this.transactions.delete(transaction.id);
    this.accounts.delete(id);
  }

  /** finAPI forgets a user: its connections, tokens and notification rules go with it. */
  deleteUser(id: string): void {
    for (const connection of [...this.connections.values()])
      if (connection.userId === id) this.deleteConnection(connection.id);
    for (const [token, record] of [...this.tokens])
      if (record.userId === id) this.tokens.delete(token);
    for (const [token, record] of [...this.refreshTokens])
      if (record.userId === id) this.refreshTokens.delete(token);
    for (const [id2, rule] of [...this.notificationRules])
      if (rule.userId === id) this.notificationRules.delete(id2);
    this.users.delete(id);
  }

  userTransactions(userId: string): FakeTransaction[] {
    return [...this.transactions.values()].filter((transaction) => transaction.userId === userId);
  }
}

export function randomToken(bytes = 48): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return btoa(String.fromCharCode(...buffer))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

// ---- building records ----

export function toInputCents(input: FakeTransactionInput): number {
  if (input.amountCents !== undefined) return input.amountCents;
  if (input.amount !== undefined) return toCents(input.amount);
  throw new Error("a fake transaction needs amountCents or amount");
}

export function buildTransaction(
  store: FakeStore,
  account: FakeAccount,
  input: FakeTransactionInput,
  nowMs: number,
): FakeTransaction {
  const today = berlinDate(nowMs);
  const importedAt = input.importDate ? Date.parse(input.importDate) : nowMs;
  if (Number.isNaN(importedAt)) throw new Error(`importDate ${input.importDate} is not RFC 3339`);
  const text = Object.fromEntries(
    TEXT_FIELDS.map((field) => [field, input[field] ?? null]),
  ) as Record<TextField, string | null>;
  text.currency ??= account.accountCurrency;
  const amountCents = toInputCents(input);
  const bankBookingDate = input.bankBookingDate ?? today;
  const transaction: FakeTransaction = {
    id: store.next("transaction"),
    accountId: account.id,
    userId: account.userId,
    amountCents,
    valueDate: input.valueDate ?? bankBookingDate,
    bankBookingDate,
    // finAPI moves finapiBookingDate to the import day for bookings dated in the future.
    finapiBookingDate:
      bankBookingDate > berlinDate(importedAt) ? berlinDate(importedAt) : bankBookingDate,
    importedAt,
    importDate: berlinTimestamp(importedAt),
    text,
    originalAmountCents: input.originalAmountCents ?? null,
    compensationAmountCents: input.compensationAmountCents ?? null,
    feeAmountCents: input.feeAmountCents ?? null,
    labelIds: [],
    isPotentialDuplicate:
      input.isPotentialDuplicate ??
      looksLikeDuplicate(store, account.id, amountCents, bankBookingDate, text.purpose),
    isAdjustingEntry: input.isAdjustingEntry ?? false,
    isNew: input.isNew ?? true,
    raw: input.raw ?? null,
  };
  return transaction;
}

function bookingKey(
  accountId: number,
  amountCents: number,
  bookingDate: string,
  purpose: string | null,
): string {
  return JSON.stringify([accountId, amountCents, bookingDate, purpose]);
}

/** finAPI flags (but keeps) a booking that repeats an existing one's date, amount and purpose. */
function looksLikeDuplicate(
  store: FakeStore,
  accountId: number,
  amountCents: number,
  bookingDate: string,
  purpose: string | null,
): boolean {
  return store.bookingKeys.has(bookingKey(accountId, amountCents, bookingDate, purpose));
}

export function insertTransaction(store: FakeStore, transaction: FakeTransaction): void {
  store.transactions.set(transaction.id, transaction);
  store.bookingKeys.add(
    bookingKey(
      transaction.accountId,
      transaction.amountCents,
      transaction.bankBookingDate,
      transaction.text.purpose,
    ),
  );
  const account = store.accounts.get(transaction.accountId);
  if (account) account.balanceCents += transaction.amountCents;
}

export interface AccountSpec {
  accountName?: string;
  accountType?: string;
  balanceCents?: number;
  iban?: string;
  accountCurrency?: string;
}

const DEFAULT_ACCOUNTS: AccountSpec[] = [
  { accountName: "Girokonto", accountType: "Checking", balanceCents: 1_234_56 },
  { accountName: "Tagesgeld", accountType: "Savings", balanceCents: 10_000_00 },
];

export function defaultAccountSpecs(): AccountSpec[] {
  return DEFAULT_ACCOUNTS.map((spec) => ({ ...spec }));
}

export function createConnection(
  store: FakeStore,
  user: FakeUserRecord,
  bank: FakeBank,
  options: {
    name?: string | null;
    accounts: AccountSpec[];
    nowMs: number;
    bankingInterface?: BankingInterface;
  },
): FakeConnection {
  const connection: FakeConnection = {
    id: store.next("connection"),
    userId: user.id,
    bankId: bank.id,
    name: options.name ?? bank.name,
    bankingInterface: options.bankingInterface ?? bank.interfaces[0] ?? "XS2A",
    updateStatus: "READY",
    updateDoneAt: null,
    updateKind: "manual",
    consentExpiresAt: options.nowMs + 90 * 86_400_000,
    lastManualUpdate: {
      result: "OK",
      errorMessage: null,
      errorType: null,
      timestamp: options.nowMs,
    },
    lastAutoUpdate: null,
    userActionRequired: false,
    accountIds: [],
    scaRequired: 0,
    webFormRequired: false,
    unattendedUpdates: {},
    importNewAccounts: false,
  };
  store.connections.set(connection.id, connection);
  for (const spec of options.accounts) {
    const account = createAccount(store, user, bank, connection, spec, options.nowMs);
    connection.accountIds.push(account.id);
  }
  return connection;
}

export function createAccount(
  store: FakeStore,
  user: FakeUserRecord,
  bank: FakeBank,
  connection: FakeConnection,
  spec: AccountSpec,
  nowMs: number,
): FakeAccount {
  const id = store.next("account");
  const accountNumber = String(1_000_000_000 + id * 7919).slice(0, 10);
  const account: FakeAccount = {
    id,
    userId: user.id,
    bankConnectionId: connection.id,
    accountName: spec.accountName ?? "Girokonto",
    iban: spec.iban ?? germanIban(bank.blz.padEnd(8, "0").slice(0, 8), accountNumber),
    accountNumber,
    accountHolderName: "Tarif Demo GmbH",
    accountCurrency: spec.accountCurrency ?? "EUR",
    accountType: spec.accountType ?? "Checking",
    balanceCents: spec.balanceCents ?? 0,
    isNew: true,
    lastSuccessfulUpdate: nowMs,
    pending: [],
    visible: true,
    closedAtBank: false,
  };
  store.accounts.set(id, account);
  return account;
}

// ---- rendering as finAPI JSON ----

export function renderTransaction(transaction: FakeTransaction): Record<string, unknown> {
  const labels = transaction.labelIds.map((id) => ({ id, name: `Label ${id}` }));
  const rendered: Record<string, unknown> = {
    id: transaction.id,
    parentId: null,
    accountId: transaction.accountId,
    valueDate: transaction.valueDate,
    bankBookingDate: transaction.bankBookingDate,
    finapiBookingDate: transaction.finapiBookingDate,
    amount: centsToAmount(transaction.amountCents),
    ...transaction.text,
    category: null,
    labels,
    isPotentialDuplicate: transaction.isPotentialDuplicate,
    isAdjustingEntry: transaction.isAdjustingEntry,
    isNew: transaction.isNew,
    importDate: transaction.importDate,
    children: [],
    paypalData: null,
    certisData: null,
    compensationAmount: nullableAmount(transaction.compensationAmountCents),
    originalAmount: nullableAmount(transaction.originalAmountCents),
    feeAmount: nullableAmount(transaction.feeAmountCents),
  };
  return transaction.raw ? { ...rendered, ...transaction.raw } : rendered;
}

function nullableAmount(cents: number | null): number | null {
  return cents === null ? null : centsToAmount(cents);
}

function renderUpdate(update: UpdateResult | null): Record<string, unknown> | null {
  return (
    update && {
      result: update.result,
      errorMessage: update.errorMessage,
      errorType: update.errorType,
      timestamp: berlinTimestamp(update.timestamp),
    }
  );
}

export function renderBank(bank: FakeBank): Record<string, unknown> {
  return {
    id: bank.id,
    name: bank.name,
    bic: bank.bic,
    blzs: [bank.blz],
    blz: bank.blz,
    location: bank.location,
    city: bank.city,
    isSupported: bank.isSupported,
    isTestBank: bank.isTestBank,
    popularity: 0,
    health: 100,
    interfaces: bank.interfaces.map((bankingInterface) => ({ bankingInterface })),
  };
}

export function renderConnection(
  connection: FakeConnection,
  store: FakeStore,
): Record<string, unknown> {
  const bank = store.bank(connection.bankId);
  return {
    id: connection.id,
    name: connection.name,
    updateStatus: connection.updateStatus,
    categorizationStatus: "READY",
    interfaces: [
      {
        bankingInterface: connection.bankingInterface,
        loginCredentials: [],
        defaultTwoStepProcedureId: null,
        twoStepProcedures: [],
        aisConsent: {
          status: connection.consentExpiresAt !== null ? "PRESENT" : "NOT_PRESENT",
          expiresAt:
            connection.consentExpiresAt === null
              ? null
              : berlinTimestamp(connection.consentExpiresAt),
        },
        lastManualUpdate: renderUpdate(connection.lastManualUpdate),
        lastAutoUpdate: renderUpdate(connection.lastAutoUpdate),
        userActionRequired: connection.userActionRequired,
        maxDaysForDownload: 89,
      },
    ],
    accountIds: [...connection.accountIds],
    owners: null,
    bank: bank ? renderBank(bank) : null,
  };
}

export function renderAccount(account: FakeAccount): Record<string, unknown> {
  const lastUpdate = berlinTimestamp(account.lastSuccessfulUpdate);
  return {
    id: account.id,
    bankConnectionId: account.bankConnectionId,
    accountName: account.accountName,
    iban: account.iban,
    accountNumber: account.accountNumber,
    subAccountNumber: null,
    accountHolderName: account.accountHolderName,
    accountHolderId: null,
    accountCurrency: account.accountCurrency,
    accountType: account.accountType,
    balance: centsToAmount(account.balanceCents),
    overdraft: null,
    overdraftLimit: null,
    availableFunds: centsToAmount(account.balanceCents),
    isNew: account.isNew,
    isSeized: false,
    interfaces: [
      {
        bankingInterface: "XS2A",
        status: "UPDATED",
        capabilities: ["DATA_DOWNLOAD", "SEPA_MONEY_TRANSFER", "SEPA_BASIC_DIRECT_DEBIT"],
        paymentCapabilities: null,
        lastSuccessfulUpdate: lastUpdate,
        lastUpdateAttempt: lastUpdate,
      },
    ],
  };
}

export function renderUser(user: FakeUserRecord, maskPassword: boolean): Record<string, unknown> {
  return {
    id: user.id,
    password: maskPassword ? "XXXXX" : user.password,
    email: user.email,
    phone: user.phone,
    isAutoUpdateEnabled: user.isAutoUpdateEnabled,
  };
}

export function renderWebForm(form: FakeWebForm): Record<string, unknown> {
  return {
    id: form.id,
    url: form.url,
    createdAt: berlinTimestamp(form.createdAt),
    expiresAt: berlinTimestamp(form.expiresAt),
    type: form.type,
    status: form.status,
    payload: { ...form.payload },
  };
}

export function renderTask(task: FakeTask, store: FakeStore): Record<string, unknown> {
  const form = task.webFormId ? store.webForms.get(task.webFormId) : undefined;
  return {
    id: task.id,
    createdAt: berlinTimestamp(task.createdAt),
    type: task.type,
    status: task.status,
    payload: {
      bankConnectionId: task.bankConnectionId,
      webForm: form ? { id: form.id, url: form.url, status: form.status } : null,
      errorCode: task.errorCode,
    },
  };
}

export function renderRule(rule: NotificationRuleRecord): Record<string, unknown> {
  return {
    id: rule.id,
    triggerEvent: rule.triggerEvent,
    params: rule.params,
    callbackHandle: rule.callbackHandle,
    includeDetails: rule.includeDetails,
  };
}
