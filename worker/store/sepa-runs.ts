// Collection runs: loading what a run may collect, writing a run (run, file, items, invoice and
// mandate updates) as one atomic batch, and reading runs, items and files back.
import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  gt,
  inArray,
  lte,
  ne,
  sql,
  type AnyColumn,
  type SQL,
} from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  sepaCollectionFiles,
  sepaCollectionItems,
  sepaCollectionRuns,
  sepaMandates,
} from "../../schema/sepa.ts";
import { customers, invoices } from "../../schema/tables.ts";
import type { RunInvoice, RunItem } from "../domain/sepa-collection-run.ts";
import type { ListOptions } from "./catalogue.ts";
import type { Db } from "./db.ts";
import type { MandateRecord } from "./sepa-mandates.ts";

export type RunRecord = typeof sepaCollectionRuns.$inferSelect;
export type RunItemRecord = typeof sepaCollectionItems.$inferSelect;

export const runFileBinding = (runId: string, part: number) => `sepa_run:${runId}:file:${part}`;

/** An invoice that is in a pending collection may not be collected again. */
const inPendingCollection = sql`EXISTS (SELECT 1 FROM ${sepaCollectionItems} WHERE ${sepaCollectionItems.invoiceId} = ${invoices.id} AND ${sepaCollectionItems.status} = 'pending')`;

/**
 * Due means: open (not partially paid, not already being collected), something left to pay,
 * not a credit note, and due on or before the collection date, so nobody is debited before the
 * date their invoice (the pre-notification) named.
 */
function dueInvoices(merchantId: string, collectionDate: string) {
  return and(
    eq(invoices.merchantId, merchantId),
    eq(invoices.status, "open"),
    ne(invoices.kind, "credit_note"),
    gt(invoices.grossAmount, invoices.amountPaid),
    lte(invoices.dueDate, collectionDate),
  );
}

// Select fields render their columns unqualified, so correlated subqueries name tables themselves.
const latestReturnCode = sql.raw(
  `SELECT i.return_reason_code FROM sepa_collection_items AS i WHERE i.invoice_id = invoices.id AND i.status = 'returned' ORDER BY i.returned_at DESC, i.id DESC LIMIT 1`,
);
const latestReturnMandate = sql.raw(
  `SELECT i.mandate_id FROM sepa_collection_items AS i WHERE i.invoice_id = invoices.id AND i.status = 'returned' ORDER BY i.returned_at DESC, i.id DESC LIMIT 1`,
);

export interface Collectables {
  invoices: (Pick<
    typeof invoices.$inferSelect,
    | "id"
    | "number"
    | "customerId"
    | "currency"
    | "grossAmount"
    | "amountPaid"
    | "dueDate"
    | "paymentReference"
  > &
    Required<Pick<RunInvoice, "returnedCollections" | "lastReturn">>)[];
  mandates: MandateRecord[];
  customers: { id: string; name: string }[];
}

/** The due invoices of customers with an active mandate, those mandates and the customers' names: one round trip. */
export async function loadCollectables(
  db: Db,
  merchantId: string,
  collectionDate: string,
  limit: number,
): Promise<Collectables> {
  const activeMandateCustomers = db
    .select({ id: sepaMandates.customerId })
    .from(sepaMandates)
    .where(and(eq(sepaMandates.merchantId, merchantId), eq(sepaMandates.status, "active")));
  const dueCustomers = db
    .select({ id: invoices.customerId })
    .from(invoices)
    .where(dueInvoices(merchantId, collectionDate));
  const [due, mandates, names] = await db.batch([
    db
      .select({
        id: invoices.id,
        number: invoices.number,
        customerId: invoices.customerId,
        currency: invoices.currency,
        grossAmount: invoices.grossAmount,
        amountPaid: invoices.amountPaid,
        dueDate: invoices.dueDate,
        paymentReference: invoices.paymentReference,
        returnedCollections: sql<number>`(SELECT COUNT(*) FROM sepa_collection_items AS i WHERE i.invoice_id = invoices.id AND i.status = 'returned')`,
        lastReturnCode: sql<string | null>`(${latestReturnCode})`,
        lastReturnMandateId: sql<string | null>`(${latestReturnMandate})`,
      })
      .from(invoices)
      .where(
        and(
          dueInvoices(merchantId, collectionDate),
          inArray(invoices.customerId, activeMandateCustomers),
          sql`NOT ${inPendingCollection}`,
        ),
      )
      .orderBy(asc(invoices.dueDate), asc(invoices.id))
      .limit(limit),
    db
      .select()
      .from(sepaMandates)
      .where(
        and(
          eq(sepaMandates.merchantId, merchantId),
          eq(sepaMandates.status, "active"),
          inArray(sepaMandates.customerId, dueCustomers),
        ),
      ),
    db
      .select({ id: customers.id, name: customers.name })
      .from(customers)
      .where(and(eq(customers.merchantId, merchantId), inArray(customers.id, dueCustomers))),
  ]);
  return {
    invoices: due.map(({ lastReturnCode, lastReturnMandateId, ...invoice }) => ({
      ...invoice,
      lastReturn:
        invoice.returnedCollections > 0
          ? { reasonCode: lastReturnCode, mandateId: lastReturnMandateId }
          : null,
    })),
    mandates,
    customers: names,
  };
}

