// Invoices and their lines. Numbers come from a per-merchant series row that is incremented in
// the same D1 batch that writes the invoice, so a number is used exactly when its invoice
// exists: gapless, and never reused (GoBD). Issued invoices are never updated except for
// their payment state. What an invoice says is decided by worker/domain/invoice-draft.ts.
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { invoiceDocuments } from "../../schema/documents.ts";
import { invoiceLines, invoiceNumberSeries, invoices } from "../../schema/tables.ts";
import type { InvoiceDraft } from "../domain/invoice-draft.ts";
import { insertInChunks, type Db } from "./db.ts";
import { queueInvoiceIssuedEmailsStatement } from "./email-outbox.ts";
import { applyCreditStatements, type CreditOwner } from "./customer-credit.ts";
import { eventsStatements } from "./webhook-events.ts";
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

/** The statements that issue one invoice; run them inside the caller's batch. */
export function issueInvoiceStatements(
  db: Db,
  draft: InvoiceDraft,
  at: Date,
): BatchItem<"sqlite">[] {
  return issueInvoicesStatements(db, [draft], at);
}

export interface IssueOptions {
  /**
   * Whether the draft's customer may have credit to apply (four statements per customer and
   * currency). Without it every customer's credit is applied; a billing page passes what its
   * context batch read, so customers without open credit cost nothing.
   */
  mayHaveCredit?: (draft: InvoiceDraft) => boolean;
}

/** The customers (and currencies) whose credit the invoices may use, each once. */
function creditOwners(
  drafts: readonly InvoiceDraft[],
  mayHaveCredit: (draft: InvoiceDraft) => boolean = () => true,
): CreditOwner[] {
  const owners = new Map<string, CreditOwner>();
  for (const draft of drafts) {
    if (draft.kind === "credit_note" || draft.grossAmount === 0 || !mayHaveCredit(draft)) continue;
    const { merchantId, customerId, currency } = draft;
    owners.set(JSON.stringify([merchantId, customerId, currency]), {
      merchantId,
      customerId,
      currency,
    });
  }
  return [...owners.values()];
}

/**
 * The statements that issue a page of invoices (one, or a billing run's page), in the caller's
 * batch: each number series is drawn once for all its invoices of the page, the invoices and
 * their lines go in multi-row inserts, then their events and e-mails. Numbers follow the
 * drafts' order, gapless.
 */
export function issueInvoicesStatements(
  db: Db,
  drafts: readonly InvoiceDraft[],
  at: Date,
  options: IssueOptions = {},
): BatchItem<"sqlite">[] {
  if (drafts.length === 0) return [];
  const series = new Map<string, InvoiceDraft[]>();
  for (const draft of drafts) {
    const key = JSON.stringify([draft.merchantId, draft.seriesKey]);
    series.set(key, [...(series.get(key) ?? []), draft]);
  }
  const rows = [...series.values()].flatMap((group) =>
    group.map((draft, index) => {
      const { lines: _lines, seriesKey, numberPrefix, ...invoice } = draft;
      // The series row holds the last number of the whole group once the draw below has run.
      const back = group.length - 1 - index;
      const number = sql`(SELECT ${numberPrefix} || '-' || printf('%06d', ${invoiceNumberSeries.lastNumber} - ${back}) FROM ${invoiceNumberSeries}
    WHERE ${invoiceNumberSeries.merchantId} = ${draft.merchantId} AND ${invoiceNumberSeries.series} = ${seriesKey})`;
      return {
        ...invoice,
        number,
        amountPaid: 0,
        status: invoice.grossAmount === 0 ? "paid" : "open",
      };
    }),
  );
  const lineRows = drafts.flatMap((draft) =>
    draft.lines.map((line) => ({ ...line, invoiceId: draft.id, merchantId: draft.merchantId })),
  );
  const documentRows = drafts.flatMap((draft) =>
    (["pdf", "xml"] as const).map((format) => ({
      merchantId: draft.merchantId,
      invoiceId: draft.id,
      format,
      objectKey: documentObjectKey(draft.merchantId, draft.id, format),
    })),
  );
  return [
    ...[...series.values()].map((group) =>
      db
        .insert(invoiceNumberSeries)
        .values({
          merchantId: group[0]!.merchantId,
          series: group[0]!.seriesKey,
          lastNumber: group.length,
        })
        .onConflictDoUpdate({
          target: [invoiceNumberSeries.merchantId, invoiceNumberSeries.series],
          set: { lastNumber: sql`${invoiceNumberSeries.lastNumber} + ${group.length}` },
        }),
    ),
    ...insertInChunks(db, invoices, rows),
    ...insertInChunks(db, invoiceLines, lineRows),
    // The document outbox: both documents of each invoice pending until rendered and sealed
    // (store/documents.ts); the document snapshot travels in the invoice row.
    ...insertInChunks(db, invoiceDocuments, documentRows),
    ...eventsStatements(
      db,
      drafts.map((draft) => ({
        merchantId: draft.merchantId,
        type: "invoice.created" as const,
        data: invoiceEventData(draft),
        at,
        invoiceNumberOf: draft.id,
      })),
    ),
    ...invoiceIssuedEmails(db, drafts, at),
    // The customers' credit goes onto their open invoices, these included (oldest first): once
    // per customer and currency, after all of the page's invoices exist.
    ...creditOwners(drafts, options.mayHaveCredit).flatMap((owner) =>
      applyCreditStatements(db, owner, at),
    ),
  ];
}

/** One statement for all the mails (a credit note sends none): a third of a page's statements before. */
function invoiceIssuedEmails(db: Db, drafts: readonly InvoiceDraft[], at: Date) {
  const mails = drafts
    .filter((draft) => draft.kind !== "credit_note")
    .map((draft) => ({
      merchantId: draft.merchantId,
      customerId: draft.customerId,
      invoiceId: draft.id,
      facts: {
        kind: "invoice_issued" as const,
        currency: draft.currency,
        invoiceNumber: "",
        issueDate: draft.issueDate,
        dueDate: draft.dueDate,
        grossAmount: draft.grossAmount,
        paymentReference: draft.paymentReference,
        directDebit: false,
      },
    }));
  return mails.length === 0 ? [] : [queueInvoiceIssuedEmailsStatement(db, mails, at)];
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
