// /api/v1/invoices: issued invoices, interim invoices and credit notes, read-only (GoBD), with
// the payments reconciliation booked on them and returned direct debits.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import { IdOf, IdParam, ListQuery, toPage } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { handOverInvoice } from "../flows/dunning-hand-over.ts";
import { INVOICE_KINDS } from "../domain/invoice.ts";
import { creditAppliedToInvoices } from "../store/customer-credit.ts";
import { dunningLevelsOf } from "../store/dunning.ts";
import {
  findInvoice,
  listInvoices,
  type InvoiceLineRecord,
  type InvoiceRecord,
} from "../store/invoices.ts";
import {
  paymentsOfInvoice,
  type AllocationRecord,
  type ReturnRecord,
} from "../store/payment-allocations.ts";

export const HandOverResource = v.object({
  invoiceId: v.string(),
  level: v.literal("handed_over"),
  reachedOn: v.string(),
  openAmount: v.number(),
  fees: v.number(),
  interest: v.number(),
  flatFee: v.number(),
  total: v.number(),
  currency: v.string(),
});

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
    openAmount: Math.max(0, invoice.grossAmount - invoice.amountPaid),
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
      const { id } = c.req.valid("param");
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      const [invoice, payments, dunning, credit] = await Promise.all([
        findInvoice(db, merchantId, id),
        paymentsOfInvoice(db, merchantId, id),
        dunningLevelsOf(db, merchantId, [id]),
        creditAppliedToInvoices(db, merchantId, [id]),
      ]);
      if (!invoice) throw notFound("Invoice", id);
      return c.json({
        ...invoiceResource(invoice, invoice.lines),
        payments: payments.allocations.map(paymentResource),
        returns: payments.returns.map(returnResource),
        /** Customer credit applied to this invoice, in cents (part of amountPaid). */
        creditApplied: credit.get(id) ?? 0,
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
  )
  .post(
    "/:id/dunning/hand-over",
    doc("Invoices", "Hand an invoice over after its 2nd dunning notice (ends automatic dunning)", {
      status: 201,
      schema: HandOverResource,
    }),
    valid("param", IdParam("inv")),
    async (c) => {
      const { id } = c.req.valid("param");
      const result = await handOverInvoice(c.var.db, c.get("merchant"), id, c.var.now);
      return c.json(result satisfies v.InferOutput<typeof HandOverResource>, 201);
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
