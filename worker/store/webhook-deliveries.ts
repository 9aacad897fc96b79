// What the webhook delivery job reads and writes: due deliveries to enabled endpoints, a page of
// them leased by one `UPDATE … RETURNING` so two jobs never send the same attempt, and the
// outcomes of a group of attempts in a few set-based statements.
import { and, eq, isNull, lte, or } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints } from "../../schema/tables.ts";
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
        or(isNull(webhookDeliveries.leasedUntil), lte(webhookDeliveries.leasedUntil, now)),
        eq(webhookEndpoints.status, "enabled"),
      ),
    );
  return rows.map((row) => row.merchantId);
}

const DUE = `d.status = 'pending' AND d.next_attempt_at <= ?1 AND (d.leased_until IS NULL OR d.leased_until <= ?1)
  AND e.status = 'enabled'`;

/** The page: due, not leased by anyone (or their lease ran out), to an enabled endpoint. */
const duePage = (merchant: boolean) => `SELECT d.rowid FROM webhook_deliveries AS d
  JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
  WHERE ${merchant ? "d.merchant_id = ?5 AND " : ""}${DUE}
  ORDER BY d.next_attempt_at, d.event_id LIMIT ?4`;

/** ONE statement takes the page: a second job running the same query meanwhile gets other rows or none. */
const lease = (merchant: boolean) => `UPDATE webhook_deliveries SET leased_until = ?2, lease_id = ?3
  WHERE rowid IN (${duePage(merchant)})
  RETURNING event_id, endpoint_id`;

/** What sending needs of each leased delivery, in the same batch (so it sees the lease). */
const LEASED = `SELECT d.event_id AS eventId, d.endpoint_id AS endpointId, d.merchant_id AS merchantId,
    d.attempts AS attempts, d.next_attempt_at AS nextAttemptAt, e.url AS url,
    e.secret_ciphertext AS secretCiphertext, e.previous_secret_ciphertext AS previousSecretCiphertext,
    e.previous_secret_expires_at AS previousSecretExpiresAt, e.failing_since AS failingSince,
    v.payload AS payload
  FROM webhook_deliveries AS d
  JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
  JOIN webhook_events AS v ON v.id = d.event_id
  WHERE d.lease_id = ?1
  ORDER BY d.next_attempt_at, d.event_id`;

/** Statements of leasePage, for the budget. */
export const LEASE_STATEMENTS = 2;

export interface LeasedPage {
  leaseId: string;
  deliveries: DueDelivery[];
}

/**
 * Leases up to `limit` due deliveries until `leaseUntil` under a fresh lease id and reads what
 * sending them needs: one round trip of two statements. Only the holder of the lease writes the
 * outcome back (attemptStatements); a lease that ran out (a crashed job) is taken again.
 */
