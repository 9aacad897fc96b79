// Integration tests of the billing run (cron): next-period invoices billed in advance, scheduled
// changes applied at their date, carried proration lines, contracts ended, and idempotence when
// the run is repeated or stopped halfway.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BILLING_CRON } from "../../worker/jobs/crons.ts";
import { runBilling } from "../../worker/jobs/billing-run.ts";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  emptyDatabase,
  json,
} from "./helpers.ts";
import { runTick } from "./job-ticks.ts";

async function setup(options: { prorationMode?: string; contracts?: number } = {}) {
  const { apiKey } = await createMerchant();
  if (options.prorationMode)
    await json(
      await call("/api/v1/settings/customer-center", {
        key: apiKey,
        method: "PATCH",
        body: { prorationMode: options.prorationMode },
      }),
      200,
    );
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey);
  const contracts = [];
  for (let i = 0; i < (options.contracts ?? 1); i++) {
    contracts.push(
      await json(
        await call("/api/v1/contracts", {
          key: apiKey,
          now: "2027-01-01T08:00:00Z",
          body: { customerId, templateId: catalogue.pro.templateId, startDate: "2027-01-01" },
        }),
        201,
      ),
    );
  }
  return { apiKey, catalogue, contracts, contract: contracts[0] };
}

const invoicesOf = async (key: string, contractId: string) =>
  (await json(await call(`/api/v1/invoices?contractId=${contractId}&limit=100`, { key }), 200))
    .data as any[];

/** 03:00 UTC is 04:00 in Berlin in winter: the merchant's "today" is the same calendar day. */
const at = (date: string) => new Date(`${date}T03:00:00Z`);

