// /api/v1/webhook-endpoints and /api/v1/webhook-events: where the merchant's systems are told
// about every change, with the signing secret shown once, rotation, enable/disable, the event
// log with every attempt, and redelivery under the same webhook-id.
import { Hono } from "hono";
import * as v from "valibot";
import { WEBHOOK_EVENT_TYPES } from "../domain/events.ts";
import type { AppEnv } from "../env.ts";
import {
  changeEndpoint,
  createEndpoint,
  recoverEndpointSince,
  redeliver,
  rotateSecret,
} from "../flows/webhook-endpoints.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import {
  IdParam,
  InstantOut,
  InstantSchema,
  Int,
  ListQuery,
  NullableText,
  patchObject,
  shaped,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import {
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  type WebhookEndpointRecord,
} from "../store/webhook-endpoints.ts";
import { findEvent, listEvents, type WebhookEventRecord } from "../store/webhook-events.ts";

const EventTypes = v.pipe(
  v.array(v.picklist(WEBHOOK_EVENT_TYPES, `must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}`)),
  v.maxLength(WEBHOOK_EVENT_TYPES.length, `at most ${WEBHOOK_EVENT_TYPES.length} event types`),
);
const Url = v.pipe(v.string(), v.maxLength(2048, "at most 2048 characters"));
const Description = v.nullable(v.pipe(v.string(), v.maxLength(500)));

const CreateEndpoint = v.strictObject({
  url: Url,
  description: v.optional(Description),
  eventTypes: v.optional(EventTypes, []),
});
const UpdateEndpoint = patchObject({
  url: v.optional(Url),
  description: v.optional(Description),
  eventTypes: v.optional(EventTypes),
  enabled: v.optional(v.boolean()),
});
const Rotation = v.strictObject({
  overlapHours: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(168)), 24),
});
const Recovery = v.strictObject({ since: InstantSchema });

const EventListQuery = v.object({
  ...ListQuery.entries,
  type: v.optional(v.picklist(WEBHOOK_EVENT_TYPES)),
});

const EndpointResource = v.object({
  id: v.string(),
  url: v.string(),
  description: NullableText,
  eventTypes: v.array(v.string()),
  status: v.picklist(["enabled", "disabled"]),
  disabledReason: NullableText,
  failingSince: v.nullable(InstantOut),
  /** Until then the previous secret signs too (after a rotation). */
  secretRotatingUntil: v.nullable(InstantOut),
  createdAt: InstantOut,
  updatedAt: v.nullable(InstantOut),
});

/** With the signing secret: shown on creation and rotation only. */
const EndpointWithSecret = v.object({ ...EndpointResource.entries, secret: v.string() });

const EventResource = v.object({
  id: v.string(),
  type: v.string(),
  createdAt: InstantOut,
  /** The webhook body as delivered: `{type, timestamp, data}`. */
  payload: v.unknown(),
});

const EventDetailResource = v.object({
  ...EventResource.entries,
  deliveries: v.array(
    v.object({
      endpointId: v.string(),
      status: v.string(),
      attempts: Int,
      nextAttemptAt: InstantOut,
      lastAttemptAt: v.nullable(InstantOut),
      deliveredAt: v.nullable(InstantOut),
      createdAt: InstantOut,
    }),
  ),
  attempts: v.array(
    v.object({
      id: v.string(),
      endpointId: v.string(),
      attemptNumber: Int,
      startedAt: InstantOut,
      durationMs: Int,
      statusCode: v.nullable(Int),
      error: NullableText,
      responseExcerpt: NullableText,
    }),
  ),
});

function endpointResource(endpoint: WebhookEndpointRecord): v.InferOutput<typeof EndpointResource> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    status: endpoint.status as "enabled" | "disabled",
    disabledReason: endpoint.disabledReason,
    failingSince: endpoint.failingSince,
    secretRotatingUntil: endpoint.previousSecretExpiresAt,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}

function eventResource(event: WebhookEventRecord): v.InferOutput<typeof EventResource> {
  return {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    payload: JSON.parse(event.payload) as unknown,
  };
}

