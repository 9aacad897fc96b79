// Encryption at rest for secrets Tarif must be able to read back (webhook signing secrets, finAPI
// credentials, IBANs, remembered responses): AES-256-GCM under the ENCRYPTION_KEY worker secret.
// Each ciphertext is bound to what it belongs to (associated data), so a ciphertext copied onto
// another row does not decrypt. Values that must be found again by equality get a keyed lookup
// hash instead (HMAC-SHA256 under LOOKUP_HASH_KEY), which no dictionary of IBANs can reverse.
import { ProblemError } from "./http/problem.ts";

const VERSION = "v1";
const encoder = new TextEncoder();
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
    throw new ProblemError(
      "internal_error",
      "ENCRYPTION_KEY is not configured; secrets cannot be stored.",
    );
  let key = keys.get(material);
  if (!key) {
    const raw = fromBase64(material);
    if (raw.length !== 32)
      throw new ProblemError("internal_error", "ENCRYPTION_KEY must be 32 bytes, base64-encoded.");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(material, key);
  }
  return key;
}

function importHashKey(material: string | undefined): Promise<CryptoKey> {
  if (!material)
    throw new ProblemError(
      "internal_error",
      "LOOKUP_HASH_KEY is not configured; lookup hashes cannot be computed.",
    );
  let key = hashKeys.get(material);
  if (!key) {
    const raw = fromBase64(material);
    if (raw.length !== 32)
      throw new ProblemError("internal_error", "LOOKUP_HASH_KEY must be 32 bytes, base64-encoded.");
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
