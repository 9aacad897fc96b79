// Integration tests of contract changes through the merchant API: preview and apply for every
// change type and proration mode, interim invoices and credit notes, scheduled changes, rejected
// dates and targets, concurrency and idempotency.
import { describe, expect, it } from "vitest";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

const JAN_11 = "2027-01-11T10:00:00Z";

async function runningContract(
  options: {
    tariff?: "basic" | "pro" | "yearly";
    addonQuantity?: number;
    prorationMode?: string;
    catalogueOverrides?: Record<string, unknown>;
  } = {},
) {
  const { apiKey } = await createMerchant();
  if (options.prorationMode) {
    await json(
      await call("/api/v1/settings/customer-center", {
        key: apiKey,
        method: "PATCH",
        body: { prorationMode: options.prorationMode },
      }),
      200,
    );
  }
  const catalogue = await createCatalogue(apiKey, options.catalogueOverrides);
  const customerId = await createCustomer(apiKey);
  const contract = await json(
    await call("/api/v1/contracts", {
      key: apiKey,
      now: "2027-01-01T08:00:00Z",
      body: {
        customerId,
        templateId: catalogue[options.tariff ?? "basic"].templateId,
        startDate: "2027-01-01",
        addons: options.addonQuantity
          ? [{ articleId: catalogue.addonId, quantity: options.addonQuantity }]
          : [],
      },
    }),
    201,
  );
  return { apiKey, catalogue, customerId, contract };
}

const preview = (key: string, contractId: string, body: unknown, now = JAN_11) =>
  call(`/api/v1/contracts/${contractId}/changes/preview`, { key, now, body });
const apply = (
  key: string,
  contractId: string,
  body: unknown,
  now = JAN_11,
  headers: Record<string, string> = {},
) => call(`/api/v1/contracts/${contractId}/changes`, { key, now, body, headers });
const amounts = (lines: { netAmount: number }[]) => lines.map((line) => line.netAmount);

