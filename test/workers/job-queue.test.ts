// The jobs through Cloudflare Queues: the cron only enqueues one message per merchant, the
// consumer does the work within the invocation's D1 query budget (a counting binding fails any
// invocation that issues more), continues where the budget ran out, and a message delivered
// twice changes nothing. Also the budget setting, the counting binding itself, and malformed
// messages going to retry (and so, eventually, the dead-letter queue).
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import worker from "../../worker/index.ts";
import { BILLING_CRON, WEBHOOK_CRON } from "../../worker/jobs/crons.ts";
import { runBilling } from "../../worker/jobs/billing-run.ts";
import { deliverWebhooks } from "../../worker/jobs/webhook-delivery.ts";
import { decryptSecret } from "../../worker/security.ts";
import {
  DEFAULT_QUERY_BUDGET,
  FREE_PLAN_QUERY_BUDGET,
  meteredD1,
  QueryBudgetExceeded,
  QueryMeter,
  queryBudgetOf,
} from "../../worker/jobs/query-budget.ts";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  emptyDatabase,
  json,
} from "./helpers.ts";
import { runTick } from "./job-ticks.ts";

const receiver = inject("webhookReceiverUrl");

async function merchantWithContracts(count: number, hook?: string) {
  const { apiKey } = await createMerchant();
  if (hook)
    await json(
      await call("/api/v1/webhook-endpoints", {
        key: apiKey,
        body: { url: `${receiver}/hooks/${hook}`, eventTypes: ["invoice.created"] },
      }),
      201,
    );
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const contract = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        now: "2027-01-01T08:00:00Z",
        body: { customerId, templateId: catalogue.pro.templateId, startDate: "2027-01-01" },
      }),
      201,
    );
    ids.push(contract.id);
  }
  return { apiKey, ids };
}

const invoiceCount = async (key: string) =>
  (await json(await call(`/api/v1/invoices?limit=100`, { key }), 200)).data.length as number;

const FEB_1 = new Date("2027-02-01T03:00:00Z");
const MAR_1 = new Date("2027-03-01T03:00:00Z");

beforeEach(emptyDatabase);

describe("billing through the queue", () => {
  it("enqueues one message per merchant with due work and bills every contract", async () => {
    const a = await merchantWithContracts(3);
    const b = await merchantWithContracts(2);
    const tick = await runTick(BILLING_CRON, FEB_1);
    expect(tick.enqueued.map((message) => message.job)).toEqual(["billing", "billing"]);
    expect(await invoiceCount(a.apiKey)).toBe(6);
    expect(await invoiceCount(b.apiKey)).toBe(4);
    expect((await runTick(BILLING_CRON, FEB_1)).enqueued).toEqual([]);
  });

  it("stays within the free plan's budget in every invocation and continues where it stopped", async () => {
    const { apiKey } = await merchantWithContracts(12);
    const tick = await runTick(BILLING_CRON, FEB_1, env, { budget: FREE_PLAN_QUERY_BUDGET });
    expect(tick.maxStatements).toBeLessThanOrEqual(FREE_PLAN_QUERY_BUDGET);
    expect(tick.invocations).toBeGreaterThan(1);
    expect(await invoiceCount(apiKey)).toBe(24);
  });

  it("changes nothing when every message is delivered twice", async () => {
    const { apiKey, ids } = await merchantWithContracts(6);
    await runTick(BILLING_CRON, FEB_1, env, { duplicate: true, budget: FREE_PLAN_QUERY_BUDGET });
    const invoices = (await json(await call(`/api/v1/invoices?limit=100`, { key: apiKey }), 200))
      .data as { contractId: string; periodStart: string }[];
    expect(invoices).toHaveLength(12);
    const keys = invoices.map((invoice) => `${invoice.contractId} ${invoice.periodStart}`);
    expect(new Set(keys).size).toBe(12);
    expect(new Set(invoices.map((invoice) => invoice.contractId))).toEqual(new Set(ids));
  });
});

