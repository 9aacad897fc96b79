// Integration tests of the foundation: health, auth, catalogue, customers, contracts, invoices.
import { describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

describe("service basics", () => {
  it("answers /health", async () => {
    expect(await json(await call("/health"), 200)).toEqual({ status: "ok" });
  });

  it("creates a merchant through the admin API and rejects a wrong admin token", async () => {
    const merchant = await createMerchant();
    expect(merchant.id).toMatch(/^mer_/);
    expect(merchant.apiKey).toMatch(/^sk_/);
    await expectProblem(
      await call("/admin/v1/merchants", { key: "wrong", body: { name: "x" } }),
      401,
      "unauthorized",
    );
    await expectProblem(
      await call("/admin/v1/merchants", { body: { name: "x" } }),
      401,
      "unauthorized",
    );
    await expectProblem(
      await call("/admin/v1/merchants", {
        key: ADMIN_TOKEN,
        body: { name: "x", timeZone: "Mars/Olympus" },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/admin/v1/merchants", {
        key: ADMIN_TOKEN,
        body: { name: "x", timeZone: "+01:00" },
      }),
      400,
      "validation_failed",
    );
    expect((await createMerchant("Wien", "Europe/Vienna")).id).toMatch(/^mer_/);
  });
});

describe("contracts", () => {
  it("creates a contract and issues the invoice of the current period in advance", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const contract = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        now: "2027-01-11T09:00:00Z",
        body: {
          customerId,
          templateId: catalogue.pro.templateId,
          startDate: "2026-10-01",
          addons: [{ articleId: catalogue.addonId, quantity: 2 }],
        },
      }),
      201,
    );
    expect(contract.currentPeriod).toEqual({ start: "2027-01-01", end: "2027-02-01" });
    expect(contract.recurringNetAmount).toBe(6000 + 980);
    const invoice = await json(
      await call(`/api/v1/invoices/${contract.invoiceId}`, { key: apiKey }),
      200,
    );
    expect(invoice).toMatchObject({
      kind: "regular",
      status: "open",
      number: "RE-2027-000001",
      netAmount: 6980,
      taxAmount: 1326,
      grossAmount: 8306,
      issueDate: "2027-01-11",
    });
    expect(invoice.lines.map((line: any) => line.netAmount)).toEqual([6000, 980]);
  });
});
