// Integration tests of the portal API: sessions, the per-customer scope, expiry and revocation,
// CORS, the overview the widget renders, and changes that only go through when the merchant's
// customer center, the change points and the tariff group allow them.
import { describe, expect, it } from "vitest";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

const NOW = "2027-01-11T10:00:00Z";
const SHOP = "https://shop.example.com";

async function portalSetup(settings: Record<string, unknown> = {}) {
  const { apiKey } = await createMerchant("Stadtwerke");
  await json(
    await call("/api/v1/settings/customer-center", {
      key: apiKey,
      method: "PATCH",
      body: { allowedOrigins: [SHOP], ...settings },
    }),
    200,
  );
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey, "Erika");
  const otherCustomerId = await createCustomer(apiKey, "Max");
  const contract = await json(
    await call("/api/v1/contracts", {
      key: apiKey,
      now: "2027-01-01T08:00:00Z",
      body: {
        customerId,
        templateId: catalogue.basic.templateId,
        startDate: "2027-01-01",
        addons: [{ articleId: catalogue.addonId, quantity: 1 }],
      },
    }),
    201,
  );
  const otherContract = await json(
    await call("/api/v1/contracts", {
      key: apiKey,
      now: "2027-01-01T08:00:00Z",
      body: {
        customerId: otherCustomerId,
        templateId: catalogue.basic.templateId,
        startDate: "2027-01-01",
      },
    }),
    201,
  );
  const session = await json(
    await call("/api/v1/portal-sessions", { key: apiKey, now: NOW, body: { customerId } }),
    201,
  );
  return {
    apiKey,
    catalogue,
    customerId,
    contract,
    otherContract,
    token: session.token as string,
    sessionId: session.id as string,
  };
}

const portal = (
  token: string,
  path: string,
  options: { body?: unknown; method?: string; headers?: Record<string, string>; now?: string } = {},
) => call(`/portal/v1${path}`, { key: token, now: options.now ?? NOW, ...options });

describe("portal sessions", () => {
  it("issues a token for the merchant's own customer only", async () => {
    const { apiKey } = await createMerchant();
    const customerId = await createCustomer(apiKey);
    const session = await json(
      await call("/api/v1/portal-sessions", {
        key: apiKey,
        now: NOW,
        body: { customerId, returnUrl: "https://shop.example.com/account" },
      }),
      201,
    );
    expect(session).toMatchObject({
      customerId,
      expiresAt: "2027-01-11T11:00:00.000Z",
      returnUrl: "https://shop.example.com/account",
    });
    expect(session.token).toMatch(/^pts_[0-9a-z]{40}$/);
    const other = await createMerchant("Other");
    await expectProblem(
      await call("/api/v1/portal-sessions", { key: other.apiKey, body: { customerId } }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/portal-sessions", { key: apiKey, body: { customerId, ttlMinutes: 2 } }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/portal-sessions", {
        key: apiKey,
        body: { customerId, returnUrl: "javascript:alert(1)" },
      }),
      400,
      "validation_failed",
    );
  });

  it("answers 401 to an expired or revoked token, and keeps portal and merchant credentials apart", async () => {
    const { apiKey, token, sessionId } = await portalSetup();
    await json(await portal(token, "/contracts"), 200);
    await expectProblem(
      await portal(token, "/contracts", { now: "2027-01-11T11:00:01Z" }),
      401,
      "session_invalid",
    );
    await expectProblem(await call("/api/v1/contracts", { key: token }), 401, "unauthorized");
    await expectProblem(await portal(apiKey, "/contracts"), 401, "session_invalid");
    await expectProblem(await portal("", "/contracts"), 401, "session_missing");
    expect(
      await json(
        await call(`/api/v1/portal-sessions/${sessionId}`, { key: apiKey, method: "DELETE" }),
        200,
      ),
    ).toEqual({ id: sessionId, revoked: true });
    await expectProblem(await portal(token, "/contracts"), 401, "session_invalid");
  });
});

