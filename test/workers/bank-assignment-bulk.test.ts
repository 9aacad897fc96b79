// Undo and bulk decisions over the review queue: undo reverses a booking and puts the line back
// into review with its candidates; bulk ignore, undo and assign-to-top-candidate decide many lines
// at once, each in its own batch, with an answer per line.
import { describe, expect, it } from "vitest";
import { expectProblem, json } from "./helpers.ts";
import { IBAN_ERIKA, IBAN_MAX, reconciliationWorld } from "./reconciliation-fixture.ts";

/** Two strangers pay 35.70 each while Erika and Max both owe it: two lines in review. */
async function twoInReview() {
  const r = await reconciliationWorld();
  const erika = await r.customer("Erika", IBAN_ERIKA);
  const max = await r.customer("Max", IBAN_MAX);
  const a = await r.bill(erika);
  const b = await r.bill(max);
  const lines = r.bank(
    { amountCents: a.grossAmount, purpose: "Strom fuer Oma" },
    { amountCents: b.grossAmount, purpose: "Strom fuer Opa" },
  );
  await r.reconcile();
  const txs = await Promise.all(lines.map((line) => r.transaction(line)));
  for (const tx of txs) expect(tx.status).toBe("review");
  return { r, a, b, txs };
}

const bulk = (r: Awaited<ReturnType<typeof reconciliationWorld>>, body: unknown) =>
  r.api("/api/v1/bank-transactions/bulk", { body });

describe("undo", () => {
  it("reverses a manual booking, reopens the invoice and puts the line back into review with its candidates", async () => {
    const { r, b, txs } = await twoInReview();
    const tx = txs[0]!;
    await json(
      await r.api(`/api/v1/bank-transactions/${tx.id}/assign`, { body: { invoiceIds: [b.id] } }),
      200,
    );
    expect((await r.invoice(b.id)).status).toBe("paid");
    const undone = await json(
      await r.api(`/api/v1/bank-transactions/${tx.id}/undo`, { body: {} }),
      200,
    );
    expect(undone.status).toBe("review");
    expect(undone.review.reason).toBe("undone_by_hand");
    expect(undone.review.candidates.length).toBeGreaterThan(0);
    expect(undone.allocations.every((allocation: any) => allocation.reversed)).toBe(true);
    expect(await r.invoice(b.id)).toMatchObject({ status: "open", amountPaid: 0 });
    expect(await r.events("invoice.reopened")).toEqual([expect.objectContaining({ id: b.id })]);
    await expectProblem(
      await r.api(`/api/v1/bank-transactions/${tx.id}/undo`, { body: {} }),
      422,
      "nothing_to_undo",
    );
  });
});

describe("bulk decisions", () => {
  it("assigns each line to its top candidate in its own batch, then undoes the decisions", async () => {
    const { r, a, b, txs } = await twoInReview();
    const ids = txs.map((tx) => tx.id);
    // Both strangers rank the same invoice first: the first line pays it, the second finds it
    // paid and stays in review, while the first line's booking stands.
    const assigned = await json(
      await bulk(r, { transactionIds: ids, action: "assign_top_candidate" }),
      200,
    );
    expect(assigned).toMatchObject({ succeeded: 1, failed: 1 });
    expect(assigned.results[0]).toEqual({ id: ids[0], ok: true });
    expect(assigned.results[1]).toMatchObject({ id: ids[1], ok: false, code: "invoice_not_open" });
    const first = await json(await r.api(`/api/v1/bank-transactions/${ids[0]}`), 200);
    expect(first).toMatchObject({ status: "matched", matchedRule: "manual" });
    const statuses = [(await r.invoice(a.id)).status, (await r.invoice(b.id)).status].sort();
    expect(statuses).toEqual(["open", "paid"]);
    expect((await r.transactions("review")).map((tx: any) => tx.id)).toEqual([ids[1]]);

    const undone = await json(await bulk(r, { transactionIds: ids, action: "undo" }), 200);
    expect(undone.results).toEqual([
      { id: ids[0], ok: true },
      expect.objectContaining({ id: ids[1], ok: false, code: "nothing_to_undo" }),
    ]);
    expect((await r.transactions("review")).map((tx: any) => tx.id).sort()).toEqual(
      [...ids].sort(),
    );
    expect((await r.invoice(a.id)).status).toBe("open");
    expect((await r.invoice(b.id)).status).toBe("open");
  });

  it("ignores many lines and reports per line what could not be decided", async () => {
    const { r, txs } = await twoInReview();
    const missing = "btx_000000000000000000000000";
    const answer = await json(
      await bulk(r, { transactionIds: [txs[0]!.id, missing, txs[1]!.id], action: "ignore" }),
      200,
    );
    expect(answer).toMatchObject({ succeeded: 2, failed: 1 });
    expect(answer.results).toEqual([
      { id: txs[0]!.id, ok: true },
      { id: missing, ok: false, code: "not_found", detail: expect.any(String) },
      { id: txs[1]!.id, ok: true },
    ]);
    expect(await r.transactions("review")).toEqual([]);
    expect((await r.transactions("ignored")).length).toBe(2);
  });

  it("refuses bad input naming the field", async () => {
    const { r } = await twoInReview();
    const problem = await expectProblem(
      await bulk(r, { transactionIds: [], action: "book" }),
      400,
      "validation_failed",
    );
    expect(problem.errors.map((e: any) => e.field).sort()).toEqual(["action", "transactionIds"]);
  });
});