export async function leasePage(
  db: Db,
  options: { now: string; leaseUntil: string; limit: number; merchantId?: string | undefined },
): Promise<LeasedPage> {
  const d1 = db.$client;
  const leaseId = newId("wls");
  const merchant = options.merchantId !== undefined;
  const params: unknown[] = [options.now, options.leaseUntil, leaseId, options.limit];
  if (merchant) params.push(options.merchantId);
  const [, leased] = await d1.batch<unknown>([
    d1.prepare(lease(merchant)).bind(...params),
    d1.prepare(LEASED).bind(leaseId),
  ]);
  return { leaseId, deliveries: (leased?.results ?? []) as DueDelivery[] };
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

const field = (alias: string, name: string) => `json_extract(${alias}.value, '$.${name}')`;

const INSERT_ATTEMPTS = `INSERT INTO webhook_attempts
  (id, merchant_id, event_id, endpoint_id, attempt_number, started_at, duration_ms, status_code, error, response_excerpt)
  SELECT ${field("r", "id")}, ${field("r", "merchantId")}, ${field("r", "eventId")}, ${field("r", "endpointId")},
    ${field("r", "attempt")}, ${field("r", "startedAt")}, ${field("r", "durationMs")}, ${field("r", "statusCode")},
    ${field("r", "error")}, ${field("r", "excerpt")}
  FROM json_each(?1) AS r`;

/** This delivery's result in the group. */
const result = (name: string) =>
  `(SELECT ${field("r", name)} FROM json_each(?1) AS r WHERE ${field("r", "eventId")} = webhook_deliveries.event_id AND ${field("r", "endpointId")} = webhook_deliveries.endpoint_id)`;

/**
 * The deliveries' new state, written only under the page's own lease (a job whose lease ran out
 * and was taken by another writes nothing here). A success always counts. A failure sets the
 * next attempt only if the attempt count is still the one the page leased: a recovery or
 * redelivery meanwhile (fresh budget, due now) is kept, not overwritten by the older schedule.
 */
const UPDATE_DELIVERIES = `UPDATE webhook_deliveries SET
    status = CASE WHEN ${result("kind")} = 'delivered' THEN 'delivered'
      WHEN attempts = ${result("seen")} THEN ${result("status")} ELSE status END,
    delivered_at = CASE WHEN ${result("kind")} = 'delivered' THEN ${result("startedAt")} ELSE delivered_at END,
    next_attempt_at = CASE WHEN ${result("kind")} <> 'delivered' AND attempts = ${result("seen")} AND ${result("next")} IS NOT NULL
      THEN ${result("next")} ELSE next_attempt_at END,
    attempts = CASE WHEN attempts = ${result("seen")} THEN attempts + 1 ELSE attempts END,
    last_attempt_at = ${result("startedAt")}, leased_until = NULL, lease_id = NULL
  WHERE lease_id = ?2 AND (event_id, endpoint_id) IN
    (SELECT ${field("r", "eventId")}, ${field("r", "endpointId")} FROM json_each(?1) AS r)`;

const endpointValue = (name: string) =>
  `(SELECT ${field("h", name)} FROM json_each(?1) AS h WHERE ${field("h", "id")} = webhook_endpoints.id)`;

/** The endpoints' failure run: cleared by a success, started by the first failure after it. */
const UPDATE_HEALTH = `UPDATE webhook_endpoints SET failing_since = CASE ${endpointValue("mode")}
    WHEN 'clear' THEN NULL WHEN 'set' THEN ${endpointValue("since")}
    ELSE COALESCE(failing_since, ${endpointValue("since")}) END
  WHERE id IN (SELECT ${field("h", "id")} FROM json_each(?1) AS h)`;

const DISABLE = `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ${endpointValue("reason")},
    updated_at = ${endpointValue("at")}
  WHERE id IN (SELECT ${field("h", "id")} FROM json_each(?1) AS h) AND status = 'enabled'`;

/** The most statements attemptStatements writes for one group, however large. */
export const ATTEMPT_GROUP_STATEMENTS = 4;

/**
 * A group of attempts of one page, in at most four statements: the attempt log rows, the
 * deliveries' new state, the endpoints' health and the endpoints to disable.
 */
export function attemptStatements(
  db: Db,
  leaseId: string,
  attempts: readonly { attempt: AttemptRecord; result: AttemptResult }[],
): D1PreparedStatement[] {
  if (attempts.length === 0) return [];
  const d1 = db.$client;
  const rows = attempts.map(({ attempt, result }) => ({
    id: newId("att"),
    merchantId: attempt.delivery.merchantId,
    eventId: attempt.delivery.eventId,
    endpointId: attempt.delivery.endpointId,
    attempt: attempt.delivery.attempts + 1,
    seen: attempt.delivery.attempts,
    startedAt: attempt.startedAt,
    durationMs: attempt.durationMs,
    statusCode: attempt.statusCode,
    error: attempt.error,
    excerpt: attempt.responseExcerpt,
    kind: result.kind,
    status: result.kind === "failed" ? "failed" : "pending",
    next: result.kind === "retry" ? result.nextAttemptAt : null,
  }));
  // In the order the attempts ended: the last success clears, a failure after it starts the run.
  const health = new Map<string, { mode: "clear" | "set" | "keep"; since: string | null }>();
  const disable = new Map<string, { reason: string; at: string }>();
  for (const { attempt, result } of attempts) {
    const id = attempt.delivery.endpointId;
    const known = health.get(id);
    if (result.kind === "delivered") health.set(id, { mode: "clear", since: null });
    else if (!known) health.set(id, { mode: "keep", since: attempt.startedAt });
    else if (known.mode === "clear") health.set(id, { mode: "set", since: attempt.startedAt });
    if (result.kind !== "delivered" && result.disableReason && !disable.has(id))
      disable.set(id, { reason: result.disableReason, at: attempt.startedAt });
  }
  const statements = [
    d1.prepare(INSERT_ATTEMPTS).bind(JSON.stringify(rows)),
    d1.prepare(UPDATE_DELIVERIES).bind(JSON.stringify(rows), leaseId),
    d1
      .prepare(UPDATE_HEALTH)
      .bind(JSON.stringify([...health].map(([id, state]) => ({ id, ...state })))),
  ];
  if (disable.size > 0)
    statements.push(
      d1.prepare(DISABLE).bind(JSON.stringify([...disable].map(([id, d]) => ({ id, ...d })))),
    );
  return statements;
}