const field = (name: string) => sql.raw(`json_extract(j.value, '$.${name}')`);

/**
 * The SELECT list that turns one JSON item into a row, in the table's column order (what
 * INSERT … SELECT requires). The invoice and mandate ids come from the guard subqueries.
 */
function itemColumnsFromJson(merchantId: string, runId: string): SQL {
  const values: Record<keyof RunItemRecord, SQL> = {
    id: field("id"),
    merchantId: sql`${merchantId}`,
    runId: sql`${runId}`,
    invoiceId: sql`(SELECT ${invoices.id} FROM ${invoices} WHERE ${invoices.merchantId} = ${merchantId} AND ${invoices.id} = ${field("invoiceId")} AND ${invoices.status} = 'open')`,
    mandateId: sql`(SELECT ${sepaMandates.id} FROM ${sepaMandates} WHERE ${sepaMandates.merchantId} = ${merchantId} AND ${sepaMandates.id} = ${field("mandateId")}
      AND ${sepaMandates.status} = 'active' AND ${sepaMandates.version} = ${field("mandateVersion")})`,
    customerId: field("customerId"),
    mandateReference: field("mandateReference"),
    mandateReferenceKey: field("mandateReferenceKey"),
    endToEndId: field("endToEndId"),
    invoiceNumber: field("invoiceNumber"),
    amount: field("amount"),
    sequenceType: field("sequenceType"),
    paymentInfoId: field("paymentInfoId"),
    status: sql`'pending'`,
    settledAt: sql`NULL`,
    returnedAt: sql`NULL`,
    returnReasonCode: sql`NULL`,
    previousLastCollectionDate: field("previousLastCollectionDate"),
    amendedFromReference: field("amendedFromReference"),
    amendedFromIbanCiphertext: field("amendedFromIbanCiphertext"),
    amendedBankChanged: field("amendedBankChanged"),
    createdAt: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
  };
  const order = Object.keys(getTableColumns(sepaCollectionItems)) as (keyof RunItemRecord)[];
  return sql.join(
    order.map((column) => values[column]),
    sql`, `,
  );
}

export interface NewRun {
  run: Omit<typeof sepaCollectionRuns.$inferInsert, "createdAt">;
  fileParts: string[];
  items: (RunItem & { id: string; amendedFromIbanCiphertext: string | null })[];
}

/**
 * The batch that writes a run. The items are inserted from one JSON parameter (any number of
 * rows, one bound parameter) and pick their invoice and mandate ids through guard subqueries:
 * an invoice that is no longer open, or a mandate written since it was read, yields NULL in a
 * NOT NULL column and aborts the whole batch, so a file is never stored that does not match the
 * database.
 */
