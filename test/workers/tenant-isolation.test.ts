// Tenant isolation: merchant B's key gets 404 for every one of merchant A's ids, on every
// resource, and never sees A's rows in a list.
import { describe, expect, it } from "vitest";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

describe("tenant isolation", () => {
  it("hides every resource of merchant A from merchant B", async () => {
    const a = await createMerchant("A");
    const b = await createMerchant("B");
    const catalogue = await createCatalogue(a.apiKey);
    const customerId = await createCustomer(a.apiKey);
    const contract = await json(
      await call("/api/v1/contracts", {
        key: a.apiKey,
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-01-01" },
      }),
      201,
    );
    const reads = [
      `/api/v1/articles/${catalogue.addonId}`,
      `/api/v1/template-groups/${catalogue.groupId}`,
      `/api/v1/contract-templates/${catalogue.basic.templateId}`,
      `/api/v1/customers/${customerId}`,
      `/api/v1/contracts/${contract.id}`,
      `/api/v1/invoices/${contract.invoiceId}`,
    ];
    for (const path of reads) {
      await json(await call(path, { key: a.apiKey }), 200);
      await expectProblem(await call(path, { key: b.apiKey }), 404, "not_found");
    }
    await expectProblem(
      await call(`/api/v1/customers/${customerId}`, {
        key: b.apiKey,
        method: "PATCH",
        body: { name: "Hijacked" },
      }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/api/v1/contract-templates/${catalogue.basic.templateId}`, {
        key: b.apiKey,
        method: "PATCH",
        body: { name: "Hijacked" },
      }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/customer-center`, {
        key: b.apiKey,
        method: "PUT",
        body: { offeredTemplateIds: [] },
      }),
      404,
      "not_found",
    );
    // B cannot build on A's catalogue or customers either.
    const bCustomer = await createCustomer(b.apiKey);
    await expectProblem(
      await call("/api/v1/contracts", {
        key: b.apiKey,
        body: {
          customerId: bCustomer,
          templateId: catalogue.basic.templateId,
          startDate: "2027-01-01",
        },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/contracts", {
        key: b.apiKey,
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-01-01" },
      }),
      400,
      "validation_failed",
    );
    for (const list of [
      "articles",
      "template-groups",
      "contract-templates",
      "contracts",
      "invoices",
    ]) {
      expect(
        (await json(await call(`/api/v1/${list}`, { key: b.apiKey }), 200)).data,
        list,
      ).toEqual([]);
    }
    expect(
      (await json(await call("/api/v1/customers", { key: b.apiKey }), 200)).data.map(
        (c: any) => c.id,
      ),
    ).toEqual([bCustomer]);
    expect(
      (await json(await call(`/api/v1/customers/${customerId}`, { key: a.apiKey }), 200)).name,
    ).toBe("Erika Mustermann");
  });
});
