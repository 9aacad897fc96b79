// After a returned debit, through the fake finAPI: an AM04 return is collected again in the next
// run (RCUR, same mandate, a new end-to-end id that still names the invoice) and, when that comes
// back too, never a third time; a final reason (MD01) blocks the mandate for good; the dunning
// settings that steer it are read and validated.
import { describe, expect, it } from "vitest";
import { expectProblem, json } from "./helpers.ts";
import { collectedWorld, returnOf } from "./reconciliation-fixture.ts";

const DAY = 86_400_000;

async function settledWorld() {
  const world = await collectedWorld();
  world.r.bank({ amountCents: world.total, typeCodeZka: "192", purpose: "SAMMLER 3 POSTEN" });
  expect(await world.r.reconcile()).toMatchObject({ matched: 1 });
  world.r.world.advance(3 * DAY); // 18 March
  return world;
}

const run = (r: Awaited<ReturnType<typeof collectedWorld>>["r"], collectionDate: string) =>
  r.api("/api/v1/collection-runs", { body: { collectionDate } });

describe("re-presentation", () => {
  it("collects an AM04 return once more and never a third time", async () => {
    const { r, customers } = await settledWorld();
    const max = customers[1]!;
    returnOf(r, max.invoice, max.mandate, "AM04");
    expect(await r.reconcile()).toMatchObject({ returns: 1 });

    const second = await json(await run(r, "2027-03-25"), 201);
    expect(second.items).toEqual([
      expect.objectContaining({
        invoiceId: max.invoice.id,
        endToEndId: `${max.invoice.paymentReference}-R1`,
        sequenceType: "RCUR",
      }),
    ]);
    r.world.advance(7 * DAY); // 25 March
    r.bank({
      amountCents: max.invoice.grossAmount,
      typeCodeZka: "171",
      endToEndReference: `${max.invoice.paymentReference}-R1`,
      purpose: "SEPA-Lastschrift",
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    r.world.advance(2 * DAY);
    returnOf(r, max.invoice, max.mandate, "AM04", 300, {
      endToEndReference: `${max.invoice.paymentReference}-R1`,
      collectionDate: "2027-03-25",
    });
    expect(await r.reconcile()).toMatchObject({ returns: 1, toReview: 0 });
    expect(await r.invoice(max.invoice.id)).toMatchObject({ status: "open" });
    expect((await r.invoice(max.invoice.id)).returns).toHaveLength(2);

    // The next run takes the fee invoices of the two returns, never the invoice a third time.
    const third = await json(await run(r, "2027-04-05"), 201);
    expect(third.items.map((item: { invoiceId: string }) => item.invoiceId)).not.toContain(
      max.invoice.id,
    );
    expect(third.skipped).toEqual([
      expect.objectContaining({ invoiceId: max.invoice.id, reason: "not_represented" }),
    ]);
  });

  it("does not present again when the merchant switched it off", async () => {
    const { r, customers } = await settledWorld();
    await json(
      await r.api("/api/v1/settings/dunning", {
        method: "PATCH",
        body: { representDebits: false },
      }),
      200,
    );
    const erika = customers[0]!;
    returnOf(r, erika.invoice, erika.mandate, "MS03");
    expect(await r.reconcile()).toMatchObject({ returns: 1 });
    await expectProblem(await run(r, "2027-03-25"), 422, "no_collectable_invoices");
  });

  it("blocks the mandate for a final reason, and it stays blocked", async () => {
    const { r, customers } = await settledWorld();
    const lena = customers[2]!;
    returnOf(r, lena.invoice, lena.mandate, "MD01");
    expect(await r.reconcile()).toMatchObject({ returns: 1 });
    const mandate = () => r.api(`/api/v1/customers/${lena.id}/mandate`);
    expect(await json(await mandate(), 200)).toMatchObject({ status: "dead" });
    await expectProblem(await run(r, "2027-03-25"), 422, "no_collectable_invoices");
    r.world.advance(40 * DAY);
    await expectProblem(await run(r, "2027-05-05"), 422, "no_collectable_invoices");
    expect(await json(await mandate(), 200)).toMatchObject({ status: "dead" });
  });
});

describe("the return fee passed on", () => {
  it("issues a separate fee invoice with the bank's and the handling fee, without VAT", async () => {
    const { r, customers } = await settledWorld();
    await json(
      await r.api("/api/v1/settings/dunning", { method: "PATCH", body: { handlingFee: 250 } }),
      200,
    );
    const max = customers[1]!;
    returnOf(r, max.invoice, max.mandate, "AM04", 300);
    expect(await r.reconcile()).toMatchObject({ returns: 1 });
    const [returned] = await r.events("payment.returned");
    expect(returned.feeInvoiceId).toMatch(/^inv_/);
    const fee = await r.invoice(returned.feeInvoiceId);
    expect(fee).toMatchObject({
      kind: "fee",
      number: "GB-2027-000001",
      customerId: max.id,
      status: "open",
      netAmount: 550,
      taxAmount: 0,
      grossAmount: 550,
    });
    expect(
      fee.lines.map((line: { description: string; netAmount: number }) => [
        line.description,
        line.netAmount,
      ]),
    ).toEqual([
      [`Rücklastschriftgebühr der Bank zu ${max.invoice.number}`, 300],
      [`Bearbeitungsgebühr Rücklastschrift zu ${max.invoice.number}`, 250],
    ]);
    const created = await r.events("invoice.created");
    expect(created.filter((e) => e.id === fee.id)).toHaveLength(1);
    const mail = await r.world.env.DB.prepare(
      "SELECT json_extract(data, '$.feeCharged') AS fee FROM email_outbox WHERE kind = 'debit_returned' AND customer_id = ?",
    )
      .bind(max.id)
      .first();
    expect(mail).toEqual({ fee: 550 });
  });

  it("issues none when the merchant does not pass fees on", async () => {
    const { r, customers } = await settledWorld();
    await json(
      await r.api("/api/v1/settings/dunning", {
        method: "PATCH",
        body: { passOnReturnFee: false },
      }),
      200,
    );
    const erika = customers[0]!;
    returnOf(r, erika.invoice, erika.mandate, "AM04", 300);
    expect(await r.reconcile()).toMatchObject({ returns: 1 });
    const [returned] = await r.events("payment.returned");
    expect(returned).toMatchObject({ fee: 300, feeInvoiceId: null });
  });
});

describe("dunning settings", () => {
  it("has defaults, changes what a PATCH names and names every bad field", async () => {
    const { r } = await collectedWorld();
    const defaults = await json(await r.api("/api/v1/settings/dunning"), 200);
    expect(defaults).toMatchObject({
      passOnReturnFee: true,
      representDebits: true,
      reminderDays: [7, 21, 35],
      defaultInterest: false,
    });
    const changed = await json(
      await r.api("/api/v1/settings/dunning", {
        method: "PATCH",
        body: {
          handlingFee: 250,
          defaultInterest: true,
          baseRates: [
            { validFrom: "2026-07-01", rateBp: 150 },
            { validFrom: "2026-01-01", rateBp: 127 },
          ],
        },
      }),
      200,
    );
    expect(changed).toMatchObject({
      handlingFee: 250,
      defaultInterest: true,
      representDebits: true,
    });
    expect(changed.baseRates.map((rate: { validFrom: string }) => rate.validFrom)).toEqual([
      "2026-01-01",
      "2026-07-01",
    ]);
    expect(await json(await r.api("/api/v1/settings/dunning"), 200)).toEqual(changed);

    const bad = await expectProblem(
      await r.api("/api/v1/settings/dunning", {
        method: "PATCH",
        body: { reminderDays: [10, 5, 30], levelFees: [0, -1, 500] },
      }),
      400,
      "validation_failed",
    );
    expect(bad.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      "levelFees.1",
      "reminderDays.1",
    ]);
    await expectProblem(
      await r.api("/api/v1/settings/dunning", { method: "PATCH", body: { reminderDays: [1, 2] } }),
      400,
      "validation_failed",
    );
    expect(await json(await r.api("/api/v1/settings/dunning"), 200)).toEqual(changed);
  });
});
