// Delivery policy: retry schedule with bounded jitter, Retry-After, response classification,
// the 5-day disable rule, the event-type list and the payload format.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildEventPayload,
  classifyDeliveryResponse,
  DISABLE_ENDPOINT_AFTER_MS,
  MAX_DELIVERY_ATTEMPTS,
  nextAttemptAt,
  RETRY_DELAYS_SECONDS,
  retryAfterMs,
  retryDelayMs,
  shouldDisableEndpoint,
} from "../../worker/domain/webhook-retry.ts";
import {
  isWebhookEventType,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from "../../worker/domain/events.ts";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const MIDDLE = () => 0.5; // no jitter
const SECOND = 1000;
const HOUR = 3_600_000;
const random01 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const attempt = fc.integer({ min: 1, max: RETRY_DELAYS_SECONDS.length });

function delayAfter(
  attemptNumber: number,
  retryAfterHeader?: string,
  random = MIDDLE,
): number | null {
  const at = nextAttemptAt({ attemptNumber, now: NOW, random, retryAfterHeader });
  return at === null ? null : at.getTime() - NOW.getTime();
}

describe("retry schedule", () => {
  it("is 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after attempts 1..7, then exhausted", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => delayAfter(n));
    expect(delays).toEqual([
      5 * SECOND,
      300 * SECOND,
      1800 * SECOND,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      10 * HOUR,
      null,
    ]);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(8);
    expect(delayAfter(100)).toBeNull();
  });

  it("jitter reaches -20 % at random 0 and approaches +20 %", () => {
    expect(retryDelayMs(1, () => 0)).toBe(4 * SECOND);
    expect(retryDelayMs(4, () => 0)).toBe(1.6 * HOUR);
    expect(retryDelayMs(4, () => 0.999999)).toBeCloseTo(2.4 * HOUR, -2);
  });

  it("rejects a bad attempt number or random source", () => {
    for (const n of [0, -1, 1.5, Number.NaN])
      expect(() => retryDelayMs(n, MIDDLE), String(n)).toThrow(RangeError);
    for (const r of [1, -0.1, Number.NaN, 2])
      expect(() => retryDelayMs(1, () => r), String(r)).toThrow(RangeError);
  });

  it("property: jitter stays within ±20 % of the scheduled delay", () => {
    fc.assert(
      fc.property(attempt, random01, (n, r) => {
        const base = (RETRY_DELAYS_SECONDS[n - 1] ?? 0) * SECOND;
        const delay = retryDelayMs(n, () => r) ?? Number.NaN;
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }),
    );
  });

  it("property: the schedule is monotonic (non-decreasing for the same jitter draw)", () => {
    expect([...RETRY_DELAYS_SECONDS]).toEqual([...RETRY_DELAYS_SECONDS].sort((a, b) => a - b));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: RETRY_DELAYS_SECONDS.length - 1 }),
        random01,
        (n, r) => {
          expect(retryDelayMs(n + 1, () => r)!).toBeGreaterThanOrEqual(retryDelayMs(n, () => r)!);
        },
      ),
    );
  });

  it("property: the next attempt is always in the future and the same inputs give the same time", () => {
    fc.assert(
      fc.property(attempt, random01, (n, r) => {
        const first = nextAttemptAt({ attemptNumber: n, now: NOW, random: () => r });
        const again = nextAttemptAt({ attemptNumber: n, now: NOW, random: () => r });
        expect(first!.getTime()).toBeGreaterThan(NOW.getTime());
        expect(again).toEqual(first);
      }),
    );
  });

  it("property: retries end after the 8th attempt whatever the jitter", () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_DELIVERY_ATTEMPTS, max: 1000 }), random01, (n, r) => {
        expect(
          nextAttemptAt({ attemptNumber: n, now: NOW, random: () => r, retryAfterHeader: "60" }),
        ).toBeNull();
      }),
    );
  });
});

describe("Retry-After", () => {
  it("postpones the retry when later than the schedule (delta-seconds)", () => {
    expect(delayAfter(1, "120")).toBe(120 * SECOND);
    expect(delayAfter(1, " 120 ")).toBe(120 * SECOND);
  });

  it("never hastens the schedule", () => {
    expect(delayAfter(2, "1")).toBe(300 * SECOND);
    expect(delayAfter(2, "0")).toBe(300 * SECOND);
  });

  it("accepts an HTTP-date", () => {
    expect(delayAfter(1, "Sun, 01 Mar 2026 13:00:00 GMT")).toBe(HOUR);
    expect(delayAfter(1, "Sunday, 01-Mar-26 13:00:00 GMT")).toBe(HOUR);
    expect(delayAfter(3, "Sun, 01 Mar 2026 11:00:00 GMT")).toBe(1800 * SECOND); // in the past
  });

  it("is capped at 24 h", () => {
    expect(delayAfter(1, "999999")).toBe(24 * HOUR);
    expect(delayAfter(1, "99999999999999999999999")).toBe(24 * HOUR);
    expect(delayAfter(1, "Fri, 01 Jan 2100 00:00:00 GMT")).toBe(24 * HOUR);
  });

  it("is ignored when malformed", () => {
    for (const header of [
      "",
      "soon",
      "-5",
      "1.5",
      "2026-03-01T13:00:00Z",
      "Sun, 01 Mar 2026 13:00:00",
      "Xyz, 99 Foo GMT",
    ]) {
      expect(delayAfter(1, header), header).toBe(5 * SECOND);
      expect(retryAfterMs(header, NOW), header).toBeNull();
    }
    expect(delayAfter(1, undefined)).toBe(5 * SECOND);
    expect(
      nextAttemptAt({ attemptNumber: 1, now: NOW, random: MIDDLE, retryAfterHeader: null }),
    ).toEqual(new Date(NOW.getTime() + 5 * SECOND));
  });

  it("property: the result lies between the schedule and max(schedule, 24 h)", () => {
    fc.assert(
      fc.property(attempt, random01, fc.nat({ max: 200_000 }), (n, r, seconds) => {
        const scheduled = retryDelayMs(n, () => r)!;
        const delay = delayAfter(n, String(seconds), () => r)!;
        expect(delay).toBeGreaterThanOrEqual(scheduled);
        expect(delay).toBeLessThanOrEqual(Math.max(scheduled, 24 * HOUR));
        expect(delay).toBe(Math.max(scheduled, Math.min(seconds * SECOND, 24 * HOUR)));
      }),
    );
  });
});