describe("switching tariff (the worked example)", () => {
  it("previews 30 → 60 EUR on 11 Jan as −20.32 / +40.65 / net +20.33 and applies the same lines", async () => {
    const { apiKey, catalogue, contract } = await runningContract();
    const body = {
      type: "switch_template",
      templateId: catalogue.pro.templateId,
      effectiveDate: "2027-01-11",
    };
    const shown = await json(await preview(apiKey, contract.id, body), 200);
    expect(shown).toMatchObject({
      computedOn: "2027-01-11",
      effectiveDate: "2027-01-11",
      kind: "upgrade",
      currency: "EUR",
      netAmount: 2033,
      taxAmount: 386,
      grossAmount: 2419,
      settlement: "interim_invoice",
    });
    expect(amounts(shown.lines)).toEqual([-2032, 4065]);

    const applied = await json(await apply(apiKey, contract.id, body), 201);
    expect(applied.change).toMatchObject({
      status: "applied",
      effectiveDate: "2027-01-11",
      kind: "upgrade",
      settlement: "interim_invoice",
    });
    expect(applied.invoice).toMatchObject({
      kind: "interim",
      number: "ZR-2027-000001",
      netAmount: 2033,
      taxAmount: 386,
      grossAmount: 2419,
      status: "open",
    });
    expect(applied.invoice.lines.map((l: any) => [l.description, l.netAmount])).toEqual(
      shown.lines.map((l: any) => [l.description, l.netAmount]),
    );

    const after = await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200);
    expect(after.templateId).toBe(catalogue.pro.templateId);
    expect(after.items.map((i: any) => [i.name, i.periodAmount])).toEqual([["Pro", 6000]]);
    expect(after.version).toBe(contract.version + 1);
    const changes = await json(
      await call(`/api/v1/contracts/${contract.id}/changes`, { key: apiKey }),
      200,
    );
    expect(changes.data).toHaveLength(1);
    expect(changes.data[0]).toMatchObject({
      type: "switch_template",
      status: "applied",
      invoiceId: applied.invoice.id,
      source: "merchant",
    });
  });

  it("switches month → year by resetting the billing anchor and charging the full year", async () => {
    const { apiKey, catalogue, contract } = await runningContract();
    const applied = await json(
      await apply(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.yearly.templateId,
        effectiveDate: "2027-01-11",
      }),
      201,
    );
    // 21/31 of 30.00 credited, the year 11 Jan 2027 – 10 Jan 2028 charged in full.
    expect(amounts(applied.invoice.lines)).toEqual([-2032, 60000]);
    const after = await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200);
    expect(after).toMatchObject({
      billingInterval: "year",
      billingAnchor: "2027-01-11",
      currentPeriod: { start: "2027-01-11", end: "2028-01-11" },
    });
  });

  it("refuses targets outside the group or not offered, and the same tariff", async () => {
    const { apiKey, catalogue, contract } = await runningContract();
    const otherGroup = await json(
      await call("/api/v1/template-groups", { key: apiKey, body: { name: "Gas" } }),
      201,
    );
    const gas = await json(
      await call("/api/v1/contract-templates", {
        key: apiKey,
        body: {
          name: "Gas",
          templateGroupId: otherGroup.id,
          planArticleId: catalogue.pro.articleId,
          billingInterval: "month",
        },
      }),
      201,
    );
    await expectProblem(
      await preview(apiKey, contract.id, { type: "switch_template", templateId: gas.id }),
      422,
      "template_not_in_group",
    );
    await expectProblem(
      await preview(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.basic.templateId,
      }),
      422,
      "same_template",
    );
    await json(
      await call(`/api/v1/contracts/${contract.id}/customer-center`, {
        key: apiKey,
        method: "PUT",
        body: { offeredTemplateIds: [catalogue.yearly.templateId] },
      }),
      200,
    );
    await expectProblem(
      await preview(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
      }),
      422,
      "template_not_offered",
    );
    await expectProblem(
      await preview(apiKey, contract.id, {
        type: "switch_template",
        templateId: "tpl_000000000000000000000000",
      }),
      400,
      "validation_failed",
    );
  });
});

describe("add-ons, removals and quantities", () => {
  it("adds an add-on mid-period with an interim invoice, then removes it the same day with a credit note that nets it out", async () => {
    const { apiKey, catalogue, contract } = await runningContract();
    const added = await json(
      await apply(apiKey, contract.id, {
        type: "add_addon",
        articleId: catalogue.addonId,
        quantity: 2,
      }),
      201,
    );
    // 9.80 per month × 21/31 = 6.638… → 6.64
    expect(amounts(added.invoice.lines)).toEqual([664]);
    const item = (
      await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200)
    ).items.find((i: any) => i.kind === "addon");
    const removed = await json(
      await apply(apiKey, contract.id, {
        type: "remove_item",
        itemId: item.id,
        timing: "as_requested",
      }),
      201,
    );
    expect(removed.invoice).toMatchObject({
      kind: "credit_note",
      number: "GS-2027-000001",
      netAmount: -664,
      originalInvoiceId: added.invoice.id,
    });
  });

  it("schedules a removal (a downgrade) for the next period by default, and lets it be cancelled", async () => {
    const { apiKey, contract } = await runningContract({ addonQuantity: 1 });
    const addon = contract.items.find((i: any) => i.kind === "addon");
    const scheduled = await json(
      await apply(apiKey, contract.id, { type: "remove_item", itemId: addon.id }),
      201,
    );
    expect(scheduled.change).toMatchObject({
      status: "scheduled",
      effectiveDate: "2027-02-01",
      kind: "downgrade",
    });
    expect(scheduled.invoice).toBeUndefined();
    expect(
      (await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200)).items,
    ).toHaveLength(2);
    const cancelled = await json(
      await call(`/api/v1/contracts/${contract.id}/changes/${scheduled.change.id}`, {
        key: apiKey,
        method: "DELETE",
      }),
      200,
    );
    expect(cancelled).toEqual({ id: scheduled.change.id, status: "cancelled" });
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/changes/${scheduled.change.id}`, {
        key: apiKey,
        method: "DELETE",
      }),
      422,
      "change_not_scheduled",
    );
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/changes/chg_000000000000000000000000`, {
        key: apiKey,
        method: "DELETE",
      }),
      404,
      "not_found",
    );
  });

  it("changes a quantity up with a prorated charge", async () => {
    const { apiKey, catalogue, contract: base } = await runningContract();
    await json(
      await apply(
        apiKey,
        base.id,
        { type: "add_addon", articleId: catalogue.addonId, quantity: 1 },
        "2027-01-01T09:00:00Z",
      ),
      201,
    );
    const item = (
      await json(await call(`/api/v1/contracts/${base.id}`, { key: apiKey }), 200)
    ).items.find((i: any) => i.kind === "addon");
    const shown = await json(
      await preview(apiKey, base.id, { type: "change_quantity", itemId: item.id, quantity: 3 }),
      200,
    );
    // credit 4.90 × 21/31 = 3.32, charge 14.70 × 21/31 = 9.96
    expect(shown).toMatchObject({ kind: "upgrade", netAmount: 664 });
    expect(amounts(shown.lines)).toEqual([-332, 996]);
  });
});

