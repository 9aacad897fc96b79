// Odd requests that once answered 500 or were remembered wrongly: empty patches, non-JSON content
// types, a BOM, a top-level array, dates far outside any billing horizon, and idempotency keys
// of requests that failed validation (issue 12, items 6–8).
import { describe, expect, it } from "vitest";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

const SETTINGS = "/api/v1/settings/customer-center";

describe("empty patches and content types", () => {
  it("answers an empty customer-center patch with 400 and changes nothing", async () => {
    const { apiKey } = await createMerchant();
    const before = await json(await call(SETTINGS, { key: apiKey }), 200);
    const problem = await expectProblem(
      await call(SETTINGS, { key: apiKey, method: "PATCH", body: {} }),
      400,
      "validation_failed",
    );
    expect(problem.detail).toContain("at least one");
    expect(await json(await call(SETTINGS, { key: apiKey }), 200)).toEqual(before);
  });

  it("answers 415 for a body that is not JSON, on every JSON endpoint", async () => {
    const { apiKey } = await createMerchant();
    const customerId = await createCustomer(apiKey);
    const cases: [string, string][] = [
      ["PATCH", SETTINGS],
      ["POST", "/api/v1/articles"],
      ["PATCH", `/api/v1/customers/${customerId}`],
      ["PUT", "/api/v1/settings/creditor"],
      ["PUT", `/api/v1/customers/${customerId}/mandate`],
      ["PUT", "/api/v1/finapi/settings"],
    ];
    for (const [method, path] of cases) {
      for (const contentType of ["text/plain", "application/x-www-form-urlencoded", ""]) {
        const response = await call(path, {
          key: apiKey,
          method,
          rawBody: '{"portalEnabled":true}',
          headers: contentType ? { "content-type": contentType } : {},
        });
        const problem = await expectProblem(response, 415, "unsupported_media_type");
        expect(problem.detail).toContain("application/json");
      }
    }
  });

  it("accepts application/json with a charset and +json media types", async () => {
    const { apiKey } = await createMerchant();
    for (const contentType of ["application/json; charset=utf-8", "application/merge-patch+json"])
      await json(
        await call(SETTINGS, {
          key: apiKey,
          method: "PATCH",
          rawBody: '{"portalEnabled":false}',
          headers: { "content-type": contentType },
        }),
        200,
      );
  });

  it("reads a body with a UTF-8 byte order mark like one without", async () => {
    const { apiKey } = await createMerchant();
    const headers = { "content-type": "application/json" };
    await expectProblem(
      await call(SETTINGS, { key: apiKey, method: "PATCH", rawBody: "\uFEFF{}", headers }),
      400,
      "validation_failed",
    );
    const settings = await json(
      await call(SETTINGS, {
        key: apiKey,
        method: "PATCH",
        rawBody: '\uFEFF{"portalEnabled":false}',
        headers,
      }),
      200,
    );
    expect(settings.portalEnabled).toBe(false);
  });

  it("answers a top-level array or scalar with 400", async () => {
    const { apiKey } = await createMerchant();
    for (const rawBody of ["[]", "[{}]", "null", "1", '"x"'])
      await expectProblem(
        await call(SETTINGS, {
          key: apiKey,
          method: "PATCH",
          rawBody,
          headers: { "content-type": "application/json" },
        }),
        400,
        "validation_failed",
      );
  });

  it("answers an empty patch with 400 on every PATCH endpoint", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const endpoint = await json(
      await call("/api/v1/webhook-endpoints", {
        key: apiKey,
        body: { url: "https://hooks.example.com/tarif" },
      }),
      201,
    );
    for (const path of [
      SETTINGS,
      `/api/v1/customers/${customerId}`,
      `/api/v1/contract-templates/${catalogue.basic.templateId}`,
      `/api/v1/webhook-endpoints/${endpoint.id}`,
    ])
      await expectProblem(
        await call(path, { key: apiKey, method: "PATCH", body: {} }),
        400,
        "validation_failed",
      );
  });

  it("lets body-less POSTs through without a content type", async () => {
    const { apiKey } = await createMerchant();
    const endpoint = await json(
      await call("/api/v1/webhook-endpoints", {
        key: apiKey,
        body: { url: "https://hooks.example.com/tarif" },
      }),
      201,
    );
    const response = await call(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      key: apiKey,
      method: "POST",
    });
    expect(response.status, await response.clone().text()).toBe(200);
  });
});

