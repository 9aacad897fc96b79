// Tests of the typed portal client on its own: URLs, headers, problem+json errors, network
// failures, and the single shared token renewal after 401.
import { describe, expect, test, vi } from "vitest";
import {
  PortalApiError,
  PortalClient,
  SessionExpiredError,
  newIdempotencyKey,
} from "../../widget/src/portal-client.js";

function jsonResponse(status: number, body: unknown, type = "application/json"): Response {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": type },
  });
}

describe("PortalClient", () => {
  test.each([
    "https://tarif.test",
    "https://tarif.test/",
    "https://tarif.test/portal/v1",
    "https://tarif.test/portal/v1/",
  ])("api base %s", async (apiBase) => {
    const fetch = vi.fn(async (_url: string) => jsonResponse(200, { data: [], nextCursor: null }));
    await new PortalClient({
      apiBase,
      getToken: () => "t",
      fetch: fetch as unknown as typeof globalThis.fetch,
    }).listInvoices({ limit: 5, cursor: "abc" });
    expect(fetch.mock.calls[0]![0]).toBe(
      "https://tarif.test/portal/v1/invoices?limit=5&cursor=abc",
    );
  });

  test("sends the bearer token, JSON body and Idempotency-Key; ids are URL-encoded", async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) =>
      jsonResponse(201, { change: {} }),
    );
    const client = new PortalClient({
      apiBase: "",
      getToken: async () => "pst_1",
      fetch: fetch as unknown as typeof globalThis.fetch,
    });
    await client.applyChange(
      "ctr/1",
      { type: "remove_item", itemId: "itm_1", effectiveDate: "2027-01-11" },
      "key-1",
    );
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("/portal/v1/contracts/ctr%2F1/changes");
    expect(init.method).toBe("POST");
    expect(init.headers).toMatchObject({
      Authorization: "Bearer pst_1",
      "Idempotency-Key": "key-1",
      "Content-Type": "application/json",
    });
    expect(JSON.parse(init.body as string)).toEqual({
      type: "remove_item",
      itemId: "itm_1",
      effectiveDate: "2027-01-11",
    });
  });

  test("problem+json becomes a PortalApiError with its fields", async () => {
    const body = {
      type: "https://tarif.test/problems/x",
      title: "Date not allowed",
      status: 422,
      code: "change_date_not_allowed",
      errors: [{ field: "effectiveDate", message: "no" }],
    };
    const client = new PortalClient({
      apiBase: "",
      getToken: () => "t",
      fetch: async () => jsonResponse(422, body, "application/problem+json"),
    });
    const error = await client
      .previewChange("ctr_1", { type: "remove_item", itemId: "i", effectiveDate: "2027-01-01" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortalApiError);
    expect((error as PortalApiError).status).toBe(422);
    expect((error as PortalApiError).problem).toMatchObject({
      code: "change_date_not_allowed",
      errors: body.errors,
    });
  });

  test("a non-JSON error body still gives a problem with the status", async () => {
    const client = new PortalClient({
      apiBase: "",
      getToken: () => "t",
      fetch: async () =>
        new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    });
    const error = (await client.listContracts().catch((e: unknown) => e)) as PortalApiError;
    expect(error.problem).toMatchObject({ status: 502, code: "http_502", title: "Bad Gateway" });
  });

  test("no HTTP answer is status 0 / network_error", async () => {
    const client = new PortalClient({
      apiBase: "",
      getToken: () => "t",
      fetch: async () => Promise.reject(new TypeError("Failed to fetch")),
    });
    const error = (await client.listContracts().catch((e: unknown) => e)) as PortalApiError;
    expect([error.status, error.problem.code]).toEqual([0, "network_error"]);
  });

  test("parallel requests hitting 401 share one renewal", async () => {
    const renewToken = vi.fn(async () => "fresh");
    const fetch = vi.fn(async (_url: string, init: RequestInit) =>
      (init.headers as Record<string, string>).Authorization === "Bearer fresh"
        ? jsonResponse(200, { data: [], nextCursor: null })
        : jsonResponse(401, { code: "expired" }),
    );
    let token = "old";
    const client = new PortalClient({
      apiBase: "",
      getToken: () => token,
      renewToken: async () => (token = await renewToken()),
      fetch: fetch as unknown as typeof globalThis.fetch,
    });
    await Promise.all([client.listInvoices(), client.listInvoices(), client.listInvoices()]);
    expect(renewToken).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledTimes(6);
  });

  test("401 without a way to renew is SessionExpiredError", async () => {
    const client = new PortalClient({
      apiBase: "",
      getToken: () => "t",
      fetch: async () => jsonResponse(401, { code: "token_expired", title: "Unauthorized" }),
    });
    await expect(client.listContracts()).rejects.toBeInstanceOf(SessionExpiredError);
  });
});

test("Idempotency-Keys are random and unique", () => {
  const keys = new Set(Array.from({ length: 100 }, newIdempotencyKey));
  expect(keys.size).toBe(100);
});
