// Test fixture for the finAPI integration tests: a fake finAPI running inside the test isolate,
// wired both ways — the Worker reaches it through the FINAPI_FETCHER binding, and its web form
// callbacks come back into the Worker — with one clock for fake and requests, and a merchant
// connected end to end (settings, user, completed web form).
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import worker from "../../worker/index.ts";
import type { Bindings } from "../../worker/env.ts";
import { createFakeFinapi, type FakeFinapiOptions } from "../fakes/finapi/app.ts";
import { ADMIN_TOKEN, json } from "./helpers.ts";
import { checkResponse } from "./openapi-check.ts";
import { COMPANY_SETTINGS } from "./company-data.ts";

export const START = Date.parse("2027-03-01T09:00:00.000Z");
export const noSleep = async () => undefined;

let worlds = 0;

export interface RequestOptions {
  key?: string;
  body?: unknown;
  method?: string;
  headers?: Record<string, string>;
  /** Overrides of the Worker's bindings for this request (e.g. ENVIRONMENT). */
  bindings?: Partial<Bindings>;
}

export type FinapiWorld = ReturnType<typeof finapiWorld>;

export function finapiWorld(options: FakeFinapiOptions = {}) {
  // A host per world: the Worker caches finAPI tokens per host, and worlds must not share them.
  const baseUrl = `https://finapi-${++worlds}.fake.test`;
  const clock = { now: START };
  let dropCallbacks = false;
  const testEnv: Bindings = {
    ...env,
    FINAPI_FETCHER: { fetch: (request) => fake.app.fetch(request) },
  };
  const fake = createFakeFinapi({
    now: () => clock.now,
    webFormBaseUrl: baseUrl,
    // The Worker answers on http://tarif.test here; real finAPI calls HTTPS only.
    allowHttpCallbacks: true,
    callbackFetch: (request) =>
      dropCallbacks ? new Response(null, { status: 599 }) : invoke(request),
    ...options,
  });

  async function invoke(request: Request, bindings: Partial<Bindings> = {}): Promise<Response> {
    const ctx = createExecutionContext();
    const response = await worker.fetch(request, { ...testEnv, ...bindings }, ctx);
    await waitOnExecutionContext(ctx);
    await checkResponse(request.method, request.url, response);
    return response;
  }

  function api(
    path: string,
    { key, body, method, headers = {}, bindings }: RequestOptions = {},
  ): Promise<Response> {
    const all: Record<string, string> = {
      "x-test-now": new Date(clock.now).toISOString(),
      ...headers,
    };
    if (key) all.authorization = `Bearer ${key}`;
    if (body !== undefined) all["content-type"] = "application/json";
    const init = {
      method: method ?? (body === undefined ? "GET" : "POST"),
      headers: all,
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    return invoke(new Request(`http://tarif.test${path}`, init), bindings);
  }

  async function merchant(
    name = "Stadtwerke finAPI",
    mode?: "test",
  ): Promise<{ id: string; apiKey: string }> {
    const body = { name, ...(mode ? { mode } : {}) };
    const created = await json<{ id: string; apiKey: string }>(
      await api("/admin/v1/merchants", { key: ADMIN_TOKEN, body }),
      201,
    );
    await json(
      await api("/api/v1/settings/company", {
        method: "PUT",
        key: created.apiKey,
        body: COMPANY_SETTINGS,
      }),
      200,
    );
    return created;
  }

  async function configure(key: string, overrides: Record<string, unknown> = {}) {
    const body = {
      clientId: fake.control.clientId,
      clientSecret: fake.control.clientSecret,
      baseUrl,
      ...overrides,
    };
    return json(await api("/api/v1/finapi/settings", { key, method: "PUT", body }), 200);
  }

  /** Settings, user and one completed bank connection; returns its finAPI account ids. */
  async function connectedMerchant(name?: string, mode?: "test") {
    const { id, apiKey } = await merchant(name, mode);
    await configure(apiKey);
    const user = await json(await api("/api/v1/finapi/user", { key: apiKey, body: {} }), 201);
    const started = await json(
      await api("/api/v1/finapi/bank-connections", { key: apiKey, body: {} }),
      201,
    );
    await fake.control.completeWebForm(started.webFormId);
    const connection = await json(
      await api(`/api/v1/finapi/bank-connections/${started.id}`, { key: apiKey }),
      200,
    );
    expect(connection.status).toBe("active");
    const accountIds = (connection.accounts as { id: number }[]).map((account) => account.id);
    return {
      merchantId: id,
      apiKey,
      userId: user.id as string,
      connectionId: started.id as string,
      accountIds,
      accountId: accountIds[0]!,
    };
  }

  return {
    fake,
    control: fake.control,
    clock,
    env: testEnv,
    baseUrl,
    api,
    invoke,
    merchant,
    configure,
    connectedMerchant,
    advance(ms: number) {
      clock.now += ms;
    },
    now: () => new Date(clock.now),
    dropCallbacks(drop = true) {
      dropCallbacks = drop;
    },
  };
}

/** Rows of a table for one merchant, straight from D1 (what the API does not show). */
export async function rows<T = Record<string, unknown>>(
  table: string,
  merchantId: string,
): Promise<T[]> {
  const { results } = await env.DB.prepare(`SELECT * FROM "${table}" WHERE merchant_id = ?`)
    .bind(merchantId)
    .all<T>();
  return results;
}

/** The merchant's stored bank transactions with finAPI's id and key under their finAPI names. */
export async function finapiTransactionRows<T = Record<string, unknown>>(
  merchantId: string,
): Promise<T[]> {
  const { results } = await env.DB.prepare(
    `SELECT *, provider_sequence AS finapi_id, provider_transaction_id AS finapi_key
     FROM bank_transactions WHERE merchant_id = ? AND provider = 'finapi'`,
  )
    .bind(merchantId)
    .all<T>();
  return results;
}
