// Integration tests of the bank side of collection runs, as reconciliation uses it: lookups by
// end-to-end reference, mandate reference + amount, message id and PmtInf id; settling a run,
// a PmtInf or an item; returning one item; discarding an unsent run; and the guard that keeps a
// run's batch from storing a file that no longer matches the database.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { mandateStatusAfterReturn } from "../../worker/domain/sepa-mandate.ts";
import { database, runBatch } from "../../worker/store/db.ts";
import {
  findCollectionItemsByEndToEndId,
  findCollectionItemsByMandate,
  findCollectionPaymentInfo,
  findCollectionRunByMessageId,
  returnCollectionItemStatements,
  settleCollectionStatements,
} from "../../worker/store/sepa-settlement.ts";
import { createRunStatements, isCollectionConflict } from "../../worker/store/sepa-runs.ts";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

const CREDITOR = {
  creditorName: "Stadtwerke Musterstadt",
  iban: "DE02120300000000202051",
  creditorId: "DE98ZZZ09999999999",
};
const AT = "2027-01-20T10:00:00.000Z";

/** Two customers with mandates and one invoice each, collected in one FRST run on 18 Jan. */
async function collected() {
  const { apiKey, id: merchantId } = await createMerchant();
  const key = apiKey;
  await json(await call("/api/v1/settings/creditor", { key, method: "PUT", body: CREDITOR }), 200);
  const catalogue = await createCatalogue(key);
  const customers: string[] = [];
  const invoices: any[] = [];
  for (const [name, reference, templateId] of [
    ["Erika", "Mandat-1", catalogue.basic.templateId],
    ["Max", "Mandat-2", catalogue.pro.templateId],
  ] as const) {
    const customerId = await createCustomer(key, name);
    await json(
      await call(`/api/v1/customers/${customerId}/mandate`, {
        key,
        method: "PUT",
        now: "2027-01-01T08:00:00Z",
        body: { reference, signatureDate: "2026-12-01", iban: "DE89370400440532013000" },
      }),
      201,
    );
    const contract = await json(
      await call("/api/v1/contracts", {
        key,
        now: "2027-01-01T08:00:00Z",
        body: { customerId, templateId, startDate: "2027-01-01" },
      }),
      201,
    );
    customers.push(customerId);
    invoices.push(await json(await call(`/api/v1/invoices/${contract.invoiceId}`, { key }), 200));
  }
  const run = await json(
    await call("/api/v1/collection-runs", {
      key,
      now: "2027-01-13T09:00:00Z",
      body: { collectionDate: "2027-01-18" },
    }),
    201,
  );
  return { key, merchantId, customers, invoices, run, db: database(env.DB) };
}

const getInvoice = async (key: string, id: string) =>
  json(await call(`/api/v1/invoices/${id}`, { key }), 200);
const getRun = async (key: string, id: string) =>
  json(await call(`/api/v1/collection-runs/${id}`, { key }), 200);
const getMandate = async (key: string, customerId: string) =>
  json(await call(`/api/v1/customers/${customerId}/mandate`, { key }), 200);

describe("lookups", () => {
  it("finds collections by end-to-end reference, mandate reference + amount, message id and PmtInf id, within the merchant", async () => {
    const { merchantId, invoices, run, db } = await collected();
    const other = await createMerchant("Other");
    const [first, second] = invoices;

    const byE2e = await findCollectionItemsByEndToEndId(
      db,
      merchantId,
      ` ${first.paymentReference.toLowerCase()} `,
    );
    expect(byE2e.map((item) => [item.invoiceId, item.runId, item.amount])).toEqual([
      [first.id, run.id, first.grossAmount],
    ]);
    expect(await findCollectionItemsByEndToEndId(db, other.id, first.paymentReference)).toEqual([]);

    expect(
      (await findCollectionItemsByMandate(db, merchantId, "MANDAT-2", second.grossAmount)).map(
        (item) => item.invoiceId,
      ),
    ).toEqual([second.id]);
    expect(
      await findCollectionItemsByMandate(db, merchantId, "mandat-2", second.grossAmount + 1),
    ).toEqual([]);

    const byMessage = await findCollectionRunByMessageId(
      db,
      merchantId,
      run.messageId.toUpperCase(),
    );
    expect(byMessage?.run).toMatchObject({
      id: run.id,
      controlSum: first.grossAmount + second.grossAmount,
    });
    expect(byMessage?.items.map((item) => item.invoiceId).sort()).toEqual(
      [first.id, second.id].sort(),
    );
    expect(await findCollectionRunByMessageId(db, other.id, run.messageId)).toBeUndefined();

    const pmtInf = await findCollectionPaymentInfo(
      db,
      merchantId,
      run.paymentInfos[0].paymentInfoId,
    );
    expect(pmtInf?.paymentInfo).toEqual(run.paymentInfos[0]);
    expect(pmtInf?.items).toHaveLength(2);
    expect(
      await findCollectionPaymentInfo(db, other.id, run.paymentInfos[0].paymentInfoId),
    ).toBeUndefined();
  });
});

