// Integration tests of the HTTP contract every endpoint shares: problem+json for each class of
// bad input, 404/405, body limits, authentication, idempotency and the OpenAPI document.
import { describe, expect, it } from "vitest";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

describe("bad input", () => {
  it("rejects malformed JSON with 400 malformed_json", async () => {
    const { apiKey } = await createMerchant();
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        rawBody: '{"kind": "plan",',
        headers: { "content-type": "application/json" },
      }),
      400,
      "malformed_json",
    );
  });

  it("rejects wrong types, listing every bad field", async () => {
    const { apiKey } = await createMerchant();
    const problem = await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        body: { kind: "gift", name: 42, unitAmount: "10" },
      }),
      400,
      "validation_failed",
    );
    expect(problem.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      "kind",
      "name",
      "unitAmount",
    ]);
  });

  it("rejects unknown fields on write", async () => {
    const { apiKey } = await createMerchant();
    const problem = await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        body: { kind: "plan", name: "Basic", unitAmount: 990, discount: 5 },
      }),
      400,
      "validation_failed",
    );
    expect(problem.errors[0].field).toBe("discount");
  });

  it("rejects amounts that are not integer cents and out-of-range numbers", async () => {
    const { apiKey } = await createMerchant();
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        body: { kind: "plan", name: "Basic", unitAmount: 9.9 },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        body: { kind: "plan", name: "Basic", unitAmount: -100 },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        body: { kind: "plan", name: "Basic", unitAmount: 990, taxRate: 19.5 },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/articles?limit=500", { key: apiKey }),
      400,
      "validation_failed",
    );
  });

  it("rejects dates that do not exist", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const problem = await expectProblem(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-02-29" },
      }),
      400,
      "validation_failed",
    );
    expect(problem.errors[0].field).toBe("startDate");
  });

  it("rejects bodies over 1 MB with 413", async () => {
    const { apiKey } = await createMerchant();
    const huge = JSON.stringify({ kind: "plan", name: "x".repeat(1024 * 1024), unitAmount: 1 });
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        rawBody: huge,
        headers: { "content-type": "application/json" },
      }),
      413,
      "payload_too_large",
    );
  });

  it("rejects a malformed path id with 400 and an unknown one with 404", async () => {
    const { apiKey } = await createMerchant();
    await expectProblem(
      await call("/api/v1/customers/not-an-id", { key: apiKey }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/customers/cus_000000000000000000000000", { key: apiKey }),
      404,
      "not_found",
    );
  });

  it("answers unknown routes with 404 and wrong methods with 405 and Allow", async () => {
    const { apiKey } = await createMerchant();
    await expectProblem(await call("/nowhere"), 404, "not_found");
    const response = await call("/api/v1/articles", { key: apiKey, method: "DELETE" });
    expect(response.headers.get("allow")).toContain("GET");
    await expectProblem(response, 405, "method_not_allowed");
  });

  it("does not write anything when a request is refused", async () => {
    const { apiKey } = await createMerchant();
    await call("/api/v1/customers", { key: apiKey, body: { name: "A", iban: "DE00 1234" } });
    const list = await json(await call("/api/v1/customers", { key: apiKey }), 200);
    expect(list.data).toEqual([]);
  });
});

describe("authentication", () => {
  it("requires a valid merchant key", async () => {
    await expectProblem(await call("/api/v1/articles"), 401, "unauthorized");
    await expectProblem(await call("/api/v1/articles", { key: "sk_unknown" }), 401, "unauthorized");
    await expectProblem(
      await call("/api/v1/articles", { headers: { authorization: "Basic abc" } }),
      401,
      "unauthorized",
    );
  });
});

