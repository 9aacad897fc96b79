// The record of a returned direct debit, written in the batch that books the return. Its invoice
// id is read from the collection item through a guard: an item that is no longer pending or
// settled (another line already returned it) yields NULL and aborts the batch.
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { paymentReturns } from "../../schema/reconciliation.ts";
import { sepaCollectionItems } from "../../schema/sepa.ts";
import type { Db } from "./db.ts";

export interface NewReturn {
  id: string;
  merchantId: string;
  entryId: string;
  bankTransactionId: string;
  customerId: string;
  collectionItemId: string;
  allocationId: string | null;
  amount: number;
  fee: number;
  currency: string;
  reasonCode: string | null;
  reasonClass: string | null;
  mandateEffect: string;
  linkedVia: string;
  returnDate: string | null;
  at: string;
}

/** Must run before returnCollectionItemStatements in the batch, which marks the item returned. */
export function returnStatement(db: Db, r: NewReturn): BatchItem<"sqlite"> {
  const { collectionItemId, at, ...rest } = r;
  const invoiceOfReturnable = sql`(SELECT ${sepaCollectionItems.invoiceId} FROM ${sepaCollectionItems} WHERE ${sepaCollectionItems.merchantId} = ${r.merchantId}
    AND ${sepaCollectionItems.id} = ${collectionItemId} AND ${sepaCollectionItems.status} IN ('pending', 'settled'))`;
  return db
    .insert(paymentReturns)
    .values({ ...rest, collectionItemId, invoiceId: invoiceOfReturnable, bookedAt: at });
}
