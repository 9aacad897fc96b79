// The merchant's customers: the people whose contracts Tarif bills. A customer's IBAN as the API
// shows it is a view: the active mandate's account when there is one, else the account the
// merchant gave for the customer (kept sealed; see worker/flows/customer-accounts.ts).
import { and, asc, eq, getTableColumns, gt, or, sql } from "drizzle-orm";
import { customers } from "../../schema/tables.ts";
import { sepaMandates } from "../../schema/sepa.ts";
import type { Db } from "./db.ts";
import type { ListOptions } from "./catalogue.ts";

export type CustomerRecord = typeof customers.$inferSelect & {
  /** The active mandate's masked IBAN (grouped in fours), if the customer has one. */
  mandateIbanMasked: string | null;
};

// Qualified by hand: drizzle names a single table's columns without it, and inside the subquery
// an unqualified "id" would be the mandate's.
const customerColumn = (column: "id" | "merchant_id") =>
  sql`${sql.identifier("customers")}.${sql.identifier(column)}`;

const customerView = {
  ...getTableColumns(customers),
  mandateIbanMasked: sql<
    string | null
  >`(SELECT m.iban_masked FROM ${sepaMandates} m WHERE m.merchant_id = ${customerColumn("merchant_id")} AND m.customer_id = ${customerColumn("id")} AND m.status = 'active')`,
};

export async function insertCustomer(
  db: Db,
  row: typeof customers.$inferInsert,
): Promise<CustomerRecord> {
  await db.insert(customers).values(row);
  return (await findCustomer(db, row.merchantId, row.id))!;
}

export async function findCustomer(
  db: Db,
  merchantId: string,
  id: string,
): Promise<CustomerRecord | undefined> {
  const rows = await db
    .select(customerView)
    .from(customers)
    .where(and(eq(customers.merchantId, merchantId), eq(customers.id, id)))
    .limit(1);
  return rows[0];
}

export async function updateCustomer(
  db: Db,
  merchantId: string,
  id: string,
  patch: Partial<typeof customers.$inferInsert>,
): Promise<CustomerRecord | undefined> {
  const rows = await db
    .update(customers)
    .set(patch)
    .where(and(eq(customers.merchantId, merchantId), eq(customers.id, id)))
    .returning({ id: customers.id });
  return rows[0] ? findCustomer(db, merchantId, id) : undefined;
}

export async function listCustomers(
  db: Db,
  merchantId: string,
  {
    limit,
    cursor,
    externalRef,
    search,
  }: ListOptions & { externalRef?: string | undefined; search?: string | undefined },
): Promise<CustomerRecord[]> {
  // A search finds the text anywhere in the name, e-mail address or external reference.
  const pattern = search ? `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%` : undefined;
  return db
    .select(customerView)
    .from(customers)
    .where(
      and(
        eq(customers.merchantId, merchantId),
        externalRef ? eq(customers.externalRef, externalRef) : undefined,
        pattern
          ? or(
              sql`${customers.name} LIKE ${pattern} ESCAPE '\\'`,
              sql`${customers.email} LIKE ${pattern} ESCAPE '\\'`,
              sql`${customers.externalRef} LIKE ${pattern} ESCAPE '\\'`,
            )
          : undefined,
        cursor ? gt(customers.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(customers.id))
    .limit(limit + 1);
}
