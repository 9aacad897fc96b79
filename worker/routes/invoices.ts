// /api/v1/invoices: issued invoices, interim invoices and credit notes, read-only (GoBD), with
// the payments reconciliation booked on them and returned direct debits, and their documents
// (XRechnung XML, ZUGFeRD PDF) exactly as stored at issue.
import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { invoiceDetail } from "../flows/invoices.ts";
import {
  DateOut,
  IdOf,
  IdParam,
  InstantOut,
  Int,
  ListQuery,
  NullableText,
  shaped,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { handOverInvoice } from "../flows/dunning-hand-over.ts";
import { INVOICE_KINDS } from "../domain/invoice.ts";
import { invoiceDocumentFile, type StoredDocument } from "../flows/invoice-documents.ts";
import type { DocumentFormat } from "../store/documents.ts";
import {
  documentLinks,
  listInvoices,
  type InvoiceLineRecord,
  type InvoiceRecord,
} from "../store/invoices.ts";
import type { AllocationRecord, ReturnRecord } from "../store/payment-allocations.ts";

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

/** D1 binds at most 100 parameters per statement; the other filters need the rest. */
export const MAX_INVOICE_IDS = 90;

const InvoiceListQuery = v.object({
  ...ListQuery.entries,
  contractId: v.optional(IdOf("ctr")),
  customerId: v.optional(IdOf("cus")),
  status: v.optional(v.picklist(["open", "collection_pending", "paid", "partially_paid", "void"])),
  kind: v.optional(v.picklist(INVOICE_KINDS)),
  /** Only these invoices: up to MAX_INVOICE_IDS `inv_` ids separated by commas. */
  ids: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        new RegExp(`^inv_[0-9a-z]{24}(,inv_[0-9a-z]{24}){0,${MAX_INVOICE_IDS - 1}}$`),
        `must be up to ${MAX_INVOICE_IDS} inv_ ids separated by commas`,
      ),
    ),
  ),
});

const NullableDate = v.nullable(DateOut);

export const InvoiceLineResource = v.object({
  id: v.string(),
  position: Int,
  description: v.string(),
  articleId: NullableText,
  itemId: NullableText,
  quantity: Int,
  unitAmount: v.nullable(Int),
  periodStart: NullableDate,
  periodEnd: NullableDate,
  netAmount: Int,
  taxRate: Int,
});

export const InvoiceResource = v.object({
  id: v.string(),
  contractId: NullableText,
  customerId: v.string(),
  kind: v.picklist(INVOICE_KINDS),
  number: v.string(),
  status: v.string(),
  issueDate: DateOut,
  dueDate: DateOut,
  currency: v.string(),
  netAmount: Int,
  taxAmount: Int,
  grossAmount: Int,
  amountPaid: Int,
  /** What is still owed, in cents: grossAmount − amountPaid (credit applied counts as paid). */
  openAmount: Int,
  paymentReference: v.string(),
  periodStart: NullableDate,
  periodEnd: NullableDate,
  originalInvoiceId: NullableText,
  changeId: NullableText,
  taxBreakdown: v.array(v.object({ taxRate: Int, netAmount: Int, taxAmount: Int })),
  createdAt: InstantOut,
  /** Where the stored PDF and XML are; null for invoices issued before documents existed. */
  documents: v.nullable(v.object({ pdf: v.string(), xml: v.string() })),
  /** Only where one invoice is answered, not in lists. */
  lines: v.optional(v.array(InvoiceLineResource)),
});

const PaymentResource = v.object({
  id: v.string(),
  date: NullableDate,
  amount: Int,
  currency: v.string(),
  rule: v.string(),
  bankTransactionId: v.string(),
  collectionItemId: NullableText,
  bookedAt: InstantOut,
  reversed: v.boolean(),
  reversedAt: v.nullable(InstantOut),
  reversal: NullableText,
});

const ReturnResource = v.object({
  id: v.string(),
  date: NullableDate,
  amount: Int,
  fee: Int,
  currency: v.string(),
  reasonCode: NullableText,
  reasonClass: NullableText,
  mandateEffect: v.string(),
  bankTransactionId: v.string(),
  collectionItemId: NullableText,
  bookedAt: InstantOut,
});

