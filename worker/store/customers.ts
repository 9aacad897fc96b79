// The merchant's customers: the people whose contracts Tarif bills.
import { and, asc, eq, gt } from "drizzle-orm";
import { customers } from "../../schema/tables.ts";
import type { Db } from "./db.ts";
import type { ListOptions } from "./catalogue.ts";

export type CustomerRecord = typeof customers.$inferSelect;

export async function insertCustomer(
  db: Db,
  row: typeof customers.$inferInsert,
): Promise<CustomerRecord> {
  return (await db.insert(customers).values(row).returning())[0]!;
}

export async function findCustomer(
  db: Db,
  merchantId: string,
  id: string,
): Promise<CustomerRecord | undefined> {
  return db.query.customers.findFirst({
    where: and(eq(customers.merchantId, merchantId), eq(customers.id, id)),
  });
}

export async function updateCustomer(
  db: Db,
  merchantId: string,
  id: string,
  patch: Partial<typeof customers.$inferInsert>,
) {
  const rows = await db
    .update(customers)
    .set(patch)
    .where(and(eq(customers.merchantId, merchantId), eq(customers.id, id)))
    .returning();
  return rows[0];
}

export async function listCustomers(
  db: Db,
  merchantId: string,
  { limit, cursor, externalRef }: ListOptions & { externalRef?: string | undefined },
) {
  return db
    .select()
    .from(customers)
    .where(
      and(
        eq(customers.merchantId, merchantId),
        externalRef ? eq(customers.externalRef, externalRef) : undefined,
        cursor ? gt(customers.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(customers.id))
    .limit(limit + 1);
}