describe("proration modes", () => {
  it("carries the lines to the next invoice in next_invoice mode", async () => {
    const { apiKey, catalogue, contract } = await runningContract({
      prorationMode: "next_invoice",
    });
    const applied = await json(
      await apply(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
      }),
      201,
    );
    expect(applied.change.settlement).toBe("next_invoice");
    expect(applied.invoice).toBeUndefined();
    const invoices = await json(
      await call(`/api/v1/invoices?contractId=${contract.id}`, { key: apiKey }),
      200,
    );
    expect(invoices.data).toHaveLength(1);
  });

  it("bills nothing extra in none mode", async () => {
    const { apiKey, catalogue, contract } = await runningContract({ prorationMode: "none" });
    const shown = await json(
      await preview(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
      }),
      200,
    );
    expect(shown).toMatchObject({ lines: [], netAmount: 0, settlement: "none" });
    const applied = await json(
      await apply(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
      }),
      201,
    );
    expect(applied.change.status).toBe("applied");
    expect(applied.invoice).toBeUndefined();
  });

  it("issues a credit note for a net-negative immediate change", async () => {
    const { apiKey, catalogue, contract } = await runningContract({ tariff: "pro" });
    const applied = await json(
      await apply(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.basic.templateId,
        timing: "as_requested",
      }),
      201,
    );
    expect(applied.change).toMatchObject({
      kind: "downgrade",
      settlement: "credit_note",
      effectiveDate: "2027-01-11",
    });
    expect(applied.invoice).toMatchObject({
      kind: "credit_note",
      netAmount: -2033,
      taxAmount: -386,
      grossAmount: -2419,
      originalInvoiceId: contract.invoiceId,
    });
  });
});

describe("dates", () => {
  it("rejects dates before the current period, after the end, and that do not exist", async () => {
    const { apiKey, catalogue, contract } = await runningContract();
    await expectProblem(
      await preview(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
        effectiveDate: "2026-12-31",
      }),
      422,
      "effective_date_before_period",
    );
    await expectProblem(
      await preview(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
        effectiveDate: "2027-02-30",
      }),
      400,
      "validation_failed",
    );
    await json(
      await call(`/api/v1/contracts/${contract.id}/cancel`, { key: apiKey, now: JAN_11, body: {} }),
      200,
    );
    await expectProblem(
      await preview(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
        effectiveDate: "2027-03-01",
      }),
      422,
      "effective_date_after_end",
    );
  });

  it("schedules a change for a later date and shows the lines computed for that date", async () => {
    const { apiKey, catalogue, contract } = await runningContract();
    const applied = await json(
      await apply(apiKey, contract.id, {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
        effectiveDate: "2027-01-21",
      }),
      201,
    );
    expect(applied.change).toMatchObject({ status: "scheduled", effectiveDate: "2027-01-21" });
    expect(amounts(applied.preview.lines)).toEqual([-1065, 2129]);
  });
});

