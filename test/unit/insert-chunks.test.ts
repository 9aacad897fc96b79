// Multi-row inserts within D1's 100 bound parameters, counted on the statements drizzle builds:
// explicit nulls, bound defaults and SQL values with parameters of their own all count.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { invoiceDocuments } from "../../schema/documents.ts";
import { invoiceLines } from "../../schema/tables.ts";
import {
  database,
  insertInChunks,
  MAX_BOUND_PARAMETERS,
  rowChunks,
} from "../../worker/store/db.ts";

const db = database({} as D1Database);
const line = (i: number) => ({
  id: `inl_${i}`,
  merchantId: "mer_1",
  invoiceId: "inv_1",
  position: i,
  description: `Zeile ${i}`,
  articleId: null,
  itemId: null,
  quantity: 1,
  unitAmount: 990,
  periodStart: null,
  periodEnd: null,
  netAmount: 990,
  taxRate: 1900,
});
const paramsOf = (statement: unknown) =>
  (statement as { toSQL(): { params: unknown[] } }).toSQL().params.length;

describe("insertInChunks", () => {
  it("keeps every statement within the limit and loses no row", () => {
    const rows = Array.from({ length: 250 }, (_, i) => line(i));
    const statements = insertInChunks(db, invoiceLines, rows);
    expect(statements.map(paramsOf).every((n) => n <= MAX_BOUND_PARAMETERS)).toBe(true);
    expect(rowChunks(db, invoiceLines, rows).flat()).toEqual(rows);
    // 13 parameters a line (the explicit nulls too): 7 lines a statement.
    expect(rowChunks(db, invoiceLines, rows)[0]).toHaveLength(7);
  });

  it("counts the defaults drizzle binds and the parameters inside SQL values", () => {
    const documents = Array.from({ length: 40 }, (_, i) => ({
      merchantId: "mer_1",
      invoiceId: `inv_${i}`,
      format: "pdf" as const,
      objectKey: sql`${"invoices/"} || ${`inv_${i}`}`,
    }));
    const statements = insertInChunks(db, invoiceDocuments, documents);
    expect(statements.map(paramsOf).every((n) => n <= MAX_BOUND_PARAMETERS)).toBe(true);
    // merchant, invoice, format, two in the key's SQL and the attempts' default: 6 a row.
    expect(rowChunks(db, invoiceDocuments, documents)[0]).toHaveLength(16);
  });

  it("writes nothing for no rows", () => {
    expect(insertInChunks(db, invoiceLines, [])).toEqual([]);
  });
});
