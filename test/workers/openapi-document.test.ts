// The OpenAPI document's cross-cutting parts: servers as the request reached the Worker, the
// Idempotency-Key header with its 409/422 on every idempotent POST, `limit` an integer, described
// contract responses, and the internal finAPI web-form callback left out.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, json } from "./helpers.ts";

describe("/openapi.json", () => {
  it("names the server the request came to, not a hard-coded localhost", async () => {
    const spec = await json(await call("/openapi.json"), 200);
    expect(spec.servers).toEqual([
      { url: "http://tarif.test", description: "This Tarif instance" },
    ]);
    const elsewhere = await json(await SELF.fetch("https://billing.example.com/openapi.json"), 200);
    expect(elsewhere.servers[0].url).toBe("https://billing.example.com");
  });

  it("documents Idempotency-Key with its 409 and 422 on every merchant and portal POST", async () => {
    const spec = await json(await call("/openapi.json"), 200);
    expect(spec.components.parameters.IdempotencyKey).toMatchObject({
      name: "Idempotency-Key",
      in: "header",
    });
    const posts = Object.entries(spec.paths as Record<string, Record<string, any>>).filter(
      ([path, operations]) => operations.post && /^\/(api|portal)\/v1\//.test(path),
    );
    expect(posts.length).toBeGreaterThan(20);
    for (const [path, { post }] of posts) {
      expect(post.parameters, path).toContainEqual({
        $ref: "#/components/parameters/IdempotencyKey",
      });
      expect(Object.keys(post.responses), path).toEqual(expect.arrayContaining(["409", "422"]));
    }
  });

  it("types limit as an integer and describes the contract responses", async () => {
    const spec = await json(await call("/openapi.json"), 200);
    const list = spec.paths["/api/v1/contracts"].get;
    const limit = list.parameters.find((parameter: any) => parameter.name === "limit");
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 100 });
    const page = list.responses["200"].content["application/json"].schema;
    expect(page.properties.data.items.properties.status.enum).toEqual([
      "active",
      "cancellation_pending",
      "ended",
    ]);
  });

  it("leaves out the finAPI web-form callback, which only finAPI calls", async () => {
    const spec = await json(await call("/openapi.json"), 200);
    expect(Object.keys(spec.paths).filter((path) => path.startsWith("/finapi/"))).toEqual([]);
  });
});