const InvoiceDetailResource = v.object({
  ...InvoiceResource.entries,
  payments: v.array(PaymentResource),
  returns: v.array(ReturnResource),
  /** Customer credit applied to this invoice, in cents (part of amountPaid). */
  creditApplied: Int,
  dunningLevel: NullableText,
  dunningHistory: v.array(
    v.object({
      level: v.string(),
      reachedOn: DateOut,
      fee: Int,
      openAmount: Int,
      interest: Int,
      flatFee: Int,
      total: Int,
    }),
  ),
});

export function invoiceResource(invoice: InvoiceRecord, lines?: InvoiceLineRecord[]) {
  const { merchantId: _merchant, billingKey: _key, documentSnapshot, ...rest } = invoice;
  return shaped(InvoiceResource)({
    ...rest,
    openAmount: Math.max(0, invoice.grossAmount - invoice.amountPaid),
    documents: documentSnapshot ? documentLinks(invoice.id) : null,
    ...(lines
      ? {
          lines: lines.map(({ merchantId: _m, invoiceId: _i, ...line }) =>
            shaped(InvoiceLineResource)(line),
          ),
        }
      : {}),
  });
}

export const invoicesRouter = new Hono<AppEnv>()
  .get(
    "/",
    doc("Invoices", "List invoices (filtered by contract, customer, status, kind or ids)", {
      schema: PageOf(InvoiceResource),
    }),
    valid("query", InvoiceListQuery),
    async (c) => {
      const { ids, ...query } = c.req.valid("query");
      const rows = await listInvoices(c.var.db, c.get("merchant").id, {
        ...query,
        ids: ids?.split(","),
      });
      return c.json(toPage(rows, query.limit, (row) => invoiceResource(row)));
    },
  )
  .get(
    "/:id",
    doc(
      "Invoices",
      "Get an invoice with its lines, payments and returned debits",
      { schema: InvoiceDetailResource },
      { errors: [404] },
    ),
    valid("param", IdParam("inv")),
    async (c) => {
      const { invoice, payments, dunning, creditApplied } = await invoiceDetail(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("param").id,
      );
      return c.json<v.InferOutput<typeof InvoiceDetailResource>>({
        ...invoiceResource(invoice, invoice.lines),
        payments: payments.allocations.map(paymentResource),
        returns: payments.returns.map(returnResource),
        creditApplied,
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
    doc(
      "Invoices",
      "The invoice as XRechnung 3.0 (UN/CEFACT CII), stored once at issue",
      { media: "application/xml" },
      { errors: [404, 500] },
    ),
    valid("param", IdParam("inv")),
    documentDownload("xml"),
  )
  .get(
    "/:id/pdf",
    doc(
      "Invoices",
      "The invoice as PDF/A-3 with factur-x.xml (ZUGFeRD, EN 16931), stored once",
      { media: "application/pdf" },
      { errors: [404, 500] },
    ),
    valid("param", IdParam("inv")),
    documentDownload("pdf"),
  )
  .post(
    "/:id/dunning/hand-over",
    doc(
      "Invoices",
      "Hand an invoice over after its 2nd dunning notice (ends automatic dunning)",
      { status: 201, schema: HandOverResource },
      { errors: [404, 409] },
    ),
    valid("param", IdParam("inv")),
    async (c) => {
      const { id } = c.req.valid("param");
      const result = await handOverInvoice(c.var.db, c.get("merchant"), id, c.var.now);
      return c.json(result satisfies v.InferOutput<typeof HandOverResource>, 201);
    },
  );

/**
 * The handler of a document download (merchant API and portal): the stored document of the
 * invoice in the path. The portal names its customer, for whom another customer's invoice does
 * not exist.
 */
export function documentDownload(
  format: DocumentFormat,
  customerOf?: (c: Context<AppEnv>) => string,
) {
  return async (c: Context<AppEnv>) =>
    documentResponse(
      await invoiceDocumentFile(
        c.env,
        c.get("merchant").id,
        c.req.param("id") ?? "",
        format,
        c.var.now,
        customerOf?.(c),
      ),
    );
}

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

function paymentResource(a: AllocationRecord): v.InferOutput<typeof PaymentResource> {
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

function returnResource(r: ReturnRecord): v.InferOutput<typeof ReturnResource> {
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
