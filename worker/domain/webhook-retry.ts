// Webhook delivery policy without I/O: the payload envelope, when to retry a failed attempt
// (Svix schedule with jitter, Retry-After), and when a failing endpoint is given up on.
import { isWebhookEventType, type WebhookEventType } from "./events.ts";

/** Delays after the 1st, 2nd, … failed attempt; the first attempt itself is immediate. */
export const RETRY_DELAYS_SECONDS = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000] as const;
/** The initial attempt plus one per retry delay. */
export const MAX_DELIVERY_ATTEMPTS = 1 + RETRY_DELAYS_SECONDS.length;
/** ±20 % spreads retries of many events that failed together, so a recovering receiver is not stampeded. */
export const RETRY_JITTER_RATIO = 0.2;
/** A receiver may ask for a later retry, but not park an event for longer than a day per attempt. */
export const RETRY_AFTER_MAX_SECONDS = 86_400;
export const DISABLE_ENDPOINT_AFTER_MS = 5 * 86_400_000;
export const DELIVERY_TIMEOUT_MS = 15_000;

/** Uniform in [0, 1), like `Math.random`; injected so schedules are reproducible in tests. */
export type RandomSource = () => number;

export type DeliveryOutcome = number | "timeout" | "network_error";
export type DeliveryDecision = "delivered" | "retry" | "disable_endpoint";

export interface NextAttemptInput {
  /** 1-based number of the attempt that just failed. */
  attemptNumber: number;
  now: Date;
  retryAfterHeader?: string | null;
  random: RandomSource;
}

/** The jittered delay before the next attempt, or null when `attemptNumber` was the last one. */
export function retryDelayMs(attemptNumber: number, random: RandomSource): number | null {
  if (!Number.isSafeInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attemptNumber must be a positive integer, got ${attemptNumber}`);
  }
  const baseSeconds = RETRY_DELAYS_SECONDS[attemptNumber - 1];
  if (baseSeconds === undefined) return null;
  const factor = 1 + RETRY_JITTER_RATIO * (2 * checkedRandom(random) - 1);
  return Math.round(baseSeconds * 1000 * factor);
}

/**
 * When to try again after a failed attempt, or null once retries are exhausted. `Retry-After`
 * can only postpone the schedule (it is the receiver asking for room), never hasten it.
 */
export function nextAttemptAt(input: NextAttemptInput): Date | null {
  const scheduledMs = retryDelayMs(input.attemptNumber, input.random);
  if (scheduledMs === null) return null;
  const requestedMs = retryAfterMs(input.retryAfterHeader, input.now) ?? 0;
  return new Date(input.now.getTime() + Math.max(scheduledMs, requestedMs));
}

/** `Retry-After` as a delay in ms from `now` (delta-seconds or HTTP-date), capped; null if absent or unusable. */
export function retryAfterMs(header: string | null | undefined, now: Date): number | null {
  const value = header?.trim();
  if (!value) return null;
  const capMs = RETRY_AFTER_MAX_SECONDS * 1000;
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, capMs);
  // HTTP-dates are always GMT; requiring it keeps Date.parse from guessing a local time zone.
  if (!/ GMT$/.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(at - now.getTime(), 0), capMs);
}

/** 2xx delivers; 410 Gone means the receiver wants no more; anything else (3xx included) is retried. */
export function classifyDeliveryResponse(outcome: DeliveryOutcome): DeliveryDecision {
  if (outcome === "timeout" || outcome === "network_error") return "retry";
  if (Number.isInteger(outcome) && outcome >= 200 && outcome <= 299) return "delivered";
  if (outcome === 410) return "disable_endpoint";
  return "retry";
}

/** True once an endpoint has failed without a single success for 5 days. */
export function shouldDisableEndpoint(firstFailureAt: Date | null, now: Date): boolean {
  if (firstFailureAt === null) return false;
  return now.getTime() - firstFailureAt.getTime() >= DISABLE_ENDPOINT_AFTER_MS;
}

/** The JSON body `{type, timestamp, data}`; this exact string is both signed and sent. */
export function buildEventPayload(
  type: WebhookEventType,
  data: Readonly<Record<string, unknown>>,
  timestamp: Date,
): string {
  if (!isWebhookEventType(type))
    throw new RangeError(`unknown webhook event type: ${String(type)}`);
  if (Number.isNaN(timestamp.getTime()))
    throw new RangeError("webhook event timestamp is not a valid date");
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new TypeError("webhook event data must be a JSON object");
  }
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
}

function checkedRandom(random: RandomSource): number {
  const value = random();
  if (!(value >= 0 && value < 1))
    throw new RangeError(`random source must return [0, 1), got ${value}`);
  return value;
}
