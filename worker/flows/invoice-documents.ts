// An invoice's documents (XRechnung XML, ZUGFeRD PDF): rendered from the snapshot frozen at issue,
// put to R2 once and sealed with their SHA-256 in D1 (GoBD). The issuing batch writes the rows
// pending; the documents job (worker/jobs/document-outbox.ts) or the first download renders and
// seals them. Rendering is deterministic, so a crash between R2 put and seal, or two renderers
// racing, put the same bytes; the first seal wins and every later download returns those bytes,
// checked by hash.
import { ciiXml } from "../domain/cii.ts";
import { invoiceDocument, type InvoiceDocument } from "../domain/invoice-document.ts";
import type { Cents, TaxBreakdownEntry } from "../domain/money.ts";
import { bundledAssets } from "../documents/assets.ts";
import { invoicePdf } from "../documents/pdf.ts";
import type { Bindings } from "../env.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { database } from "../store/db.ts";
import { nextAttemptAt, type RandomSource } from "../domain/webhook-retry.ts";
import {
  loadDocumentSource,
  recordRenderFailure,
  sealDocument,
  type DocumentFormat,
  type PendingDocument,
} from "../store/documents.ts";
import { sha256Hex } from "../security.ts";
import { logoObjectKey } from "./company-settings.ts";

export interface StoredDocument {
  bytes: Uint8Array;
  sha256: string;
  contentType: string;
  fileName: string;
}

const CONTENT_TYPE: Record<DocumentFormat, string> = {
  pdf: "application/pdf",
  xml: "application/xml",
};

type Source = NonNullable<Awaited<ReturnType<typeof loadDocumentSource>>>;

function documentOf(source: Source): InvoiceDocument {
  const { invoice, lines, preceding } = source;
  if (!invoice.documentSnapshot) throw new Error(`invoice ${invoice.id} has no snapshot`);
  return invoiceDocument(
    {
      id: invoice.id,
      number: invoice.number,
      kind: invoice.kind as InvoiceDocument["kind"],
      issueDate: invoice.issueDate,
      dueDate: invoice.dueDate,
      currency: invoice.currency,
      netAmount: invoice.netAmount,
      taxAmount: invoice.taxAmount,
      grossAmount: invoice.grossAmount,
      taxBreakdown: invoice.taxBreakdown as TaxBreakdownEntry[],
      paymentReference: invoice.paymentReference,
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      lines: lines.map((line) => ({
        position: line.position,
        description: line.description,
        quantity: line.quantity,
        netAmount: line.netAmount as Cents,
        taxRate: line.taxRate,
        periodStart: line.periodStart,
        periodEnd: line.periodEnd,
      })),
    },
    { ...invoice.documentSnapshot, precedingInvoice: preceding },
  );
}

async function logoOf(env: Bindings, merchantId: string, document: InvoiceDocument) {
  const logo = document.seller.logo;
  if (!logo) return null;
  const object = await env.DOCUMENTS.get(logoObjectKey(merchantId, logo.sha256));
  if (!object) return null;
  return { bytes: new Uint8Array(await object.arrayBuffer()), contentType: logo.contentType };
}

/** The bytes of one document, rendered from the snapshot (pure apart from the logo read). */
export async function renderDocument(
  env: Bindings,
  merchantId: string,
  document: InvoiceDocument,
  format: DocumentFormat,
): Promise<Uint8Array> {
  if (format === "xml") return new TextEncoder().encode(ciiXml(document, "xrechnung"));
  return invoicePdf(document, ciiXml(document, "en16931"), {
    ...bundledAssets,
    logo: await logoOf(env, merchantId, document),
  });
}

function fileName(source: Source, format: DocumentFormat): string {
  return `${source.invoice.number}.${format}`;
}

