// Secrets handling shared by the API-key and token checks: random tokens, SHA-256 digests and a
// constant-time comparison, all on Web Crypto so they run in workerd and in Node alike.
const encoder = new TextEncoder();

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
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
