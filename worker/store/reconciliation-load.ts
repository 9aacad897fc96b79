// What a reconciliation run reads: the transactions not yet reconciled, the candidate invoices
// (those the bank texts name, the payers' open ones, open ones of unknown payers' amounts), the
// customers and mandates behind the payers' IBANs, and the open SEPA collections. Lists go in as one JSON parameter each.
import { and, asc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { bankTransactions } from "../../schema/banking.ts";
import { reconciliationEntries } from "../../schema/reconciliation.ts";
import { sepaCollectionItems, sepaCollectionRuns, sepaMandates } from "../../schema/sepa.ts";
import { customers, invoices } from "../../schema/tables.ts";
import type { Db } from "./db.ts";
import type { RunItemRecord } from "./sepa-runs.ts";

const jsonList = (values: readonly (string | number)[]) =>
  sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;

// Spelled out: inside a select, drizzle leaves column names unqualified, and a bare "id" in the
// subquery would be the journal's own.
const entrySeq =
  sql<number>`(SELECT COALESCE(MAX(e.seq), 0) FROM ${reconciliationEntries} AS e WHERE e.bank_transaction_id = "bank_transactions"."id")`.mapWith(
    Number,
  );

export type ReconcilableTransaction = typeof bankTransactions.$inferSelect & { seq: number };

/** Transactions the sync stored and nobody decided on yet, in the order the bank booked them. */
export async function unreconciledTransactions(
  db: Db,
  merchantId: string,
  limit: number,
): Promise<ReconcilableTransaction[]> {
  return db
    .select({
      ...getTableColumns(bankTransactions),
      seq: entrySeq,
    })
    .from(bankTransactions)
    .where(
      and(eq(bankTransactions.merchantId, merchantId), eq(bankTransactions.status, "unmatched")),
    )
    .orderBy(
      asc(bankTransactions.bookingDate),
      asc(bankTransactions.providerSequence),
      asc(bankTransactions.id),
    )
    .limit(limit);
}

/** One transaction with its journal position, for a person's assignment. */
export async function transactionForBooking(
  db: Db,
  merchantId: string,
  id: string,
): Promise<ReconcilableTransaction | undefined> {
  const [row] = await db
    .select({
      ...getTableColumns(bankTransactions),
      seq: entrySeq,
    })
    .from(bankTransactions)
    .where(and(eq(bankTransactions.merchantId, merchantId), eq(bankTransactions.id, id)))
    .limit(1);
  return row;
}

const invoiceFields = {
  id: invoices.id,
  customerId: invoices.customerId,
  kind: invoices.kind,
  number: invoices.number,
  paymentReference: invoices.paymentReference,
  status: invoices.status,
  issueDate: invoices.issueDate,
  currency: invoices.currency,
  grossAmount: invoices.grossAmount,
  amountPaid: invoices.amountPaid,
};

export type InvoiceState = { [K in keyof typeof invoiceFields]: (typeof invoices.$inferSelect)[K] };

/** What one reconciliation run can look up (see statementReach in worker/domain/payment-matching.ts). */
export interface InvoiceReach {
  references: readonly string[];
  numbers: readonly string[];
  customerIds: readonly string[];
  amounts: readonly number[];
  /** Of each amount (per currency), only the first this many in the matcher's order (issue date, number, id). */
  perAmount: number;
}

/** An invoice that can take money; spelled as the partial index invoices_open_amount is. */
const takesMoney = sql`${invoices.status} IN ('open', 'partially_paid') AND ${invoices.kind} <> 'credit_note' AND ${invoices.grossAmount} > ${invoices.amountPaid}`;

/**
 * The candidate invoices of one run, never the merchant's whole ledger: any invoice (paid, void,
 * in a collection) whose payment reference or number the bank texts name, so the matcher
 * recognises a reference to a closed invoice instead of guessing another; the open invoices of
 * the payers known by IBAN; and, for the suggestions to unknown payers, the open invoices of
 * their amounts (only as many per amount as the matcher looks at). Four lookups in one batch, each through its own index (as one `… OR …`
 * condition SQLite walked every invoice of the merchant).
 */
export async function invoicesForMatching(
  db: Db,
  merchantId: string,
  reach: InvoiceReach,
): Promise<InvoiceState[]> {
  const merchant = eq(invoices.merchantId, merchantId);
  const [byReference, byNumber, byCustomer, byAmount] = await db.batch([
    db
      .select(invoiceFields)
      .from(invoices)
      .where(and(merchant, sql`${invoices.paymentReference} IN ${jsonList(reach.references)}`)),
    db
      .select(invoiceFields)
      .from(invoices)
      .where(and(merchant, sql`${invoices.number} IN ${jsonList(reach.numbers)}`)),
    db
      .select(invoiceFields)
      .from(invoices)
      .where(
        and(merchant, sql`${invoices.customerId} IN ${jsonList(reach.customerIds)}`, takesMoney),
      ),
    db
      .select()
      .from(
        db
          .select({
            ...invoiceFields,
            rank: sql<number>`row_number() OVER (PARTITION BY ${invoices.currency}, ${invoices.grossAmount} - ${invoices.amountPaid} ORDER BY ${invoices.issueDate}, ${invoices.number}, ${invoices.id})`.as(
              "rank",
            ),
          })
          .from(invoices)
          .where(
            and(
              merchant,
              sql`${invoices.grossAmount} - ${invoices.amountPaid} IN ${jsonList(reach.amounts)}`,
              takesMoney,
            ),
          )
          .as("by_amount"),
      )
      .where(sql`"rank" <= ${reach.perAmount}`),
  ]);
  const byId = new Map<string, InvoiceState>();
  for (const list of [byReference, byNumber, byCustomer])
    for (const invoice of list) byId.set(invoice.id, invoice);
  for (const { rank: _rank, ...invoice } of byAmount) byId.set(invoice.id, invoice);
  return [...byId.values()];
}

/** The select of invoicesByIds, to put into a caller's batch. */
export function invoicesByIdsQuery(db: Db, merchantId: string, ids: readonly string[]) {
  return db
    .select(invoiceFields)
    .from(invoices)
    .where(and(eq(invoices.merchantId, merchantId), sql`${invoices.id} IN ${jsonList(ids)}`));
}

export async function invoicesByIds(
  db: Db,
  merchantId: string,
  ids: readonly string[],
): Promise<InvoiceState[]> {
  if (ids.length === 0) return [];
  return invoicesByIdsQuery(db, merchantId, ids);
}

export interface PayerCandidates {
  /** Customers whose account on file is one of the payers' (found by its lookup hash). */
  customers: { id: string; ibanHash: string | null }[];
  /** Mandates whose masked IBAN fits one of the payers': only these need decrypting. */
  mandates: { id: string; customerId: string; ibanCiphertext: string }[];
}

export async function payerCandidates(
  db: Db,
  merchantId: string,
  ibanHashes: readonly string[],
  maskedIbans: readonly string[],
): Promise<PayerCandidates> {
  if (ibanHashes.length === 0) return { customers: [], mandates: [] };
  const [found, mandates] = await db.batch([
    db
      .select({ id: customers.id, ibanHash: customers.ibanHash })
      .from(customers)
      .where(
        and(
          eq(customers.merchantId, merchantId),
          sql`${customers.ibanHash} IN ${jsonList(ibanHashes)}`,
        ),
      ),
    db
      .select({
        id: sepaMandates.id,
        customerId: sepaMandates.customerId,
        ibanCiphertext: sepaMandates.ibanCiphertext,
      })
      .from(sepaMandates)
      .where(
        and(
          eq(sepaMandates.merchantId, merchantId),
          sql`${sepaMandates.ibanMasked} IN ${jsonList(maskedIbans)}`,
        ),
      ),
  ]);
  return { customers: found, mandates };
}

export interface OpenCollections {
  runs: { id: string; messageId: string }[];
  items: RunItemRecord[];
}

/** Runs the bank has not fully credited or returned, with their pending items. */
export async function openCollections(db: Db, merchantId: string): Promise<OpenCollections> {
  const openRuns = db
    .select({ id: sepaCollectionRuns.id })
    .from(sepaCollectionRuns)
    .where(
      and(eq(sepaCollectionRuns.merchantId, merchantId), eq(sepaCollectionRuns.status, "open")),
    );
  const [runs, items] = await db.batch([
    db
      .select({ id: sepaCollectionRuns.id, messageId: sepaCollectionRuns.messageId })
      .from(sepaCollectionRuns)
      .where(
        and(eq(sepaCollectionRuns.merchantId, merchantId), eq(sepaCollectionRuns.status, "open")),
      ),
    db
      .select()
      .from(sepaCollectionItems)
      .where(
        and(
          eq(sepaCollectionItems.merchantId, merchantId),
          eq(sepaCollectionItems.status, "pending"),
          inArray(sepaCollectionItems.runId, openRuns),
        ),
      )
      .orderBy(asc(sepaCollectionItems.id)),
  ]);
  return { runs, items };
}
