// The webhook outbox: `eventStatements` is the one call every feature uses to report a change.
// Its statements go into the same D1 batch as the change, so an event exists exactly when its
// change was committed, and the fan-out to the merchant's subscribed endpoints happens there too.
import { and, asc, eq, gt, gte, inArray, ne, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  invoices,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
  webhookEvents,
} from "../../schema/tables.ts";
import type { WebhookEventData, WebhookEventType } from "../domain/events.ts";
import { buildEventPayload } from "../domain/webhook-retry.ts";
import { newId } from "../security.ts";
import type { ListOptions } from "./catalogue.ts";
import { insertInChunks, type Db } from "./db.ts";

export type WebhookEventRecord = typeof webhookEvents.$inferSelect;

export interface EventInput<T extends WebhookEventType = WebhookEventType> {
  merchantId: string;
  type: T;
  data: WebhookEventData[T];
  at: Date;
  /** For invoice events: the number is only assigned inside the batch, so SQL fills it in. */
  invoiceNumberOf?: string;
  /** Data members only known inside the batch: each SQL value (JSON) is set into `data`. */
  dataSql?: Partial<Record<keyof WebhookEventData[T] & string, SQL>>;
  /** The event is written only when this holds inside the batch (e.g. something was applied). */
  when?: SQL;
}

function payloadSql<T extends WebhookEventType>(input: EventInput<T>): SQL | string {
  let payload: SQL | string = buildEventPayload(input.type, input.data, input.at);
  for (const [key, value] of Object.entries(input.dataSql ?? {}) as [string, SQL][])
    payload = sql`json_set(${payload}, ${`$.data.${key}`}, json(${value}))`;
  if (!input.invoiceNumberOf) return payload;
  return sql`json_set(${payload}, '$.data.number', (SELECT ${invoices.number} FROM ${invoices} WHERE ${invoices.id} = ${input.invoiceNumberOf}))`;
}

/** The event row and one pending delivery per enabled endpoint subscribed to its type. */
export function eventStatements<T extends WebhookEventType>(
  db: Db,
  input: EventInput<T>,
): BatchItem<"sqlite">[] {
  const id = newId("evt");
  const at = input.at.toISOString();
  const subscribed = or(
    sql`${webhookEndpoints.eventTypes} = '[]'`,
    sql`EXISTS (SELECT 1 FROM json_each(${webhookEndpoints.eventTypes}) WHERE json_each.value = ${input.type})`,
  );
  const event = input.when
    ? db
        .insert(webhookEvents)
        .select(
          sql`SELECT ${id}, ${input.merchantId}, ${input.type}, ${payloadSql(input)}, ${at} WHERE ${input.when}`,
        )
    : db.insert(webhookEvents).values({
        id,
        merchantId: input.merchantId,
        type: input.type,
        payload: payloadSql(input),
        createdAt: at,
      });
  return [
    event,
    db.insert(webhookDeliveries).select(
      db
        .select({
          eventId: sql<string>`${id}`.as("event_id"),
          endpointId: webhookEndpoints.id,
          merchantId: webhookEndpoints.merchantId,
          status: sql<string>`'pending'`.as("status"),
          attempts: sql<number>`0`.as("attempts"),
          nextAttemptAt: sql<string>`${at}`.as("next_attempt_at"),
          lastAttemptAt: sql<null>`NULL`.as("last_attempt_at"),
          deliveredAt: sql<null>`NULL`.as("delivered_at"),
          leasedUntil: sql<null>`NULL`.as("leased_until"),
          leaseId: sql<null>`NULL`.as("lease_id"),
          createdAt: sql<string>`${at}`.as("created_at"),
        })
        .from(webhookEndpoints)
        .where(
          and(
            eq(webhookEndpoints.merchantId, input.merchantId),
            eq(webhookEndpoints.status, "enabled"),
            subscribed,
            input.when
              ? sql`EXISTS (SELECT 1 FROM ${webhookEvents} WHERE ${webhookEvents.id} = ${id})`
              : undefined,
          ),
        ),
    ),
  ];
}

/** Event ids per delivery fan-out statement (the merchant ids take the rest of the 100). */
const EVENTS_PER_FAN_OUT = 45;

/**
 * `eventStatements` for many events in one batch (a billing run's page): the event rows in
 * multi-row inserts, then one fan-out per page of events to the subscribed enabled endpoints of
 * each event's merchant — the same subscription rule, in set form.
 */
export function eventsStatements<T extends WebhookEventType>(
  db: Db,
  inputs: readonly EventInput<T>[],
): BatchItem<"sqlite">[] {
  if (inputs.length === 0) return [];
  const rows = inputs.map((input) => ({
    id: newId("evt"),
    merchantId: input.merchantId,
    type: input.type,
    payload: payloadSql(input),
    createdAt: input.at.toISOString(),
  }));
  const fanOut = (chunk: typeof rows) => {
    const ids = chunk.map((row) => row.id);
    return db.insert(webhookDeliveries).select(
      db
        .select({
          eventId: sql<string>`${webhookEvents.id}`.as("event_id"),
          endpointId: sql<string>`${webhookEndpoints.id}`.as("endpoint_id"),
          merchantId: sql<string>`${webhookEndpoints.merchantId}`.as("merchant_id"),
          status: sql<string>`'pending'`.as("status"),
          attempts: sql<number>`0`.as("attempts"),
          nextAttemptAt: sql<string>`${webhookEvents.createdAt}`.as("next_attempt_at"),
          lastAttemptAt: sql<null>`NULL`.as("last_attempt_at"),
          deliveredAt: sql<null>`NULL`.as("delivered_at"),
          leasedUntil: sql<null>`NULL`.as("leased_until"),
          leaseId: sql<null>`NULL`.as("lease_id"),
          createdAt: sql<string>`${webhookEvents.createdAt}`.as("created_at"),
        })
        .from(webhookEvents)
        .innerJoin(webhookEndpoints, eq(webhookEndpoints.merchantId, webhookEvents.merchantId))
        .where(
          and(
            inArray(webhookEvents.id, ids),
            inArray(webhookEndpoints.merchantId, [...new Set(chunk.map((row) => row.merchantId))]),
            eq(webhookEndpoints.status, "enabled"),
            or(
              sql`${webhookEndpoints.eventTypes} = '[]'`,
              sql`EXISTS (SELECT 1 FROM json_each(${webhookEndpoints.eventTypes}) WHERE json_each.value = ${webhookEvents.type})`,
            ),
          ),
        ),
    );
  };
  const fanOuts: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += EVENTS_PER_FAN_OUT)
    fanOuts.push(fanOut(rows.slice(i, i + EVENTS_PER_FAN_OUT)));
  return [...insertInChunks(db, webhookEvents, rows), ...fanOuts];
}