export function createRunStatements(
  db: Db,
  { run, fileParts, items }: NewRun,
): BatchItem<"sqlite">[] {
  const merchantId = run.merchantId;
  const rows = JSON.stringify(
    items.map((item) => ({
      id: item.id,
      invoiceId: item.invoiceId,
      mandateId: item.mandateId,
      mandateVersion: item.mandateVersion,
      customerId: item.customerId,
      mandateReference: item.mandateReference,
      mandateReferenceKey: item.mandateReference.toUpperCase(),
      endToEndId: item.endToEndId,
      invoiceNumber: item.invoiceNumber,
      amount: item.amount,
      sequenceType: item.sequenceType,
      paymentInfoId: item.paymentInfoId,
      previousLastCollectionDate: item.previousLastCollectionDate,
      amendedFromReference: item.amendment?.originalReference ?? null,
      amendedFromIbanCiphertext: item.amendment ? item.amendedFromIbanCiphertext : null,
      amendedBankChanged: item.amendment?.debtorBankChanged ? 1 : 0,
    })),
  );
  const collected = db
    .select({ id: sepaCollectionItems.mandateId })
    .from(sepaCollectionItems)
    .where(eq(sepaCollectionItems.runId, run.id));
  return [
    db.insert(sepaCollectionRuns).values(run),
    ...fileParts.map((ciphertext, part) =>
      db.insert(sepaCollectionFiles).values({ runId: run.id, part, merchantId, ciphertext }),
    ),
    db
      .insert(sepaCollectionItems)
      .select(sql`SELECT ${itemColumnsFromJson(merchantId, run.id)} FROM json_each(${rows}) AS j`),
    db
      .update(invoices)
      .set({ status: "collection_pending" })
      .where(
        and(
          eq(invoices.merchantId, merchantId),
          eq(invoices.status, "open"),
          inArray(
            invoices.id,
            db
              .select({ id: sepaCollectionItems.invoiceId })
              .from(sepaCollectionItems)
              .where(eq(sepaCollectionItems.runId, run.id)),
          ),
        ),
      ),
    // The bank has now been sent a collection under each mandate: the series goes on with RCUR,
    // the 36-month expiry restarts, and a reported amendment is not reported again.
    db
      .update(sepaMandates)
      .set({
        nextSequenceType: "RCUR",
        lastCollectionDate: sql`CASE WHEN ${sepaMandates.lastCollectionDate} IS NULL OR ${sepaMandates.lastCollectionDate} < ${run.collectionDate} THEN ${run.collectionDate} ELSE ${sepaMandates.lastCollectionDate} END`,
        amendedFromReference: null,
        amendedFromIbanCiphertext: null,
        amendedBankChanged: false,
        version: sql`${sepaMandates.version} + 1`,
        updatedAt: run.creationDateTime,
      })
      .where(and(eq(sepaMandates.merchantId, merchantId), inArray(sepaMandates.id, collected))),
  ];
}

function causeMessages(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? error.message : `${error.message} ${causeMessages(cause)}`;
}

/** The run's batch lost a race: an invoice or mandate changed, or another run took an invoice. */
export function isCollectionConflict(error: unknown): boolean {
  return /(NOT NULL|UNIQUE) constraint failed: sepa_collection_items\.(invoice_id|mandate_id)/.test(
    causeMessages(error),
  );
}

