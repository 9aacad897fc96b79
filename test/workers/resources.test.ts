// Integration tests of each merchant-API resource: create, read, list with pagination, update,
// and the references between them.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

describe("articles", () => {
  it("pages through a list with limit and cursor", async () => {
    const { apiKey } = await createMerchant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (
          await json(
            await call("/api/v1/articles", {
              key: apiKey,
              body: { kind: "addon", name: `A${i}`, unitAmount: 100 + i },
            }),
            201,
          )
        ).id,
      );
    const first = await json(await call("/api/v1/articles?limit=2", { key: apiKey }), 200);
    expect(first.data.map((a: any) => a.id)).toEqual(ids.slice(0, 2));
    const second = await json(
      await call(`/api/v1/articles?limit=2&cursor=${first.nextCursor}`, { key: apiKey }),
      200,
    );
    expect(second.data.map((a: any) => a.id)).toEqual(ids.slice(2, 4));
    const last = await json(
      await call(`/api/v1/articles?limit=2&cursor=${second.nextCursor}`, { key: apiKey }),
      200,
    );
    expect(last.data.map((a: any) => a.id)).toEqual(ids.slice(4));
    expect(last.nextCursor).toBeNull();
    const one = await json(await call(`/api/v1/articles/${ids[0]}`, { key: apiKey }), 200);
    expect(one).toMatchObject({
      kind: "addon",
      name: "A0",
      unitAmount: 100,
      currency: "EUR",
      taxRate: 1900,
    });
    expect(one.merchantId).toBeUndefined();
  });
});

describe("template groups and contract templates", () => {
  it("moves a template into another group, which must exist", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const other = await json(
      await call("/api/v1/template-groups", { key: apiKey, body: { name: "Gas" } }),
      201,
    );
    const moved = await json(
      await call(`/api/v1/contract-templates/${catalogue.pro.templateId}`, {
        key: apiKey,
        method: "PATCH",
        body: { templateGroupId: other.id },
      }),
      200,
    );
    expect(moved.templateGroupId).toBe(other.id);
    const inGroup = await json(
      await call(`/api/v1/contract-templates?templateGroupId=${other.id}`, { key: apiKey }),
      200,
    );
    expect(inGroup.data.map((t: any) => t.id)).toEqual([catalogue.pro.templateId]);
    const { apiKey: otherKey } = await createMerchant();
    const foreign = await json(
      await call("/api/v1/template-groups", { key: otherKey, body: { name: "Fremd" } }),
      201,
    );
    const problem = await expectProblem(
      await call(`/api/v1/contract-templates/${catalogue.pro.templateId}`, {
        key: apiKey,
        method: "PATCH",
        body: { templateGroupId: foreign.id },
      }),
      400,
      "validation_failed",
    );
    expect(problem.errors[0].field).toBe("templateGroupId");
  });

  it("creates, reads, lists by group and updates a template", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const group = await json(
      await call(`/api/v1/template-groups/${catalogue.groupId}`, { key: apiKey }),
      200,
    );
    expect(group.name).toBe("Strom");
    expect(
      (await json(await call("/api/v1/template-groups", { key: apiKey }), 200)).data,
    ).toHaveLength(1);
    const list = await json(
      await call(`/api/v1/contract-templates?templateGroupId=${catalogue.groupId}`, {
        key: apiKey,
      }),
      200,
    );
    expect(list.data).toHaveLength(3);
    const updated = await json(
      await call(`/api/v1/contract-templates/${catalogue.pro.templateId}`, {
        key: apiKey,
        method: "PATCH",
        body: {
          minimumTermMonths: 12,
          noticePeriodDays: 30,
          downgradeTiming: "like_upgrade",
          changePoints: [{ type: "end_of_term" }],
        },
      }),
      200,
    );
    expect(updated).toMatchObject({
      minimumTermMonths: 12,
      noticePeriodDays: 30,
      downgradeTiming: "like_upgrade",
      changePoints: [{ type: "end_of_term" }],
    });
    expect(updated.billingInterval).toBe("month");
  });

  it("refuses templates that reference missing or wrong-kind articles and bad change points", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const base = { name: "X", templateGroupId: catalogue.groupId, billingInterval: "month" };
    await expectProblem(
      await call("/api/v1/contract-templates", {
        key: apiKey,
        body: { ...base, planArticleId: catalogue.addonId },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/contract-templates", {
        key: apiKey,
        body: {
          ...base,
          planArticleId: catalogue.basic.articleId,
          allowedAddonArticleIds: [catalogue.basic.articleId],
        },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/contract-templates", {
        key: apiKey,
        body: {
          ...base,
          planArticleId: catalogue.basic.articleId,
          changePoints: [{ type: "custom", minLeadDays: 10, maxHorizonDays: 5 }],
        },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/contract-templates", {
        key: apiKey,
        body: {
          ...base,
          templateGroupId: "tgr_000000000000000000000000",
          planArticleId: catalogue.basic.articleId,
        },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(`/api/v1/contract-templates/${catalogue.pro.templateId}`, {
        key: apiKey,
        method: "PATCH",
        body: { billingInterval: "year" },
      }),
      400,
      "validation_failed",
    );
  });
});

