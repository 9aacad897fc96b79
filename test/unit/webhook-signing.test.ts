// Standard Webhooks signing: the official vector, interoperability with the reference library,
// rotation with two secrets, and every way a forged or replayed message must fail.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  generateWebhookSecret,
  isWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  WEBHOOK_TOLERANCE_SECONDS,
} from "../../worker/domain/webhook-signing.ts";

interface SignVector {
  secret: string;
  msg_id: string;
  timestamp: number;
  payload: string;
  expected_signature: string;
}

// The official vector (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts
// "sign function works"), inlined so the first test needs no file.
const official: SignVector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  msg_id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  expected_signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const vectorsUrl = new URL("../fixtures/vectors/standard-webhooks.json", import.meta.url);
const officialMessage = {
  id: official.msg_id,
  timestamp: official.timestamp,
  body: official.payload,
};
const officialNow = new Date(official.timestamp * 1000);

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

describe("signWebhook", () => {
  it("reproduces the official vector byte for byte", async () => {
    expect(await signWebhook(officialMessage, [official.secret])).toBe(official.expected_signature);
  });

  it("reproduces every vector in test/fixtures/vectors byte for byte", async () => {
    const { sign_vectors } = JSON.parse(readFileSync(vectorsUrl, "utf8")) as {
      sign_vectors: SignVector[];
    };
    expect(sign_vectors.length).toBeGreaterThan(0);
    for (const vector of sign_vectors) {
      const message = { id: vector.msg_id, timestamp: vector.timestamp, body: vector.payload };
      expect(await signWebhook(message, [vector.secret])).toBe(vector.expected_signature);
    }
  });

  it("accepts the secret with or without the whsec_ prefix", async () => {
    const bare = official.secret.slice("whsec_".length);
    expect(await signWebhook(officialMessage, [bare])).toBe(official.expected_signature);
  });

  it("signs with every secret during rotation, space-separated", async () => {
    const other = generateWebhookSecret();
    const header = await signWebhook(officialMessage, [official.secret, other]);
    const parts = header.split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(official.expected_signature);
    expect(parts[1]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it("refuses to sign without a secret, with a malformed secret, id or timestamp", async () => {
    await expect(signWebhook(officialMessage, [])).rejects.toThrow(RangeError);
    await expect(signWebhook(officialMessage, ["whsec_"])).rejects.toThrow(TypeError);
    await expect(signWebhook(officialMessage, ["whsec_not base64!"])).rejects.toThrow(TypeError);
    await expect(
      signWebhook({ ...officialMessage, id: "msg.1" }, [official.secret]),
    ).rejects.toThrow(RangeError);
    await expect(signWebhook({ ...officialMessage, id: "" }, [official.secret])).rejects.toThrow(
      RangeError,
    );
    await expect(signWebhook({ ...officialMessage, id: "a b" }, [official.secret])).rejects.toThrow(
      RangeError,
    );
    for (const timestamp of [-1, 1.5, Number.NaN, 2 ** 60]) {
      await expect(
        signWebhook({ ...officialMessage, timestamp }, [official.secret]),
      ).rejects.toThrow(RangeError);
    }
  });
});

describe("generateWebhookSecret", () => {
  it("is whsec_ + base64 of 32 random bytes by default and never repeats", () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(a.slice(6))).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(isWebhookSecret(a)).toBe(true);
  });

  it("supports 24..64 bytes and rejects other lengths", () => {
    expect(atob(generateWebhookSecret(24).slice(6))).toHaveLength(24);
    expect(atob(generateWebhookSecret(64).slice(6))).toHaveLength(64);
    expect(() => generateWebhookSecret(16)).toThrow(RangeError);
    expect(() => generateWebhookSecret(65)).toThrow(RangeError);
    expect(() => generateWebhookSecret(30.5)).toThrow(RangeError);
  });

  it("is accepted by the reference library", () => {
    expect(() => new Webhook(generateWebhookSecret())).not.toThrow();
  });
});

describe("interoperability with the standardwebhooks npm library", () => {
  it("verifies what we sign, for arbitrary JSON bodies and ids", async () => {
    const secret = generateWebhookSecret();
    const library = new Webhook(secret);
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/),
        async (data, id) => {
          const body = JSON.stringify({
            type: "invoice.paid",
            timestamp: "2026-01-01T00:00:00.000Z",
            data,
          });
          const headers = await webhookHeaders({ id, timestamp: nowSeconds(), body }, [secret]);
          expect(library.verify(body, { ...headers })).toEqual(JSON.parse(body));
        },
      ),
      { numRuns: 50 },
    );
  });

  it("produces the same signature as the library's sign()", async () => {
    const secret = generateWebhookSecret(24);
    const body = '{"ünïcödé":"€ 😀"}';
    const ours = await signWebhook({ id: "msg_1", timestamp: 1_700_000_000, body }, [secret]);
    expect(ours).toBe(new Webhook(secret).sign("msg_1", new Date(1_700_000_000_000), body));
  });

  it("verifies with either secret when two secrets sign during rotation", async () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const body = '{"type":"contract.created"}';
    const headers = await webhookHeaders({ id: "msg_rot", timestamp: nowSeconds(), body }, [
      oldSecret,
      newSecret,
    ]);
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it("fails the library's verification for a tampered body, id or timestamp", async () => {
    const secret = generateWebhookSecret();
    const body = '{"amount":100}';
    const headers = await webhookHeaders({ id: "msg_t", timestamp: nowSeconds(), body }, [secret]);
    const library = new Webhook(secret);
    expect(() => library.verify('{"amount":1000}', { ...headers })).toThrow();
    expect(() => library.verify(`${body} `, { ...headers })).toThrow();
    expect(() => library.verify(body, { ...headers, "webhook-id": "msg_u" })).toThrow();
    expect(() =>
      library.verify(body, {
        ...headers,
        "webhook-timestamp": String(Number(headers["webhook-timestamp"]) + 1),
      }),
    ).toThrow();
  });
});

