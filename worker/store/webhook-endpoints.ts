// Webhook endpoints of a merchant: where events go, which types, and their encrypted secrets.
import { and, asc, eq, gt, ne } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints } from "../../schema/tables.ts";
import type { ListOptions } from "./catalogue.ts";
import type { Db } from "./db.ts";

export type WebhookEndpointRecord = typeof webhookEndpoints.$inferSelect;

export async function insertEndpoint(
  db: Db,
  row: typeof webhookEndpoints.$inferInsert,
): Promise<WebhookEndpointRecord> {
  return (await db.insert(webhookEndpoints).values(row).returning())[0]!;
}

export async function findEndpoint(
  db: Db,
  merchantId: string,
  id: string,
): Promise<WebhookEndpointRecord | undefined> {
  return db.query.webhookEndpoints.findFirst({
    where: and(
      eq(webhookEndpoints.merchantId, merchantId),
      eq(webhookEndpoints.id, id),
      ne(webhookEndpoints.status, "deleted"),
    ),
  });
}

export async function listEndpoints(db: Db, merchantId: string, { limit, cursor }: ListOptions) {
  return db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.merchantId, merchantId),
        ne(webhookEndpoints.status, "deleted"),
        cursor ? gt(webhookEndpoints.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(webhookEndpoints.id))
    .limit(limit + 1);
}

export async function updateEndpoint(
  db: Db,
  merchantId: string,
  id: string,
  patch: Partial<typeof webhookEndpoints.$inferInsert>,
  at: Date,
) {
  const rows = await db
    .update(webhookEndpoints)
    .set({ ...patch, updatedAt: at.toISOString() })
    .where(
      and(
        eq(webhookEndpoints.merchantId, merchantId),
        eq(webhookEndpoints.id, id),
        ne(webhookEndpoints.status, "deleted"),
      ),
    )
    .returning();
  return rows[0];
}

/** Deleting keeps the row for the delivery log but stops everything still pending for it. */
export async function deleteEndpoint(
  db: Db,
  merchantId: string,
  id: string,
  at: Date,
): Promise<boolean> {
  const [deleted] = await db.batch([
    db
      .update(webhookEndpoints)
      .set({ status: "deleted", updatedAt: at.toISOString() })
      .where(
        and(
          eq(webhookEndpoints.merchantId, merchantId),
          eq(webhookEndpoints.id, id),
          ne(webhookEndpoints.status, "deleted"),
        ),
      )
      .returning({ id: webhookEndpoints.id }),
    db
      .update(webhookDeliveries)
      .set({ status: "cancelled" })
      .where(
        and(
          eq(webhookDeliveries.merchantId, merchantId),
          eq(webhookDeliveries.endpointId, id),
          eq(webhookDeliveries.status, "pending"),
        ),
      ),
  ]);
  return deleted.length > 0;
}
