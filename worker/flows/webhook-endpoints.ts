// The webhook use cases of the merchant API: create an endpoint (its signing secret returned
// once, stored sealed), change it, rotate its secret with an overlap, recover it (enable and
// queue what it missed) and redeliver one event under the same webhook-id.
import { invalidFields, notFound } from "../domain/errors.ts";
import type { WebhookEventType } from "../domain/events.ts";
import { generateWebhookSecret } from "../domain/webhook-signing.ts";
import { checkWebhookUrl } from "../domain/webhook-url-guard.ts";
import type { Bindings } from "../env.ts";
import { encryptSecret, newId } from "../security.ts";
import type { Db } from "../store/db.ts";
import {
  findEndpoint,
  insertEndpoint,
  updateEndpoint,
  type WebhookEndpointRecord,
} from "../store/webhook-endpoints.ts";
import { findEvent, recoverEndpoint, redeliverEvent } from "../store/webhook-events.ts";

/** How far back a recovery may reach: past the 5 days that disable an endpoint, with time to notice. */
export const RECOVERY_WINDOW_DAYS = 30;

type UrlPolicy = Pick<Bindings, "ENVIRONMENT" | "WEBHOOK_ALLOW_LOCALHOST">;

/** https only and never an internal address; localhost only where development allows it. */
function checkedUrl(url: string, env: UrlPolicy): string {
  const allowLocalhost = env.ENVIRONMENT !== "production" && env.WEBHOOK_ALLOW_LOCALHOST === "true";
  const check = checkWebhookUrl(url, { allowLocalhost });
  if (!check.ok) throw invalidFields([{ field: "url", message: check.message }]);
  return check.url;
}

async function requireEndpoint(
  db: Db,
  merchantId: string,
  endpointId: string,
): Promise<WebhookEndpointRecord> {
  const endpoint = await findEndpoint(db, merchantId, endpointId);
  if (!endpoint) throw notFound("Webhook endpoint", endpointId);
  return endpoint;
}

export async function createEndpoint(
  db: Db,
  env: UrlPolicy & Pick<Bindings, "ENCRYPTION_KEY">,
  merchantId: string,
  request: { url: string; description?: string | null | undefined; eventTypes: WebhookEventType[] },
): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
  const url = checkedUrl(request.url, env);
  const id = newId("whe");
  const secret = generateWebhookSecret();
  const endpoint = await insertEndpoint(db, {
    id,
    merchantId,
    url,
    description: request.description ?? null,
    eventTypes: [...new Set(request.eventTypes)],
    secretCiphertext: await encryptSecret(secret, env.ENCRYPTION_KEY, id),
  });
  return { endpoint, secret };
}

export interface EndpointChanges {
  url?: string | undefined;
  description?: string | null | undefined;
  eventTypes?: WebhookEventType[] | undefined;
  enabled?: boolean | undefined;
}

export async function changeEndpoint(
  db: Db,
  env: UrlPolicy,
  merchantId: string,
  endpointId: string,
  { enabled, url, eventTypes, ...rest }: EndpointChanges,
  now: Date,
): Promise<WebhookEndpointRecord> {
  const patch = {
    ...rest,
    ...(url !== undefined ? { url: checkedUrl(url, env) } : {}),
    ...(eventTypes !== undefined ? { eventTypes: [...new Set(eventTypes)] } : {}),
    // Enabling clears the failure history: the merchant says the receiver is fixed.
    ...(enabled === true ? { status: "enabled", disabledReason: null, failingSince: null } : {}),
    ...(enabled === false
      ? { status: "disabled", disabledReason: "Disabled by the merchant." }
      : {}),
  } as const;
  const endpoint = await updateEndpoint(db, merchantId, endpointId, patch, now);
  if (!endpoint) throw notFound("Webhook endpoint", endpointId);
  return endpoint;
}

/** A new secret; the old one keeps signing for `overlapHours`. */
export async function rotateSecret(
  db: Db,
  encryptionKey: string | undefined,
  merchantId: string,
  endpointId: string,
  overlapHours: number,
  now: Date,
): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
  const endpoint = await requireEndpoint(db, merchantId, endpointId);
  const secret = generateWebhookSecret();
  const overlapUntil = new Date(now.getTime() + overlapHours * 3_600_000).toISOString();
  const updated = await updateEndpoint(
    db,
    merchantId,
    endpointId,
    {
      secretCiphertext: await encryptSecret(secret, encryptionKey, endpointId),
      previousSecretCiphertext: endpoint.secretCiphertext,
      previousSecretExpiresAt: overlapUntil,
    },
    now,
  );
  return { endpoint: updated!, secret };
}

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

/** Enables the endpoint and queues every subscribed event since `since` it has not received. */
export async function recoverEndpointSince(
  db: Db,
  merchantId: string,
  endpointId: string,
  since: Date,
  now: Date,
): Promise<{ since: Date; queued: number }> {
  const checked = checkedSince(since, now);
  const endpoint = await requireEndpoint(db, merchantId, endpointId);
  return { since: checked, queued: await recoverEndpoint(db, endpoint, checked, now) };
}

/** Sends an event again to the endpoints that got it; returns their ids. */
export async function redeliver(
  db: Db,
  merchantId: string,
  eventId: string,
  now: Date,
): Promise<Awaited<ReturnType<typeof redeliverEvent>>> {
  if (!(await findEvent(db, merchantId, eventId))) throw notFound("Event", eventId);
  return redeliverEvent(db, merchantId, eventId, now);
}
