// Counts D1 round trips per request: the proration preview must stay within a few (DESIGN aims
// for ≤ 3) however large the contract, because each round trip is network latency at the edge.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";
import { call, createCatalogue, createCustomer, createMerchant, json } from "./helpers.ts";
import { checkResponse } from "./openapi-check.ts";

/** A D1 binding that counts every call that goes to the database (run/all/first/raw/batch). */
function countingD1(d1: D1Database) {
  const counter = { roundTrips: 0 };
  const originals = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property === "bind") return (...args: unknown[]) => wrap(value.apply(target, args));
        if (["run", "all", "first", "raw"].includes(String(property))) {
          return (...args: unknown[]) => {
            counter.roundTrips += 1;
            return value.apply(target, args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    originals.set(proxy, statement);
    return proxy;
  };
  const db = new Proxy(d1, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counter.roundTrips += 1;
          return target.batch(statements.map((s) => originals.get(s) ?? s));
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, counter };
}

async function countRoundTrips(path: string, init: RequestInit) {
  const { db, counter } = countingD1(env.DB);
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://tarif.test${path}`, init),
    { ...env, DB: db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  await checkResponse(init.method ?? "GET", `http://tarif.test${path}`, response);
  return { response, roundTrips: counter.roundTrips };
}

describe("D1 round trips", () => {
  it("previews a change in 2 round trips (auth + one batch) and applies it in 4", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const contract = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: {
          customerId,
          templateId: catalogue.basic.templateId,
          startDate: "2026-01-01",
          addons: [
            { articleId: catalogue.addonId, quantity: 1 },
            { articleId: catalogue.otherAddonId, quantity: 2 },
          ],
        },
      }),
      201,
    );
    const init = {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "switch_template", templateId: catalogue.pro.templateId }),
    };
    const preview = await countRoundTrips(`/api/v1/contracts/${contract.id}/changes/preview`, init);
    expect(preview.response.status).toBe(200);
    expect(preview.roundTrips).toBe(2);
    // auth, load, the atomic write, and reading the issued invoice back for the response
    const applied = await countRoundTrips(`/api/v1/contracts/${contract.id}/changes`, init);
    expect(applied.response.status).toBe(201);
    expect(applied.roundTrips).toBe(4);
  });

  it("loads the portal overview in 2 round trips (session + one batch)", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    for (const templateId of [
      catalogue.basic.templateId,
      catalogue.pro.templateId,
      catalogue.yearly.templateId,
    ]) {
      await json(
        await call("/api/v1/contracts", {
          key: apiKey,
          body: {
            customerId,
            templateId,
            startDate: "2026-01-01",
            addons: [{ articleId: catalogue.addonId, quantity: 1 }],
          },
        }),
        201,
      );
    }
    const { token } = await json(
      await call("/api/v1/portal-sessions", { key: apiKey, body: { customerId } }),
      201,
    );
    const overview = await countRoundTrips("/portal/v1/contracts", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(overview.response.status).toBe(200);
    expect((await overview.response.json<{ contracts: unknown[] }>()).contracts).toHaveLength(3);
    expect(overview.roundTrips).toBe(2);
  });
});
