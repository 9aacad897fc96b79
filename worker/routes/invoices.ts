// /api/v1/invoices: issued invoices, interim invoices and credit notes, read-only (GoBD), with
// the payments reconciliation booked on them and returned direct debits.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { invoiceDetail } from "../flows/invoices.ts";
import { IdOf, IdParam, ListQuery, toPage } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { INVOICE_KINDS } from "../domain/invoice.ts";
import { listInvoices, type InvoiceLineRecord, type InvoiceRecord } from "../store/invoices.ts";
import type { AllocationRecord, ReturnRecord } from "../store/payment-allocations.ts";

const InvoiceListQuery = v.object({
  ...ListQuery.entries,
  contractId: v.optional(IdOf("ctr")),
  customerId: v.optional(IdOf("cus")),
  status: v.optional(v.picklist(["open", "collection_pending", "paid", "partially_paid", "void"])),
  kind: v.optional(v.picklist(INVOICE_KINDS)),
});

export function invoiceResource(invoice: InvoiceRecord, lines?: InvoiceLineRecord[]) {
  const { merchantId: _merchant, billingKey: _key, ...rest } = invoice;
  return {
    ...rest,
    ...(lines ? { lines: lines.map(({ merchantId: _m, invoiceId: _i, ...line }) => line) } : {}),
  };
}

export const invoicesRouter = new Hono<AppEnv>()
  .get("/", doc("Invoices", "List invoices"), valid("query", InvoiceListQuery), async (c) => {
    const query = c.req.valid("query");
    const rows = await listInvoices(c.var.db, c.get("merchant").id, query);
    return c.json(toPage(rows, query.limit, (row) => invoiceResource(row)));
  })
  .get(
    "/:id",
    doc("Invoices", "Get an invoice with its lines, payments and returned debits"),
    valid("param", IdParam("inv")),
    async (c) => {
      const { invoice, payments, dunning } = await invoiceDetail(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("param").id,
      );
      return c.json({
        ...invoiceResource(invoice, invoice.lines),
        payments: payments.allocations.map(paymentResource),
        returns: payments.returns.map(returnResource),
        dunningLevel: dunning.at(-1)?.level ?? null,
        dunningHistory: dunning.map((d) => ({
          level: d.level,
          reachedOn: d.reachedOn,
          fee: d.fee,
          openAmount: d.openAmount,
          interest: d.interest,
          flatFee: d.flatFee,
          total: d.total,
        })),
      });
    },
  );

function paymentResource(a: AllocationRecord) {
  return {
    id: a.id,
    date: a.paymentDate,
    amount: a.amount,
    currency: a.currency,
    rule: a.rule,
    bankTransactionId: a.bankTransactionId,
    collectionItemId: a.collectionItemId,
    bookedAt: a.bookedAt,
    reversed: a.reversedAt !== null,
    reversedAt: a.reversedAt,
    reversal: a.reversal,
  };
}

function returnResource(r: ReturnRecord) {
  return {
    id: r.id,
    date: r.returnDate,
    amount: r.amount,
    fee: r.fee,
    currency: r.currency,
    reasonCode: r.reasonCode,
    reasonClass: r.reasonClass,
    mandateEffect: r.mandateEffect,
    bankTransactionId: r.bankTransactionId,
    collectionItemId: r.collectionItemId,
    bookedAt: r.bookedAt,
  };
}