describe("scope", () => {
  it("shows only the session's customer and answers 404 for another customer's contract", async () => {
    const { catalogue, contract, otherContract, token } = await portalSetup();
    const overview = await json(await portal(token, "/contracts"), 200);
    expect(overview.customer.name).toBe("Erika");
    expect(overview.contracts.map((c: any) => c.id)).toEqual([contract.id]);
    const change = {
      type: "switch_template",
      templateId: catalogue.pro.templateId,
      effectiveDate: "2027-01-11",
    };
    await expectProblem(
      await portal(token, `/contracts/${otherContract.id}/changes/preview`, { body: change }),
      404,
      "not_found",
    );
    await expectProblem(
      await portal(token, `/contracts/${otherContract.id}/changes`, { body: change }),
      404,
      "not_found",
    );
    await expectProblem(
      await portal(token, `/contracts/${otherContract.id}/cancel`, { body: {} }),
      404,
      "not_found",
    );
    await expectProblem(
      await portal(token, `/contracts/${otherContract.id}/changes/chg_000000000000000000000000`, {
        method: "DELETE",
      }),
      404,
      "not_found",
    );
    const invoices = await json(await portal(token, "/invoices"), 200);
    expect(invoices.data.map((i: any) => i.id)).toEqual([contract.invoiceId]);
  });

  it("answers 404 for another merchant's contract", async () => {
    const first = await portalSetup();
    const second = await portalSetup();
    const change = {
      type: "switch_template",
      templateId: first.catalogue.pro.templateId,
      effectiveDate: "2027-01-11",
    };
    await expectProblem(
      await portal(second.token, `/contracts/${first.contract.id}/changes/preview`, {
        body: change,
      }),
      404,
      "not_found",
    );
  });
});

describe("overview", () => {
  it("lists tariffs, add-ons, change dates and cancellation dates the customer may choose", async () => {
    const { catalogue, contract, token } = await portalSetup();
    const [shown] = (await json(await portal(token, "/contracts"), 200)).contracts;
    expect(shown).toMatchObject({
      id: contract.id,
      status: "active",
      currency: "EUR",
      tariff: { templateId: catalogue.basic.templateId, name: "Basic", billingInterval: "month" },
      recurringNetAmount: 3490,
      recurringTaxAmount: 663,
      recurringGrossAmount: 4153,
      currentPeriod: { start: "2027-01-01", end: "2027-02-01" },
      nextBillingDate: "2027-02-01",
      endDate: null,
      canCancel: true,
      earliestCancellationDate: "2027-01-31",
    });
    expect(shown.items.map((i: any) => [i.kind, i.name, i.periodAmount, i.removable])).toEqual([
      ["plan", "Basic", 3000, false],
      ["addon", "Ökostrom-Option", 490, true],
    ]);
    expect(shown.switchOptions.map((o: any) => [o.name, o.periodAmount, o.kind])).toEqual([
      ["Pro", 6000, "upgrade"],
      ["Pro Jahr", 60000, "upgrade"],
    ]);
    expect(shown.addonOptions.map((o: any) => [o.name, o.periodAmount])).toEqual([
      ["Smart Meter", 200],
    ]);
    expect(shown.changeDates.points).toEqual([
      { type: "immediately", date: "2027-01-11" },
      { type: "next_period", date: "2027-02-01" },
      { type: "next_month", date: "2027-02-01" },
    ]);
    expect(shown.changeDates.ranges).toEqual([{ from: "2027-01-11", to: "2028-02-15" }]);
    expect(shown.cancellationEndDates.slice(0, 3)).toEqual([
      "2027-01-31",
      "2027-02-28",
      "2027-03-31",
    ]);
  });

  it("offers nothing the merchant switched off", async () => {
    const { token } = await portalSetup({ allowedActions: ["switch_down"] });
    const [shown] = (await json(await portal(token, "/contracts"), 200)).contracts;
    expect(shown.switchOptions).toEqual([]);
    expect(shown.addonOptions).toEqual([]);
    expect(shown.items.every((i: any) => !i.removable && !i.quantityChangeable)).toBe(true);
    expect(shown.canCancel).toBe(false);
  });
});