describe("date bounds", () => {
  it("refuses dates outside 2000-01-01 … 2099-12-31 and says the range", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    for (const startDate of [
      "9999-12-31",
      "9999-11-30",
      "2100-01-01",
      "1999-12-31",
      "0001-01-01",
    ]) {
      const problem = await expectProblem(
        await call("/api/v1/contracts", {
          key: apiKey,
          body: { customerId, templateId: catalogue.basic.templateId, startDate },
        }),
        400,
        "validation_failed",
      );
      expect(problem.errors).toEqual([
        { field: "startDate", message: "must be between 2000-01-01 and 2099-12-31" },
      ]);
    }
  });

  it("bounds the dates of changes, cancellations, mandates and collection runs too", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const contract = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-01-01" },
        now: "2027-01-01T10:00:00Z",
      }),
      201,
    );
    const cases: [string, string, unknown, string][] = [
      [
        "POST",
        `/api/v1/contracts/${contract.id}/changes/preview`,
        {
          type: "switch_template",
          templateId: catalogue.pro.templateId,
          effectiveDate: "9999-12-31",
        },
        "effectiveDate",
      ],
      ["POST", `/api/v1/contracts/${contract.id}/cancel`, { endDate: "2100-01-31" }, "endDate"],
      [
        "PUT",
        `/api/v1/customers/${customerId}/mandate`,
        { reference: "M-1", signatureDate: "1970-01-01", iban: "DE89370400440532013000" },
        "signatureDate",
      ],
      ["POST", "/api/v1/collection-runs", { collectionDate: "9999-12-31" }, "collectionDate"],
    ];
    for (const [method, path, body, field] of cases) {
      const problem = await expectProblem(
        await call(path, { key: apiKey, method, body }),
        400,
        "validation_failed",
      );
      expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(problem.detail).toContain("2000-01-01 and 2099-12-31");
    }
  });
});

describe("idempotency keys of refused requests", () => {
  it("does not store a request that failed validation: the corrected one runs", async () => {
    const { apiKey } = await createMerchant();
    const headers = { "idempotency-key": "fix-and-retry" };
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        headers,
        body: { kind: "plan", name: "Basic", unitAmount: 9.9 },
      }),
      400,
      "validation_failed",
    );
    const created = await json(
      await call("/api/v1/articles", {
        key: apiKey,
        headers,
        body: { kind: "plan", name: "Basic", unitAmount: 990 },
      }),
      201,
    );
    const replayed = await call("/api/v1/articles", {
      key: apiKey,
      headers,
      body: { kind: "plan", name: "Basic", unitAmount: 990 },
    });
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(replayed, 201)).id).toBe(created.id);
  });

  it("does not store malformed JSON, a wrong content type or a malformed path id", async () => {
    const { apiKey } = await createMerchant();
    const headers = { "idempotency-key": "odd-first" };
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        rawBody: '{"kind":',
        headers: { ...headers, "content-type": "application/json" },
      }),
      400,
      "malformed_json",
    );
    await expectProblem(
      await call("/api/v1/articles", {
        key: apiKey,
        rawBody: "kind=plan",
        headers: { ...headers, "content-type": "text/plain" },
      }),
      415,
      "unsupported_media_type",
    );
    await json(
      await call("/api/v1/articles", {
        key: apiKey,
        headers,
        body: { kind: "plan", name: "Basic", unitAmount: 990 },
      }),
      201,
    );
  });

  it("still stores a refusal that came from running the endpoint (404)", async () => {
    const { apiKey } = await createMerchant();
    const headers = { "idempotency-key": "ran-and-refused" };
    const path = "/api/v1/contracts/ctr_000000000000000000000000/cancel";
    const first = await call(path, { key: apiKey, headers, body: {} });
    expect(first.status).toBe(404);
    const second = await call(path, { key: apiKey, headers, body: {} });
    expect(second.status).toBe(404);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
  });
});
