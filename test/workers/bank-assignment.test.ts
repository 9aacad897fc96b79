// Manual assignment from the review queue (POST /bank-transactions/{id}/assign): a valid
// assignment, partial and surplus amounts (credit, ignore, or 422 when nothing says where the
// rest goes), undoing an automatic booking by re-assigning it, the transactions and invoices that
// cannot be assigned, bad input, another merchant's ids (404), and Idempotency-Key replay.
import { describe, expect, it } from "vitest";
import { expectProblem, json } from "./helpers.ts";
import { rows } from "./finapi-fixture.ts";
import { IBAN_ERIKA, IBAN_MAX, reconciliationWorld } from "./reconciliation-fixture.ts";

const assign = (
  r: Awaited<ReturnType<typeof reconciliationWorld>>,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
) => r.api(`/api/v1/bank-transactions/${id}/assign`, { body, headers });

/** Erika and Max each owe 35.70; a stranger pays 35.70: a review case with both as candidates. */
async function reviewCase() {
  const r = await reconciliationWorld();
  const erika = await r.customer("Erika", IBAN_ERIKA);
  const max = await r.customer("Max", IBAN_MAX);
  const a = await r.bill(erika);
  const b = await r.bill(max);
  const [line] = r.bank({ amountCents: a.grossAmount, purpose: "Strom fuer Oma" });
  await r.reconcile();
  const tx = await r.transaction(line!);
  expect(tx.status).toBe("review");
  return { r, erika, max, a, b, tx };
}

describe("assigning from the review queue", () => {
  it("books the chosen invoice with rule manual, answers the transaction and reports the payment", async () => {
    const { r, a, b, tx } = await reviewCase();
    const answered = await json(await assign(r, tx.id, { invoiceIds: [b.id] }), 200);
    expect(answered).toMatchObject({
      id: tx.id,
      status: "matched",
      matchedRule: "manual",
      invoiceIds: [b.id],
      review: null,
    });
    expect(answered.allocations).toEqual([
      expect.objectContaining({
        invoiceId: b.id,
        amount: b.grossAmount,
        rule: "manual",
        reversed: false,
      }),
    ]);
    expect(await r.invoice(b.id)).toMatchObject({
      status: "paid",
      amountPaid: b.grossAmount,
      payments: [expect.objectContaining({ rule: "manual", bankTransactionId: tx.id })],
    });
    expect((await r.invoice(a.id)).status).toBe("open");
    expect(await r.events("payment.received")).toEqual([
      expect.objectContaining({
        bankTransactionId: tx.id,
        rule: "manual",
        allocations: [{ invoiceId: b.id, amount: b.grossAmount }],
      }),
    ]);
    expect(await r.events("invoice.paid")).toEqual([expect.objectContaining({ id: b.id })]);
    expect(await r.transactions("review")).toEqual([]);
    // Reconciling again leaves a person's decision alone.
    expect(await r.reconcile()).toMatchObject({ matched: 0, toReview: 0 });
  });

  it("needs the remainder stated when the invoices take less than the payment; lets the last invoice stay partly open", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika");
    const first = await r.bill(erika);
    const second = await r.bill(erika, "pro");
    const third = await r.bill(erika);
    const [big, small, gift] = r.bank(
      { amountCents: first.grossAmount + 1_000, purpose: "Vorauszahlung" },
      { amountCents: 4_070, purpose: "Teil" },
      { amountCents: 777, purpose: "Trinkgeld" },
    );
    await r.reconcile();
    const [bigTx, smallTx, giftTx] = [
      await r.transaction(big!),
      await r.transaction(small!),
      await r.transaction(gift!),
    ];

    const problem = await expectProblem(
      await assign(r, bigTx.id, { invoiceIds: [first.id] }),
      422,
      "amounts_do_not_add_up",
    );
    expect(problem.detail).toMatch(/remaining 1000/);
    expect((await r.invoice(first.id)).status).toBe("open");
    const credited = await json(
      await assign(r, bigTx.id, { invoiceIds: [first.id], remainder: "customer_credit" }),
      200,
    );
    expect(credited).toMatchObject({
      status: "matched",
      invoiceIds: [first.id],
      customerCredit: { customerId: erika, amount: 1_000 },
    });
    expect((await r.invoice(first.id)).status).toBe("paid");

    // An invoice that would get nothing is refused; the last one listed may stay partly open.
    await expectProblem(
      await assign(r, smallTx.id, { invoiceIds: [second.id, third.id] }),
      422,
      "amounts_do_not_add_up",
    );
    await expectProblem(
      await assign(r, smallTx.id, { invoiceIds: [first.id] }),
      422,
      "invoice_not_open",
    );
    expect(await json(await assign(r, smallTx.id, { invoiceIds: [second.id] }), 200)).toMatchObject(
      { status: "partially_matched", invoiceIds: [second.id] },
    );
    // The 10.00 credit from the first assignment went onto the oldest open invoice at once.
    expect(await r.invoice(second.id)).toMatchObject({
      status: "partially_paid",
      amountPaid: 4_070 + 1_000,
      creditApplied: 1_000,
    });

    // Not a customer's payment at all: ignored by hand, nothing booked.
    expect(
      await json(await assign(r, giftTx.id, { invoiceIds: [], remainder: "ignore" }), 200),
    ).toMatchObject({ status: "ignored", invoiceIds: [], ignoredAmount: 777, matchedRule: null });
    expect(await r.events("payment.received")).toHaveLength(2);
  });
});

