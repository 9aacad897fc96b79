// Helpers for integration tests: call the Worker like a client would (every answer held to the
// OpenAPI document by openapi-check.ts), create merchants and a small catalogue, and read
// problem+json answers.
import { env, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { checkResponse } from "./openapi-check.ts";
import { BILLING_ADDRESS, COMPANY_SETTINGS } from "./company-data.ts";

export const ADMIN_TOKEN = "test-admin-token";

export interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: string;
  key?: string;
  headers?: Record<string, string>;
  now?: string;
}

/** Where `call` sends requests: the Worker under test, or one with other bindings. */
let target: { fetch(input: string, init?: RequestInit): Promise<Response> } = SELF;

/** Sends this test file's calls to another Worker environment (e.g. with a second D1 shard). */
export function sendCallsTo(next: typeof target) {
  target = next;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.now) headers["x-test-now"] = options.now;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  const url = `http://tarif.test${path}`;
  const response = await target.fetch(url, { method, headers, body });
  await checkResponse(method, url, response);
  return response;
}

export async function json<T = any>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

export async function expectProblem(response: Response, status: number, code: string) {
  const body = await json(response, status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(typeof body.detail).toBe("string");
  return body;
}

/** A merchant with complete company settings, so it can issue invoices. */
export async function createMerchant(
  name = "Stadtwerke Test",
  timeZone?: string,
): Promise<{ id: string; apiKey: string }> {
  const merchant = await json<{ id: string; apiKey: string }>(
    await call("/admin/v1/merchants", {
      key: ADMIN_TOKEN,
      body: { name, ...(timeZone ? { timeZone } : {}) },
    }),
    201,
  );
  await json(
    await call("/api/v1/settings/company", {
      method: "PUT",
      key: merchant.apiKey,
      body: COMPANY_SETTINGS,
    }),
    200,
  );
  return merchant;
}

export interface Catalogue {
  groupId: string;
  basic: { templateId: string; articleId: string };
  pro: { templateId: string; articleId: string };
  yearly: { templateId: string; articleId: string };
  addonId: string;
  otherAddonId: string;
}

/** Basic 30.00 and Pro 60.00 monthly, Pro yearly 600.00, and two add-ons (4.90, 2.00 per month). */
export async function createCatalogue(
  key: string,
  templateOverrides: Record<string, unknown> = {},
): Promise<Catalogue> {
  const post = async (path: string, body: unknown) => json(await call(path, { key, body }), 201);
  const group = await post("/api/v1/template-groups", { name: "Strom" });
  const addon = await post("/api/v1/articles", {
    kind: "addon",
    name: "Ökostrom-Option",
    unitAmount: 490,
    taxRate: 1900,
  });
  const otherAddon = await post("/api/v1/articles", {
    kind: "addon",
    name: "Smart Meter",
    unitAmount: 200,
    taxRate: 1900,
  });
  const tariff = async (name: string, unitAmount: number, billingInterval: string) => {
    const article = await post("/api/v1/articles", {
      kind: "plan",
      name,
      unitAmount,
      taxRate: 1900,
    });
    const template = await post("/api/v1/contract-templates", {
      name,
      templateGroupId: group.id,
      planArticleId: article.id,
      billingInterval,
      allowedAddonArticleIds: [addon.id, otherAddon.id],
      changePoints: [
        { type: "immediately" },
        { type: "next_period" },
        { type: "next_month" },
        { type: "custom", minLeadDays: 0, maxHorizonDays: 400 },
      ],
      ...templateOverrides,
    });
    return { templateId: template.id as string, articleId: article.id as string };
  };
  return {
    groupId: group.id,
    basic: await tariff("Basic", 3000, "month"),
    pro: await tariff("Pro", 6000, "month"),
    yearly: await tariff("Pro Jahr", 60000, "year"),
    addonId: addon.id,
    otherAddonId: otherAddon.id,
  };
}

export async function createCustomer(key: string, name = "Erika Mustermann"): Promise<string> {
  return (
    await json(
      await call("/api/v1/customers", {
        key,
        body: { name, email: "erika@example.com", billingAddress: BILLING_ADDRESS },
      }),
      201,
    )
  ).id;
}

/**
 * Storage is per test file; jobs that scan all merchants need an empty database per test.
 * Foreign keys are checked at the end of the batch, so the order of the deletes does not matter.
 */
export async function emptyDatabase() {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
  ).all<{ name: string }>();
  await env.DB.batch([
    env.DB.prepare("PRAGMA defer_foreign_keys = on"),
    ...results.map(({ name }) => env.DB.prepare(`DELETE FROM "${name}"`)),
  ]);
}
