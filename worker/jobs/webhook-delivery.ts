// Webhook delivery (cron): sends due deliveries to enabled endpoints, signed per Standard
// Webhooks, in parallel up to a limit, with a 15 s timeout and no redirects; records every
// attempt, schedules retries (5 s … 10 h with jitter, Retry-After honoured), and disables an
// endpoint on 410 or after 5 days of failures. A page is leased by one `UPDATE … RETURNING` (a
// second job gets other deliveries or none; a lease that runs out is taken again), each
// endpoint's secret is decrypted once per page, and the attempts are written in groups of a few
// set-based statements. Each delivery is signed and scheduled by the tick's clock at the moment
// it is sent, not by the tick's start.
import { webhookHeaders } from "../domain/webhook-signing.ts";
import { checkWebhookUrl } from "../domain/webhook-url-guard.ts";
import {
  classifyDeliveryResponse,
  DELIVERY_TIMEOUT_MS,
  nextAttemptAt,
  shouldDisableEndpoint,
  type DeliveryOutcome,
  type RandomSource,
} from "../domain/webhook-retry.ts";
import type { Bindings } from "../env.ts";
import { decryptSecret } from "../security.ts";
import { database, type Db } from "../store/db.ts";
import { DEFAULT_QUERY_BUDGET, meteredD1, QueryMeter } from "./query-budget.ts";
import {
  ATTEMPT_GROUP_STATEMENTS,
  attemptStatements,
  LEASE_STATEMENTS,
  leasePage,
  type AttemptRecord,
  type AttemptResult,
  type DueDelivery,
} from "../store/webhook-deliveries.ts";

export interface DeliveryOptions {
  fetcher?: typeof fetch;
  maxDeliveries?: number;
  concurrency?: number;
  random?: RandomSource;
  timeoutMs?: number;
  /** The current instant; by default the tick's time plus how long the tick has been running. */
  clock?: () => Date;
  /** Only this merchant's deliveries (one queue message per merchant). */
  merchantId?: string;
  /** The invocation's query budget; the page is sized so that every attempt in it is written. */
  meter?: QueryMeter;
  /** How a stored endpoint secret is decrypted (a seam for counting it in tests). */
  decrypt?: typeof decryptSecret;
}

/** Attempts written per group (one batch of at most ATTEMPT_GROUP_STATEMENTS statements). */
export const ATTEMPT_GROUP = 25;

export interface DeliveryReport {
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
}

const EXCERPT_BYTES = 1024;
/** Longer than one attempt can take, so a crashed tick's lease expires and the delivery is retried. */
export const DELIVERY_LEASE_MS = 2 * DELIVERY_TIMEOUT_MS;

/** A page is held for as long as sending all of it can take, one attempt's lease per round. */
export function pageLeaseMs(deliveries: number, concurrency: number): number {
  return (Math.ceil(deliveries / Math.max(1, concurrency)) + 1) * DELIVERY_LEASE_MS;
}

/** The most deliveries one page can take whose lease and attempt groups fit `remaining` statements. */
export function deliveriesThatFit(remaining: number): number {
  const groups = Math.floor((remaining - LEASE_STATEMENTS) / ATTEMPT_GROUP_STATEMENTS);
  return Math.max(0, groups * ATTEMPT_GROUP);
}

/** Attempts gathered and written ATTEMPT_GROUP at a time, one batch after the other. */
class AttemptWriter {
  private pending: { attempt: AttemptRecord; result: AttemptResult }[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly leaseId: string,
  ) {}

  add(attempt: AttemptRecord, result: AttemptResult): void {
    this.pending.push({ attempt, result });
    if (this.pending.length >= ATTEMPT_GROUP) this.write();
  }

  private write(): void {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    this.writing = this.writing.then(async () => {
      await this.db.$client.batch(attemptStatements(this.db, this.leaseId, group));
    });
  }

  async close(): Promise<void> {
    this.write();
    await this.writing;
  }
}

/** `now` moved on by the wall time elapsed since the tick began (tests pin `now` far ahead). */
function tickClock(now: Date): () => Date {
  const began = Date.now();
  return () => new Date(now.getTime() + (Date.now() - began));
}