describe("settlement and returns", () => {
  it("settles a PmtInf's batch credit: every invoice paid, the run completed", async () => {
    const { key, merchantId, invoices, run, db } = await collected();
    await runBatch(
      db,
      settleCollectionStatements(
        db,
        merchantId,
        { paymentInfoId: run.paymentInfos[0].paymentInfoId.toUpperCase() },
        AT,
      ),
    );
    for (const inv of invoices)
      expect(await getInvoice(key, inv.id)).toMatchObject({
        status: "paid",
        amountPaid: inv.grossAmount,
      });
    const settled = await getRun(key, run.id);
    expect(settled).toMatchObject({ status: "completed", completedAt: AT });
    expect(settled.items.map((item: any) => [item.status, item.settledAt])).toEqual([
      ["settled", AT],
      ["settled", AT],
    ]);
    // Booking the same credit twice changes nothing.
    await runBatch(db, settleCollectionStatements(db, merchantId, { runId: run.id }, AT));
    for (const inv of invoices)
      expect((await getInvoice(key, inv.id)).amountPaid).toBe(inv.grossAmount);
    // Another merchant's statements touch nothing of this one.
    const other = await createMerchant("Other");
    await runBatch(
      db,
      returnCollectionItemStatements(db, other.id, run.items[0].id, { at: AT, reasonCode: "AM04" }),
    );
    expect((await getInvoice(key, run.items[0].invoiceId)).status).toBe("paid");
  });

  it("returns one settled item: its invoice is open again, the mandate follows the reason code, the invoice is collected again", async () => {
    const { key, merchantId, customers, invoices, run, db } = await collected();
    await runBatch(db, settleCollectionStatements(db, merchantId, { runId: run.id }, AT));
    const [first, second] = invoices;
    const itemOf = (invoiceId: string) =>
      run.items.find((item: any) => item.invoiceId === invoiceId);

    // AM04 (insufficient funds): retryable, the mandate is unchanged.
    await runBatch(
      db,
      returnCollectionItemStatements(db, merchantId, itemOf(first.id).id, {
        at: AT,
        reasonCode: "AM04",
        mandate: mandateStatusAfterReturn("retryable", "AM04"),
      }),
    );
    expect(await getInvoice(key, first.id)).toMatchObject({ status: "open", amountPaid: 0 });
    expect(await getInvoice(key, second.id)).toMatchObject({ status: "paid" });
    expect(
      (await getRun(key, run.id)).items.find((item: any) => item.invoiceId === first.id),
    ).toMatchObject({ status: "returned", returnedAt: AT, returnReasonCode: "AM04" });
    expect(await getMandate(key, customers[0]!)).toMatchObject({
      status: "active",
      sequenceType: "RCUR",
    });
    // The same return booked again changes nothing.
    await runBatch(
      db,
      returnCollectionItemStatements(db, merchantId, itemOf(first.id).id, {
        at: AT,
        reasonCode: "AM04",
      }),
    );
    expect(await getInvoice(key, first.id)).toMatchObject({ status: "open", amountPaid: 0 });

    // MD06 (refund claim): the debtor disputes, the mandate is revoked.
    await runBatch(
      db,
      returnCollectionItemStatements(db, merchantId, itemOf(second.id).id, {
        at: AT,
        reasonCode: "MD06",
        mandate: mandateStatusAfterReturn("disputed", "MD06"),
      }),
    );
    expect(await getMandate(key, customers[1]!)).toMatchObject({
      status: "revoked",
      statusReason: "return:MD06",
    });

    // The reopened invoice is collected again (RCUR: the debtor bank saw the settled FRST) under a
    // new end-to-end id that still starts with its payment reference (issue 14); the revoked
    // mandate's invoice is not.
    const again = await json(
      await call("/api/v1/collection-runs", {
        key,
        now: "2027-01-25T09:00:00Z",
        body: { collectionDate: "2027-01-28" },
      }),
      201,
    );
    expect(
      again.items.map((item: any) => [item.invoiceId, item.sequenceType, item.endToEndId]),
    ).toEqual([[first.id, "RCUR", `${first.paymentReference}-R1`]]);
    const attempts = [
      ...(await findCollectionItemsByEndToEndId(db, merchantId, `${first.paymentReference}-R1`)),
      ...(await findCollectionItemsByEndToEndId(db, merchantId, first.paymentReference)),
    ];
    expect(attempts.map((item) => [item.runId, item.status])).toEqual([
      [again.id, "pending"],
      [run.id, "returned"],
    ]);
  });

  it("returns an item before settlement and settles the rest one by one", async () => {
    const { key, merchantId, invoices, run, db } = await collected();
    const [first, second] = run.items;
    await runBatch(
      db,
      returnCollectionItemStatements(db, merchantId, first.id, {
        at: AT,
        reasonCode: "AC04",
        mandate: mandateStatusAfterReturn("dead", "AC04"),
      }),
    );
    expect(await getInvoice(key, first.invoiceId)).toMatchObject({ status: "open", amountPaid: 0 });
    expect((await getRun(key, run.id)).status).toBe("open");
    await runBatch(db, settleCollectionStatements(db, merchantId, { itemId: second.id }, AT));
    expect(await getInvoice(key, second.invoiceId)).toMatchObject({
      status: "paid",
      amountPaid: invoices.find((i) => i.id === second.invoiceId).grossAmount,
    });
    expect((await getRun(key, run.id)).status).toBe("completed");
    const mandate = await getMandate(key, first.customerId);
    expect(mandate).toMatchObject({ status: "dead", statusReason: "return:AC04" });
  });
});

