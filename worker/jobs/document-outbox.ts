// The document outbox job (queue message "documents", planned every minute beside the webhook
// and e-mail deliveries): renders the pending PDF and XML of issued invoices, oldest first, in a
// page sized to the invocation's D1 query budget, and enqueues its continuation while a full page
// moved. A duplicate message finds the documents sealed and changes nothing; a document that
// fails to render stays pending, is tried again later on a growing schedule and, after its last
// attempt, left to downloads — so it never holds up the documents behind it.
import type { Bindings } from "../env.ts";
import { deferFailedDocument, storePendingDocument } from "../flows/invoice-documents.ts";
import { MAX_DELIVERY_ATTEMPTS } from "../domain/webhook-retry.ts";
import { database } from "../store/db.ts";
import { findPendingDocuments } from "../store/documents.ts";
import {
  DEFAULT_QUERY_BUDGET,
  meteredD1,
  QueryBudgetExceeded,
  QueryMeter,
} from "./query-budget.ts";

/**
 * Per document: its source batch (invoice, lines, outbox row, preceding invoice) and the seal,
 * or, when rendering fails, the failure's record.
 */
export const DOCUMENT_STATEMENTS = 5;

/** Documents per invocation at most: a PDF costs about 0.1 s of CPU. */
export const DOCUMENTS_PER_PAGE = 25;

export interface DocumentOutboxReport {
  stored: number;
  failed: number;
  /** A full page was rendered: more may be pending, and the job continues in a new message. */
  more: boolean;
}

export interface DocumentOutboxOptions {
  meter?: QueryMeter;
  limit?: number;
}

export async function storePendingDocuments(
  env: Bindings,
  at: Date,
  options: DocumentOutboxOptions = {},
): Promise<DocumentOutboxReport> {
  const meter = options.meter ?? new QueryMeter(DEFAULT_QUERY_BUDGET);
  const metered = { ...env, DB: meteredD1(env.DB, meter) };
  const report: DocumentOutboxReport = { stored: 0, failed: 0, more: false };
  // One query finds the page; each document in it costs at most DOCUMENT_STATEMENTS.
  const fits = Math.floor((meter.remaining - 1) / DOCUMENT_STATEMENTS);
  const limit = Math.min(options.limit ?? DOCUMENTS_PER_PAGE, fits);
  if (limit < 1) return { ...report, more: true };
  const page = await findPendingDocuments(database(metered.DB), limit, at, MAX_DELIVERY_ATTEMPTS);
  for (const pending of page) {
    try {
      if (await storePendingDocument(metered, pending, at)) report.stored += 1;
    } catch (error) {
      if (error instanceof QueryBudgetExceeded) throw error;
      // One broken document must not hold up the others: it waits for its next attempt.
      console.error("documents job: rendering failed", pending.invoiceId, pending.format, error);
      const again = await deferFailedDocument(metered, pending, error, at);
      if (!again) console.error("documents job: gave up", pending.invoiceId, pending.format);
      report.failed += 1;
    }
  }
  // A full page continues: its failures wait for their next attempt, so the next page is new.
  report.more = page.length === limit;
  return report;
}