async function readSealed(env: Bindings, source: Source, format: DocumentFormat) {
  const row = source.document!;
  const object = await env.DOCUMENTS.get(row.objectKey);
  const bytes = object ? new Uint8Array(await object.arrayBuffer()) : null;
  if (!bytes || (await sha256Hex(bytes)) !== row.sha256) {
    // Never re-rendered over: a sealed document that is gone or altered is an incident.
    console.error("invoice document missing or altered", row.invoiceId, format);
    throw new DomainError(
      "internal_error",
      `The stored ${format.toUpperCase()} of invoice ${row.invoiceId} does not match its SHA-256.`,
    );
  }
  return {
    bytes,
    sha256: row.sha256!,
    contentType: CONTENT_TYPE[format],
    fileName: fileName(source, format),
  };
}

/**
 * Renders, stores and seals a pending document. Bytes already in R2 (a put whose seal was lost)
 * are sealed as they are rather than rendered again: the first bytes stored are the document.
 * When another renderer seals first, its seal stands and this one changes nothing.
 */
async function sealPending(env: Bindings, source: Source, format: DocumentFormat, at: Date) {
  const row = source.document!;
  const existing = await env.DOCUMENTS.get(row.objectKey);
  let bytes: Uint8Array;
  if (existing) {
    bytes = new Uint8Array(await existing.arrayBuffer());
  } else {
    bytes = await renderDocument(env, source.invoice.merchantId, documentOf(source), format);
    await env.DOCUMENTS.put(row.objectKey, bytes, {
      httpMetadata: { contentType: CONTENT_TYPE[format] },
      customMetadata: { invoiceId: row.invoiceId, number: source.invoice.number },
    });
  }
  await sealDocument(database(env.DB), row, await sha256Hex(bytes), bytes.length, at);
}

/** The document as stored; rendered and sealed first if the documents job has not got to it. */
export async function invoiceDocumentFile(
  env: Bindings,
  merchantId: string,
  invoiceId: string,
  format: DocumentFormat,
  now: Date,
  /** The portal's customer: another customer's invoice does not exist for them. */
  customerId?: string,
): Promise<StoredDocument> {
  const db = database(env.DB);
  let source = await loadDocumentSource(db, merchantId, invoiceId, format);
  if (!source || (customerId !== undefined && source.invoice.customerId !== customerId))
    throw notFound("Invoice", invoiceId);
  if (!source.document || !source.invoice.documentSnapshot) {
    throw new DomainError(
      "not_found",
      `Invoice ${invoiceId} was issued before Tarif produced invoice documents; it has none.`,
    );
  }
  if (source.document.sha256 === null) {
    await sealPending(env, source, format, now);
    source = (await loadDocumentSource(db, merchantId, invoiceId, format))!;
  }
  return readSealed(env, source, format);
}

/**
 * One pending document of the outbox, rendered, stored and sealed; false when there was nothing
 * to do (sealed meanwhile, e.g. by a download or a duplicate message). Reads one batch and
 * writes one statement.
 */
export async function storePendingDocument(
  env: Bindings,
  pending: PendingDocument,
  at: Date,
): Promise<boolean> {
  const db = database(env.DB);
  const source = await loadDocumentSource(
    db,
    pending.merchantId,
    pending.invoiceId,
    pending.format,
  );
  if (!source?.document || source.document.sha256 !== null) return false;
  await sealPending(env, source, pending.format, at);
  return true;
}

/**
 * A render that failed is tried again on the webhooks' schedule (seconds, then minutes, then
 * hours), and after the last attempt left to downloads, which still render on demand once the
 * cause is fixed. Returns whether it will be tried again.
 */
export async function deferFailedDocument(
  env: Bindings,
  pending: PendingDocument,
  error: unknown,
  at: Date,
  random: RandomSource = Math.random,
): Promise<boolean> {
  const retryAt = nextAttemptAt({ attemptNumber: pending.attempts + 1, now: at, random });
  const message = error instanceof Error ? error.message : String(error);
  await recordRenderFailure(database(env.DB), pending, message, retryAt);
  return retryAt !== null;
}
