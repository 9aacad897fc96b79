// Reconciliation of our own SEPA collections through the fake finAPI: the end-to-end scenario of
// issue 8 (contracts billed → a collection run → its batch credit settles every invoice of the run
// → one item returned with AM04 and a fee → the invoice is open again with the fee recorded and
// the events sent to the merchant's endpoint), credits naming the PmtInf or a single end-to-end
// id, a return batch with two returned collections, each reason class's effect on the mandate,
// and the returns that must go to a person instead.
import { describe, expect, inject, it } from "vitest";
import { verifyWebhook } from "../../worker/domain/webhook-signing.ts";
import { deliverWebhooks } from "../../worker/jobs/webhook-delivery.ts";
import { expectProblem, json } from "./helpers.ts";
import { rows } from "./finapi-fixture.ts";
import {
  collectedWorld,
  CREDITOR,
  IBAN_ERIKA,
  reconciliationWorld,
  returnOf,
  type ReconciliationWorld,
} from "./reconciliation-fixture.ts";

const DAY = 86_400_000;
const receiver = inject("webhookReceiverUrl");

const mandateOf = async (r: ReconciliationWorld, customerId: string) =>
  json(await r.api(`/api/v1/customers/${customerId}/mandate`), 200);

describe("the issue's end-to-end scenario", () => {
  it("settles a run by its batch credit, then books an AM04 return with its fee, reopens the invoice and sends the events", async () => {
    const { r, customers, run, total } = await collectedWorld();
    const hook = `reconciliation-${Date.now()}`;
    const endpoint = await json(
      await r.api("/api/v1/webhook-endpoints", {
        body: {
          url: `${receiver}/hooks/${hook}`,
          eventTypes: ["payment.returned", "invoice.reopened"],
        },
      }),
      201,
    );

    // The bank credits the whole run as one line (GVC 192), without any id in the text.
    const [credit] = r.bank({
      amountCents: total,
      typeCodeZka: "192",
      type: "SEPA-Sammlergutschrift",
      purpose: "SAMMLER-GUTSCHRIFT 3 POSTEN",
      counterpartName: CREDITOR.creditorName,
    });
    expect(await r.reconcile()).toMatchObject({
      imported: 1,
      matched: 1,
      reconciliation: { collectionCredits: 1 },
    });
    const creditTx = await r.transaction(credit!);
    expect(creditTx).toMatchObject({ status: "matched", matchedRule: "sepa_run" });
    expect(creditTx.invoiceIds.sort()).toEqual(customers.map((c) => c.invoice.id).sort());
    for (const c of customers) {
      const invoice = await r.invoice(c.invoice.id);
      expect(invoice).toMatchObject({ status: "paid", amountPaid: c.invoice.grossAmount });
      expect(invoice.payments).toEqual([
        expect.objectContaining({
          rule: "sepa_run",
          bankTransactionId: creditTx.id,
          amount: c.invoice.grossAmount,
          reversed: false,
        }),
      ]);
    }
    expect(await json(await r.api(`/api/v1/collection-runs/${run.id}`), 200)).toMatchObject({
      status: "completed",
    });
    expect(await r.events("invoice.paid")).toHaveLength(3);
    // A collection's credit is settled by the bank's own data; it cannot be reassigned by hand.
    await expectProblem(
      await r.api(`/api/v1/bank-transactions/${creditTx.id}/assign`, {
        body: { invoiceIds: [customers[0]!.invoice.id] },
      }),
      422,
      "collection_credit_not_assignable",
    );

    // Three days later Max's debit comes back: insufficient funds, 3.00 EUR fee on top.
    r.world.advance(3 * DAY);
    const max = customers[1]!;
    const [returned] = [returnOf(r, max.invoice, max.mandate, "AM04")];
    expect(await r.reconcile()).toMatchObject({ imported: 1, returns: 1, matched: 0, toReview: 0 });
    const returnTx = await r.transaction(returned!);
    expect(returnTx).toMatchObject({
      status: "return",
      amount: -(max.invoice.grossAmount + 300),
      matchedRule: "end_to_end",
      invoiceIds: [max.invoice.id],
      return: {
        invoiceId: max.invoice.id,
        amount: max.invoice.grossAmount,
        fee: 300,
        reasonCode: "AM04",
        reasonClass: "retryable",
        mandateEffect: "retryable",
      },
    });
    const reopened = await r.invoice(max.invoice.id);
    expect(reopened).toMatchObject({ status: "open", amountPaid: 0 });
    expect(reopened.payments).toEqual([
      expect.objectContaining({ rule: "sepa_run", reversed: true, reversal: "returned" }),
    ]);
    expect(reopened.returns).toEqual([
      expect.objectContaining({
        amount: max.invoice.grossAmount,
        fee: 300,
        reasonCode: "AM04",
        bankTransactionId: returnTx.id,
      }),
    ]);
    // AM04 is retryable: the mandate stays active, and the others stay paid.
    expect(await mandateOf(r, max.id)).toMatchObject({ status: "active" });
    for (const c of [customers[0]!, customers[2]!])
      expect((await r.invoice(c.invoice.id)).status).toBe("paid");
    const runAfter = await json(await r.api(`/api/v1/collection-runs/${run.id}`), 200);
    expect(runAfter.items.find((item: any) => item.invoiceId === max.invoice.id)).toMatchObject({
      status: "returned",
      returnReasonCode: "AM04",
    });

    // The events are in the outbox and reach the merchant's endpoint, signed.
    expect(await r.events("payment.returned")).toEqual([
      expect.objectContaining({
        invoiceId: max.invoice.id,
        amount: max.invoice.grossAmount,
        fee: 300,
        reasonCode: "AM04",
        bankTransactionId: returnTx.id,
      }),
    ]);
    expect(await r.events("invoice.reopened")).toEqual([
      expect.objectContaining({
        id: max.invoice.id,
        status: "open",
        amountPaid: 0,
        reason: "payment_returned",
        returnFee: 300,
      }),
    ]);
    await deliverWebhooks(r.world.env, r.world.now());
    const sent = (await (await fetch(`${receiver}/__control/${hook}`)).json()) as {
      headers: Record<string, string>;
      body: string;
    }[];
    expect(sent.map((request) => JSON.parse(request.body).type).sort()).toEqual([
      "invoice.reopened",
      "payment.returned",
    ]);
    // Signed at the fake clock's time (2027), so verified against it.
    for (const request of sent)
      expect(
        await verifyWebhook({ headers: request.headers, body: request.body }, endpoint.secret, {
          now: r.world.now(),
        }),
      ).toEqual({ ok: true });

    // The next run finds nothing new: the return is booked once.
    expect(await r.reconcile()).toMatchObject({ imported: 0, returns: 0, matched: 0 });
    expect(await rows("payment_returns", r.m.merchantId)).toHaveLength(1);
  });
});