export const webhookEndpointsRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc("Webhooks", "Create a webhook endpoint; the signing secret is returned once", {
      status: 201,
      schema: EndpointWithSecret,
    }),
    valid("json", CreateEndpoint),
    async (c) => {
      const { endpoint, secret } = await createEndpoint(
        c.var.db,
        c.env,
        c.var.merchant.id,
        c.req.valid("json"),
      );
      return c.json({ ...endpointResource(endpoint), secret }, 201);
    },
  )
  .get(
    "/",
    doc("Webhooks", "List webhook endpoints", { schema: PageOf(EndpointResource) }),
    valid("query", ListQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(
        toPage(
          await listEndpoints(c.var.db, c.get("merchant").id, { limit, cursor }),
          limit,
          endpointResource,
        ),
      );
    },
  )
  .get(
    "/:id",
    doc(
      "Webhooks",
      "Get a webhook endpoint and its health",
      { schema: EndpointResource },
      { errors: [404] },
    ),
    valid("param", IdParam("whe")),
    async (c) => {
      const { id } = c.req.valid("param");
      const endpoint = await findEndpoint(c.var.db, c.get("merchant").id, id);
      if (!endpoint) throw notFound("Webhook endpoint", id);
      return c.json(endpointResource(endpoint));
    },
  )
  .patch(
    "/:id",
    doc(
      "Webhooks",
      "Change URL or event types, or enable/disable an endpoint",
      { schema: EndpointResource },
      { errors: [404] },
    ),
    valid("param", IdParam("whe")),
    valid("json", UpdateEndpoint),
    async (c) => {
      const endpoint = await changeEndpoint(
        c.var.db,
        c.env,
        c.var.merchant.id,
        c.req.valid("param").id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(endpointResource(endpoint));
    },
  )
  .delete(
    "/:id",
    doc(
      "Webhooks",
      "Delete a webhook endpoint",
      { schema: v.object({ id: v.string(), deleted: v.literal(true) }) },
      { errors: [404] },
    ),
    valid("param", IdParam("whe")),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await deleteEndpoint(c.var.db, c.get("merchant").id, id, c.var.now)))
        throw notFound("Webhook endpoint", id);
      return c.json({ id, deleted: true });
    },
  )
  .post(
    "/:id/rotate-secret",
    doc(
      "Webhooks",
      "Rotate the signing secret; the old one keeps signing during the overlap",
      { schema: EndpointWithSecret },
      { errors: [404] },
    ),
    valid("param", IdParam("whe")),
    valid("json", Rotation),
    async (c) => {
      const { endpoint, secret } = await rotateSecret(
        c.var.db,
        c.env.ENCRYPTION_KEY,
        c.var.merchant.id,
        c.req.valid("param").id,
        c.req.valid("json").overlapHours,
        c.var.now,
      );
      return c.json({ ...endpointResource(endpoint), secret });
    },
  )
  .post(
    "/:id/recover",
    doc(
      "Webhooks",
      "Enable the endpoint again and queue every subscribed event since `since` it has not received",
      {
        status: 202,
        schema: v.object({
          id: v.string(),
          status: v.literal("enabled"),
          since: InstantOut,
          /** Deliveries queued for the events since `since`. */
          queued: Int,
          scheduledAt: InstantOut,
        }),
      },
      { errors: [404] },
    ),
    valid("param", IdParam("whe")),
    valid("json", Recovery),
    async (c) => {
      const { id } = c.req.valid("param");
      const now = c.var.now;
      const { since, queued } = await recoverEndpointSince(
        c.var.db,
        c.var.merchant.id,
        id,
        c.req.valid("json").since,
        now,
      );
      return c.json(
        {
          id,
          status: "enabled",
          since: since.toISOString(),
          queued,
          scheduledAt: now.toISOString(),
        },
        202,
      );
    },
  );

export const webhookEventsRouter = new Hono<AppEnv>()
  .get(
    "/",
    doc("Webhooks", "List events (the outbox)", { schema: PageOf(EventResource) }),
    valid("query", EventListQuery),
    async (c) => {
      const { limit, cursor, type } = c.req.valid("query");
      return c.json(
        toPage(
          await listEvents(c.var.db, c.get("merchant").id, { limit, cursor, type }),
          limit,
          eventResource,
        ),
      );
    },
  )
  .get(
    "/:id",
    doc(
      "Webhooks",
      "Get an event with its deliveries and every attempt",
      { schema: EventDetailResource },
      { errors: [404] },
    ),
    valid("param", IdParam("evt")),
    async (c) => {
      const { id } = c.req.valid("param");
      const found = await findEvent(c.var.db, c.get("merchant").id, id);
      if (!found) throw notFound("Event", id);
      return c.json(
        shaped(EventDetailResource)({
          ...eventResource(found.event),
          deliveries: found.deliveries.map(
            // The lease is the delivery job's business, not the merchant's.
            ({ merchantId: _m, eventId: _e, leaseId: _l, leasedUntil: _u, ...delivery }) =>
              delivery,
          ),
          attempts: found.attempts.map(({ merchantId: _m, eventId: _e, ...attempt }) => attempt),
        }),
      );
    },
  )
  .post(
    "/:id/redeliver",
    doc(
      "Webhooks",
      "Send an event again (same webhook-id)",
      {
        status: 202,
        schema: v.object({
          id: v.string(),
          /** How many enabled endpoints it is queued for. */
          redeliveredTo: Int,
          scheduledAt: InstantOut,
        }),
      },
      { errors: [404] },
    ),
    valid("param", IdParam("evt")),
    async (c) => {
      const { id } = c.req.valid("param");
      const endpoints = await redeliver(c.var.db, c.var.merchant.id, id, c.var.now);
      return c.json({ id, redeliveredTo: endpoints, scheduledAt: c.var.now.toISOString() }, 202);
    },
  );