describe("classifyDeliveryResponse", () => {
  it("delivers on every 2xx", () => {
    for (const status of [200, 201, 202, 204, 299])
      expect(classifyDeliveryResponse(status)).toBe("delivered");
  });

  it("disables the endpoint on 410 Gone", () => {
    expect(classifyDeliveryResponse(410)).toBe("disable_endpoint");
  });

  it("retries redirects, client and server errors, timeouts and network errors", () => {
    for (const outcome of [
      100, 199, 300, 301, 302, 307, 308, 400, 401, 404, 409, 429, 500, 502, 503, 504, 599, 0,
    ] as const) {
      expect(classifyDeliveryResponse(outcome), String(outcome)).toBe("retry");
    }
    expect(classifyDeliveryResponse("timeout")).toBe("retry");
    expect(classifyDeliveryResponse("network_error")).toBe("retry");
  });

  it("property: exactly the 2xx statuses deliver", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        const decision = classifyDeliveryResponse(status);
        if (status >= 200 && status < 300) expect(decision).toBe("delivered");
        else if (status === 410) expect(decision).toBe("disable_endpoint");
        else expect(decision).toBe("retry");
      }),
    );
  });
});

describe("shouldDisableEndpoint", () => {
  it("disables after 5 days of continuous failure, not before", () => {
    const firstFailure = new Date("2026-03-01T00:00:00Z");
    const justBefore = new Date(firstFailure.getTime() + DISABLE_ENDPOINT_AFTER_MS - 1);
    expect(shouldDisableEndpoint(firstFailure, justBefore)).toBe(false);
    expect(shouldDisableEndpoint(firstFailure, new Date("2026-03-06T00:00:00Z"))).toBe(true);
    expect(shouldDisableEndpoint(firstFailure, new Date("2026-04-01T00:00:00Z"))).toBe(true);
    expect(DISABLE_ENDPOINT_AFTER_MS).toBe(5 * 24 * HOUR);
  });

  it("never disables an endpoint that is not failing", () => {
    expect(shouldDisableEndpoint(null, NOW)).toBe(false);
  });
});

describe("event types and payload", () => {
  it("lists the 13 event types from DESIGN, consent_required (issue 17), mandate.created and the 4 of dunning and credit (issue 14)", () => {
    expect(WEBHOOK_EVENT_TYPES).toHaveLength(19);
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(19);
    for (const type of WEBHOOK_EVENT_TYPES) expect(type).toMatch(/^[a-z_]+\.[a-z_]+$/);
    expect(isWebhookEventType("invoice.paid")).toBe(true);
    expect(isWebhookEventType("invoice.deleted")).toBe(false);
    expect(isWebhookEventType(42)).toBe(false);
  });

  it("builds {type, timestamp, data} in that order with an ISO timestamp", () => {
    const body = buildEventPayload("invoice.paid", { id: "inv_1", amount: 1190 }, NOW);
    expect(body).toBe(
      '{"type":"invoice.paid","timestamp":"2026-03-01T12:00:00.000Z","data":{"id":"inv_1","amount":1190}}',
    );
  });

  it("rejects unknown types, invalid dates and non-object data", () => {
    expect(() => buildEventPayload("invoice.deleted" as WebhookEventType, {}, NOW)).toThrow(
      RangeError,
    );
    expect(() => buildEventPayload("invoice.paid", {}, new Date(Number.NaN))).toThrow(RangeError);
    expect(() =>
      buildEventPayload("invoice.paid", [] as unknown as Record<string, unknown>, NOW),
    ).toThrow(TypeError);
    expect(() =>
      buildEventPayload("invoice.paid", null as unknown as Record<string, unknown>, NOW),
    ).toThrow(TypeError);
  });

  it("property: the payload parses back to the same event", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WEBHOOK_EVENT_TYPES),
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        (type, data, timestamp) => {
          const parsed = JSON.parse(buildEventPayload(type, data, timestamp)) as Record<
            string,
            unknown
          >;
          expect(Object.keys(parsed)).toEqual(["type", "timestamp", "data"]);
          expect(parsed).toEqual({
            type,
            timestamp: timestamp.toISOString(),
            data: JSON.parse(JSON.stringify(data)),
          });
        },
      ),
    );
  });
});