describe("customers", () => {
  it("keeps the IBAN sealed and shows the active mandate's account (issue 12)", async () => {
    const { apiKey } = await createMerchant();
    const created = await json(
      await call("/api/v1/customers", {
        key: apiKey,
        body: { name: "Erika", iban: "DE89 3704 0044 0532 0130 00" },
      }),
      201,
    );
    expect(created.iban).toBe("DE89**************3000");
    const row = await env.DB.prepare("SELECT * FROM customers WHERE id = ?")
      .bind(created.id)
      .first();
    expect(JSON.stringify(row)).not.toMatch(/0532013000|0532 0130/);
    expect(row).toMatchObject({ iban_masked: "DE89 **** **** **** **30 00" });
    expect(row!.iban_hash).toMatch(/^[0-9a-f]{64}$/);

    const mandate = `/api/v1/customers/${created.id}/mandate`;
    const body = {
      reference: "M-ERIKA-1",
      signatureDate: "2026-01-02",
      iban: "DE02120300000000202051",
    };
    await json(await call(mandate, { key: apiKey, method: "PUT", body }), 201);
    const shown = async () =>
      (await json(await call(`/api/v1/customers/${created.id}`, { key: apiKey }), 200)).iban;
    expect(await shown()).toBe("DE02**************2051");
    const listed = await json(await call("/api/v1/customers", { key: apiKey }), 200);
    expect(listed.data[0].iban).toBe("DE02**************2051");
    await json(await call(mandate, { key: apiKey, method: "DELETE" }), 200);
    expect(await shown()).toBe("DE89**************3000");
    const cleared = await json(
      await call(`/api/v1/customers/${created.id}`, {
        key: apiKey,
        method: "PATCH",
        body: { iban: null },
      }),
      200,
    );
    expect(cleared.iban).toBeNull();
  });

  it("searches name, e-mail and external reference, with LIKE wildcards taken literally", async () => {
    const { apiKey } = await createMerchant();
    for (const body of [
      { name: "Erika Mustermann", email: "erika@example.com" },
      { name: "Max Müller", email: "max@example.org", externalRef: "shop-42" },
      { name: "100% Strom GmbH" },
    ])
      await json(await call("/api/v1/customers", { key: apiKey, body }), 201);
    const names = async (q: string) =>
      (
        await json(await call(`/api/v1/customers?q=${encodeURIComponent(q)}`, { key: apiKey }), 200)
      ).data.map((customer: any) => customer.name);
    expect(await names("muster")).toEqual(["Erika Mustermann"]);
    expect(await names("example.org")).toEqual(["Max Müller"]);
    expect(await names("shop-4")).toEqual(["Max Müller"]);
    expect(await names("0%")).toEqual(["100% Strom GmbH"]);
    expect(await names("_")).toEqual([]);
  });

  it("creates, finds by externalRef, updates, and masks the IBAN", async () => {
    const { apiKey } = await createMerchant();
    const created = await json(
      await call("/api/v1/customers", {
        key: apiKey,
        body: {
          name: "Max",
          email: "max@example.com",
          externalRef: "K-1",
          iban: "de89 3704 0044 0532 0130 00",
          locale: "en",
        },
      }),
      201,
    );
    expect(created.iban).toBe("DE89**************3000");
    const found = await json(await call("/api/v1/customers?externalRef=K-1", { key: apiKey }), 200);
    expect(found.data.map((c: any) => c.id)).toEqual([created.id]);
    const updated = await json(
      await call(`/api/v1/customers/${created.id}`, {
        key: apiKey,
        method: "PATCH",
        body: { email: null, locale: "de" },
      }),
      200,
    );
    expect(updated).toMatchObject({ email: null, locale: "de", name: "Max" });
    await expectProblem(
      await call("/api/v1/customers", { key: apiKey, body: { name: "Other", externalRef: "K-1" } }),
      409,
      "external_ref_taken",
    );
    await expectProblem(
      await call("/api/v1/customers", {
        key: apiKey,
        body: { name: "Bad", iban: "DE89370400440532013001" },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/customers", { key: apiKey, body: { name: "Bad", email: "not-mail" } }),
      400,
      "validation_failed",
    );
  });
});

describe("contracts and invoices", () => {
  it("bills a future contract for its first period and lists by customer and status", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const now = "2027-03-10T12:00:00Z";
    const contract = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        now,
        body: {
          customerId,
          templateId: catalogue.yearly.templateId,
          startDate: "2027-04-15",
          addons: [{ articleId: catalogue.addonId, quantity: 1 }],
        },
      }),
      201,
    );
    expect(contract.currentPeriod).toEqual({ start: "2027-04-15", end: "2028-04-15" });
    // The add-on is priced per month: 4.90 × 12 on a yearly tariff.
    expect(contract.items.map((item: any) => item.periodAmount)).toEqual([60000, 5880]);
    const invoices = await json(
      await call(`/api/v1/invoices?contractId=${contract.id}`, { key: apiKey }),
      200,
    );
    expect(invoices.data).toHaveLength(1);
    expect(invoices.data[0]).toMatchObject({
      netAmount: 65880,
      taxAmount: 12517,
      grossAmount: 78397,
      periodStart: "2027-04-15",
      periodEnd: "2028-04-15",
      dueDate: "2027-03-24",
    });
    expect(invoices.data[0].paymentReference).toMatch(/^RF\d{2}[0-9A-Z]{16}$/);
    const byCustomer = await json(
      await call(`/api/v1/contracts?customerId=${customerId}&status=active`, { key: apiKey }),
      200,
    );
    expect(byCustomer.data.map((c: any) => c.id)).toEqual([contract.id]);
    expect(byCustomer.data[0].items).toHaveLength(2);
    expect(
      (await json(await call("/api/v1/invoices?status=paid", { key: apiKey }), 200)).data,
    ).toEqual([]);
  });

  it("numbers invoices gaplessly per merchant and series", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const now = "2027-05-02T08:00:00Z";
    const created = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        call("/api/v1/contracts", {
          key: apiKey,
          now,
          body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-05-01" },
        }),
      ),
    );
    for (const response of created) expect(response.status).toBe(201);
    const numbers = (await json(await call("/api/v1/invoices", { key: apiKey }), 200)).data
      .map((i: any) => i.number)
      .sort();
    expect(numbers).toEqual([
      "RE-2027-000001",
      "RE-2027-000002",
      "RE-2027-000003",
      "RE-2027-000004",
      "RE-2027-000005",
    ]);
  });

  it("lists only the invoices named in ids, of this merchant only, in one request", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const now = "2027-05-02T08:00:00Z";
    for (let i = 0; i < 3; i++)
      await json(
        await call("/api/v1/contracts", {
          key: apiKey,
          now,
          body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-05-01" },
        }),
        201,
      );
    const all = (await json(await call("/api/v1/invoices", { key: apiKey }), 200)).data;
    expect(all).toHaveLength(3);
    const wanted = [all[2].id, all[0].id];
    const picked = await json(
      await call(`/api/v1/invoices?ids=${wanted.join(",")}`, { key: apiKey }),
      200,
    );
    expect(picked.data.map((i: any) => i.id)).toEqual([all[0].id, all[2].id]);
    expect(picked.nextCursor).toBeNull();
    // Another merchant's ids answer nothing, not a 404 that would tell they exist.
    const other = await createMerchant("Andere GmbH");
    expect(
      (await json(await call(`/api/v1/invoices?ids=${wanted[0]}`, { key: other.apiKey }), 200))
        .data,
    ).toEqual([]);
    const bad = await expectProblem(
      await call(`/api/v1/invoices?ids=${wanted[0]},cus_x`, { key: apiKey }),
      400,
      "validation_failed",
    );
    expect(JSON.stringify(bad)).toContain("ids");
    const tooMany = Array.from({ length: 91 }, () => wanted[0]).join(",");
    await expectProblem(
      await call(`/api/v1/invoices?ids=${tooMany}`, { key: apiKey }),
      400,
      "validation_failed",
    );
  });

  it("refuses add-ons the template does not allow and offered templates outside the group", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const stray = await json(
      await call("/api/v1/articles", {
        key: apiKey,
        body: { kind: "addon", name: "Stray", unitAmount: 100 },
      }),
      201,
    );
    const body = { customerId, templateId: catalogue.basic.templateId, startDate: "2027-01-01" };
    await expectProblem(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: { ...body, addons: [{ articleId: stray.id, quantity: 1 }] },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: {
          ...body,
          addons: [
            { articleId: catalogue.addonId, quantity: 1 },
            { articleId: catalogue.addonId, quantity: 2 },
          ],
        },
      }),
      400,
      "validation_failed",
    );
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
          planArticleId: catalogue.basic.articleId,
          billingInterval: "month",
        },
      }),
      201,
    );
    await expectProblem(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: { ...body, offeredTemplateIds: [gas.id] },
      }),
      400,
      "validation_failed",
    );
  });

  it("sets the templates offered in the customer center", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const contract = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-01-01" },
      }),
      201,
    );
    const result = await json(
      await call(`/api/v1/contracts/${contract.id}/customer-center`, {
        key: apiKey,
        method: "PUT",
        body: { offeredTemplateIds: [catalogue.pro.templateId] },
      }),
      200,
    );
    expect(result.offeredTemplateIds).toEqual([catalogue.pro.templateId]);
    const reread = await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200);
    expect(reread.offeredTemplateIds).toEqual([catalogue.pro.templateId]);
    expect(reread.version).toBe(contract.version + 1);
  });
});

