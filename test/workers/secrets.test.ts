// Secrets at rest: AES-GCM round trips, bound to their row, and large values (a pain.008 file).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "../../worker/security.ts";

describe("encryptSecret", () => {
  it("round-trips, including a value of several hundred KB", async () => {
    const large = "<Document>".padEnd(600_000, "x");
    const sealed = await encryptSecret(large, env.ENCRYPTION_KEY, "col_1");
    expect(sealed).not.toContain("Document");
    expect(await decryptSecret(sealed, env.ENCRYPTION_KEY, "col_1")).toBe(large);
  });

  it("does not decrypt when moved to another row", async () => {
    const sealed = await encryptSecret("whsec_abc", env.ENCRYPTION_KEY, "whe_1");
    await expect(decryptSecret(sealed, env.ENCRYPTION_KEY, "whe_2")).rejects.toThrow();
  });
});
