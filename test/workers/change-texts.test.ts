// What a change preview tells the customer in their own terms: proration line texts in the
// customer's language (as on the interim invoice they receive) and the price per period once the
// change applies — also for a downgrade moved to the next period, which has no lines at all.
import { describe, expect, it } from "vitest";
import { call, createCatalogue, createCustomer, createMerchant, json } from "./helpers.ts";

const NOW = "2027-01-11T10:00:00Z";

async function contractFor(locale: "de" | "en") {
  const { apiKey } = await createMerchant("Stadtwerke");
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey, "Erika");
  await json(
    await call(`/api/v1/customers/${customerId}`, {
      key: apiKey,
      method: "PATCH",
      body: { locale },
    }),
    200,
  );
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
  const preview = (body: Record<string, unknown>) =>
    call(`/api/v1/contracts/${contract.id}/changes/preview`, { key: apiKey, now: NOW, body });
  return { catalogue, contract, preview, apiKey };
}

describe("change preview texts and the price after the change", () => {
  it("words the proration lines in German for a German customer and states the new price", async () => {
    const { catalogue, preview } = await contractFor("de");
    const shown = await json(
      await preview({
        type: "switch_template",
        templateId: catalogue.pro.templateId,
        effectiveDate: "2027-01-11",
      }),
      200,
    );
    expect(shown.lines.map((line: { description: string }) => line.description)).toEqual([
      "Gutschrift Basic, anteilig 11.01.–31.01.2027",
      "Tarifwechsel Pro, anteilig 11.01.–31.01.2027",
    ]);
    // Pro 60.00 + Ökostrom-Option 4.90 net per month, 19 % VAT on the sum.
    expect(shown.recurringAfter).toEqual({
      billingInterval: "month",
      netAmount: 6490,
      taxAmount: 1233,
      grossAmount: 7723,
    });
  });

  it("keeps English line texts for an English customer", async () => {
    const { catalogue, preview } = await contractFor("en");
    const shown = await json(
      await preview({
        type: "switch_template",
        templateId: catalogue.pro.templateId,
        effectiveDate: "2027-01-11",
      }),
      200,
    );
    expect(shown.lines[1].description).toBe("Remaining time on Pro (11.01.2027 – 31.01.2027)");
  });

  it("states the lower price of a downgrade that only applies next period", async () => {
    const { preview, contract } = await contractFor("de");
    const addon = contract.items.find((item: { kind: string }) => item.kind === "addon");
    const shown = await json(
      await preview({ type: "remove_item", itemId: addon.id, effectiveDate: "2027-01-11" }),
      200,
    );
    expect(shown).toMatchObject({ kind: "downgrade", effectiveDate: "2027-02-01", lines: [] });
    expect(shown.recurringAfter).toEqual({
      billingInterval: "month",
      netAmount: 3000,
      taxAmount: 570,
      grossAmount: 3570,
    });
  });
});
