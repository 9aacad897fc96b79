// What the webhook delivery job reads and writes: due deliveries to enabled endpoints, a lease
// so two ticks never send the same attempt, and the outcome of each attempt.
import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
  webhookEvents,
} from "../../schema/tables.ts";
import { newId } from "../security.ts";
import type { Db } from "./db.ts";

export interface DueDelivery {
  eventId: string;
  endpointId: string;
  merchantId: string;
  attempts: number;
  nextAttemptAt: string;
  url: string;
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: string | null;
  failingSince: string | null;
  payload: string;
}

/** The merchants with a delivery due to an enabled endpoint, one queue message each. */
export async function merchantsWithDueDeliveries(db: Db, now: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ merchantId: webhookDeliveries.merchantId })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        lte(webhookDeliveries.nextAttemptAt, now),
        eq(webhookEndpoints.status, "enabled"),
      ),
    );
  return rows.map((row) => row.merchantId);
}

export async function findDueDeliveries(
  db: Db,
  now: string,
  limit: number,
  merchantId?: string,
): Promise<DueDelivery[]> {
  return db
    .select({
      eventId: webhookDeliveries.eventId,
      endpointId: webhookDeliveries.endpointId,
      merchantId: webhookDeliveries.merchantId,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      url: webhookEndpoints.url,
      secretCiphertext: webhookEndpoints.secretCiphertext,
      previousSecretCiphertext: webhookEndpoints.previousSecretCiphertext,
      previousSecretExpiresAt: webhookEndpoints.previousSecretExpiresAt,
      failingSince: webhookEndpoints.failingSince,
      payload: webhookEvents.payload,
    })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        lte(webhookDeliveries.nextAttemptAt, now),
        eq(webhookEndpoints.status, "enabled"),
        merchantId === undefined ? undefined : eq(webhookDeliveries.merchantId, merchantId),
      ),
    )
    .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.eventId))
    .limit(limit);
}

/**
 * Moves the delivery's next attempt out by the lease only if nobody else did since we read it;
 * returns false when another tick already holds it.
 */
export async function leaseDelivery(
  db: Db,
  delivery: DueDelivery,
  leaseUntil: string,
): Promise<boolean> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: leaseUntil })
    .where(
      and(
        eq(webhookDeliveries.eventId, delivery.eventId),
        eq(webhookDeliveries.endpointId, delivery.endpointId),
        eq(webhookDeliveries.status, "pending"),
        eq(webhookDeliveries.nextAttemptAt, delivery.nextAttemptAt),
      ),
    )
    .returning({ eventId: webhookDeliveries.eventId });
  return rows.length === 1;
}

export interface AttemptRecord {
  delivery: DueDelivery;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

export type AttemptResult =
  | { kind: "delivered" }
  | { kind: "retry"; nextAttemptAt: string; disableReason: string | null }
  | { kind: "failed"; disableReason: string | null };

/** The attempt log row, the delivery's new state and the endpoint's health, in one batch. */
export function attemptStatements(
  db: Db,
  attempt: AttemptRecord,
  result: AttemptResult,
): BatchItem<"sqlite">[] {
  const { delivery } = attempt;
  const key = and(
    eq(webhookDeliveries.eventId, delivery.eventId),
    eq(webhookDeliveries.endpointId, delivery.endpointId),
  );
  const attemptNumber = delivery.attempts + 1;
  const deliveryState =
    result.kind === "delivered"
      ? { status: "delivered", deliveredAt: attempt.startedAt }
      : result.kind === "retry"
        ? { status: "pending", nextAttemptAt: result.nextAttemptAt }
        : { status: "failed" };
  const endpoint = eq(webhookEndpoints.id, delivery.endpointId);
  const disableReason = result.kind === "delivered" ? null : result.disableReason;
  return [
    db.insert(webhookAttempts).values({
      id: newId("att"),
      merchantId: delivery.merchantId,
      eventId: delivery.eventId,
      endpointId: delivery.endpointId,
      attemptNumber,
      startedAt: attempt.startedAt,
      durationMs: attempt.durationMs,
      statusCode: attempt.statusCode,
      error: attempt.error,
      responseExcerpt: attempt.responseExcerpt,
    }),
    db
      .update(webhookDeliveries)
      .set({ ...deliveryState, attempts: attemptNumber, lastAttemptAt: attempt.startedAt })
      .where(key),
    result.kind === "delivered"
      ? db.update(webhookEndpoints).set({ failingSince: null }).where(endpoint)
      : db
          .update(webhookEndpoints)
          .set({
            failingSince: sql`COALESCE(${webhookEndpoints.failingSince}, ${attempt.startedAt})`,
          })
          .where(endpoint),
    ...(disableReason
      ? [
          db
            .update(webhookEndpoints)
            .set({
              status: "disabled",
              disabledReason: disableReason,
              updatedAt: attempt.startedAt,
            })
            .where(and(endpoint, eq(webhookEndpoints.status, "enabled"))),
        ]
      : []),
  ];
}
