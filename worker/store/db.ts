// The drizzle handle over D1 that every store function takes, and helpers for batched writes
// within D1's limit of 100 bound parameters per statement.
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteInsertValue, SQLiteTable } from "drizzle-orm/sqlite-core";
import * as tables from "../../schema/tables.ts";

export type Db = ReturnType<typeof database>;

export function database(d1: D1Database) {
  return drizzle(d1, { schema: tables });
}

/** D1 refuses statements with more than 100 bound parameters. */
export const MAX_BOUND_PARAMETERS = 100;

/**
 * Multi-row INSERTs of `rows` into `table`, each within D1's 100 bound parameters. A row's
 * parameters are counted on the statement drizzle builds for it (explicit nulls and defaults it
 * binds, values given as SQL with parameters of their own), so a column added later cannot push
 * a statement past the limit, as a hand-counted number of columns could.
 */
export function insertInChunks<TTable extends SQLiteTable>(
  db: Db,
  table: TTable,
  rows: readonly SQLiteInsertValue<TTable>[],
): BatchItem<"sqlite">[] {
  return rowChunks(db, table, rows).map((chunk) => db.insert(table).values(chunk));
}

/** The rows split as insertInChunks splits them, for an INSERT with a clause of its own. */
export function rowChunks<TTable extends SQLiteTable, TRow extends SQLiteInsertValue<TTable>>(
  db: Db,
  table: TTable,
  rows: readonly TRow[],
): TRow[][] {
  if (rows.length === 0) return [];
  // Rows with the same fields bind the same number of parameters: one count per shape.
  const counted = new Map<string, number>();
  let perRow = 1;
  for (const row of rows) {
    const shape = Object.keys(row).join();
    let count = counted.get(shape);
    if (count === undefined)
      counted.set(shape, (count = db.insert(table).values(row).toSQL().params.length));
    perRow = Math.max(perRow, count);
  }
  const size = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / perRow));
  const chunks: TRow[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/i.test(causeMessage(error));
}

export function isContractVersionConflict(error: unknown): boolean {
  return error instanceof Error && causeMessage(error).includes("contract_version_conflict");
}

function causeMessage(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} ${causeMessage(cause)}` : error.message;
}

/** Runs statements as one atomic D1 batch: all of them apply, or none. */
export async function runBatch(db: Db, statements: readonly BatchItem<"sqlite">[]) {
  if (statements.length === 0) return [];
  return db.batch(statements as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/**
 * Many rows' values for one UPDATE in a single bound parameter: `rows` as a JSON array, read back
 * with `json_each`, so a page of rows costs one statement however many rows it has.
 */
export function jsonRows(rows: readonly Record<string, string | number | null>[]): string {
  return JSON.stringify(rows);
}

/** The `key` of the JSON row whose `id` is the updated row's `idColumn`. */
export function rowValue(rows: string, key: string, idColumn: SQLWrapper): SQL {
  return sql`(SELECT json_each.value ->> ${`$.${key}`} FROM json_each(${rows}) WHERE json_each.value ->> '$.id' = ${idColumn})`;
}

/** `idColumn IN (the ids of the JSON rows)`: uncorrelated, so SQLite looks each id up by index. */
export function inRows(rows: string, idColumn: SQLWrapper): SQL {
  return sql`${idColumn} IN (SELECT json_each.value ->> '$.id' FROM json_each(${rows}))`;
}
