// The OpenAPI document's cross-cutting parts: servers as the request reached the Worker, the
// Idempotency-Key header with its 409/422 on every idempotent POST, `limit` an integer, a schema
// for every answer, the internal finAPI web-form callback left out; and the response check that
// holds every integration test's responses to the document (openapi-check.ts) really catching drift.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createMerchant, json } from "./helpers.ts";
import { checkResponse, OpenApiDriftError } from "./openapi-check.ts";

type Operations = Record<string, Record<string, any>>;

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

  it("describes every answer of every operation: a schema for JSON, Problem for errors", async () => {
    const spec = await json(await call("/openapi.json"), 200);
    const operations = Object.entries(spec.paths as Operations).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.length).toBeGreaterThan(80);
    for (const { path, method, operation } of operations) {
      const where = `${method} ${path}`;
      const statuses = Object.keys(operation.responses);
      expect(
        statuses.some((status) => status.startsWith("2")),
        where,
      ).toBe(true);
      expect(statuses, where).toEqual(expect.arrayContaining(["400"]));
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (status === "204") {
          expect(response.content, `${where} ${status}`).toBeUndefined();
          continue;
        }
        const [media, content] = Object.entries<any>(response.content)[0]!;
        expect(content.schema, `${where} ${status} ${media}`).toBeDefined();
        if (status.startsWith("2") && media === "application/json")
          expect(content.schema.type, `${where} ${status}`).toBe("object");
        if (!status.startsWith("2")) {
          expect(media, `${where} ${status}`).toBe("application/problem+json");
          expect(content.schema).toEqual({ $ref: "#/components/schemas/Problem" });
        }
      }
    }
    expect(spec.components.schemas.Problem.required).toEqual(
      expect.arrayContaining(["type", "title", "status", "detail", "code"]),
    );
    expect(spec.paths["/api/v1/auth/login"].post.security).toEqual([]);
    expect(Object.keys(spec.paths["/api/v1/auth/login"].post.responses)).toEqual(
      expect.arrayContaining(["200", "401", "429"]),
    );
    expect(
      Object.keys(spec.paths["/api/v1/webhook-endpoints/{id}/recover"].post.responses),
    ).toEqual(expect.arrayContaining(["202", "404"]));
    expect(spec.paths["/api/v1/finapi/user"].post.responses["502"]).toBeDefined();
  });
});

describe("the response check every integration test runs", () => {
  async function realArticle() {
    const { apiKey } = await createMerchant();
    const created = await json(
      await call("/api/v1/articles", {
        key: apiKey,
        body: { kind: "plan", name: "Basic", unitAmount: 3000 },
      }),
      201,
    );
    const url = `http://tarif.test/api/v1/articles/${created.id}`;
    return {
      url,
      body: await json(await call(`/api/v1/articles/${created.id}`, { key: apiKey }), 200),
    };
  }
  const answer = (body: unknown, status = 200, type = "application/json") =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": type } });

  it("passes the real answer and names path, method, status and field of a drifted one", async () => {
    const { url, body } = await realArticle();
    await expect(checkResponse("GET", url, answer(body))).resolves.toBeUndefined();

    const extra = checkResponse("GET", url, answer({ ...body, surprise: 1 }));
    await expect(extra).rejects.toThrow(OpenApiDriftError);
    await expect(extra).rejects.toThrow(
      /GET \/api\/v1\/articles\/\{id\} .* answered 200: .*surprise/,
    );

    const { unitAmount: _dropped, ...missing } = body;
    await expect(checkResponse("GET", url, answer(missing))).rejects.toThrow(/unitAmount/);
    await expect(
      checkResponse("GET", url, answer({ ...body, unitAmount: "30.00" })),
    ).rejects.toThrow(/\/unitAmount/);
  });

  it("refuses an undocumented status, media type or operation", async () => {
    const { url, body } = await realArticle();
    await expect(checkResponse("GET", url, answer(body, 418))).rejects.toThrow(
      /answered 418: status not documented/,
    );
    await expect(checkResponse("GET", url, answer(body, 200, "text/csv"))).rejects.toThrow(
      /text\/csv; the document describes application\/json/,
    );
    await expect(checkResponse("PUT", url, answer(body))).rejects.toThrow(
      /no such operation in the document/,
    );
    // The app's own 404/405 for unknown routes is no operation's answer.
    await expect(checkResponse("PUT", url, answer({}, 405))).resolves.toBeUndefined();
  });
});
