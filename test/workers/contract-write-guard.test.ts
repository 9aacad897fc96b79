// The optimistic version check on contracts: a batch written against a stale version aborts as
// a whole, so a concurrent second writer can never half-apply its change.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  findContract,
  guardedContractWrite,
  insertItemsStatements,
} from "../../worker/store/contracts.ts";
import { database, isContractVersionConflict, runBatch } from "../../worker/store/db.ts";
import { call, createCatalogue, createCustomer, createMerchant, json } from "./helpers.ts";

describe("contract write guard", () => {
  it("applies the first writer and rolls back the whole batch of a stale second writer", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const created = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-01-01" },
      }),
      201,
    );
    const db = database(env.DB);
    const merchantId = (await db.query.contracts.findFirst())!.merchantId;
    const contract = (await findContract(db, merchantId, created.id))!;
    const extraItem = (id: string) => ({
      id,
      merchantId,
      contractId: contract.id,
      articleId: catalogue.addonId,
      kind: "addon" as const,
      name: "Ökostrom-Option",
      quantity: 1,
      unitAmount: 490,
      taxRate: 1900,
      billedPeriodAmount: 490,
      billedPeriodStart: contract.currentPeriodStart,
      startedOn: contract.currentPeriodStart,
    });

    await runBatch(db, [
      ...guardedContractWrite(db, contract, "wrt_first", {}),
      ...insertItemsStatements(db, [extraItem("itm_first")]),
    ]);
    const stale = runBatch(db, [
      ...guardedContractWrite(db, contract, "wrt_second", {}),
      ...insertItemsStatements(db, [extraItem("itm_second")]),
    ]);
    await expect(stale).rejects.toSatisfy(isContractVersionConflict);

    const after = (await findContract(db, merchantId, contract.id))!;
    expect(after.version).toBe(contract.version + 1);
    expect(after.lastWriteId).toBe("wrt_first");
    expect(after.items.map((item) => item.id)).toContain("itm_first");
    expect(after.items.map((item) => item.id)).not.toContain("itm_second");
  });
});