describe("cancelling a run", () => {
  it("discards an unsent run: invoices open again, mandates back to FRST, then collected anew", async () => {
    const { key, customers, invoices, run } = await collected();
    const cancelled = await json(
      await call(`/api/v1/collection-runs/${run.id}/cancel`, {
        key,
        method: "POST",
        now: "2027-01-14T09:00:00Z",
      }),
      200,
    );
    expect(cancelled).toMatchObject({
      status: "cancelled",
      cancelledAt: "2027-01-14T09:00:00.000Z",
    });
    expect(cancelled.items.map((item: any) => item.status)).toEqual(["cancelled", "cancelled"]);
    for (const inv of invoices) expect((await getInvoice(key, inv.id)).status).toBe("open");
    for (const customerId of customers)
      expect(await getMandate(key, customerId)).toMatchObject({
        sequenceType: "FRST",
        lastCollectionDate: null,
      });
    // Cancelling again answers the cancelled run.
    expect(
      (
        await json(
          await call(`/api/v1/collection-runs/${run.id}/cancel`, { key, method: "POST" }),
          200,
        )
      ).status,
    ).toBe("cancelled");
    const again = await json(
      await call("/api/v1/collection-runs", {
        key,
        now: "2027-01-14T09:00:00Z",
        body: { collectionDate: "2027-01-18" },
      }),
      201,
    );
    expect(again.items.map((item: any) => item.sequenceType)).toEqual(["FRST", "FRST"]);
  });

  it("restores an amendment the cancelled run had reported", async () => {
    const { key, customers, run } = await collected();
    const customerId = customers[0]!;
    await json(
      await call(`/api/v1/customers/${customerId}/mandate`, {
        key,
        method: "PUT",
        now: "2027-01-20T08:00:00Z",
        body: {
          reference: "Mandat-1-neu",
          signatureDate: "2026-12-01",
          iban: "DE89370400440532013000",
        },
      }),
      200,
    );
    expect(await getMandate(key, customerId)).toMatchObject({
      sequenceType: "RCUR",
      pendingAmendment: { originalReference: "Mandat-1" },
    });
    // A run takes the amendment along (the contract's February invoice is billed by hand here: a new contract).
    const catalogue = await createCatalogue(key);
    await json(
      await call("/api/v1/contracts", {
        key,
        now: "2027-01-20T08:00:00Z",
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-01-20" },
      }),
      201,
    );
    const second = await json(
      await call("/api/v1/collection-runs", {
        key,
        now: "2027-02-01T09:00:00Z",
        body: { collectionDate: "2027-02-05" },
      }),
      201,
    );
    expect(second.items[0]).toMatchObject({
      sequenceType: "RCUR",
      amendment: { originalReference: "Mandat-1" },
    });
    expect(await getMandate(key, customerId)).toMatchObject({
      pendingAmendment: null,
      lastCollectionDate: "2027-02-05",
    });
    // The first run can no longer be cancelled: a later run collected under its mandates.
    await expectProblem(
      await call(`/api/v1/collection-runs/${run.id}/cancel`, { key, method: "POST" }),
      422,
      "run_not_cancellable",
    );
    await json(
      await call(`/api/v1/collection-runs/${second.id}/cancel`, { key, method: "POST" }),
      200,
    );
    expect(await getMandate(key, customerId)).toMatchObject({
      sequenceType: "RCUR",
      pendingAmendment: { originalReference: "Mandat-1" },
      lastCollectionDate: "2027-01-18",
    });
  });

  it("refuses to cancel a run with settled items", async () => {
    const { key, merchantId, run, db } = await collected();
    await runBatch(db, settleCollectionStatements(db, merchantId, { itemId: run.items[0].id }, AT));
    await expectProblem(
      await call(`/api/v1/collection-runs/${run.id}/cancel`, { key, method: "POST" }),
      422,
      "run_not_cancellable",
    );
  });
});