describe("changes", () => {
  it("defaults a missing effectiveDate to today, as the merchant API does (issue 12)", async () => {
    const { apiKey, catalogue, contract, token } = await portalSetup();
    const change = { type: "switch_template", templateId: catalogue.pro.templateId };
    const fromPortal = await json(
      await portal(token, `/contracts/${contract.id}/changes/preview`, { body: change }),
      200,
    );
    const fromApi = await json(
      await call(`/api/v1/contracts/${contract.id}/changes/preview`, {
        key: apiKey,
        now: NOW,
        body: change,
      }),
      200,
    );
    expect(fromPortal).toMatchObject({ effectiveDate: "2027-01-11", netAmount: 2033 });
    expect(fromPortal.effectiveDate).toBe(fromApi.effectiveDate);
    expect(fromPortal.netAmount).toBe(fromApi.netAmount);
  });

  it("checks the defaulted date against the change points like any other", async () => {
    const { apiKey, catalogue, contract, token } = await portalSetup();
    await json(
      await call(`/api/v1/contract-templates/${catalogue.basic.templateId}`, {
        key: apiKey,
        method: "PATCH",
        body: { changePoints: [{ type: "next_period" }] },
      }),
      200,
    );
    const problem = await expectProblem(
      await portal(token, `/contracts/${contract.id}/changes/preview`, {
        body: { type: "switch_template", templateId: catalogue.pro.templateId },
      }),
      422,
      "effective_date_not_allowed",
    );
    expect(problem.detail).toContain("2027-02-01");
  });

  it("previews and applies an upgrade once for a double-clicked confirmation", async () => {
    const { catalogue, contract, token } = await portalSetup();
    const change = {
      type: "switch_template",
      templateId: catalogue.pro.templateId,
      effectiveDate: "2027-01-11",
    };
    const preview = await json(
      await portal(token, `/contracts/${contract.id}/changes/preview`, { body: change }),
      200,
    );
    expect(preview).toMatchObject({
      kind: "upgrade",
      netAmount: 2033,
      settlement: "interim_invoice",
    });
    const headers = { "idempotency-key": "4b7f1c5e-click" };
    const [first, second] = await Promise.all([
      portal(token, `/contracts/${contract.id}/changes`, { body: change, headers }),
      portal(token, `/contracts/${contract.id}/changes`, { body: change, headers }),
    ]);
    const statuses = [first.status, second.status].sort();
    expect([
      [201, 201],
      [201, 409],
    ]).toContainEqual(statuses);
    const applied = await json(first.status === 201 ? first : second, 201);
    expect(applied.change).toMatchObject({ status: "applied", kind: "upgrade" });
    expect(applied.invoice).toMatchObject({
      kind: "interim",
      grossAmount: 2419,
      number: "ZR-2027-000001",
    });
    const invoices = await json(await portal(token, "/invoices"), 200);
    expect(invoices.data.map((i: any) => i.kind)).toEqual(["interim", "regular"]);
  });

  it("refuses a date the change points do not offer", async () => {
    const { catalogue, contract, token } = await portalSetup({});
    const problem = await expectProblem(
      await portal(token, `/contracts/${contract.id}/changes/preview`, {
        body: {
          type: "switch_template",
          templateId: catalogue.pro.templateId,
          effectiveDate: "2026-12-20",
        },
      }),
      422,
      "effective_date_not_allowed",
    );
    expect(problem.errors[0].field).toBe("effectiveDate");
  });

  it("refuses disabled actions even when called directly", async () => {
    const { catalogue, contract, token } = await portalSetup({
      allowedActions: ["switch_up", "remove_item"],
    });
    const item = contract.items.find((i: any) => i.kind === "addon");
    await expectProblem(
      await portal(token, `/contracts/${contract.id}/changes`, {
        body: { type: "add_addon", articleId: catalogue.otherAddonId, effectiveDate: "2027-01-11" },
      }),
      403,
      "action_not_allowed",
    );
    await expectProblem(
      await portal(token, `/contracts/${contract.id}/changes`, {
        body: {
          type: "change_quantity",
          itemId: item.id,
          quantity: 3,
          effectiveDate: "2027-01-11",
        },
      }),
      403,
      "action_not_allowed",
    );
    await expectProblem(
      await portal(token, `/contracts/${contract.id}/cancel`, { body: {} }),
      403,
      "action_not_allowed",
    );
    await json(
      await portal(token, `/contracts/${contract.id}/changes`, {
        body: {
          type: "switch_template",
          templateId: catalogue.pro.templateId,
          effectiveDate: "2027-01-11",
        },
      }),
      201,
    );
    // Pro → Basic is a downgrade, and switch_down is off.
    await expectProblem(
      await portal(token, `/contracts/${contract.id}/changes/preview`, {
        body: {
          type: "switch_template",
          templateId: catalogue.basic.templateId,
          effectiveDate: "2027-02-01",
        },
      }),
      403,
      "action_not_allowed",
    );
  });

  it("refuses tariffs not offered to this contract", async () => {
    const { apiKey, catalogue, contract, token } = await portalSetup();
    await json(
      await call(`/api/v1/contracts/${contract.id}/customer-center`, {
        key: apiKey,
        method: "PUT",
        body: { offeredTemplateIds: [catalogue.yearly.templateId] },
      }),
      200,
    );
    const [shown] = (await json(await portal(token, "/contracts"), 200)).contracts;
    expect(shown.switchOptions.map((o: any) => o.templateId)).toEqual([
      catalogue.yearly.templateId,
    ]);
    await expectProblem(
      await portal(token, `/contracts/${contract.id}/changes/preview`, {
        body: {
          type: "switch_template",
          templateId: catalogue.pro.templateId,
          effectiveDate: "2027-01-11",
        },
      }),
      422,
      "template_not_offered",
    );
  });

  it("schedules a downgrade, lists it, and lets the customer cancel it", async () => {
    const { contract, token } = await portalSetup();
    const item = contract.items.find((i: any) => i.kind === "addon");
    const scheduled = await json(
      await portal(token, `/contracts/${contract.id}/changes`, {
        body: { type: "remove_item", itemId: item.id, effectiveDate: "2027-01-11" },
      }),
      201,
    );
    expect(scheduled.change).toMatchObject({
      status: "scheduled",
      effectiveDate: "2027-02-01",
      kind: "downgrade",
    });
    const [shown] = (await json(await portal(token, "/contracts"), 200)).contracts;
    expect(shown.scheduledChanges).toEqual([
      {
        id: scheduled.change.id,
        type: "remove_item",
        effectiveDate: "2027-02-01",
        kind: "downgrade",
        summary: "Ökostrom-Option",
      },
    ]);
    await json(
      await portal(token, `/contracts/${contract.id}/changes/${scheduled.change.id}`, {
        method: "DELETE",
      }),
      200,
    );
    expect(
      (await json(await portal(token, "/contracts"), 200)).contracts[0].scheduledChanges,
    ).toEqual([]);
  });

  it("cancels the contract at the earliest end", async () => {
    const { contract, token } = await portalSetup();
    const cancelled = await json(
      await portal(token, `/contracts/${contract.id}/cancel`, { body: {} }),
      200,
    );
    expect(cancelled).toEqual({
      id: contract.id,
      status: "cancellation_pending",
      endDate: "2027-01-31",
      earliestEndDate: "2027-01-31",
    });
    const [shown] = (await json(await portal(token, "/contracts"), 200)).contracts;
    expect(shown).toMatchObject({
      status: "cancellation_pending",
      endDate: "2027-01-31",
      canCancel: false,
      nextBillingDate: null,
    });
  });

  it("is closed when the merchant switches the portal off", async () => {
    const { apiKey, token } = await portalSetup();
    await json(
      await call("/api/v1/settings/customer-center", {
        key: apiKey,
        method: "PATCH",
        body: { portalEnabled: false },
      }),
      200,
    );
    await expectProblem(await portal(token, "/contracts"), 403, "portal_disabled");
  });
});

