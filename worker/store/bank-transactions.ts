// D1 access for imported bank transactions, whichever provider brought them: the idempotent bulk
// upsert the syncs use, and the merchant's listing. The upsert sends many rows as ONE bound JSON parameter expanded by
// json_each, so a page of 500 transactions is a couple of statements instead of hundreds, and
// D1's limit of 100 bound parameters per statement is never near.
import { and, asc, eq, getTableColumns, gt, sql, type SQL } from "drizzle-orm";
import {
  bankTransactions,
  type BankProviderId,
  type BankTransactionStatus,
} from "../../schema/banking.ts";
import type { ListOptions } from "./catalogue.ts";
import type { Db } from "./db.ts";

export type BankTransactionRecord = typeof bankTransactions.$inferSelect;

/** What a sync stores per provider record; the scoping columns are added per batch. */
export type BankTransactionDraft = Omit<
  BankTransactionRecord,
  | "merchantId"
  | "provider"
  | "connectionId"
  | "providerScope"
  | "matchedRule"
  | "createdAt"
  | "updatedAt"
>;

const DRAFT_FIELDS = [
  "id",
  "providerTransactionId",
  "providerSequence",
  "accountId",
  "amount",
  "currency",
  "bookingDate",
  "valueDate",
  "providerBookingDate",
  "importDate",
  "purpose",
  "bookingText",
  "counterpartName",
  "counterpartIbanCiphertext",
  "counterpartIbanMasked",
  "counterpartBic",
  "counterpartAccountNumber",
  "counterpartBlz",
  "counterpartBankName",
  "counterpartMandateReference",
  "counterpartCreditorId",
  "counterpartDebitorId",
  "counterpartCustomerReference",
  "endToEndReference",
  "typeCodeZka",
  "typeCodeSwift",
  "sepaPurposeCode",
  "bankTransactionCode",
  "originalAmount",
  "originalCurrency",
  "compensationAmount",
  "feeAmount",
  "feeCurrency",
  "status",
  "statusReason",
  "rawExcerpt",
] as const satisfies readonly (keyof BankTransactionDraft)[];

/** Rows per statement and JSON size per statement: far below D1's statement and value limits. */
const MAX_ROWS_PER_STATEMENT = 250;
const MAX_JSON_CHARS_PER_STATEMENT = 400_000;

const columns = getTableColumns(bankTransactions);
const name = (field: keyof typeof columns) => sql.identifier(columns[field].name);
const draftColumns = sql.join(DRAFT_FIELDS.map(name), sql`, `);
// The field names are our constants, so building the JSON paths from them is safe.
const extracts = sql.join(
  DRAFT_FIELDS.map((field) => sql.raw(`json_extract(value, '$.${field}')`)),
  sql`, `,
);
// A parked record may be served correctly later: then it heals. Any other stored row stays as it
// is, because reconciliation may already have booked it.
const healed = sql.join(
  DRAFT_FIELDS.filter((field) => field !== "id").map(
    (field) => sql`${name(field)} = excluded.${name(field)}`,
  ),
  sql`, `,
);

export interface StoredRow {
  id: string;
  status: string;
}

export interface Scope {
  merchantId: string;
  provider: BankProviderId;
  connectionId: string;
  providerScope: string;
  now: string;
}

/** Groups drafts so each statement's one JSON parameter stays small. */
export function chunkDrafts(
  drafts: readonly BankTransactionDraft[],
): { rows: BankTransactionDraft[]; json: string }[] {
  const chunks: { rows: BankTransactionDraft[]; json: string }[] = [];
  let rows: BankTransactionDraft[] = [];
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (rows.length > 0) chunks.push({ rows, json: `[${parts.join(",")}]` });
    rows = [];
    parts = [];
    size = 0;
  };
  for (const draft of drafts) {
    const json = JSON.stringify(
      Object.fromEntries(DRAFT_FIELDS.map((field) => [field, draft[field]])),
    );
    if (
      rows.length >= MAX_ROWS_PER_STATEMENT ||
      (rows.length > 0 && size + json.length > MAX_JSON_CHARS_PER_STATEMENT)
    )
      flush();
    rows.push(draft);
    parts.push(json);
    size += json.length + 1;
  }
  flush();
  return chunks;
}

/**
 * Inserts the drafts that are new (by merchant, provider, provider scope and provider id). Built by drizzle but
 * run on D1 directly: drizzle's batch cannot carry raw SQL statements with parameters.
 */
export function upsertStatement(db: Db, scope: Scope, json: string): D1PreparedStatement {
  const query: SQL = sql`INSERT INTO ${bankTransactions} (${draftColumns}, "merchant_id", "provider", "connection_id", "provider_scope", "created_at", "updated_at")
SELECT ${extracts}, ${scope.merchantId}, ${scope.provider}, ${scope.connectionId}, ${scope.providerScope}, ${scope.now}, ${scope.now} FROM json_each(${json}) WHERE true
ON CONFLICT ("merchant_id", "provider", "provider_scope", "provider_transaction_id") DO UPDATE SET ${healed}, "updated_at" = excluded."updated_at"
WHERE "status" = 'parked' AND excluded."status" <> 'parked'
RETURNING "id", "status"`;
  const built = db.all(query).getQuery();
  return db.$client.prepare(built.sql).bind(...built.params);
}

/**
 * Runs the upserts as one atomic batch and returns the rows they wrote: new ones carry the
 * draft's id, healed parked ones their stored id; a record already stored returns nothing.
 */
export async function runUpserts(db: Db, statements: D1PreparedStatement[]): Promise<StoredRow[]> {
  if (statements.length === 0) return [];
  const results = await db.$client.batch<StoredRow>(statements);
  return results.flatMap((result) => result.results);
}

export async function listBankTransactions(
  db: Db,
  merchantId: string,
  { limit, cursor, status }: ListOptions & { status?: BankTransactionStatus | undefined },
) {
  return db
    .select()
    .from(bankTransactions)
    .where(
      and(
        eq(bankTransactions.merchantId, merchantId),
        status ? eq(bankTransactions.status, status) : undefined,
        cursor ? gt(bankTransactions.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(bankTransactions.id))
    .limit(limit + 1);
}

export async function findBankTransaction(
  db: Db,
  merchantId: string,
  id: string,
): Promise<BankTransactionRecord | undefined> {
  const [row] = await db
    .select()
    .from(bankTransactions)
    .where(and(eq(bankTransactions.merchantId, merchantId), eq(bankTransactions.id, id)))
    .limit(1);
  return row;
}