describe("the run's batch guard", () => {
  it("aborts the whole batch when an invoice is no longer open or a mandate changed since it was read", async () => {
    const { key, merchantId, run, db } = await collected();
    const item = run.items[0];
    const mandate = await getMandate(key, item.customerId);
    const version = (await env.DB.prepare("SELECT version FROM sepa_mandates WHERE id = ?")
      .bind(mandate.id)
      .first<{ version: number }>())!.version;
    const runRow = (id: string) => ({
      id,
      merchantId,
      status: "open",
      collectionDate: "2027-01-25",
      messageId: id.replace("_", "-"),
      creationDateTime: "2027-01-20T09:00:00Z",
      numberOfTransactions: 1,
      controlSum: item.amount,
      paymentInfos: [],
      creditorName: "X",
      creditorId: "DE98ZZZ09999999999",
      creditorIbanMasked: "DE02",
      fileParts: 1,
      fileSha256: "0",
    });
    const newItem = (overrides: Record<string, unknown>) => ({
      ...item,
      id: `cit_${"1".repeat(24)}`,
      mandateVersion: version,
      previousLastCollectionDate: null,
      amendment: null,
      amendedFromIbanCiphertext: null,
      ...overrides,
    });
    // The invoice is in a pending collection (collection_pending): refused.
    const first = runRow(`col_${"1".repeat(24)}`);
    const error = await runBatch(
      db,
      createRunStatements(db, { run: first, fileParts: ["x"], items: [newItem({})] }),
    ).catch((e: unknown) => e);
    expect(isCollectionConflict(error)).toBe(true);
    // An open invoice, but a stale mandate version: refused as well.
    const customerId = await createCustomer(key, "Neu");
    const catalogue = await createCatalogue(key);
    const contract = await json(
      await call("/api/v1/contracts", {
        key,
        now: "2027-01-05T08:00:00Z",
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2027-01-05" },
      }),
      201,
    );
    const second = runRow(`col_${"2".repeat(24)}`);
    const stale = await runBatch(
      db,
      createRunStatements(db, {
        run: second,
        fileParts: ["x"],
        items: [newItem({ invoiceId: contract.invoiceId, mandateVersion: version - 1 })],
      }),
    ).catch((e: unknown) => e);
    expect(isCollectionConflict(stale)).toBe(true);
    // Nothing of either attempt was stored.
    const runs = await env.DB.prepare(
      "SELECT count(*) AS n FROM sepa_collection_runs WHERE merchant_id = ?",
    )
      .bind(merchantId)
      .first<{ n: number }>();
    expect(runs?.n).toBe(1);
    expect((await getInvoice(key, contract.invoiceId)).status).toBe("open");
  });
});