describe("collection credits", () => {
  it("settles one PmtInf named in the purpose, and a single credit carrying an item's end-to-end id", async () => {
    const { r, customers, run } = await collectedWorld();
    const [erika, max, lena] = customers;
    const infoId = run.paymentInfos[0].paymentInfoId as string;
    // One PmtInf (all FRST): naming it with a wrong sum is a question, not a booking.
    const [wrong] = r.bank({
      amountCents: 100,
      purpose: `SEPA-GUTSCHRIFT ${infoId.toUpperCase()}`,
    });
    expect(await r.reconcile()).toMatchObject({ toReview: 1, matched: 0 });
    expect(await r.transaction(wrong!)).toMatchObject({
      status: "review",
      review: { reason: "collection_amount_mismatch" },
    });

    const [single] = r.bank({
      amountCents: erika!.invoice.grossAmount,
      typeCodeZka: "171",
      endToEndReference: erika!.invoice.paymentReference,
      purpose: "SEPA-Lastschrift Einzelbuchung",
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect(await r.transaction(single!)).toMatchObject({
      matchedRule: "sepa_item",
      invoiceIds: [erika!.invoice.id],
    });

    // The rest of the block, with the PmtInf id broken over two lines.
    const rest = max!.invoice.grossAmount + lena!.invoice.grossAmount;
    const [block] = r.bank({
      amountCents: rest,
      purpose: `SAMMLER ${infoId.slice(0, 12)}\n${infoId.slice(12)}`,
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect(await r.transaction(block!)).toMatchObject({ matchedRule: "sepa_run" });
    for (const c of customers) expect((await r.invoice(c.invoice.id)).status).toBe("paid");
    expect(await json(await r.api(`/api/v1/collection-runs/${run.id}`), 200)).toMatchObject({
      status: "completed",
    });
    // Each invoice was paid exactly once.
    const allocations = await rows<{ invoice_id: string }>("payment_allocations", r.m.merchantId);
    expect(allocations.map((a) => a.invoice_id).sort()).toEqual(
      customers.map((c) => c.invoice.id).sort(),
    );
  });
});

describe("returned direct debits", () => {
  it("books a return batch of two collections, each to its invoice, and flags each mandate by its reason class", async () => {
    const { r, customers, total } = await collectedWorld();
    r.bank({ amountCents: total, typeCodeZka: "192", purpose: "Sammler" });
    await r.reconcile();
    r.world.advance(2 * DAY);
    const [erika, max, lena] = customers;
    returnOf(r, erika!.invoice, erika!.mandate, "AC04", 350);
    returnOf(r, max!.invoice, max!.mandate, "MD06", 0, { style: "nmsc" });
    // Lena's bank only says so in words, without a reason code; the invoice number identifies it.
    returnOf(r, lena!.invoice, lena!.mandate, "MS03", 300, {
      style: "purposeOnly",
      endToEndReference: "NOTPROVIDED",
    });
    expect(await r.reconcile()).toMatchObject({ imported: 3, returns: 3, toReview: 0 });
    const returns = (await r.transactions("return")).map((t) => t.return);
    expect(returns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          invoiceId: erika!.invoice.id,
          fee: 350,
          reasonCode: "AC04",
          reasonClass: "dead",
          mandateEffect: "dead",
        }),
        expect.objectContaining({
          invoiceId: max!.invoice.id,
          fee: 0,
          reasonCode: "MD06",
          reasonClass: "disputed",
          mandateEffect: "disputed",
        }),
        expect.objectContaining({
          invoiceId: lena!.invoice.id,
          fee: 300,
          reasonCode: null,
          mandateEffect: "review",
          linkedVia: "invoice_number",
        }),
      ]),
    );
    expect(await mandateOf(r, erika!.id)).toMatchObject({
      status: "dead",
      statusReason: "return:AC04",
    });
    expect(await mandateOf(r, max!.id)).toMatchObject({
      status: "revoked",
      statusReason: "return:MD06",
    });
    expect(await mandateOf(r, lena!.id)).toMatchObject({ status: "active" });
    for (const c of customers)
      expect(await r.invoice(c.invoice.id)).toMatchObject({ status: "open", amountPaid: 0 });
    expect(await r.events("payment.returned")).toHaveLength(3);
    expect(await r.events("invoice.reopened")).toHaveLength(3);
  });

  it("flags the mandate by each reason class of return-codes.md", async () => {
    const r = await reconciliationWorld();
    await json(await r.api("/api/v1/settings/creditor", { method: "PUT", body: CREDITOR }), 200);
    // code → what the mandate looks like afterwards (status, sequence type of the next collection)
    const expected: Record<string, [string, string]> = {
      AC04: ["dead", "RCUR"], // dead
      AC06: ["dead", "RCUR"], // dead until clarified
      AC13: ["dead", "RCUR"], // wrong scheme
      FF01: ["active", "RCUR"], // technical: fix and resubmit
      AG02: ["active", "FRST"], // technical, but the sequence type was wrong
      AM04: ["active", "RCUR"], // retryable
      AM05: ["active", "RCUR"], // no retry (duplicate)
      MD02: ["active", "FRST"], // fixable: correct, new FRST
      MD06: ["revoked", "RCUR"], // disputed
      MS03: ["active", "RCUR"], // retry once
      RR04: ["active", "RCUR"], // manual
      SL01: ["revoked", "RCUR"], // refusal
      FOCR: ["active", "RCUR"], // info
    };
    const people: { code: string; id: string; mandate: string; invoice: any }[] = [];
    for (const code of Object.keys(expected)) {
      const id = await r.customer(`Kunde ${code}`);
      const mandate = `M-${code}`;
      await json(
        await r.api(`/api/v1/customers/${id}/mandate`, {
          method: "PUT",
          body: { reference: mandate, signatureDate: "2027-02-15", iban: IBAN_ERIKA },
        }),
        201,
      );
      people.push({ code, id, mandate, invoice: await r.bill(id) });
    }
    r.world.advance(9 * DAY);
    await json(
      await r.api("/api/v1/collection-runs", { body: { collectionDate: "2027-03-15" } }),
      201,
    );
    r.world.advance(5 * DAY);
    r.bank({
      amountCents: people.reduce((sum, p) => sum + p.invoice.grossAmount, 0),
      typeCodeZka: "192",
      purpose: "Sammler",
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    r.world.advance(DAY);
    for (const p of people) returnOf(r, p.invoice, p.mandate, p.code);
    expect(await r.reconcile()).toMatchObject({ returns: people.length, toReview: 0 });
    for (const p of people) {
      const mandate = await mandateOf(r, p.id);
      expect([p.code, mandate.status, mandate.sequenceType]).toEqual([
        p.code,
        ...expected[p.code]!,
      ]);
      expect(await r.invoice(p.invoice.id)).toMatchObject({ status: "open", amountPaid: 0 });
    }
  });

  it("books a return that comes before the credit, and the credit for the rest of the run then settles the others", async () => {
    const { r, customers, total, run } = await collectedWorld();
    const erika = customers[0]!;
    returnOf(r, erika.invoice, erika.mandate, "AC01", 0);
    expect(await r.reconcile()).toMatchObject({ returns: 1 });
    expect(await r.invoice(erika.invoice.id)).toMatchObject({
      status: "open",
      amountPaid: 0,
      payments: [],
    });
    expect(await mandateOf(r, erika.id)).toMatchObject({ status: "dead" });
    const [credit] = r.bank({
      amountCents: total - erika.invoice.grossAmount,
      typeCodeZka: "192",
      purpose: "Sammler",
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect((await r.transaction(credit!)).invoiceIds.sort()).toEqual(
      [customers[1]!.invoice.id, customers[2]!.invoice.id].sort(),
    );
    expect(await r.invoice(erika.invoice.id)).toMatchObject({ status: "open", amountPaid: 0 });
    expect(await json(await r.api(`/api/v1/collection-runs/${run.id}`), 200)).toMatchObject({
      status: "completed",
    });
  });

  it("sends returns it cannot place to review, with the collections that came into question", async () => {
    const { r, customers, total } = await collectedWorld();
    r.bank({ amountCents: total, typeCodeZka: "192", purpose: "Sammler" });
    await r.reconcile();
    const erika = customers[0]!;
    // Unknown end-to-end id and mandate: nothing to link.
    const [unknown] = r.bank({
      amountCents: -5_000,
      typeCodeZka: "109",
      purpose: "RUECKLASTSCHRIFT Rueckgabegrund: AM04",
      counterpartMandateReference: "M-FREMD",
    });
    // The right collection, but the bank says another amount was collected.
    const [mismatch] = [
      returnOf(r, erika.invoice, erika.mandate, "AM04", 300, {
        originalAmountCents: erika.invoice.grossAmount + 1,
      }),
    ];
    expect(await r.reconcile()).toMatchObject({ returns: 0, toReview: 2 });
    expect(await r.transaction(unknown!)).toMatchObject({
      status: "review",
      review: { reason: "return_not_linked", candidates: [] },
    });
    const mismatched = await r.transaction(mismatch!);
    expect(mismatched.review).toEqual({
      reason: "return_amount_mismatch",
      candidates: [
        expect.objectContaining({
          invoiceId: erika.invoice.id,
          reasons: ["collection_end_to_end"],
        }),
      ],
    });
    // The invoices stay paid until a person decides.
    for (const c of customers) expect((await r.invoice(c.invoice.id)).status).toBe("paid");
    expect(await r.events("bank_transaction.needs_review")).toHaveLength(2);

    // The real return arrives; a duplicate line of it afterwards is a question, not a second return.
    returnOf(r, erika.invoice, erika.mandate, "AM04");
    expect(await r.reconcile()).toMatchObject({ returns: 1 });
    const [duplicate] = [
      returnOf(r, erika.invoice, erika.mandate, "AM04", 300, { bookingDate: "2027-03-16" }),
    ];
    expect(await r.reconcile()).toMatchObject({ returns: 0, toReview: 1 });
    expect(await r.transaction(duplicate!)).toMatchObject({
      review: {
        reason: "collection_already_returned",
        candidates: [expect.objectContaining({ invoiceId: erika.invoice.id })],
      },
    });
    expect(await rows("payment_returns", r.m.merchantId)).toHaveLength(1);
  });
});