describe("idempotency", () => {
  it("replays the first response for the same key and body", async () => {
    const { apiKey } = await createMerchant();
    const request = {
      key: apiKey,
      headers: { "idempotency-key": "create-basic-1" },
      body: { kind: "plan", name: "Basic", unitAmount: 990 },
    };
    const first = await json(await call("/api/v1/articles", request), 201);
    const replay = await call("/api/v1/articles", request);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(replay, 201)).toEqual(first);
    const list = await json(await call("/api/v1/articles", { key: apiKey }), 200);
    expect(list.data).toHaveLength(1);
  });

  it("answers 422 when the key is reused with another body", async () => {
    const { apiKey } = await createMerchant();
    const headers = { "idempotency-key": "k-2" };
    await json(
      await call("/api/v1/articles", {
        key: apiKey,
        headers,
        body: { kind: "plan", name: "Basic", unitAmount: 990 },
      }),
      201,
    );
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        headers,
        body: { kind: "plan", name: "Pro", unitAmount: 2990 },
      }),
      422,
      "idempotency_key_reused",
    );
  });

  it("answers 409 while the first request is still in flight", async () => {
    const { apiKey } = await createMerchant();
    const headers = { "idempotency-key": "k-3" };
    const body = { kind: "plan", name: "Basic", unitAmount: 990 };
    const [a, b] = await Promise.all([
      call("/api/v1/articles", { key: apiKey, headers, body }),
      call("/api/v1/articles", { key: apiKey, headers, body }),
    ]);
    const statuses = [a.status, b.status].sort();
    // Either the second arrived while the first was in flight (409) or after it (replayed 201).
    expect([
      [201, 201],
      [201, 409],
    ]).toContainEqual(statuses);
    const list = await json(await call("/api/v1/articles", { key: apiKey }), 200);
    expect(list.data).toHaveLength(1);
  });

  it("keeps keys per merchant", async () => {
    const a = await createMerchant("A");
    const b = await createMerchant("B");
    const headers = { "idempotency-key": "shared" };
    await json(
      await call("/api/v1/articles", {
        key: a.apiKey,
        headers,
        body: { kind: "plan", name: "Basic", unitAmount: 990 },
      }),
      201,
    );
    await json(
      await call("/api/v1/articles", {
        key: b.apiKey,
        headers,
        body: { kind: "plan", name: "Other", unitAmount: 100 },
      }),
      201,
    );
  });

  it("rejects an invalid key", async () => {
    const { apiKey } = await createMerchant();
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        headers: { "idempotency-key": "x".repeat(300) },
        body: { kind: "plan", name: "B", unitAmount: 1 },
      }),
      400,
      "validation_failed",
    );
  });
});

describe("documentation", () => {
  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const spec = await json(await call("/openapi.json"), 200);
    expect(spec.openapi).toMatch(/^3\.1/);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/api/v1/contracts", "/api/v1/invoices/{id}", "/admin/v1/merchants"]),
    );
    const createArticle = spec.paths["/api/v1/articles"].post;
    expect(JSON.stringify(createArticle.requestBody)).toContain("unitAmount");
  });

  it("serves interactive docs", async () => {
    const response = await call("/docs");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("/openapi.json");
  });
});

describe("no 5xx for any input", () => {
  it("answers odd bodies, content types, queries and paths with 4xx problem+json", async () => {
    const { apiKey } = await createMerchant();
    const bodies = [
      "null",
      "[]",
      '"x"',
      "1",
      "{}",
      '{"kind":null}',
      "\u0000",
      '{"__proto__":{"x":1}}',
      '{"kind":"plan","name":"a","unitAmount":1e400}',
    ];
    const contract = "ctr_000000000000000000000000";
    const paths = [
      "/api/v1/articles",
      "/api/v1/customers",
      "/api/v1/contracts",
      "/api/v1/template-groups",
      "/api/v1/contract-templates",
      `/api/v1/contracts/${contract}/changes`,
      `/api/v1/contracts/${contract}/changes/preview`,
      `/api/v1/contracts/${contract}/cancel`,
    ];
    const responses: Response[] = [];
    for (const path of paths) {
      for (const body of bodies) {
        for (const contentType of ["application/json", "text/plain", ""]) {
          responses.push(
            await call(path, {
              key: apiKey,
              rawBody: body,
              headers: contentType ? { "content-type": contentType } : {},
            }),
          );
        }
      }
    }
    for (const query of [
      "?limit=0",
      "?limit=abc",
      "?limit=1&limit=2",
      "?cursor=%ZZ",
      "?cursor=' OR 1=1",
    ])
      responses.push(await call(`/api/v1/articles${query}`, { key: apiKey }));
    for (const path of [
      "/api/v1/articles/%ZZ",
      `/api/v1/contracts/${contract}/changes/x%00`,
      "/api//articles",
    ])
      responses.push(await call(path, { key: apiKey }));
    for (const response of responses) {
      expect(response.status, await response.clone().text()).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});