describe("CORS", () => {
  it("answers a preflight only for allowed origins", async () => {
    await portalSetup();
    const allowed = await call("/portal/v1/contracts", {
      method: "OPTIONS",
      headers: { origin: SHOP, "access-control-request-method": "POST" },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(allowed.headers.get("access-control-allow-headers")).toContain("idempotency-key");
    const refused = await call("/portal/v1/contracts", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses requests from another origin and lets the widget read a 401", async () => {
    const { token } = await portalSetup();
    const ok = await portal(token, "/contracts", { headers: { origin: SHOP } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(SHOP);
    const refused = await portal(token, "/contracts", {
      headers: { origin: "https://evil.example" },
    });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    await expectProblem(refused, 403, "origin_not_allowed");
    const expired = await portal(token, "/contracts", {
      headers: { origin: SHOP },
      now: "2027-01-12T00:00:00Z",
    });
    expect(expired.headers.get("access-control-allow-origin")).toBe(SHOP);
    await expectProblem(expired, 401, "session_invalid");
  });

  it("sends no CORS headers for an origin only another merchant allows (issue 12)", async () => {
    const { token } = await portalSetup();
    const other = await createMerchant("Andere Stadtwerke");
    const OTHER_SHOP = "https://other-shop.example.com";
    await json(
      await call("/api/v1/settings/customer-center", {
        key: other.apiKey,
        method: "PATCH",
        body: { allowedOrigins: [OTHER_SHOP] },
      }),
      200,
    );
    const refused = await portal(token, "/contracts", { headers: { origin: OTHER_SHOP } });
    await expectProblem(refused, 403, "origin_not_allowed");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    const posted = await portal(token, "/contracts/ctr_000000000000000000000000/cancel", {
      method: "POST",
      body: {},
      headers: { origin: OTHER_SHOP },
    });
    await expectProblem(posted, 403, "origin_not_allowed");
    expect(posted.headers.get("access-control-allow-origin")).toBeNull();
  });
});