describe("concurrency and retries", () => {
  it("lets only one of two concurrent changes through and writes nothing for the other", async () => {
    const { apiKey, catalogue, contract } = await runningContract();
    const body = { type: "add_addon", articleId: catalogue.addonId, quantity: 1 };
    const responses = await Promise.all([
      apply(apiKey, contract.id, body),
      apply(apiKey, contract.id, body),
    ]);
    const statuses = responses.map((r) => r.status).sort();
    // Either the second ran into the version guard (409) or came after the first (422: already booked).
    expect([
      [201, 409],
      [201, 422],
    ]).toContainEqual(statuses);
    const after = await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200);
    expect(after.items.filter((i: any) => i.kind === "addon")).toHaveLength(1);
    expect(
      (
        await json(
          await call(`/api/v1/invoices?contractId=${contract.id}&kind=interim`, { key: apiKey }),
          200,
        )
      ).data,
    ).toHaveLength(1);
  });

  it("applies a change once for a double-submitted Idempotency-Key", async () => {
    const { apiKey, catalogue, contract } = await runningContract();
    const body = { type: "add_addon", articleId: catalogue.addonId, quantity: 1 };
    const headers = { "idempotency-key": "portal-click-1" };
    const first = await json(await apply(apiKey, contract.id, body, JAN_11, headers), 201);
    const second = await json(await apply(apiKey, contract.id, body, JAN_11, headers), 201);
    expect(second).toEqual(first);
    expect(
      (
        await json(
          await call(`/api/v1/invoices?contractId=${contract.id}&kind=interim`, { key: apiKey }),
          200,
        )
      ).data,
    ).toHaveLength(1);
  });
});

describe("cancellation", () => {
  it("cancels at the earliest end from minimum term and notice period, or a later period end", async () => {
    const { apiKey, catalogue, customerId } = await runningContract({
      catalogueOverrides: { minimumTermMonths: 12, noticePeriodDays: 30 },
    });
    const contract = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        now: "2027-01-01T08:00:00Z",
        body: { customerId, templateId: catalogue.pro.templateId, startDate: "2027-01-01" },
      }),
      201,
    );
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/cancel`, {
        key: apiKey,
        now: JAN_11,
        body: { endDate: "2027-06-30" },
      }),
      422,
      "end_date_too_early",
    );
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/cancel`, {
        key: apiKey,
        now: JAN_11,
        body: { endDate: "2028-01-15" },
      }),
      422,
      "end_date_not_period_end",
    );
    const cancelled = await json(
      await call(`/api/v1/contracts/${contract.id}/cancel`, { key: apiKey, now: JAN_11, body: {} }),
      200,
    );
    expect(cancelled).toMatchObject({
      status: "cancellation_pending",
      endDate: "2027-12-31",
      earliestEndDate: "2027-12-31",
    });
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/cancel`, { key: apiKey, now: JAN_11, body: {} }),
      409,
      "contract_already_cancelled",
    );
  });
});

describe("tenant isolation", () => {
  it("answers 404 to another merchant on every change endpoint", async () => {
    const { catalogue, contract } = await runningContract();
    const other = await createMerchant("Other");
    const body = { type: "switch_template", templateId: catalogue.pro.templateId };
    await expectProblem(await preview(other.apiKey, contract.id, body), 404, "not_found");
    await expectProblem(await apply(other.apiKey, contract.id, body), 404, "not_found");
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/changes`, { key: other.apiKey }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/changes/chg_000000000000000000000000`, {
        key: other.apiKey,
        method: "DELETE",
      }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/cancel`, { key: other.apiKey, body: {} }),
      404,
      "not_found",
    );
  });
});
