// The document outbox rows of issued invoices and what rendering one needs: the invoice with its
// lines and snapshot, and the invoice a credit note corrects. A row is sealed (sha256 set) once.
import { and, asc, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import { invoiceDocuments } from "../../schema/documents.ts";
import { invoiceLines, invoices } from "../../schema/tables.ts";
import type { Db } from "./db.ts";

export type DocumentFormat = "pdf" | "xml";
export type DocumentRecord = typeof invoiceDocuments.$inferSelect;

export async function loadDocumentSource(
  db: Db,
  merchantId: string,
  invoiceId: string,
  format: DocumentFormat,
) {
  const original = db
    .select({ id: invoices.originalInvoiceId })
    .from(invoices)
    .where(and(eq(invoices.merchantId, merchantId), eq(invoices.id, invoiceId)));
  const [invoice, lines, document, preceding] = await db.batch([
    db
      .select()
      .from(invoices)
      .where(and(eq(invoices.merchantId, merchantId), eq(invoices.id, invoiceId)))
      .limit(1),
    db
      .select()
      .from(invoiceLines)
      .where(and(eq(invoiceLines.merchantId, merchantId), eq(invoiceLines.invoiceId, invoiceId)))
      .orderBy(asc(invoiceLines.position)),
    db
      .select()
      .from(invoiceDocuments)
      .where(
        and(
          eq(invoiceDocuments.merchantId, merchantId),
          eq(invoiceDocuments.invoiceId, invoiceId),
          eq(invoiceDocuments.format, format),
        ),
      )
      .limit(1),
    db
      .select({ number: invoices.number, issueDate: invoices.issueDate })
      .from(invoices)
      .where(and(eq(invoices.merchantId, merchantId), eq(invoices.id, original)))
      .limit(1),
  ]);
  if (!invoice[0]) return undefined;
  return { invoice: invoice[0], lines, document: document[0], preceding: preceding[0] ?? null };
}

/** Seals a pending row; false when another renderer sealed it first. */
export async function sealDocument(
  db: Db,
  row: Pick<DocumentRecord, "invoiceId" | "format">,
  sha256: string,
  size: number,
  at: Date,
): Promise<boolean> {
  const sealed = await db
    .update(invoiceDocuments)
    .set({ sha256, size, storedAt: at.toISOString() })
    .where(
      and(
        eq(invoiceDocuments.invoiceId, row.invoiceId),
        eq(invoiceDocuments.format, row.format),
        isNull(invoiceDocuments.sha256),
      ),
    )
    .returning({ invoiceId: invoiceDocuments.invoiceId });
  return sealed.length === 1;
}

export interface PendingDocument {
  merchantId: string;
  invoiceId: string;
  format: DocumentFormat;
  /** Failed renders so far. */
  attempts: number;
}

/**
 * The oldest pending documents of all merchants whose (next) attempt is due and that have
 * attempts left (the index invoice_documents_pending).
 */
export async function findPendingDocuments(
  db: Db,
  limit: number,
  at: Date,
  maxAttempts: number,
): Promise<PendingDocument[]> {
  return db
    .select({
      merchantId: invoiceDocuments.merchantId,
      invoiceId: invoiceDocuments.invoiceId,
      format: invoiceDocuments.format,
      attempts: invoiceDocuments.attempts,
    })
    .from(invoiceDocuments)
    .where(
      and(
        isNull(invoiceDocuments.storedAt),
        lt(invoiceDocuments.attempts, maxAttempts),
        or(
          isNull(invoiceDocuments.nextAttemptAt),
          lte(invoiceDocuments.nextAttemptAt, at.toISOString()),
        ),
      ),
    )
    .orderBy(asc(invoiceDocuments.createdAt))
    .limit(limit);
}

/**
 * A failed render, counted: tried again at `retryAt`, or left to downloads when null. Only a
 * row still pending is touched (a download may have sealed it meanwhile).
 */
export async function recordRenderFailure(
  db: Db,
  row: Pick<DocumentRecord, "invoiceId" | "format">,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await db
    .update(invoiceDocuments)
    .set({
      attempts: sql`${invoiceDocuments.attempts} + 1`,
      nextAttemptAt: retryAt?.toISOString() ?? null,
      lastError: error.slice(0, 500),
    })
    .where(
      and(
        eq(invoiceDocuments.invoiceId, row.invoiceId),
        eq(invoiceDocuments.format, row.format),
        isNull(invoiceDocuments.sha256),
      ),
    );
}
