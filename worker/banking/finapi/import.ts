// How one page of finAPI transactions becomes rows to store (no I/O besides hashing and
// sealing): adjusting entries are skipped, potential duplicates go to review, and records that
// failed validation or do not belong to the connection are parked with the reason, never dropped.
// The payer's IBAN is stored sealed and masked, and masked in a parked record's excerpt too.
import type { FinapiTransaction, RejectedTransaction, TransactionPage } from "./types.ts";
import { maskIban } from "../../domain/sepa-identifiers.ts";
import { encryptSecret, newId, sha256Hex } from "../../security.ts";
import type { BankTransactionDraft } from "../../store/bank-transactions.ts";
import { counterpartIbanBinding } from "../transactions.ts";

/** How much of a parked record is kept for a person to look at. */
const RAW_EXCERPT_CHARS = 2000;

export interface ImportContext {
  /** The connection's finAPI accounts: a record of another account is not ours to store. */
  accountIds: ReadonlySet<number>;
  /** finAPI leaves `currency` null when it is the account's currency. */
  accountCurrency: ReadonlyMap<number, string>;
  now: number;
  /** ENCRYPTION_KEY: the payer's IBAN is stored sealed. */
  encryptionKey: string | undefined;
}

/** Anything shaped like an IBAN (two letters, two digits, 11–30 more), spaced or not. */
const IBAN_LIKE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/gi;

export interface PageDrafts {
  drafts: BankTransactionDraft[];
  skipped: number;
}

const EMPTY = {
  providerSequence: null,
  accountId: null,
  amount: null,
  currency: null,
  bookingDate: null,
  valueDate: null,
  providerBookingDate: null,
  importDate: null,
  purpose: null,
  bookingText: null,
  counterpartName: null,
  counterpartIbanCiphertext: null,
  counterpartIbanMasked: null,
  counterpartBic: null,
  counterpartAccountNumber: null,
  counterpartBlz: null,
  counterpartBankName: null,
  counterpartMandateReference: null,
  counterpartCreditorId: null,
  counterpartDebitorId: null,
  counterpartCustomerReference: null,
  endToEndReference: null,
  typeCodeZka: null,
  typeCodeSwift: null,
  sepaPurposeCode: null,
  bankTransactionCode: null,
  originalAmount: null,
  originalCurrency: null,
  compensationAmount: null,
  feeAmount: null,
  feeCurrency: null,
  statusReason: null,
  rawExcerpt: null,
} satisfies Partial<BankTransactionDraft>;

export async function draftsFromPage(
  page: Pick<TransactionPage, "transactions" | "rejected">,
  context: ImportContext,
): Promise<PageDrafts> {
  const drafts: BankTransactionDraft[] = [];
  let skipped = 0;
  for (const transaction of page.transactions) {
    // A balance correction finAPI inserts itself ("Zwischensaldo"), not a booking anyone paid.
    if (transaction.isAdjustingEntry) {
      skipped += 1;
      continue;
    }
    if (!context.accountIds.has(transaction.accountId)) {
      drafts.push(
        await parked(
          {
            id: transaction.id,
            reason: `accountId ${transaction.accountId} is not an account of this bank connection`,
            raw: transaction,
          },
          context.now,
        ),
      );
      continue;
    }
    drafts.push(await accepted(transaction, context));
  }
  for (const rejected of page.rejected) drafts.push(await parked(rejected, context.now));
  return { drafts, skipped };
}

async function accepted(
  t: FinapiTransaction,
  context: ImportContext,
): Promise<BankTransactionDraft> {
  const finapiKey = String(t.id);
  const iban = t.counterpartIban;
  return {
    id: newId("btx", context.now),
    providerTransactionId: finapiKey,
    providerSequence: t.id,
    accountId: t.accountId,
    amount: t.amount,
    // finAPI serves German and Austrian accounts, which are EUR accounts.
    currency: t.currency ?? context.accountCurrency.get(t.accountId) ?? "EUR",
    bookingDate: t.bankBookingDate,
    valueDate: t.valueDate,
    providerBookingDate: t.finapiBookingDate,
    importDate: t.importDate,
    purpose: t.purpose,
    bookingText: t.type,
    counterpartName: t.counterpartName,
    counterpartIbanCiphertext: iban
      ? await encryptSecret(iban, context.encryptionKey, counterpartIbanBinding(finapiKey))
      : null,
    counterpartIbanMasked: iban ? maskIban(iban) : null,
    counterpartBic: t.counterpartBic,
    counterpartAccountNumber: t.counterpartAccountNumber,
    counterpartBlz: t.counterpartBlz,
    counterpartBankName: t.counterpartBankName,
    counterpartMandateReference: t.counterpartMandateReference,
    counterpartCreditorId: t.counterpartCreditorId,
    counterpartDebitorId: t.counterpartDebitorId,
    counterpartCustomerReference: t.counterpartCustomerReference,
    endToEndReference: t.endToEndReference,
    typeCodeZka: t.typeCodeZka,
    typeCodeSwift: t.typeCodeSwift,
    sepaPurposeCode: t.sepaPurposeCode,
    bankTransactionCode: t.bankTransactionCode,
    originalAmount: t.originalAmount,
    originalCurrency: t.originalCurrency,
    compensationAmount: t.compensationAmount,
    feeAmount: t.feeAmount,
    feeCurrency: t.feeCurrency,
    status: t.isPotentialDuplicate ? "review" : "unmatched",
    statusReason: t.isPotentialDuplicate
      ? "finAPI flags this booking as a potential duplicate of another one."
      : null,
    rawExcerpt: null,
  };
}

async function parked(rejected: RejectedTransaction, now: number): Promise<BankTransactionDraft> {
  const raw = safeJson(rejected.raw);
  return {
    ...EMPTY,
    id: newId("btx", now),
    // Without a readable id the record's content is its identity, so a re-read parks it once.
    providerTransactionId:
      rejected.id !== null ? String(rejected.id) : `raw:${await sha256Hex(raw)}`,
    providerSequence: rejected.id,
    status: "parked",
    statusReason: rejected.reason.slice(0, 500),
    rawExcerpt: raw.slice(0, RAW_EXCERPT_CHARS).replace(IBAN_LIKE, (iban) => maskIban(iban)),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
