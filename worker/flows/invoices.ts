// Reading one invoice with everything booked on it: its lines, the payments reconciliation
// allocated, customer credit applied to it, returned direct debits and the dunning levels it
// reached.
import { notFound } from "../domain/errors.ts";
import { creditAppliedToInvoices } from "../store/customer-credit.ts";
import type { Db } from "../store/db.ts";
import { dunningLevelsOf, type DunningLevelRecord } from "../store/dunning.ts";
import { findInvoice, type InvoiceLineRecord, type InvoiceRecord } from "../store/invoices.ts";
import {
  paymentsOfInvoice,
  type AllocationRecord,
  type ReturnRecord,
} from "../store/payment-allocations.ts";

export interface InvoiceDetail {
  invoice: InvoiceRecord & { lines: InvoiceLineRecord[] };
  payments: { allocations: AllocationRecord[]; returns: ReturnRecord[] };
  /** Oldest level first. */
  dunning: DunningLevelRecord[];
  /** Customer credit applied to this invoice, in cents (part of amountPaid). */
  creditApplied: number;
}

export async function invoiceDetail(
  db: Db,
  merchantId: string,
  invoiceId: string,
): Promise<InvoiceDetail> {
  const [invoice, payments, dunning, credit] = await Promise.all([
    findInvoice(db, merchantId, invoiceId),
    paymentsOfInvoice(db, merchantId, invoiceId),
    dunningLevelsOf(db, merchantId, [invoiceId]),
    creditAppliedToInvoices(db, merchantId, [invoiceId]),
  ]);
  if (!invoice) throw notFound("Invoice", invoiceId);
  return { invoice, payments, dunning, creditApplied: credit.get(invoiceId) ?? 0 };
}
