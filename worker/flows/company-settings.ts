// The merchant's company settings: checked, the logo (PNG/JPEG/SVG, size-limited) stored in R2
// by its SHA-256, and saved. Invoices already issued keep the snapshot they were issued with.
import type { CompanySettings } from "../domain/company.ts";
import type { Bindings } from "../env.ts";
import { DomainError } from "../domain/errors.ts";
import { findCompanySettings, saveCompanySettings } from "../store/company.ts";
import { database } from "../store/db.ts";
import { sha256Hex } from "../security.ts";

export const MAX_LOGO_BYTES = 256 * 1024;
export const LOGO_TYPES = ["image/png", "image/jpeg", "image/svg+xml"] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

export const logoObjectKey = (merchantId: string, sha256: string) =>
  `logos/${merchantId}/${sha256}`;

export type CompanyInput = Omit<CompanySettings, "logo"> & {
  /** Omitted: keep the current logo; null: remove it. */
  logo?: { contentType: LogoType; data: string } | null | undefined;
};

const invalid = (field: string, message: string) =>
  new DomainError("validation_failed", `${field}: ${message}`, [{ field, message }]);

function decodeBase64(data: string): Uint8Array {
  try {
    return Uint8Array.from(atob(data.replace(/\s/g, "")), (char) => char.charCodeAt(0));
  } catch {
    throw invalid("logo.data", "must be base64");
  }
}

/** Whether the bytes are what the content type says: magic numbers, or an <svg> root. */
function looksLike(bytes: Uint8Array, contentType: LogoType): boolean {
  if (contentType === "image/png")
    return [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b);
  if (contentType === "image/jpeg")
    return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const head = new TextDecoder().decode(bytes.subarray(0, 1024));
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]/i.test(head);
}

async function storeLogo(
  env: Bindings,
  merchantId: string,
  logo: NonNullable<CompanyInput["logo"]>,
): Promise<CompanySettings["logo"]> {
  const bytes = decodeBase64(logo.data);
  if (bytes.length === 0) throw invalid("logo.data", "must not be empty");
  if (bytes.length > MAX_LOGO_BYTES)
    throw invalid(
      "logo.data",
      `must be at most ${MAX_LOGO_BYTES / 1024} KB, got ${bytes.length} bytes`,
    );
  if (!looksLike(bytes, logo.contentType))
    throw invalid("logo.data", `is not a ${logo.contentType} image`);
  const sha256 = await sha256Hex(bytes);
  await env.DOCUMENTS.put(logoObjectKey(merchantId, sha256), bytes, {
    httpMetadata: { contentType: logo.contentType },
  });
  return { sha256, contentType: logo.contentType };
}

export async function putCompanySettings(
  env: Bindings,
  merchantId: string,
  input: CompanyInput,
  now: Date,
): Promise<CompanySettings> {
  if (!input.vatId && !input.taxNumber)
    throw new DomainError("validation_failed", "vatId or taxNumber is required", [
      { field: "vatId", message: "vatId or taxNumber is required" },
      { field: "taxNumber", message: "vatId or taxNumber is required" },
    ]);
  const db = database(env.DB);
  const { logo, ...fields } = input;
  const current = logo === undefined ? await findCompanySettings(db, merchantId) : null;
  const settings: CompanySettings = {
    ...fields,
    logo: logo ? await storeLogo(env, merchantId, logo) : (current?.logo ?? null),
  };
  await saveCompanySettings(db, merchantId, settings, now);
  return settings;
}