describe("customer-center settings", () => {
  it("reads and updates the merchant-wide settings", async () => {
    const { apiKey } = await createMerchant();
    const initial = await json(
      await call("/api/v1/settings/customer-center", { key: apiKey }),
      200,
    );
    expect(initial).toMatchObject({
      portalEnabled: true,
      prorationMode: "interim_invoice",
      allowedOrigins: [],
    });
    const updated = await json(
      await call("/api/v1/settings/customer-center", {
        key: apiKey,
        method: "PATCH",
        body: {
          prorationMode: "next_invoice",
          allowedActions: ["add_addon", "cancel"],
          allowedOrigins: ["https://shop.example.com"],
        },
      }),
      200,
    );
    expect(updated).toEqual({
      portalEnabled: true,
      prorationMode: "next_invoice",
      allowedActions: ["add_addon", "cancel"],
      allowedOrigins: ["https://shop.example.com"],
    });
    await expectProblem(
      await call("/api/v1/settings/customer-center", {
        key: apiKey,
        method: "PATCH",
        body: { allowedOrigins: ["https://shop.example.com/path"] },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/settings/customer-center", {
        key: apiKey,
        method: "PATCH",
        body: { prorationMode: "sometimes" },
      }),
      400,
      "validation_failed",
    );
  });
});
