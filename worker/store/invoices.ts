// Invoices and their lines. Numbers come from a per-merchant series row that is incremented in
// the same D1 batch that writes the invoice, so a number is used exactly when its invoice
// exists: gapless, and never reused (GoBD). Issued invoices are never updated except for
// their payment state.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { invoiceLines, invoiceNumberSeries, invoices } from "../../schema/tables.ts";
import {
  buildInvoice,
  dueDate,
  invoiceSeries,
  paymentReference,
  paymentTokenFromBytes,
  type InvoiceInput,
} from "../domain/invoice.ts";
import { newId } from "../security.ts";
import { chunkForInsert, type Db } from "./db.ts";
import { eventStatements } from "./webhook-events.ts";
import type { ListOptions } from "./catalogue.ts";

export type InvoiceRecord = typeof invoices.$inferSelect;
export type InvoiceLineRecord = typeof invoiceLines.$inferSelect;

export interface InvoiceDraft {
  id: string;
  merchantId: string;
  contractId: string | null;
  customerId: string;
  kind: "regular" | "interim" | "credit_note";
  /** The gapless counter this invoice draws from, e.g. "regular:2027". */
  seriesKey: string;
  /** What the number starts with, e.g. "RE-2027"; the number becomes "RE-2027-000001". */
  numberPrefix: string;
  issueDate: string;
  dueDate: string;
  currency: string;
  netAmount: number;
  taxAmount: number;
  grossAmount: number;
  taxBreakdown: unknown[];
  paymentReference: string;
  periodStart: string | null;
  periodEnd: string | null;
  originalInvoiceId: string | null;
  changeId: string | null;
  /** Unique per merchant: a second attempt to issue the same invoice fails the whole batch. */
  billingKey: string;
  lines: Omit<typeof invoiceLines.$inferInsert, "invoiceId" | "merchantId">[];
}

const LINE_COLUMNS = 13;

/** The statements that issue one invoice; run them inside the caller's batch. */
export function issueInvoiceStatements(db: Db, draft: InvoiceDraft): BatchItem<"sqlite">[] {
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
    ...eventStatements(db, {
      merchantId: draft.merchantId,
      type: "invoice.created",
      data: invoiceEventData(draft),
      at: new Date(),
      invoiceNumberOf: draft.id,
    }),
  ];
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
  kind?: string | undefined;
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
        filter.cursor ? gt(invoices.id, filter.cursor) : undefined,
      ),
    )
    .orderBy(asc(invoices.id))
    .limit(filter.limit + 1);
}

export function regularBillingKey(contractId: string, periodStart: string): string {
  return `regular:${contractId}:${periodStart}`;
}

export interface InvoiceContext {
  merchantId: string;
  customerId: string;
  contractId: string | null;
  issueDate: string;
  paymentTermDays: number;
  periodStart: string | null;
  periodEnd: string | null;
  changeId: string | null;
  billingKey: string;
}

/** Builds (and so checks) an invoice by the domain rules and gives it an id and a payment reference. */
export function draftInvoice(input: InvoiceInput, context: InvoiceContext): InvoiceDraft {
  const built = buildInvoice(input);
  const series = invoiceSeries(built.kind, context.issueDate);
  return {
    id: newId("inv"),
    ...context,
    kind: built.kind,
    seriesKey: series.key,
    numberPrefix: series.prefix,
    dueDate: dueDate(context.issueDate, context.paymentTermDays),
    currency: built.currency,
    netAmount: built.netAmount,
    taxAmount: built.taxAmount,
    grossAmount: built.grossAmount,
    taxBreakdown: built.taxBreakdown,
    paymentReference: paymentReference(
      paymentTokenFromBytes(crypto.getRandomValues(new Uint8Array(10))),
    ),
    originalInvoiceId: built.originalInvoiceId,
    lines: built.lines.map((line) => ({ ...line, id: newId("inl") })),
  };
}
