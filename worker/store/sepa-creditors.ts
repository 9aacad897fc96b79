// The merchant's SEPA creditor settings (one row per merchant); the IBAN is stored encrypted.
import { eq } from "drizzle-orm";
import { sepaCreditors } from "../../schema/sepa.ts";
import type { Db } from "./db.ts";

export type CreditorRecord = typeof sepaCreditors.$inferSelect;

/** What the creditor IBAN's ciphertext is bound to: it decrypts only on its merchant's row. */
export const creditorIbanBinding = (merchantId: string) => `sepa_creditor:${merchantId}:iban`;

export async function findCreditor(
  db: Db,
  merchantId: string,
): Promise<CreditorRecord | undefined> {
  return (
    await db.select().from(sepaCreditors).where(eq(sepaCreditors.merchantId, merchantId)).limit(1)
  )[0];
}

export async function upsertCreditor(
  db: Db,
  row: Omit<typeof sepaCreditors.$inferInsert, "createdAt">,
): Promise<CreditorRecord> {
  const { merchantId: _merchant, ...changes } = row;
  const rows = await db
    .insert(sepaCreditors)
    .values(row)
    .onConflictDoUpdate({ target: sepaCreditors.merchantId, set: changes })
    .returning();
  return rows[0]!;
}
