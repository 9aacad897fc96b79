// Invoices and their lines. Numbers come from a per-merchant series row that is incremented in
// the same D1 batch that writes the invoice, so a number is used exactly when its invoice
// exists: gapless, and never reused (GoBD). Issued invoices are never updated except for
// their payment state. What an invoice says is decided by worker/domain/invoice-draft.ts.
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { invoiceDocuments } from "../../schema/documents.ts";
import { invoiceLines, invoiceNumberSeries, invoices } from "../../schema/tables.ts";
import type { InvoiceDraft } from "../domain/invoice-draft.ts";
import { chunkForInsert, type Db } from "./db.ts";
import { directDebitSql, invoiceNumberSql, queueEmailStatement } from "./email-outbox.ts";
import { applyCreditStatements } from "./customer-credit.ts";
import { eventStatements } from "./webhook-events.ts";
import type { ListOptions } from "./catalogue.ts";

export type InvoiceRecord = typeof invoices.$inferSelect;
export type InvoiceLineRecord = typeof invoiceLines.$inferSelect;

/** Where a stored document lives in R2; one object per invoice and format, never rewritten. */
export function documentObjectKey(merchantId: string, invoiceId: string, format: "pdf" | "xml") {
  return `invoices/${merchantId}/${invoiceId}.${format}`;
}

/** The document links an `invoice.created` webhook carries (paths of the merchant API). */
export function documentLinks(invoiceId: string) {
  return { pdf: `/api/v1/invoices/${invoiceId}/pdf`, xml: `/api/v1/invoices/${invoiceId}/xml` };
}

const LINE_COLUMNS = 13;

/** The statements that issue one invoice; run them inside the caller's batch. */
export function issueInvoiceStatements(
  db: Db,
  draft: InvoiceDraft,
  at: Date,
): BatchItem<"sqlite">[] {
  const { lines, seriesKey, numberPrefix, ...invoice } = draft;
  const numberOfSeries = sql`(SELECT ${numberPrefix} || '-' || printf('%06d', ${invoiceNumberSeries.lastNumber}) FROM ${invoiceNumberSeries}
    WHERE ${invoiceNumberSeries.merchantId} = ${draft.merchantId} AND ${invoiceNumberSeries.series} = ${seriesKey})`;
  const lineRows = lines.map((line) => ({
    ...line,
    invoiceId: draft.id,
    merchantId: draft.merchantId,
  }));
  return [
    db
      .insert(invoiceNumberSeries)
      .values({ merchantId: draft.merchantId, series: seriesKey, lastNumber: 1 })
      .onConflictDoUpdate({
        target: [invoiceNumberSeries.merchantId, invoiceNumberSeries.series],
        set: { lastNumber: sql`${invoiceNumberSeries.lastNumber} + 1` },
      }),
    db.insert(invoices).values({
      ...invoice,
      number: numberOfSeries,
      status: invoice.grossAmount === 0 ? "paid" : "open",
    }),
    ...chunkForInsert(lineRows, LINE_COLUMNS).map((chunk) => db.insert(invoiceLines).values(chunk)),
    // The document outbox: both documents pending until rendered and sealed (store/documents.ts).
    db.insert(invoiceDocuments).values(
      (["pdf", "xml"] as const).map((format) => ({
        merchantId: draft.merchantId,
        invoiceId: draft.id,
        format,
        objectKey: documentObjectKey(draft.merchantId, draft.id, format),
      })),
    ),
    ...eventStatements(db, {
      merchantId: draft.merchantId,
      type: "invoice.created",
      data: invoiceEventData(draft),
      at,
      invoiceNumberOf: draft.id,
    }),
    ...(draft.kind === "credit_note" ? [] : [invoiceIssuedEmail(db, draft, at)]),
    // The customer's credit goes onto the open invoices, this one included (oldest first).
    ...(draft.kind === "credit_note" || draft.grossAmount === 0
      ? []
      : applyCreditStatements(db, draft, at)),
  ];
}

function invoiceIssuedEmail(db: Db, draft: InvoiceDraft, at: Date) {
  return queueEmailStatement(db, {
    merchantId: draft.merchantId,
    customerId: draft.customerId,
    dedupeKey: draft.id,
    at,
    facts: {
      kind: "invoice_issued",
      currency: draft.currency,
      invoiceNumber: "",
      issueDate: draft.issueDate,
      dueDate: draft.dueDate,
      grossAmount: draft.grossAmount,
      paymentReference: draft.paymentReference,
      directDebit: false,
    },
    computed: {
      invoiceNumber: invoiceNumberSql(draft.id),
      directDebit: directDebitSql(draft.merchantId, draft.customerId),
    },
  });
}

function invoiceEventData(draft: InvoiceDraft) {
  return {
    id: draft.id,
    kind: draft.kind,
    contractId: draft.contractId,
    customerId: draft.customerId,
    issueDate: draft.issueDate,
    dueDate: draft.dueDate,
    currency: draft.currency,
    netAmount: draft.netAmount,
    taxAmount: draft.taxAmount,
    grossAmount: draft.grossAmount,
    paymentReference: draft.paymentReference,
    periodStart: draft.periodStart,
    periodEnd: draft.periodEnd,
    originalInvoiceId: draft.originalInvoiceId,
    documents: documentLinks(draft.id),
  };
}

export async function findInvoice(
  db: Db,
  merchantId: string,
  id: string,
): Promise<(InvoiceRecord & { lines: InvoiceLineRecord[] }) | undefined> {
  const [invoice, lines] = await db.batch([
    db
      .select()
      .from(invoices)
      .where(and(eq(invoices.merchantId, merchantId), eq(invoices.id, id)))
      .limit(1),
    db
      .select()
      .from(invoiceLines)
      .where(and(eq(invoiceLines.merchantId, merchantId), eq(invoiceLines.invoiceId, id)))
      .orderBy(asc(invoiceLines.position)),
  ]);
  return invoice[0] ? { ...invoice[0], lines } : undefined;
}

export interface InvoiceFilter extends ListOptions {
  contractId?: string | undefined;
  customerId?: string | undefined;
  status?: string | undefined;
  kind?: InvoiceRecord["kind"] | undefined;
  /** Only these invoices (the route caps their number below D1's 100 bound parameters). */
  ids?: string[] | undefined;
}

export async function listInvoices(
  db: Db,
  merchantId: string,
  filter: InvoiceFilter,
): Promise<InvoiceRecord[]> {
  return db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.merchantId, merchantId),
        filter.contractId ? eq(invoices.contractId, filter.contractId) : undefined,
        filter.customerId ? eq(invoices.customerId, filter.customerId) : undefined,
        filter.status ? eq(invoices.status, filter.status) : undefined,
        filter.kind ? eq(invoices.kind, filter.kind) : undefined,
        filter.ids ? inArray(invoices.id, filter.ids) : undefined,
        filter.cursor ? gt(invoices.id, filter.cursor) : undefined,
      ),
    )
    .orderBy(asc(invoices.id))
    .limit(filter.limit + 1);
}
