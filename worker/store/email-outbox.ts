// The customer e-mail outbox: the statement that queues a mail inside the caller's
// batch (skipped when the merchant switched the kind off, once per kind and subject), the lease
// a delivery tick takes on due mails, and what it records after each SMTP attempt.
import { and, asc, desc, eq, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { emailOutbox, emailSettings } from "../../schema/customer-emails.ts";
import { sepaMandates } from "../../schema/sepa.ts";
import { customers, invoices, merchants } from "../../schema/tables.ts";
import type { EmailFacts } from "../domain/customer-emails.ts";
import { newId } from "../security.ts";
import type { Db } from "./db.ts";

export type OutboxRecord = typeof emailOutbox.$inferSelect;

export interface QueuedEmail {
  merchantId: string;
  customerId: string;
  facts: EmailFacts;
  /** What the mail is about; with the kind, it is queued at most once. */
  dedupeKey: string;
  at: Date;
  /** Facts only the batch knows, e.g. the invoice number it assigns: SQL fills them in. */
  computed?: Record<string, SQL>;
}

function dataSql(mail: QueuedEmail): SQL {
  let data = sql`${JSON.stringify(mail.facts)}`;
  for (const [key, value] of Object.entries(mail.computed ?? {}))
    data = sql`json_set(${data}, ${`$.${key}`}, ${value})`;
  return data;
}

/** A pending outbox row as the SELECT of an INSERT … SELECT: the caller's columns, the rest empty. */
function pendingMailColumns(
  columns: { id: SQL; merchantId: SQL; customerId: SQL; kind: SQL; dedupeKey: SQL; data: SQL },
  at: string,
) {
  const none = (name: string) => sql<null>`NULL`.as(name);
  return {
    id: sql<string>`${columns.id}`.as("id"),
    merchantId: sql<string>`${columns.merchantId}`.as("merchant_id"),
    customerId: sql<string>`${columns.customerId}`.as("customer_id"),
    kind: sql<string>`${columns.kind}`.as("kind"),
    dedupeKey: sql<string>`${columns.dedupeKey}`.as("dedupe_key"),
    data: sql<string>`${columns.data}`.as("data"),
    locale: none("locale"),
    recipient: none("recipient"),
    subject: none("subject"),
    textBody: none("text_body"),
    htmlBody: none("html_body"),
    status: sql<string>`'pending'`.as("status"),
    attempts: sql<number>`0`.as("attempts"),
    nextAttemptAt: sql<string>`${at}`.as("next_attempt_at"),
    lastError: none("last_error"),
    sentAt: none("sent_at"),
    createdAt: sql<string>`${at}`.as("created_at"),
  };
}

/** Put it into the caller's batch: queued exactly when the change commits, unless switched off. */
export function queueEmailStatement(db: Db, mail: QueuedEmail): BatchItem<"sqlite"> {
  const at = mail.at.toISOString();
  const switchedOff = sql`EXISTS (SELECT 1 FROM ${emailSettings}, json_each(${emailSettings.disabledKinds})
    WHERE ${emailSettings.merchantId} = ${mail.merchantId} AND json_each.value = ${mail.facts.kind})`;
  return db
    .insert(emailOutbox)
    .select(
      db
        .select(
          pendingMailColumns(
            {
              id: sql`${newId("eml")}`,
              merchantId: sql`${merchants.id}`,
              customerId: sql`${mail.customerId}`,
              kind: sql`${mail.facts.kind}`,
              dedupeKey: sql`${mail.dedupeKey}`,
              data: dataSql(mail),
            },
            at,
          ),
        )
        .from(merchants)
        .where(and(eq(merchants.id, mail.merchantId), sql`NOT ${switchedOff}`)),
    )
    .onConflictDoNothing();
}

/** An invoice's "invoice issued" mail, to be queued with others of the same batch. */
export interface InvoiceIssuedMail {
  merchantId: string;
  customerId: string;
  invoiceId: string;
  facts: EmailFacts;
}

/**
 * The "invoice issued" mails of a batch's invoices in ONE statement (the mails travel as one
 * JSON parameter): each as queueEmailStatement would queue it, with the invoice number the
 * batch assigns and whether the customer pays by direct debit filled in by SQL, and none for a
 * merchant who switched the kind off.
 */
export function queueInvoiceIssuedEmailsStatement(
  db: Db,
  mails: readonly InvoiceIssuedMail[],
  at: Date,
): BatchItem<"sqlite"> {
  const when = at.toISOString();
  const rows = JSON.stringify(mails.map((mail) => ({ ...mail, id: newId("eml") })));
  const field = (path: string) => sql`json_extract(json_each.value, ${path})`;
  const merchantId = field("$.merchantId");
  const customerId = field("$.customerId");
  const invoiceId = field("$.invoiceId");
  const switchedOff = sql`EXISTS (SELECT 1 FROM ${emailSettings}, json_each(${emailSettings.disabledKinds}) AS kinds
    WHERE ${emailSettings.merchantId} = ${merchantId} AND kinds.value = 'invoice_issued')`;
  const directDebit = sql`json(CASE WHEN EXISTS (SELECT 1 FROM ${sepaMandates} WHERE ${sepaMandates.merchantId} = ${merchantId} AND ${sepaMandates.customerId} = ${customerId} AND ${sepaMandates.status} = 'active') THEN 'true' ELSE 'false' END)`;
  const number = sql`(SELECT ${invoices.number} FROM ${invoices} WHERE ${invoices.id} = ${invoiceId})`;
  return db
    .insert(emailOutbox)
    .select(
      db
        .select(
          pendingMailColumns(
            {
              id: field("$.id"),
              merchantId,
              customerId,
              kind: sql`'invoice_issued'`,
              dedupeKey: invoiceId,
              data: sql`json_set(json_extract(json_each.value, '$.facts'), '$.invoiceNumber', ${number}, '$.directDebit', ${directDebit})`,
            },
            when,
          ),
        )
        .from(sql`json_each(${rows})`)
        .where(sql`NOT ${switchedOff}`),
    )
    .onConflictDoNothing();
}

/** The names and address a leased mail needs, for all of them in one query. */
export async function recipientsOf(db: Db, mails: readonly OutboxRecord[]) {
  if (mails.length === 0) return new Map<string, Recipient>();
  const rows = await db
    .select({
      customerId: customers.id,
      name: customers.name,
      email: customers.email,
      locale: customers.locale,
      merchantName: merchants.name,
    })
    .from(customers)
    .innerJoin(merchants, eq(merchants.id, customers.merchantId))
    .where(inArray(customers.id, [...new Set(mails.map((mail) => mail.customerId))]));
  return new Map(rows.map((row) => [row.customerId, row]));
}

export type Recipient = {
  customerId: string;
  name: string;
  email: string | null;
  locale: string;
  merchantName: string;
};

/**
 * Takes up to `limit` due mails for this tick by moving their next attempt past the lease in one
 * `UPDATE … RETURNING`: a second tick running at the same time gets other mails or none.
 */
export async function leaseDueEmails(
  db: Db,
  now: string,
  leaseUntil: string,
  limit: number,
  merchantId?: string,
): Promise<OutboxRecord[]> {
  const due = db
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    .where(
      and(
        eq(emailOutbox.status, "pending"),
        lte(emailOutbox.nextAttemptAt, now),
        merchantId === undefined ? undefined : eq(emailOutbox.merchantId, merchantId),
      ),
    )
    .orderBy(asc(emailOutbox.nextAttemptAt))
    .limit(limit);
  return db
    .update(emailOutbox)
    .set({ nextAttemptAt: leaseUntil, attempts: sql`${emailOutbox.attempts} + 1` })
    .where(
      and(
        sql`${emailOutbox.id} IN ${due}`,
        eq(emailOutbox.status, "pending"),
        lte(emailOutbox.nextAttemptAt, now),
      ),
    )
    .returning();
}

export interface SentEmail {
  locale: string;
  recipient: string;
  subject: string;
  textBody: string;
  htmlBody: string;
}

export async function markEmailSent(db: Db, id: string, at: string, sent: SentEmail) {
  await db
    .update(emailOutbox)
    .set({ status: "sent", sentAt: at, lastError: null, ...sent })
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, "pending")));
}