describe("billing run", () => {
  beforeEach(emptyDatabase);

  it("bills the next period in advance on its first day, once", async () => {
    const { apiKey, contract } = await setup();
    expect((await runBilling(env.DB, at("2027-01-31"))).invoicesIssued).toBe(0);
    const report = await runBilling(env.DB, at("2027-02-01"));
    expect(report).toMatchObject({ invoicesIssued: 1, errors: [] });
    const again = await runBilling(env.DB, at("2027-02-01"));
    expect(again.invoicesIssued).toBe(0);
    const invoices = await invoicesOf(apiKey, contract.id);
    expect(
      invoices.map((i) => [i.number, i.periodStart, i.periodEnd, i.netAmount, i.issueDate]),
    ).toEqual([
      ["RE-2027-000001", "2027-01-01", "2027-02-01", 6000, "2027-01-01"],
      ["RE-2027-000002", "2027-02-01", "2027-03-01", 6000, "2027-02-01"],
    ]);
    const after = await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200);
    expect(after.currentPeriod).toEqual({ start: "2027-02-01", end: "2027-03-01" });
  });

  it("catches up on missed periods one invoice per period", async () => {
    const { apiKey, contract } = await setup();
    await runBilling(env.DB, at("2027-04-10"));
    const periods = (await invoicesOf(apiKey, contract.id)).map((i) => i.periodStart);
    expect(periods).toEqual(["2027-01-01", "2027-02-01", "2027-03-01", "2027-04-01"]);
  });

  it("produces the same invoices once when a run stops halfway and is re-run", async () => {
    const { apiKey, contracts } = await setup({ contracts: 3 });
    const partial = await runBilling(env.DB, at("2027-02-01"), { maxContracts: 1 });
    expect(partial.invoicesIssued).toBe(1);
    const rest = await runBilling(env.DB, at("2027-02-01"));
    expect(rest.invoicesIssued).toBe(2);
    await runBilling(env.DB, at("2027-02-01"));
    for (const contract of contracts)
      expect((await invoicesOf(apiKey, contract.id)).map((i) => i.periodStart)).toEqual([
        "2027-01-01",
        "2027-02-01",
      ]);
    const numbers = (
      await json(await call("/api/v1/invoices?limit=100", { key: apiKey }), 200)
    ).data
      .map((i: any) => i.number)
      .sort();
    expect(numbers).toEqual([
      "RE-2027-000001",
      "RE-2027-000002",
      "RE-2027-000003",
      "RE-2027-000004",
      "RE-2027-000005",
      "RE-2027-000006",
    ]);
  });

  it("applies a scheduled downgrade at the period boundary before billing the new period", async () => {
    const { apiKey, catalogue, contract } = await setup();
    const scheduled = await json(
      await call(`/api/v1/contracts/${contract.id}/changes`, {
        key: apiKey,
        now: "2027-01-15T10:00:00Z",
        body: { type: "switch_template", templateId: catalogue.basic.templateId },
      }),
      201,
    );
    expect(scheduled.change).toMatchObject({ status: "scheduled", effectiveDate: "2027-02-01" });
    const report = await runBilling(env.DB, at("2027-02-01"));
    expect(report).toMatchObject({ changesApplied: 1, invoicesIssued: 1 });
    const invoices = await invoicesOf(apiKey, contract.id);
    expect(invoices.map((i) => [i.kind, i.netAmount])).toEqual([
      ["regular", 6000],
      ["regular", 3000],
    ]);
    const changes = (
      await json(await call(`/api/v1/contracts/${contract.id}/changes`, { key: apiKey }), 200)
    ).data;
    expect(changes[0]).toMatchObject({ status: "applied", settlement: "none" });
  });

  it("applies a mid-period scheduled upgrade on its day with an interim invoice", async () => {
    const { apiKey, catalogue, contract } = await setup();
    await json(
      await call(`/api/v1/contracts/${contract.id}/changes`, {
        key: apiKey,
        now: "2027-01-05T10:00:00Z",
        body: { type: "add_addon", articleId: catalogue.addonId, effectiveDate: "2027-01-11" },
      }),
      201,
    );
    expect((await runBilling(env.DB, at("2027-01-10"))).changesApplied).toBe(0);
    expect((await runBilling(env.DB, at("2027-01-11"))).changesApplied).toBe(1);
    const interim = (await invoicesOf(apiKey, contract.id)).find((i) => i.kind === "interim");
    expect(interim).toMatchObject({ netAmount: 332, issueDate: "2027-01-11" });
  });

  it("puts carried next_invoice lines on the next regular invoice, once", async () => {
    const { apiKey, catalogue, contract } = await setup({ prorationMode: "next_invoice" });
    await json(
      await call(`/api/v1/contracts/${contract.id}/changes`, {
        key: apiKey,
        now: "2027-01-11T10:00:00Z",
        body: { type: "add_addon", articleId: catalogue.addonId },
      }),
      201,
    );
    await runBilling(env.DB, at("2027-02-01"));
    await runBilling(env.DB, at("2027-03-01"));
    const invoices = await invoicesOf(apiKey, contract.id);
    const february = await json(
      await call(`/api/v1/invoices/${invoices[1].id}`, { key: apiKey }),
      200,
    );
    expect(february.lines.map((l: any) => l.netAmount)).toEqual([6000, 490, 332]);
    const march = await json(
      await call(`/api/v1/invoices/${invoices[2].id}`, { key: apiKey }),
      200,
    );
    expect(march.lines.map((l: any) => l.netAmount)).toEqual([6000, 490]);
  });

  it("marks a scheduled change failed when the contract no longer allows it", async () => {
    const { apiKey, catalogue, contract } = await setup();
    await json(
      await call(`/api/v1/contracts/${contract.id}/changes`, {
        key: apiKey,
        now: "2027-01-05T10:00:00Z",
        body: { type: "add_addon", articleId: catalogue.addonId, effectiveDate: "2027-01-20" },
      }),
      201,
    );
    await json(
      await call(`/api/v1/contracts/${contract.id}/changes`, {
        key: apiKey,
        now: "2027-01-06T10:00:00Z",
        body: { type: "add_addon", articleId: catalogue.addonId },
      }),
      201,
    );
    const report = await runBilling(env.DB, at("2027-01-20"));
    expect(report.changesFailed).toBe(1);
    const failed = (
      await json(await call(`/api/v1/contracts/${contract.id}/changes`, { key: apiKey }), 200)
    ).data.find((c: any) => c.status === "failed");
    expect(failed.failureReason).toContain("addon_already_on_contract");
  });

  it("ends a cancelled contract after its last day and bills nothing more", async () => {
    const { apiKey, contract } = await setup();
    const cancelled = await json(
      await call(`/api/v1/contracts/${contract.id}/cancel`, {
        key: apiKey,
        now: "2027-01-11T10:00:00Z",
        body: {},
      }),
      200,
    );
    expect(cancelled.endDate).toBe("2027-01-31");
    expect(await runBilling(env.DB, at("2027-02-01"))).toMatchObject({
      contractsEnded: 1,
      invoicesIssued: 0,
      errors: [],
    });
    expect(await runBilling(env.DB, at("2027-03-01"))).toMatchObject({ contracts: 0, errors: [] });
    expect(await invoicesOf(apiKey, contract.id)).toHaveLength(1);
    expect(
      (await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200)).status,
    ).toBe("ended");
  });

  it("runs from the cron trigger", async () => {
    const { apiKey, contract } = await setup();
    await runTick(BILLING_CRON, at("2027-02-01"));
    expect(await invoicesOf(apiKey, contract.id)).toHaveLength(2);
  });
});