/** Contracts of one merchant and customer, created through the API ten at a time. */
async function manyContracts(count: number) {
  const { apiKey } = await createMerchant();
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey);
  for (let i = 0; i < count; i += 10)
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async () =>
        json(
          await call("/api/v1/contracts", {
            key: apiKey,
            now: "2027-01-01T08:00:00Z",
            body: { customerId, templateId: catalogue.pro.templateId, startDate: "2027-01-01" },
          }),
          201,
        ),
      ),
    );
  return apiKey;
}

/** Every invoice stored, whichever merchant: each period once, the numbers gapless. */
async function storedInvoices() {
  const { results } = await env.DB.prepare(
    "SELECT contract_id, period_start, number FROM invoices ORDER BY number",
  ).all<{ contract_id: string; period_start: string; number: string }>();
  return results;
}

describe("billing a page of contracts per batch", () => {
  it("bills several pages within the paid plan's budget, ~3 statements per contract, also when every message arrives twice", async () => {
    await manyContracts(120);
    const tick = await runTick(BILLING_CRON, FEB_1, env, {
      budget: DEFAULT_QUERY_BUDGET,
      duplicate: true,
    });
    expect(tick.maxStatements).toBeLessThanOrEqual(DEFAULT_QUERY_BUDGET);
    const invoices = await storedInvoices();
    expect(invoices).toHaveLength(240);
    expect(new Set(invoices.map((i) => `${i.contract_id} ${i.period_start}`)).size).toBe(240);
    expect(invoices.map((i) => i.number)).toEqual(
      Array.from({ length: 240 }, (_, i) => `RE-2027-${String(i + 1).padStart(6, "0")}`),
    );
    // The billing alone (the tick also runs dunning), once: 3 pages of 50, 50 and 20.
    const meter = new QueryMeter(DEFAULT_QUERY_BUDGET);
    const report = await runBilling(env.DB, MAR_1, { meter });
    expect(report).toMatchObject({ invoicesIssued: 120, errors: [], resumeAfter: null });
    expect(meter.statements / 120).toBeLessThanOrEqual(3);
    // Per page: the due read, the contexts' batch, the write batch; then the empty due read.
    expect(meter.roundTrips).toBeLessThanOrEqual(3 * 3 + 1);
    expect(await storedInvoices()).toHaveLength(360);
  });

  it("bills many pages within the free plan's budget, each invocation counted, duplicates changing nothing", async () => {
    await manyContracts(60);
    const tick = await runTick(BILLING_CRON, FEB_1, env, {
      budget: FREE_PLAN_QUERY_BUDGET,
      duplicate: true,
    });
    expect(tick.maxStatements).toBeLessThanOrEqual(FREE_PLAN_QUERY_BUDGET);
    expect(tick.invocations).toBeGreaterThan(2);
    const invoices = await storedInvoices();
    expect(invoices).toHaveLength(120);
    expect(new Set(invoices.map((i) => `${i.contract_id} ${i.period_start}`)).size).toBe(120);
    expect(new Set(invoices.map((i) => i.number)).size).toBe(120);
    // The billing alone, invocation after invocation as the queue would continue it.
    let statements = 0;
    let after: string | null = "";
    for (let invocation = 0; after !== null; invocation++) {
      expect(invocation).toBeLessThan(60);
      const meter = new QueryMeter(FREE_PLAN_QUERY_BUDGET);
      const report = await runBilling(env.DB, MAR_1, { meter, after, maxContracts: 1e9 });
      expect(report.errors).toEqual([]);
      statements += meter.statements;
      after = report.resumeAfter;
    }
    expect(statements / 60).toBeLessThanOrEqual(3);
    expect(await storedInvoices()).toHaveLength(180);
  });
});