describe("webhookHeaders", () => {
  it("returns the three Standard Webhooks headers and the JSON content type", async () => {
    const headers = await webhookHeaders(officialMessage, [official.secret]);
    expect(headers).toEqual({
      "webhook-id": official.msg_id,
      "webhook-timestamp": String(official.timestamp),
      "webhook-signature": official.expected_signature,
      "content-type": "application/json",
    });
  });

  it("a retry keeps webhook-id and re-signs with the new timestamp", async () => {
    const first = await webhookHeaders(officialMessage, [official.secret]);
    const retry = await webhookHeaders(
      { ...officialMessage, timestamp: official.timestamp + 305 },
      [official.secret],
    );
    expect(retry["webhook-id"]).toBe(first["webhook-id"]);
    expect(retry["webhook-timestamp"]).toBe(String(official.timestamp + 305));
    expect(retry["webhook-signature"]).not.toBe(first["webhook-signature"]);
    const at = new Date((official.timestamp + 305) * 1000);
    expect(
      await verifyWebhook({ headers: retry, body: official.payload }, official.secret, { now: at }),
    ).toEqual({
      ok: true,
    });
  });
});

describe("verifyWebhook", () => {
  const headersFor = (overrides: Record<string, string> = {}) => ({
    "webhook-id": official.msg_id,
    "webhook-timestamp": String(official.timestamp),
    "webhook-signature": official.expected_signature,
    ...overrides,
  });
  const verify = (
    headers: Record<string, string> | Headers,
    body = official.payload,
    now = officialNow,
  ) => verifyWebhook({ headers, body }, official.secret, { now });

  it("accepts the official vector, from a plain object or a Headers instance", async () => {
    expect(await verify(headersFor())).toEqual({ ok: true });
    expect(await verify(new Headers(headersFor()))).toEqual({ ok: true });
  });

  it("treats header names case-insensitively", async () => {
    const upper = {
      "Webhook-Id": official.msg_id,
      "WEBHOOK-TIMESTAMP": String(official.timestamp),
      "Webhook-Signature": official.expected_signature,
    };
    expect(await verify(upper)).toEqual({ ok: true });
  });

  it("rejects a tampered body", async () => {
    const result = await verify(headersFor(), official.payload.replace("2432232314", "2432232315"));
    expect(result).toMatchObject({ ok: false, code: "no_matching_signature" });
  });

  it("rejects a signature made with another secret", async () => {
    const result = await verifyWebhook(
      { headers: headersFor(), body: official.payload },
      generateWebhookSecret(),
      {
        now: officialNow,
      },
    );
    expect(result).toMatchObject({ ok: false, code: "no_matching_signature" });
  });

  it("accepts when any of several secrets matches (receiver mid-rotation)", async () => {
    const result = await verifyWebhook(
      { headers: headersFor(), body: official.payload },
      [generateWebhookSecret(), official.secret],
      { now: officialNow },
    );
    expect(result).toEqual({ ok: true });
  });

  it("rejects missing headers", async () => {
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const headers = headersFor();
      delete (headers as Record<string, string>)[name];
      expect(await verify(headers)).toMatchObject({ ok: false, code: "missing_header" });
    }
  });

  it("rejects a non-numeric timestamp", async () => {
    for (const timestamp of ["hello", "1614265330.0", "-1614265330", " 1614265330"]) {
      expect(await verify(headersFor({ "webhook-timestamp": timestamp }))).toMatchObject({
        ok: false,
        code: "invalid_timestamp",
      });
    }
  });

  it("enforces the 5-minute tolerance on both sides", async () => {
    const at = (offsetSeconds: number) => new Date((official.timestamp + offsetSeconds) * 1000);
    expect(await verify(headersFor(), official.payload, at(WEBHOOK_TOLERANCE_SECONDS))).toEqual({
      ok: true,
    });
    expect(await verify(headersFor(), official.payload, at(-WEBHOOK_TOLERANCE_SECONDS))).toEqual({
      ok: true,
    });
    expect(
      await verify(headersFor(), official.payload, at(WEBHOOK_TOLERANCE_SECONDS + 1)),
    ).toMatchObject({
      code: "timestamp_too_old",
    });
    expect(
      await verify(headersFor(), official.payload, at(-WEBHOOK_TOLERANCE_SECONDS - 1)),
    ).toMatchObject({
      code: "timestamp_too_new",
    });
  });

  it("rejects garbage, truncated, bare and one-character-flipped signatures", async () => {
    const flipped = official.expected_signature.replace(/E=$/, "A=");
    for (const signature of [
      "v1,dawfeoifkpqwoekfpqoekf",
      official.expected_signature.slice(0, 8),
      "v1,",
      flipped,
      official.expected_signature.replace("v1,", "v2,"),
      official.expected_signature.replace("v1,", ""),
    ]) {
      expect(await verify(headersFor({ "webhook-signature": signature }))).toMatchObject({
        ok: false,
        code: "no_matching_signature",
      });
    }
  });

  it("finds the valid signature among several, ignoring other versions", async () => {
    const decoy = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
    const header = `v1,${decoy} v2,${decoy} ${official.expected_signature} v1,${decoy}`;
    expect(await verify(headersFor({ "webhook-signature": header }))).toEqual({ ok: true });
  });

  it("rejects a multi-signature header with no valid entry", async () => {
    const header = [
      "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ=",
      "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=",
      "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=",
    ].join(" ");
    expect(await verify(headersFor({ "webhook-signature": header }))).toMatchObject({
      code: "no_matching_signature",
    });
  });

  it("verifies an empty body", async () => {
    const message = { id: "msg_empty", timestamp: nowSeconds(), body: "" };
    const headers = await webhookHeaders(message, [official.secret]);
    expect(await verifyWebhook({ headers: { ...headers }, body: "" }, official.secret)).toEqual({
      ok: true,
    });
    expect(new Webhook(official.secret).verify("", { ...headers })).toBeUndefined();
  });

  it("round-trips any body and rejects any single-character change (property)", async () => {
    const secret = generateWebhookSecret();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.nat(),
        async (body, position) => {
          const message = { id: "msg_p", timestamp: official.timestamp, body };
          const headers = await webhookHeaders(message, [secret]);
          const options = { now: officialNow };
          expect(await verifyWebhook({ headers: { ...headers }, body }, secret, options)).toEqual({
            ok: true,
          });
          const index = body.length === 0 ? 0 : position % body.length;
          const tampered =
            body.slice(0, index) + (body[index] === "x" ? "y" : "x") + body.slice(index + 1);
          expect(
            await verifyWebhook({ headers: { ...headers }, body: tampered }, secret, options),
          ).toMatchObject({
            ok: false,
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
