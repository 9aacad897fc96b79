// Standard Webhooks signing (https://www.standardwebhooks.com): secrets, the `webhook-*` headers
// and verification, with Web Crypto only so the same code runs in workerd and plain Node.

export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** Receivers reject messages whose timestamp is further than this from their clock (replay guard). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const SECRET_BYTES_MIN = 24;
const SECRET_BYTES_MAX = 64;
const SECRET_BYTES_DEFAULT = 32;
// Standard base64 with padding: the only alphabet Standard Webhooks libraries accept for secrets.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Header-safe visible ASCII; a dot would make "id.timestamp.body" ambiguous.
const MESSAGE_ID = /^[\x21-\x2d\x2f-\x7e]{1,256}$/;
const TIMESTAMP_HEADER = /^\d{1,15}$/;

/** What is signed: the `webhook-id`, the attempt's unix-seconds timestamp and the exact body sent. */
export interface WebhookMessage {
  id: string;
  timestamp: number;
  body: string;
}

// A type alias rather than an interface so it is assignable to `Record<string, string>` (fetch, verify).
export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
  "content-type": "application/json";
};

export type WebhookVerifyErrorCode =
  | "missing_header"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_matching_signature";

export type WebhookVerifyResult =
  { ok: true } | { ok: false; code: WebhookVerifyErrorCode; message: string };

export interface WebhookVerifyOptions {
  now?: Date;
  toleranceSeconds?: number;
}

type HeaderSource = Headers | Readonly<Record<string, string | undefined>>;

/** A fresh symmetric secret, `whsec_` + base64 of `byteLength` CSPRNG bytes. */
export function generateWebhookSecret(byteLength: number = SECRET_BYTES_DEFAULT): string {
  if (
    !Number.isInteger(byteLength) ||
    byteLength < SECRET_BYTES_MIN ||
    byteLength > SECRET_BYTES_MAX
  ) {
    throw new RangeError(
      `secret length must be ${SECRET_BYTES_MIN}..${SECRET_BYTES_MAX} bytes, got ${byteLength}`,
    );
  }
  return WEBHOOK_SECRET_PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** True when `secret` is a usable symmetric secret (prefix optional, as in the reference libraries). */
export function isWebhookSecret(secret: string): boolean {
  const encoded = stripPrefix(secret);
  return encoded.length > 0 && STRICT_BASE64.test(encoded);
}

/**
 * The `webhook-signature` header value: one `v1,<base64>` per secret, space-separated, so a
 * receiver holding either the old or the new secret accepts the message during rotation.
 */
export async function signWebhook(
  message: WebhookMessage,
  secrets: readonly string[],
): Promise<string> {
  assertMessage(message);
  if (secrets.length === 0) throw new RangeError("at least one secret is needed to sign a webhook");
  const content = signedContent(message.id, String(message.timestamp), message.body);
  const signatures = await Promise.all(
    secrets.map(async (secret) => `v1,${await hmacBase64(secret, content)}`),
  );
  return signatures.join(" ");
}

/** All headers of one delivery attempt; a retry passes the same id and a new timestamp. */
export async function webhookHeaders(
  message: WebhookMessage,
  secrets: readonly string[],
): Promise<WebhookHeaders> {
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(message.timestamp),
    "webhook-signature": await signWebhook(message, secrets),
    "content-type": "application/json",
  };
}

/**
 * Verifies a received message the way a Standard Webhooks consumer does: timestamp within the
 * tolerance, then any `v1` signature matching any of `secrets` (compared in constant time).
 * Throws only for a malformed secret, which is our configuration error, not the sender's.
 */
export async function verifyWebhook(
  request: { headers: HeaderSource; body: string },
  secrets: string | readonly string[],
  options: WebhookVerifyOptions = {},
): Promise<WebhookVerifyResult> {
  const id = readHeader(request.headers, "webhook-id");
  const timestamp = readHeader(request.headers, "webhook-timestamp");
  const signature = readHeader(request.headers, "webhook-signature");
  if (!id || !timestamp || !signature) {
    return fail(
      "missing_header",
      "webhook-id, webhook-timestamp and webhook-signature are required",
    );
  }
  const timestampError = checkTimestamp(timestamp, options);
  if (timestampError) return timestampError;

  const offered = offeredV1Signatures(signature);
  const content = signedContent(id, timestamp, request.body);
  for (const secret of typeof secrets === "string" ? [secrets] : secrets) {
    const expected = await hmacBase64(secret, content);
    // Check every offered signature, without an early exit, so timing does not reveal which one matched.
    let matched = false;
    for (const candidate of offered) matched = constantTimeEqual(candidate, expected) || matched;
    if (matched) return { ok: true };
  }
  return fail("no_matching_signature", "no v1 signature matches");
}

function checkTimestamp(header: string, options: WebhookVerifyOptions): WebhookVerifyResult | null {
  if (!TIMESTAMP_HEADER.test(header)) {
    return fail("invalid_timestamp", "webhook-timestamp must be integer unix seconds");
  }
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const timestamp = Number(header);
  if (nowSeconds - timestamp > tolerance)
    return fail("timestamp_too_old", "message timestamp too old");
  if (timestamp - nowSeconds > tolerance)
    return fail("timestamp_too_new", "message timestamp too new");
  return null;
}

function offeredV1Signatures(header: string): string[] {
  const signatures: string[] = [];
  for (const entry of header.split(" ")) {
    const comma = entry.indexOf(",");
    // Other versions (e.g. v1a = ed25519) are not ours to check; the spec says to skip them.
    if (comma > 0 && entry.slice(0, comma) === "v1") signatures.push(entry.slice(comma + 1));
  }
  return signatures;
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (isHeadersObject(headers)) return headers.get(name) ?? undefined;
  // Plain objects may carry any casing; HTTP header names are case-insensitive.
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function isHeadersObject(headers: HeaderSource): headers is Headers {
  return typeof (headers as Headers).get === "function";
}

function assertMessage(message: WebhookMessage): void {
  if (!MESSAGE_ID.test(message.id)) {
    throw new RangeError("webhook id must be 1..256 visible ASCII characters without '.'");
  }
  if (!Number.isSafeInteger(message.timestamp) || message.timestamp < 0) {
    throw new RangeError(
      `webhook timestamp must be non-negative integer unix seconds, got ${message.timestamp}`,
    );
  }
  if (typeof message.body !== "string")
    throw new TypeError("webhook body must be the exact string sent");
}

function signedContent(id: string, timestamp: string, body: string): Uint8Array {
  return new TextEncoder().encode(`${id}.${timestamp}.${body}`);
}

async function hmacBase64(secret: string, content: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    secretBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return bytesToBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, content)));
}

function secretBytes(secret: string): Uint8Array {
  if (!isWebhookSecret(secret))
    throw new TypeError("webhook secret must be whsec_ followed by non-empty base64");
  return base64ToBytes(stripPrefix(secret));
}

function stripPrefix(secret: string): string {
  return secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : secret;
}

/** Equal-length strings are compared without data-dependent branches; lengths are public (44 chars). */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64ToBytes(encoded: string): Uint8Array {
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function fail(code: WebhookVerifyErrorCode, message: string): WebhookVerifyResult {
  return { ok: false, code, message };
}
