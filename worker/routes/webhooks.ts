// /api/v1/webhook-endpoints and /api/v1/webhook-events: where the merchant's systems are told
// about every change, with the signing secret shown once, rotation, enable/disable, the event
// log with every attempt, and redelivery under the same webhook-id.
import { Hono } from "hono";
import * as v from "valibot";
import { checkWebhookUrl } from "../domain/webhook-url-guard.ts";
import { generateWebhookSecret } from "../domain/webhook-signing.ts";
import { WEBHOOK_EVENT_TYPES } from "../domain/events.ts";
import type { AppEnv, Bindings } from "../env.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { DomainError, invalidFields, notFound } from "../domain/errors.ts";
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
import { encryptSecret } from "../security.ts";
import { newId } from "../security.ts";
import {
  deleteEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  updateEndpoint,
  type WebhookEndpointRecord,
} from "../store/webhook-endpoints.ts";
import {
  findEvent,
  listEvents,
  recoverEndpoint,
  redeliverEvent,
  type WebhookEventRecord,
} from "../store/webhook-events.ts";

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
/** How far back a recovery may reach: past the 5 days that disable an endpoint, with time to notice. */
const RECOVERY_WINDOW_DAYS = 30;
const Recovery = v.strictObject({ since: InstantSchema });

const EventListQuery = v.object({
  ...ListQuery.entries,
  type: v.optional(v.picklist(WEBHOOK_EVENT_TYPES)),
});

/** https only and never an internal address; localhost only where development allows it. */
function checkedUrl(url: string, env: Bindings): string {
  const allowLocalhost = env.ENVIRONMENT !== "production" && env.WEBHOOK_ALLOW_LOCALHOST === "true";
  const check = checkWebhookUrl(url, { allowLocalhost });
  if (!check.ok)
    throw new DomainError("validation_failed", `url: ${check.message}`, [
      { field: "url", message: check.message },
    ]);
  return check.url;
}

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
      const body = c.req.valid("json");
      const url = checkedUrl(body.url, c.env);
      const id = newId("whe");
      const secret = generateWebhookSecret();
      const endpoint = await insertEndpoint(c.var.db, {
        id,
        merchantId: c.get("merchant").id,
        url,
        description: body.description ?? null,
        eventTypes: [...new Set(body.eventTypes)],
        secretCiphertext: await encryptSecret(secret, c.env.ENCRYPTION_KEY, id),
      });
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
      const { id } = c.req.valid("param");
      const { enabled, url, eventTypes, ...rest } = c.req.valid("json");
      const patch = {
        ...rest,
        ...(url !== undefined ? { url: checkedUrl(url, c.env) } : {}),
        ...(eventTypes !== undefined ? { eventTypes: [...new Set(eventTypes)] } : {}),
        // Enabling clears the failure history: the merchant says the receiver is fixed.
        ...(enabled === true
          ? { status: "enabled", disabledReason: null, failingSince: null }
          : {}),
        ...(enabled === false
          ? { status: "disabled", disabledReason: "Disabled by the merchant." }
          : {}),
      };
      const endpoint = await updateEndpoint(c.var.db, c.get("merchant").id, id, patch, c.var.now);
      if (!endpoint) throw notFound("Webhook endpoint", id);
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
      const { id } = c.req.valid("param");
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      const endpoint = await findEndpoint(db, merchantId, id);
      if (!endpoint) throw notFound("Webhook endpoint", id);
      const secret = generateWebhookSecret();
      const overlapUntil = new Date(
        c.get("now").getTime() + c.req.valid("json").overlapHours * 3_600_000,
      ).toISOString();
      const updated = await updateEndpoint(
        db,
        merchantId,
        id,
        {
          secretCiphertext: await encryptSecret(secret, c.env.ENCRYPTION_KEY, id),
          previousSecretCiphertext: endpoint.secretCiphertext,
          previousSecretExpiresAt: overlapUntil,
        },
        c.var.now,
      );
      return c.json({ ...endpointResource(updated!), secret });
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
      const now = c.get("now");
      const since = checkedSince(c.req.valid("json").since, now);
      const db = c.var.db;
      const endpoint = await findEndpoint(db, c.get("merchant").id, id);
      if (!endpoint) throw notFound("Webhook endpoint", id);
      const queued = await recoverEndpoint(db, endpoint, since, now);
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

function checkedSince(since: Date, now: Date): Date {
  const earliest = now.getTime() - RECOVERY_WINDOW_DAYS * 86_400_000;
  const message =
    since > now
      ? "must not be in the future"
      : since.getTime() < earliest
        ? `must be within the last ${RECOVERY_WINDOW_DAYS} days`
        : null;
  if (message) throw invalidFields([{ field: "since", message }]);
  return since;
}

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
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      if (!(await findEvent(db, merchantId, id))) throw notFound("Event", id);
      const endpoints = await redeliverEvent(db, merchantId, id, c.get("now"));
      return c.json({ id, redeliveredTo: endpoints, scheduledAt: c.get("now").toISOString() }, 202);
    },
  );
