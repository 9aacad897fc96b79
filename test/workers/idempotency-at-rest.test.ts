// The idempotency store keeps responses for 24 h; those carrying secrets (a new webhook endpoint's
// `whsec_…`, a rotated secret, a portal session token) must not lie there in clear text, while a
// replay still hands the client the response it lost (issue 12, item 4).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createCustomer, createMerchant, json } from "./helpers.ts";

async function idempotencyRows(): Promise<string> {
  const { results } = await env.DB.prepare("SELECT * FROM idempotency_keys").all();
  return JSON.stringify(results);
}

describe("idempotency store at rest", () => {
  it("seals stored responses and replays them whole", async () => {
    const { apiKey } = await createMerchant();
    const customerId = await createCustomer(apiKey);
    const post = (path: string, body: unknown, key: string) =>
      call(path, { key: apiKey, body, headers: { "idempotency-key": key } });
    const endpoint = await json(
      await post("/api/v1/webhook-endpoints", { url: "https://hooks.example.com/t" }, "whe-1"),
      201,
    );
    const rotated = await json(
      await post(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {}, "rot-1"),
      200,
    );
    const session = await json(await post("/api/v1/portal-sessions", { customerId }, "ps-1"), 201);
    const stored = await idempotencyRows();
    for (const secret of [endpoint.secret, rotated.secret, session.token]) {
      expect(secret).toEqual(expect.any(String));
      expect(stored).not.toContain(secret);
      // Not even a fragment of it.
      expect(stored).not.toContain(secret.slice(-12));
    }
    expect(stored).not.toContain("hooks.example.com");

    const replay = await post(
      "/api/v1/webhook-endpoints",
      { url: "https://hooks.example.com/t" },
      "whe-1",
    );
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(replay, 201)).toEqual(endpoint);
    const sessionReplay = await post("/api/v1/portal-sessions", { customerId }, "ps-1");
    expect((await json(sessionReplay, 201)).token).toBe(session.token);
  });

  it("does not keep a plain digest of the request body either", async () => {
    const { apiKey } = await createMerchant();
    const body = JSON.stringify({ name: "Erika", iban: "DE89370400440532013000" });
    await json(
      await call("/api/v1/customers", {
        key: apiKey,
        rawBody: body,
        headers: { "content-type": "application/json", "idempotency-key": "cus-1" },
      }),
      201,
    );
    const digest = [
      ...new Uint8Array(
        await crypto.subtle.digest(
          "SHA-256",
          new TextEncoder().encode(`POST /api/v1/customers\n${body}`),
        ),
      ),
    ]
      .map((byte) => byte.toString(16).padStart(2, "0"))
      .join("");
    expect(await idempotencyRows()).not.toContain(digest);
  });
});
