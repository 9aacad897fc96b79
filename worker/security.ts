// Web Crypto in one place, so it runs in workerd and in Node alike: random tokens and
// time-sortable ids, SHA-256 digests and a constant-time comparison for API keys and session
// tokens, and AES-256-GCM encryption at rest for secrets Tarif must read back (webhook signing
// secrets, finAPI credentials, IBANs, remembered responses) under the ENCRYPTION_KEY worker
// secret. Each ciphertext is bound to what it belongs to (associated data), so one copied onto
// another row does not decrypt. Values that must be found again by equality get a keyed lookup
// hash instead (HMAC-SHA256 under LOOKUP_HASH_KEY), which no dictionary of IBANs can reverse.
import { DomainError } from "./domain/errors.ts";

const encoder = new TextEncoder();

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Compares two strings without an early exit, so timing does not reveal a matching prefix. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  }
  return difference === 0;
}

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((byte) => ALPHABET[byte & 31]).join("");
}

let sequence = 0;

/**
 * Prefixed, time-sortable ids (`ctr_` + 10 chars of milliseconds + 4 chars of a per-isolate
 * sequence + 10 random chars): sorting by id is sorting by creation, even for rows created in
 * the same millisecond, which makes cursor pagination a plain `id > cursor`.
 */
export function newId(prefix: string, now = Date.now()): string {
  sequence = (sequence + 1) % 32 ** 4;
  return `${prefix}_${base32(now, 10)}${base32(sequence, 4)}${randomToken(10)}`;
}

function base32(value: number, length: number): string {
  let text = "";
  let rest = value;
  for (let i = 0; i < length; i++) {
    text = ALPHABET[rest % 32] + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

/** Fresh ids and random bytes for one invoice draft (worker/domain/invoice-draft.ts). */
export function freshInvoiceIds() {
  return {
    invoiceId: newId("inv"),
    lineId: () => newId("inl"),
    paymentTokenBytes: crypto.getRandomValues(new Uint8Array(10)),
  };
}

// ---- encryption at rest ----

const VERSION = "v1";
const decoder = new TextDecoder();
const keys = new Map<string, Promise<CryptoKey>>();
const hashKeys = new Map<string, Promise<CryptoKey>>();

/** In slices: spreading a large array into one call overflows the stack. */
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function importKey(material: string | undefined): Promise<CryptoKey> {
  if (!material)
    throw new DomainError(
      "internal_error",
      "ENCRYPTION_KEY is not configured; secrets cannot be stored.",
    );
  let key = keys.get(material);
  if (!key) {
    const raw = fromBase64(material);
    if (raw.length !== 32)
      throw new DomainError("internal_error", "ENCRYPTION_KEY must be 32 bytes, base64-encoded.");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(material, key);
  }
  return key;
}

function importHashKey(material: string | undefined): Promise<CryptoKey> {
  if (!material)
    throw new DomainError(
      "internal_error",
      "LOOKUP_HASH_KEY is not configured; lookup hashes cannot be computed.",
    );
  let key = hashKeys.get(material);
  if (!key) {
    const raw = fromBase64(material);
    if (raw.length !== 32)
      throw new DomainError("internal_error", "LOOKUP_HASH_KEY must be 32 bytes, base64-encoded.");
    key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hashKeys.set(material, key);
  }
  return key;
}

/** HMAC-SHA256 of `value` as hex: equal values hash equally, and only with the key. */
export async function lookupHash(value: string, keyMaterial: string | undefined): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await importHashKey(keyMaterial),
    encoder.encode(value),
  );
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function encryptSecret(
  plaintext: string,
  keyMaterial: string | undefined,
  boundTo: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await importKey(keyMaterial);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(boundTo) },
    key,
    encoder.encode(plaintext),
  );
  return `${VERSION}:${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
}

export async function decryptSecret(
  ciphertext: string,
  keyMaterial: string | undefined,
  boundTo: string,
): Promise<string> {
  const [version, iv, sealed] = ciphertext.split(":");
  if (version !== VERSION || !iv || !sealed) throw new Error("unknown secret format");
  const key = await importKey(keyMaterial);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: encoder.encode(boundTo) },
    key,
    fromBase64(sealed),
  );
  return decoder.decode(plain);
}