export async function listEvents(
  db: Db,
  merchantId: string,
  { limit, cursor, type }: ListOptions & { type?: string | undefined },
) {
  return db
    .select()
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.merchantId, merchantId),
        type ? eq(webhookEvents.type, type) : undefined,
        cursor ? gt(webhookEvents.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(webhookEvents.id))
    .limit(limit + 1);
}

export async function findEvent(db: Db, merchantId: string, id: string) {
  const [events, deliveries, attempts] = await db.batch([
    db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.merchantId, merchantId), eq(webhookEvents.id, id)))
      .limit(1),
    db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.merchantId, merchantId), eq(webhookDeliveries.eventId, id))),
    db
      .select()
      .from(webhookAttempts)
      .where(and(eq(webhookAttempts.merchantId, merchantId), eq(webhookAttempts.eventId, id)))
      .orderBy(asc(webhookAttempts.id)),
  ]);
  return events[0] ? { event: events[0], deliveries, attempts } : undefined;
}

/**
 * Redelivery keeps the event (and so its webhook-id and body): its deliveries to enabled
 * endpoints are due again now, with a fresh attempt budget.
 */
export async function redeliverEvent(
  db: Db,
  merchantId: string,
  eventId: string,
  now: Date,
): Promise<number> {
  const enabled = db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(eq(webhookEndpoints.merchantId, merchantId), eq(webhookEndpoints.status, "enabled")),
    );
  const rows = await db
    .update(webhookDeliveries)
    .set({ status: "pending", attempts: 0, nextAttemptAt: now.toISOString() })
    .where(
      and(
        eq(webhookDeliveries.merchantId, merchantId),
        eq(webhookDeliveries.eventId, eventId),
        sql`${webhookDeliveries.endpointId} IN ${enabled}`,
      ),
    )
    .returning({ endpointId: webhookDeliveries.endpointId });
  return rows.length;
}

/**
 * Recovery after an outage (like Svix's): the endpoint is enabled again with a clean failure
 * history, and every event since `since` that it subscribes to and has not received is due now,
 * with a fresh attempt budget — failed deliveries, pending ones waiting out a long back-off, and
 * events that got no delivery at all because the endpoint was disabled. One atomic batch;
 * returns how many deliveries were queued.
 */
export async function recoverEndpoint(
  db: Db,
  endpoint: { id: string; merchantId: string; eventTypes: string[] },
  since: Date,
  now: Date,
): Promise<number> {
  const at = now.toISOString();
  const recoverable = and(
    eq(webhookEvents.merchantId, endpoint.merchantId),
    gte(webhookEvents.createdAt, since.toISOString()),
    endpoint.eventTypes.length > 0 ? inArray(webhookEvents.type, endpoint.eventTypes) : undefined,
  );
  const [, requeued, added] = await db.batch([
    db
      .update(webhookEndpoints)
      .set({ status: "enabled", disabledReason: null, failingSince: null, updatedAt: at })
      .where(eq(webhookEndpoints.id, endpoint.id)),
    db
      .update(webhookDeliveries)
      .set({ status: "pending", attempts: 0, nextAttemptAt: at })
      .where(
        and(
          eq(webhookDeliveries.endpointId, endpoint.id),
          ne(webhookDeliveries.status, "delivered"),
          sql`${webhookDeliveries.eventId} IN ${db.select({ id: webhookEvents.id }).from(webhookEvents).where(recoverable)}`,
        ),
      )
      .returning({ eventId: webhookDeliveries.eventId }),
    db
      .insert(webhookDeliveries)
      .select(
        db
          .select({
            eventId: webhookEvents.id,
            endpointId: sql<string>`${endpoint.id}`.as("endpoint_id"),
            merchantId: webhookEvents.merchantId,
            status: sql<string>`'pending'`.as("status"),
            attempts: sql<number>`0`.as("attempts"),
            nextAttemptAt: sql<string>`${at}`.as("next_attempt_at"),
            lastAttemptAt: sql<null>`NULL`.as("last_attempt_at"),
            deliveredAt: sql<null>`NULL`.as("delivered_at"),
            leasedUntil: sql<null>`NULL`.as("leased_until"),
            leaseId: sql<null>`NULL`.as("lease_id"),
            createdAt: sql<string>`${at}`.as("created_at"),
          })
          .from(webhookEvents)
          .where(
            and(
              recoverable,
              sql`NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} WHERE ${webhookDeliveries.eventId} = ${webhookEvents.id} AND ${webhookDeliveries.endpointId} = ${endpoint.id})`,
            ),
          ),
      )
      .returning({ eventId: webhookDeliveries.eventId }),
  ]);
  return requeued.length + added.length;
}