describe("undoing an automatic booking", () => {
  it("reverses the reference match when a person re-assigns the transaction, reopening the invoice it had paid", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika");
    const max = await r.customer("Max");
    const wrong = await r.bill(erika, "pro");
    const right = await r.bill(max, "pro");
    // Max typed Erika's invoice number.
    const [line] = r.bank({
      amountCents: wrong.grossAmount + 200,
      purpose: wrong.number,
      counterpartName: "Max",
    });
    await r.reconcile();
    const tx = await r.transaction(line!);
    expect(tx).toMatchObject({
      status: "matched",
      matchedRule: "reference",
      invoiceIds: [wrong.id],
      customerCredit: { customerId: erika, amount: 200 },
    });

    const fixed = await json(
      await assign(r, tx.id, { invoiceIds: [right.id], remainder: "customer_credit" }),
      200,
    );
    expect(fixed).toMatchObject({
      status: "matched",
      matchedRule: "manual",
      invoiceIds: [right.id],
      customerCredit: { customerId: max, amount: 200 },
    });
    expect(fixed.allocations).toEqual([
      expect.objectContaining({
        invoiceId: wrong.id,
        rule: "reference",
        reversed: true,
        reversal: "reassigned",
      }),
      expect.objectContaining({ invoiceId: right.id, rule: "manual", reversed: false }),
    ]);
    expect(await r.invoice(wrong.id)).toMatchObject({
      status: "open",
      amountPaid: 0,
      payments: [expect.objectContaining({ reversed: true, reversal: "reassigned" })],
    });
    expect(await r.invoice(right.id)).toMatchObject({
      status: "paid",
      amountPaid: right.grossAmount,
    });
    expect(await r.events("invoice.reopened")).toEqual([
      expect.objectContaining({ id: wrong.id, status: "open", reason: "payment_reassigned" }),
    ]);
    const credits = await rows<{ customer_id: string; reversed_at: string | null }>(
      "customer_credits",
      r.m.merchantId,
    );
    expect(credits.map((c) => [c.customer_id, c.reversed_at !== null])).toEqual([
      [erika, true],
      [max, false],
    ]);

    // Assigning it again to the same invoice changes nothing but the journal: never booked twice.
    expect(
      await json(
        await assign(r, tx.id, { invoiceIds: [right.id], remainder: "customer_credit" }),
        200,
      ),
    ).toMatchObject({ invoiceIds: [right.id] });
    expect(await r.invoice(right.id)).toMatchObject({
      status: "paid",
      amountPaid: right.grossAmount,
    });
    expect(await r.events("invoice.paid")).toHaveLength(2);
  });
});