export async function deliverWebhooks(
  env: Bindings,
  now: Date,
  options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const {
    fetcher = fetch,
    maxDeliveries = 200,
    concurrency = 10,
    random = Math.random,
    timeoutMs = DELIVERY_TIMEOUT_MS,
    clock = tickClock(now),
    decrypt = decryptSecret,
  } = options;
  // One decryption per endpoint per page, however many of its deliveries the page holds; a
  // previous secret that expires while the page is sent still signs the rest of that page.
  const decrypted = new Map<string, Promise<string[]>>();
  const secrets = (delivery: DueDelivery): Promise<string[]> => {
    let known = decrypted.get(delivery.endpointId);
    if (!known) {
      known = secretsOf(env, delivery, clock(), decrypt);
      decrypted.set(delivery.endpointId, known);
    }
    return known;
  };
  const meter = options.meter ?? new QueryMeter(DEFAULT_QUERY_BUDGET);
  const db = database(meteredD1(env.DB, meter));
  const report: DeliveryReport = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
  // The lease is one batch; the page takes only what its attempt groups can still write.
  const limit = Math.min(maxDeliveries, deliveriesThatFit(meter.remaining));
  if (limit < 1) return report;
  const leasedAt = clock();
  const page = await leasePage(db, {
    now: leasedAt.toISOString(),
    leaseUntil: new Date(leasedAt.getTime() + pageLeaseMs(limit, concurrency)).toISOString(),
    limit,
    merchantId: options.merchantId,
  });
  const due = page.deliveries;
  const writer = new AttemptWriter(db, page.leaseId);
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const delivery = due[next++]!;
      const { attempt, result } = await deliverOne(env, delivery, {
        fetcher,
        random,
        timeoutMs,
        clock,
        secrets,
      });
      writer.add(attempt, result);
      report.attempted += 1;
      report[
        result.kind === "delivered" ? "delivered" : result.kind === "retry" ? "retrying" : "failed"
      ] += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
  } finally {
    // What was sent is recorded even if another delivery of the page threw.
    await writer.close();
  }
  return report;
}

interface SendOptions {
  fetcher: typeof fetch;
  random: RandomSource;
  timeoutMs: number;
  clock: () => Date;
  secrets: (delivery: DueDelivery) => Promise<string[]>;
}

async function deliverOne(
  env: Bindings,
  delivery: DueDelivery,
  options: SendOptions,
): Promise<{ attempt: AttemptRecord; result: AttemptResult }> {
  const sentAt = options.clock();
  const startedAt = Date.now();
  const sent = await send(env, delivery, sentAt, options);
  const result = decide(delivery, sent, sentAt, options.random);
  const attempt = {
    delivery,
    startedAt: sentAt.toISOString(),
    durationMs: Date.now() - startedAt,
    statusCode: typeof sent.outcome === "number" ? sent.outcome : null,
    error: typeof sent.outcome === "number" ? null : sent.error,
    responseExcerpt: sent.excerpt,
  };
  return { attempt, result };
}

interface Sent {
  outcome: DeliveryOutcome;
  retryAfter: string | null;
  excerpt: string | null;
  error: string | null;
}

async function secretsOf(
  env: Bindings,
  delivery: DueDelivery,
  now: Date,
  decrypt: typeof decryptSecret,
): Promise<string[]> {
  const current = await decrypt(delivery.secretCiphertext, env.ENCRYPTION_KEY, delivery.endpointId);
  const rotating =
    delivery.previousSecretCiphertext &&
    delivery.previousSecretExpiresAt &&
    delivery.previousSecretExpiresAt > now.toISOString();
  if (!rotating) return [current];
  return [
    current,
    await decrypt(delivery.previousSecretCiphertext!, env.ENCRYPTION_KEY, delivery.endpointId),
  ];
}

async function send(
  env: Bindings,
  delivery: DueDelivery,
  now: Date,
  { fetcher, timeoutMs, secrets }: SendOptions,
): Promise<Sent> {
  // Checked again at send time: the URL rules may have tightened since the endpoint was saved.
  const allowLocalhost = env.ENVIRONMENT !== "production" && env.WEBHOOK_ALLOW_LOCALHOST === "true";
  const guard = checkWebhookUrl(delivery.url, { allowLocalhost });
  if (!guard.ok)
    return {
      outcome: "network_error",
      retryAfter: null,
      excerpt: null,
      error: `refused: ${guard.message}`,
    };
  const headers = await webhookHeaders(
    { id: delivery.eventId, timestamp: Math.floor(now.getTime() / 1000), body: delivery.payload },
    await secrets(delivery),
  );
  try {
    const response = await fetcher(guard.url, {
      method: "POST",
      headers: { ...headers, "user-agent": "Tarif-Webhooks/1" },
      body: delivery.payload,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      outcome: response.status,
      retryAfter: response.headers.get("retry-after"),
      excerpt: await excerptOf(response),
      error: null,
    };
  } catch (error) {
    const timedOut =
      error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      outcome: timedOut ? "timeout" : "network_error",
      retryAfter: null,
      excerpt: null,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Reads at most the first KiB of the answer: a receiver's body is for the log, not for us to store whole. */
async function excerptOf(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < EXCERPT_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes.slice(0, EXCERPT_BYTES));
}

function decide(delivery: DueDelivery, sent: Sent, now: Date, random: RandomSource): AttemptResult {
  const decision = classifyDeliveryResponse(sent.outcome);
  if (decision === "delivered") return { kind: "delivered" };
  if (decision === "disable_endpoint")
    return { kind: "failed", disableReason: "The endpoint answered 410 Gone." };
  const failingSince = delivery.failingSince ? new Date(delivery.failingSince) : now;
  const disableReason = shouldDisableEndpoint(failingSince, now)
    ? `Every attempt failed since ${failingSince.toISOString()} (5 days).`
    : null;
  const next = nextAttemptAt({
    attemptNumber: delivery.attempts + 1,
    now,
    retryAfterHeader: sent.retryAfter,
    random,
  });
  return next
    ? { kind: "retry", nextAttemptAt: next.toISOString(), disableReason }
    : { kind: "failed", disableReason };
}
