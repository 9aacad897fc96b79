// Reading imported bank transactions with what was booked from them (allocations, credit,
// return, the latest reconciliation entry with its review candidates), and deciding one by hand
// then reading it back: the reads the reconciliation endpoints answer with.
import type { BankTransactionStatus } from "../../schema/banking.ts";
import { notFound } from "../domain/errors.ts";
import {
  findBankTransaction,
  listBankTransactions,
  type BankTransactionRecord,
} from "../store/bank-transactions.ts";
import type { Db } from "../store/db.ts";
import { bookingsOfTransactions, type TransactionBookings } from "../store/payment-allocations.ts";
import { entriesOf, type EntryRecord } from "../store/reconciliation-entries.ts";
import { assignTransaction } from "./bank-assignment.ts";

export interface TransactionDetails {
  bookings: TransactionBookings;
  entries: EntryRecord[];
}

export interface TransactionsWithDetails {
  /** `limit + 1` rows, so the caller can tell whether there is a next page. */
  rows: BankTransactionRecord[];
  /** Of the first `limit` rows. */
  details: TransactionDetails;
}

async function detailsOf(db: Db, merchantId: string, ids: string[]): Promise<TransactionDetails> {
  const [bookings, entries] = await Promise.all([
    bookingsOfTransactions(db, merchantId, ids),
    entriesOf(db, merchantId, ids),
  ]);
  return { bookings, entries };
}

export async function listTransactionsWithDetails(
  db: Db,
  merchantId: string,
  filter: {
    limit: number;
    cursor?: string | undefined;
    status?: BankTransactionStatus | undefined;
  },
): Promise<TransactionsWithDetails> {
  const rows = await listBankTransactions(db, merchantId, filter);
  const details = await detailsOf(
    db,
    merchantId,
    rows.slice(0, filter.limit).map((row) => row.id),
  );
  return { rows, details };
}

export async function getTransactionWithDetails(
  db: Db,
  merchantId: string,
  transactionId: string,
): Promise<{ transaction: BankTransactionRecord; details: TransactionDetails }> {
  const transaction = await findBankTransaction(db, merchantId, transactionId);
  if (!transaction) throw notFound("Bank transaction", transactionId);
  return { transaction, details: await detailsOf(db, merchantId, [transactionId]) };
}

/** Assigns the transaction by hand (or undoes its decision) and returns it as stored afterwards. */
export async function decideTransaction(
  db: Db,
  merchantId: string,
  transactionId: string,
  decision: Parameters<typeof assignTransaction>[3],
  now: Date,
): Promise<{ transaction: BankTransactionRecord; details: TransactionDetails }> {
  await assignTransaction(db, merchantId, transactionId, decision, now);
  return getTransactionWithDetails(db, merchantId, transactionId);
}
