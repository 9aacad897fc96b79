// Customer SEPA mandates. IBANs are stored encrypted and bound to their mandate; every write
// bumps `version`, which a collection run checks inside its own batch.
import { and, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { sepaMandates } from "../../schema/sepa.ts";
import { customers } from "../../schema/tables.ts";
import type { Db } from "./db.ts";

export type MandateRecord = typeof sepaMandates.$inferSelect;
type CustomerRecord = typeof customers.$inferSelect;

export const mandateIbanBinding = (mandateId: string) => `sepa_mandate:${mandateId}:iban`;
export const amendedFromIbanBinding = (mandateId: string) =>
  `sepa_mandate:${mandateId}:amended_from_iban`;

export interface MandateContext {
  customer: CustomerRecord | undefined;
  /** The customer's most recent mandate, whatever its status. */
  latest: MandateRecord | undefined;
  /** The merchant's mandate that already uses the reference (any customer). */
  holder: MandateRecord | undefined;
}

/** Everything a mandate PUT decides on, in one round trip. */
export async function loadMandateContext(
  db: Db,
  merchantId: string,
  customerId: string,
  referenceKey: string,
): Promise<MandateContext> {
  const [customer, latest, holder] = await db.batch([
    db
      .select()
      .from(customers)
      .where(and(eq(customers.merchantId, merchantId), eq(customers.id, customerId)))
      .limit(1),
    latestMandateQuery(db, merchantId, customerId),
    db
      .select()
      .from(sepaMandates)
      .where(
        and(eq(sepaMandates.merchantId, merchantId), eq(sepaMandates.referenceKey, referenceKey)),
      )
      .limit(1),
  ]);
  return { customer: customer[0], latest: latest[0], holder: holder[0] };
}

function latestMandateQuery(db: Db, merchantId: string, customerId: string) {
  return db
    .select()
    .from(sepaMandates)
    .where(and(eq(sepaMandates.merchantId, merchantId), eq(sepaMandates.customerId, customerId)))
    .orderBy(desc(sepaMandates.id))
    .limit(1);
}

export async function findLatestMandate(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<{ customer: CustomerRecord | undefined; mandate: MandateRecord | undefined }> {
  const [customer, mandate] = await db.batch([
    db
      .select()
      .from(customers)
      .where(and(eq(customers.merchantId, merchantId), eq(customers.id, customerId)))
      .limit(1),
    latestMandateQuery(db, merchantId, customerId),
  ]);
  return { customer: customer[0], mandate: mandate[0] };
}

export async function findMandate(
  db: Db,
  merchantId: string,
  id: string,
): Promise<MandateRecord | undefined> {
  return (
    await db
      .select()
      .from(sepaMandates)
      .where(and(eq(sepaMandates.merchantId, merchantId), eq(sepaMandates.id, id)))
      .limit(1)
  )[0];
}

/**
 * A new mandate, revoking the one it replaces in the same batch (at most one is active);
 * `also` (its webhook event, say) is written in that batch too.
 */
export async function insertMandate(
  db: Db,
  row: typeof sepaMandates.$inferInsert,
  replaces: MandateRecord | null,
  at: string,
  also: BatchItem<"sqlite">[] = [],
): Promise<MandateRecord> {
  const statements: BatchItem<"sqlite">[] = [];
  if (replaces) statements.push(revokeStatement(db, replaces, "replaced", at));
  statements.push(db.insert(sepaMandates).values(row).returning());
  const inserted = statements.length - 1;
  statements.push(...also);
  const results = await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  return (results[inserted] as MandateRecord[])[0]!;
}

/** Applies `patch` only if nobody wrote the mandate since it was read; undefined otherwise. */
export async function updateMandate(
  db: Db,
  current: MandateRecord,
  patch: Partial<typeof sepaMandates.$inferInsert>,
): Promise<MandateRecord | undefined> {
  const rows = await db
    .update(sepaMandates)
    .set({ ...patch, version: sql`${sepaMandates.version} + 1` })
    .where(
      and(
        eq(sepaMandates.merchantId, current.merchantId),
        eq(sepaMandates.id, current.id),
        eq(sepaMandates.version, current.version),
      ),
    )
    .returning();
  return rows[0];
}

function revokeStatement(db: Db, mandate: MandateRecord, reason: string, at: string) {
  return db
    .update(sepaMandates)
    .set({
      status: "revoked",
      statusReason: reason,
      revokedAt: at,
      updatedAt: at,
      version: sql`${sepaMandates.version} + 1`,
    })
    .where(
      and(
        eq(sepaMandates.merchantId, mandate.merchantId),
        eq(sepaMandates.id, mandate.id),
        eq(sepaMandates.status, "active"),
      ),
    );
}

export async function revokeMandate(
  db: Db,
  mandate: MandateRecord,
  reason: string,
  at: string,
): Promise<MandateRecord> {
  const rows = await revokeStatement(db, mandate, reason, at).returning();
  return rows[0] ?? (await findMandate(db, mandate.merchantId, mandate.id))!;
}