export async function listRuns(
  db: Db,
  merchantId: string,
  { limit, cursor, status }: ListOptions & { status?: string | undefined },
): Promise<RunRecord[]> {
  return db
    .select()
    .from(sepaCollectionRuns)
    .where(
      and(
        eq(sepaCollectionRuns.merchantId, merchantId),
        status ? eq(sepaCollectionRuns.status, status) : undefined,
        cursor ? gt(sepaCollectionRuns.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(sepaCollectionRuns.id))
    .limit(limit + 1);
}

export function runItemsQuery(db: Db, merchantId: string, runId: string) {
  return db
    .select()
    .from(sepaCollectionItems)
    .where(
      and(eq(sepaCollectionItems.merchantId, merchantId), eq(sepaCollectionItems.runId, runId)),
    )
    .orderBy(asc(sepaCollectionItems.id));
}

export async function findRun(
  db: Db,
  merchantId: string,
  id: string,
): Promise<{ run: RunRecord; items: RunItemRecord[] } | undefined> {
  const [runs, items] = await db.batch([
    db
      .select()
      .from(sepaCollectionRuns)
      .where(and(eq(sepaCollectionRuns.merchantId, merchantId), eq(sepaCollectionRuns.id, id)))
      .limit(1),
    runItemsQuery(db, merchantId, id),
  ]);
  return runs[0] ? { run: runs[0], items } : undefined;
}

export async function findRunFile(
  db: Db,
  merchantId: string,
  runId: string,
): Promise<{ run: RunRecord; parts: string[] } | undefined> {
  const [runs, parts] = await db.batch([
    db
      .select()
      .from(sepaCollectionRuns)
      .where(and(eq(sepaCollectionRuns.merchantId, merchantId), eq(sepaCollectionRuns.id, runId)))
      .limit(1),
    db
      .select({ ciphertext: sepaCollectionFiles.ciphertext })
      .from(sepaCollectionFiles)
      .where(
        and(eq(sepaCollectionFiles.merchantId, merchantId), eq(sepaCollectionFiles.runId, runId)),
      )
      .orderBy(asc(sepaCollectionFiles.part)),
  ]);
  return runs[0] ? { run: runs[0], parts: parts.map((part) => part.ciphertext) } : undefined;
}

/**
 * A collection under one of this run's mandates in a later run that was not discarded: the
 * bank has then seen (or will see) that mandate again, so this run can no longer be undone.
 */
export async function findLaterCollectionUnderSameMandates(
  db: Db,
  merchantId: string,
  runId: string,
): Promise<RunItemRecord | undefined> {
  const mandatesOfRun = db
    .select({ id: sepaCollectionItems.mandateId })
    .from(sepaCollectionItems)
    .where(eq(sepaCollectionItems.runId, runId));
  const rows = await db
    .select()
    .from(sepaCollectionItems)
    .where(
      and(
        eq(sepaCollectionItems.merchantId, merchantId),
        inArray(sepaCollectionItems.mandateId, mandatesOfRun),
        gt(sepaCollectionItems.runId, runId),
        ne(sepaCollectionItems.status, "cancelled"),
      ),
    )
    .orderBy(desc(sepaCollectionItems.runId))
    .limit(1);
  return rows[0];
}

/**
 * Undoes a run that never reached the bank. Each mandate gets back what the run consumed: FRST
 * if it was collected as FRST (the debtor bank never saw it), its previous last-collection date,
 * and the amendment the run had reported, which must now be reported by the next run instead.
 */
export function cancelRunStatements(
  db: Db,
  merchantId: string,
  runId: string,
  at: string,
): BatchItem<"sqlite">[] {
  const pendingOfRun = sql`${sepaCollectionItems.merchantId} = ${merchantId} AND ${sepaCollectionItems.runId} = ${runId} AND ${sepaCollectionItems.status} = 'pending'`;
  const itemOfMandate = (column: AnyColumn) =>
    sql`(SELECT ${column} FROM ${sepaCollectionItems} WHERE ${pendingOfRun} AND ${sepaCollectionItems.mandateId} = ${sepaMandates.id} ORDER BY ${sepaCollectionItems.amendedFromIbanCiphertext} IS NULL LIMIT 1)`;
  const reportedAmendment = sql`EXISTS (SELECT 1 FROM ${sepaCollectionItems} WHERE ${pendingOfRun} AND ${sepaCollectionItems.mandateId} = ${sepaMandates.id} AND ${sepaCollectionItems.amendedFromIbanCiphertext} IS NOT NULL)`;
  return [
    db
      .update(invoices)
      .set({ status: "open" })
      .where(
        and(
          eq(invoices.merchantId, merchantId),
          eq(invoices.status, "collection_pending"),
          sql`${invoices.id} IN (SELECT ${sepaCollectionItems.invoiceId} FROM ${sepaCollectionItems} WHERE ${pendingOfRun})`,
        ),
      ),
    db
      .update(sepaMandates)
      .set({
        nextSequenceType: sql`CASE WHEN ${itemOfMandate(sepaCollectionItems.sequenceType)} = 'FRST' THEN 'FRST' ELSE ${sepaMandates.nextSequenceType} END`,
        lastCollectionDate: itemOfMandate(sepaCollectionItems.previousLastCollectionDate),
        amendedFromReference: sql`CASE WHEN ${reportedAmendment} THEN ${itemOfMandate(sepaCollectionItems.amendedFromReference)} ELSE ${sepaMandates.amendedFromReference} END`,
        amendedFromIbanCiphertext: sql`CASE WHEN ${reportedAmendment} THEN ${itemOfMandate(sepaCollectionItems.amendedFromIbanCiphertext)} ELSE ${sepaMandates.amendedFromIbanCiphertext} END`,
        amendedBankChanged: sql`CASE WHEN ${reportedAmendment} THEN ${itemOfMandate(sepaCollectionItems.amendedBankChanged)} OR ${sepaMandates.amendedBankChanged} ELSE ${sepaMandates.amendedBankChanged} END`,
        version: sql`${sepaMandates.version} + 1`,
        updatedAt: at,
      })
      .where(
        and(
          eq(sepaMandates.merchantId, merchantId),
          sql`${sepaMandates.id} IN (SELECT ${sepaCollectionItems.mandateId} FROM ${sepaCollectionItems} WHERE ${pendingOfRun})`,
        ),
      ),
    db.update(sepaCollectionItems).set({ status: "cancelled" }).where(pendingOfRun),
    db
      .update(sepaCollectionRuns)
      .set({ status: "cancelled", cancelledAt: at })
      .where(
        and(
          eq(sepaCollectionRuns.merchantId, merchantId),
          eq(sepaCollectionRuns.id, runId),
          eq(sepaCollectionRuns.status, "open"),
        ),
      ),
  ];
}