describe("what cannot be assigned", () => {
  it("refuses outgoing debits and invoices already settled", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika");
    const invoice = await r.bill(erika);
    const [debit] = r.bank({ amountCents: -500, typeCodeZka: "105", purpose: "Gebuehr" });
    await r.reconcile();
    const debitTx = await r.transaction(debit!);
    await expectProblem(
      await assign(r, debitTx.id, { invoiceIds: [invoice.id] }),
      422,
      "transaction_not_assignable",
    );
    const [line] = r.bank({ amountCents: 100, purpose: "?" });
    await r.reconcile();
    const tx = await r.transaction(line!);
    await json(await assign(r, tx.id, { invoiceIds: [invoice.id] }), 200);
    expect(await r.invoice(invoice.id)).toMatchObject({
      status: "partially_paid",
      amountPaid: 100,
    });
    // Paid in full by another transfer, it takes nothing more.
    const [rest, more] = r.bank(
      { amountCents: invoice.grossAmount - 100, purpose: invoice.number },
      { amountCents: 300, purpose: "mehr" },
    );
    await r.reconcile();
    expect((await r.invoice(invoice.id)).status).toBe("paid");
    await expectProblem(
      await assign(r, (await r.transaction(more!)).id, { invoiceIds: [invoice.id] }),
      422,
      "invoice_not_open",
    );
    expect((await r.transaction(rest!)).matchedRule).toBe("reference");
  });
});

describe("bad input and other merchants", () => {
  it("answers 400 naming the field, 404 for unknown or other merchants' transactions and invoices", async () => {
    const { r, a, tx } = await reviewCase();
    const other = await reconciliationWorld("Other GmbH");
    const foreign = await other.bill(await other.customer("Fremd"));
    const [foreignLine] = other.bank({ amountCents: 100, purpose: "x" });
    await other.reconcile();
    const foreignTx = await other.transaction(foreignLine!);

    const bad = async (body: unknown, field: string) => {
      const problem = await expectProblem(await assign(r, tx.id, body), 400, "validation_failed");
      expect(problem.errors.map((e: any) => e.field)).toContain(field);
    };
    await bad({}, "invoiceIds");
    await bad({ invoiceIds: "inv_1" }, "invoiceIds");
    await bad({ invoiceIds: ["inv_1"] }, "invoiceIds.0");
    await bad({ invoiceIds: [a.id], remainder: "keep" }, "remainder");
    await bad({ invoiceIds: [a.id], extra: 1 }, "extra");
    await bad({ invoiceIds: [a.id, a.id] }, "invoiceIds");
    await bad({ invoiceIds: [] }, "invoiceIds");
    await expectProblem(
      await assign(r, "btx_nope", { invoiceIds: [a.id] }),
      400,
      "validation_failed",
    );

    await expectProblem(await assign(r, tx.id, { invoiceIds: [foreign.id] }), 404, "not_found");
    await expectProblem(await assign(r, foreignTx.id, { invoiceIds: [a.id] }), 404, "not_found");
    await expectProblem(
      await assign(r, `btx_${"0".repeat(24)}`, { invoiceIds: [a.id] }),
      404,
      "not_found",
    );
    expect((await r.transaction({ id: tx.finapiId })).status).toBe("review");
    expect((await other.invoice(foreign.id)).status).toBe("open");
  });

  it("replays the first answer for the same Idempotency-Key and refuses it for another body", async () => {
    const { r, a, b, tx } = await reviewCase();
    const key = { "idempotency-key": "assign-1" };
    const first = await json(await assign(r, tx.id, { invoiceIds: [a.id] }, key), 200);
    const replay = await assign(r, tx.id, { invoiceIds: [a.id] }, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(replay, 200)).toEqual(first);
    await expectProblem(
      await assign(r, tx.id, { invoiceIds: [b.id] }, key),
      422,
      "idempotency_key_reused",
    );
    expect(await r.events("payment.received")).toHaveLength(1);
  });
});