/** A customer without an e-mail address: nothing to send, and nothing to retry. */
export async function markEmailSkipped(db: Db, id: string, reason: string): Promise<void> {
  await db
    .update(emailOutbox)
    .set({ status: "skipped", lastError: reason })
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, "pending")));
}

export async function markEmailFailed(
  db: Db,
  id: string,
  error: string,
  retryAt: string | null,
): Promise<void> {
  await db
    .update(emailOutbox)
    .set(
      retryAt === null
        ? { status: "failed", lastError: error }
        : { nextAttemptAt: retryAt, lastError: error },
    )
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, "pending")));
}

export async function listCustomerEmails(
  db: Db,
  merchantId: string,
  customerId: string,
  limit: number,
  cursor?: string,
): Promise<OutboxRecord[]> {
  return db
    .select()
    .from(emailOutbox)
    .where(
      and(
        eq(emailOutbox.merchantId, merchantId),
        eq(emailOutbox.customerId, customerId),
        cursor ? lt(emailOutbox.id, cursor) : undefined,
      ),
    )
    .orderBy(desc(emailOutbox.id))
    .limit(limit);
}

export async function findEmailSettings(db: Db, merchantId: string) {
  const [row] = await db
    .select()
    .from(emailSettings)
    .where(eq(emailSettings.merchantId, merchantId));
  return row ?? null;
}

export async function saveEmailSettings(
  db: Db,
  merchantId: string,
  disabledKinds: string[],
  at: string,
): Promise<void> {
  await db
    .insert(emailSettings)
    .values({ merchantId, disabledKinds, updatedAt: at })
    .onConflictDoUpdate({
      target: emailSettings.merchantId,
      set: { disabledKinds, updatedAt: at },
    });
}
