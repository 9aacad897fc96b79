// /api/v1/invoices: issued invoices, interim invoices and credit notes, read-only (GoBD), with
// the payments reconciliation booked on them and returned direct debits, and their documents
// (XRechnung XML, ZUGFeRD PDF) exactly as stored at issue.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import { IdOf, IdParam, ListQuery, toPage } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { INVOICE_KINDS } from "../domain/invoice.ts";
import { dunningLevelsOf } from "../store/dunning.ts";
import { invoiceDocumentFile, type StoredDocument } from "../flows/invoice-documents.ts";
import {
  documentLinks,
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

const InvoiceListQuery = v.object({
  ...ListQuery.entries,
  contractId: v.optional(IdOf("ctr")),
  customerId: v.optional(IdOf("cus")),
  status: v.optional(v.picklist(["open", "collection_pending", "paid", "partially_paid", "void"])),
  kind: v.optional(v.picklist(INVOICE_KINDS)),
});

export function invoiceResource(invoice: InvoiceRecord, lines?: InvoiceLineRecord[]) {
  const { merchantId: _merchant, billingKey: _key, documentSnapshot, ...rest } = invoice;
  return {
    ...rest,
    documents: documentSnapshot ? documentLinks(invoice.id) : null,
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
      const [invoice, payments, dunning] = await Promise.all([
        findInvoice(db, merchantId, id),
        paymentsOfInvoice(db, merchantId, id),
        dunningLevelsOf(db, merchantId, [id]),
      ]);
      if (!invoice) throw notFound("Invoice", id);
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
  )
  .get(
    "/:id/xml",
    doc("Invoices", "The invoice as XRechnung 3.0 (UN/CEFACT CII), stored once at issue"),
    valid("param", IdParam("inv")),
    async (c) =>
      documentResponse(
        await invoiceDocumentFile(
          c.env,
          c.get("merchant").id,
          c.req.valid("param").id,
          "xml",
          c.var.now,
        ),
      ),
  )
  .get(
    "/:id/pdf",
    doc("Invoices", "The invoice as PDF/A-3 with factur-x.xml (ZUGFeRD, EN 16931), stored once"),
    valid("param", IdParam("inv")),
    async (c) =>
      documentResponse(
        await invoiceDocumentFile(
          c.env,
          c.get("merchant").id,
          c.req.valid("param").id,
          "pdf",
          c.var.now,
        ),
      ),
  );

/** The stored bytes, with their SHA-256 so a client can check them against the webhook or D1. */
export function documentResponse(file: StoredDocument): Response {
  return new Response(file.bytes, {
    headers: {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${file.fileName}"`,
      "content-length": String(file.bytes.length),
      etag: `"${file.sha256}"`,
      "x-content-sha256": file.sha256,
      "cache-control": "private, max-age=31536000, immutable",
    },
  });
}

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