describe("webhook delivery through the queue", () => {
  it("delivers each event once, also when every message arrives twice, within the budget", async () => {
    const hook = "queue-twice";
    await fetch(`${receiver}/__control/${hook}`, { method: "DELETE" });
    await fetch(`${receiver}/__control/${hook}`, { method: "POST", body: "{}" });
    await merchantWithContracts(4, hook);
    const tick = await runTick(WEBHOOK_CRON, new Date("2027-01-01T09:00:00Z"), env, {
      duplicate: true,
      budget: FREE_PLAN_QUERY_BUDGET,
    });
    // One webhook message for the one merchant (beside the tick's one e-mail outbox message).
    expect(tick.enqueued.filter((message) => message.job === "webhooks")).toHaveLength(1);
    expect(tick.maxStatements).toBeLessThanOrEqual(FREE_PLAN_QUERY_BUDGET);
    const got = (await (await fetch(`${receiver}/__control/${hook}`)).json()) as {
      headers: Record<string, string>;
    }[];
    const ids = got.map((request) => request.headers["webhook-id"]);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });
});

describe("webhook delivery per page", () => {
  it("decrypts each endpoint's secret once per page", async () => {
    const hook = "queue-one-secret";
    await fetch(`${receiver}/__control/${hook}`, { method: "DELETE" });
    await fetch(`${receiver}/__control/${hook}`, { method: "POST", body: "{}" });
    await merchantWithContracts(5, hook);
    let decryptions = 0;
    const report = await deliverWebhooks(env, new Date("2027-01-01T09:00:00Z"), {
      decrypt: (...args) => {
        decryptions += 1;
        return decryptSecret(...args);
      },
    });
    expect(report).toMatchObject({ attempted: 5, delivered: 5 });
    expect(decryptions).toBe(1);
  });
});

describe("the consumer", () => {
  it("sends a malformed message to retry, and so after the retries to the dead-letter queue", async () => {
    const batch = createMessageBatch<unknown>("tarif-jobs", [
      { id: "bad-1", timestamp: Date.now(), attempts: 1, body: { job: "billing" } },
      { id: "bad-2", timestamp: Date.now(), attempts: 1, body: "not a job" },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((message) => message.msgId).sort()).toEqual(["bad-1", "bad-2"]);
    expect(result.explicitAcks).toEqual([]);
  });
});

describe("the query budget", () => {
  it("is 800 by default, a setting, and refuses what is not a budget", () => {
    expect(queryBudgetOf(undefined)).toBe(DEFAULT_QUERY_BUDGET);
    expect(queryBudgetOf("40")).toBe(40);
    for (const bad of ["0", "-1", "1001", "12.5", "many"])
      expect(() => queryBudgetOf(bad)).toThrow(RangeError);
  });

  it("counts statements and round trips, a batch as its statements, and fails past the limit", async () => {
    const meter = new QueryMeter(4);
    const d1 = meteredD1(env.DB, meter);
    await d1.prepare("SELECT 1").first();
    await d1.prepare("SELECT ?").bind(2).all();
    await d1.batch([d1.prepare("SELECT 3"), d1.prepare("SELECT ?").bind(4)]);
    expect({ statements: meter.statements, roundTrips: meter.roundTrips }).toEqual({
      statements: 4,
      roundTrips: 3,
    });
    await expect(d1.prepare("SELECT 5").first()).rejects.toThrow(QueryBudgetExceeded);
  });

  it("fails a tick whose invocation issues more queries than the counting binding allows", async () => {
    // Enough contracts that billing them all passes the free plan's 40 statements (pages of 50
    // cost about 20 statements each).
    await merchantWithContracts(120);
    // The Worker plans with the paid plan's budget; the binding enforces the free plan's.
    await expect(
      runTick(BILLING_CRON, FEB_1, env, { budget: FREE_PLAN_QUERY_BUDGET, workerBudget: 800 }),
    ).rejects.toThrow(/left messages to retry/);
  });
});
