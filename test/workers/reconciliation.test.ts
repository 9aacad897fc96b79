// Reconciliation through the API against the fake finAPI: each matching rule and pitfall of issue 8
// (reference split across lines, several invoices in one transfer, partial and over-payment,
// IBAN + amount via the customer's or the encrypted mandate IBAN, oldest-first sums, two customers
// with the same amount → review, a returned transfer (GVC 159) and an outgoing debit that are
// neither payment nor return), the counts of a run, the events, and idempotency: reconciling the
// same transactions twice — one after the other or at the same time — books nothing twice.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { syncMerchant } from "../../worker/banking/finapi/sync.ts";
import { commitQuiet } from "../../worker/flows/reconcile-common.ts";
import { reconcileMerchant } from "../../worker/flows/reconciliation.ts";
import { BANK_SYNC_CRON } from "../../worker/jobs/crons.ts";
import { database } from "../../worker/store/db.ts";
import { unreconciledTransactions } from "../../worker/store/reconciliation-load.ts";
import { emptyDatabase, expectProblem, json } from "./helpers.ts";
import { runTick } from "./job-ticks.ts";
import { rows } from "./finapi-fixture.ts";
import {
  IBAN_ERIKA,
  IBAN_LENA,
  IBAN_MAX,
  IBAN_STRANGER,
  reconciliationWorld,
} from "./reconciliation-fixture.ts";

const spaced = (reference: string) => reference.replace(/(.{4})/g, "$1 ").trim();

describe("after each sync", () => {
  it("reconciles on the bank sync cron, and takes a bounded number of transactions per run", async () => {
    await emptyDatabase();
    const r = await reconciliationWorld();
    const invoice = await r.bill(await r.customer("Erika"));
    const [line] = r.bank({ amountCents: invoice.grossAmount, purpose: invoice.paymentReference });
    await runTick(BANK_SYNC_CRON, r.world.clock.now, r.world.env);
    expect(await r.transaction(line!)).toMatchObject({
      status: "matched",
      matchedRule: "reference",
      invoiceIds: [invoice.id],
    });
    expect((await r.invoice(invoice.id)).status).toBe("paid");

    r.bank({ amountCents: 1 }, { amountCents: 2 }, { amountCents: 3 });
    await syncMerchant(database(env.DB), r.world.env, r.m.merchantId, r.world.now(), {
      fetch: (request) => r.world.fake.app.fetch(request),
      sleep: async () => undefined,
    });
    const run = (limit: number) =>
      reconcileMerchant(database(env.DB), env, r.m.merchantId, r.world.now(), {
        limit,
      });
    expect(await run(2)).toMatchObject({ processed: 2, review: 2, more: true });
    expect(await run(2)).toMatchObject({ processed: 1, review: 1, more: false });
    expect(await run(2)).toMatchObject({ processed: 0, more: false });
  });
});

describe("rule 1: reference or invoice number", () => {
  it("books a reference split across purpose lines, settles the invoice and reports it", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika");
    const invoice = await r.bill(erika);
    const ref = invoice.paymentReference as string;
    const [line] = r.bank({
      amountCents: invoice.grossAmount,
      purpose: `Strom Maerz ${ref.slice(0, 9)}\n${ref.slice(9)} Danke`,
      counterpartName: "Erika M.",
    });

    const counts = await r.reconcile();
    expect(counts).toMatchObject({
      imported: 1,
      matched: 1,
      partiallyMatched: 0,
      returns: 0,
      toReview: 0,
      ignored: 0,
      failed: 0,
    });
    const tx = await r.transaction(line!);
    expect(tx).toMatchObject({
      status: "matched",
      matchedRule: "reference",
      invoiceIds: [invoice.id],
      review: null,
    });
    expect(await json(await r.api(`/api/v1/bank-transactions/${tx.id}`), 200)).toEqual(tx);
    expect(tx.allocations).toEqual([
      expect.objectContaining({
        invoiceId: invoice.id,
        amount: invoice.grossAmount,
        rule: "reference",
        reversed: false,
      }),
    ]);
    const paid = await r.invoice(invoice.id);
    expect(paid).toMatchObject({ status: "paid", amountPaid: invoice.grossAmount });
    expect(paid.payments).toEqual([
      expect.objectContaining({
        date: tx.bookingDate,
        amount: invoice.grossAmount,
        rule: "reference",
        bankTransactionId: tx.id,
        reversed: false,
      }),
    ]);
    expect(await r.events("payment.received")).toEqual([
      expect.objectContaining({
        bankTransactionId: tx.id,
        rule: "reference",
        allocations: [{ invoiceId: invoice.id, amount: invoice.grossAmount }],
      }),
    ]);
    expect(await r.events("invoice.paid")).toEqual([
      expect.objectContaining({
        id: invoice.id,
        number: invoice.number,
        amountPaid: invoice.grossAmount,
      }),
    ]);
  });

  it("settles several invoices with one transfer naming their numbers, in MT940 subfields", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika");
    const first = await r.bill(erika);
    const second = await r.bill(erika, "pro");
    const purpose = `166?00GUTSCHRIFT?20SVWZ+Rechnungen ${first.number} ?21und ${second.number.slice(0, 6)}?22${second.number.slice(6)}`;
    const [line] = r.bank({ amountCents: first.grossAmount + second.grossAmount, purpose });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect((await r.transaction(line!)).invoiceIds.sort()).toEqual([first.id, second.id].sort());
    for (const invoice of [first, second])
      expect(await r.invoice(invoice.id)).toMatchObject({
        status: "paid",
        amountPaid: invoice.grossAmount,
      });
  });

  it("books a partial payment, then the rest; an overpayment settles the invoice and keeps the surplus as credit", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika");
    const invoice = await r.bill(erika);
    const other = await r.bill(erika, "pro");
    const [part] = r.bank({
      amountCents: 1_000,
      purpose: `Teilzahlung ${spaced(invoice.paymentReference)}`,
    });
    expect(await r.reconcile()).toMatchObject({ matched: 0, partiallyMatched: 1 });
    expect(await r.transaction(part!)).toMatchObject({
      status: "partially_matched",
      matchedRule: "reference",
    });
    expect(await r.invoice(invoice.id)).toMatchObject({
      status: "partially_paid",
      amountPaid: 1_000,
    });
    expect(await r.events("invoice.paid")).toEqual([]);

    const [rest, over] = r.bank(
      { amountCents: invoice.grossAmount - 1_000, purpose: `Rest ${invoice.number}` },
      { amountCents: other.grossAmount + 500, purpose: `${other.number.toLowerCase()}` },
    );
    expect(await r.reconcile()).toMatchObject({ matched: 2, reconciliation: { overpaid: 1 } });
    expect(await r.invoice(invoice.id)).toMatchObject({
      status: "paid",
      amountPaid: invoice.grossAmount,
    });
    expect((await r.invoice(invoice.id)).payments.map((p: any) => p.amount).sort()).toEqual(
      [1_000, invoice.grossAmount - 1_000].sort(),
    );
    expect(await r.transaction(rest!)).toMatchObject({ status: "matched" });
    const overTx = await r.transaction(over!);
    expect(overTx).toMatchObject({
      status: "matched",
      customerCredit: { customerId: erika, amount: 500 },
    });
    expect(overTx.statusReason).toMatch(/credit/);
    expect(await r.invoice(other.id)).toMatchObject({
      status: "paid",
      amountPaid: other.grossAmount,
    });
    expect(
      (await r.events("payment.received")).find((e) => e.bankTransactionId === overTx.id),
    ).toMatchObject({ customerCredit: 500 });
  });

  it("reviews a transfer naming an invoice that is already paid instead of booking another", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika", IBAN_ERIKA);
    const invoice = await r.bill(erika);
    await r.bill(erika);
    r.bank({
      amountCents: invoice.grossAmount,
      purpose: invoice.number,
      counterpartIban: IBAN_ERIKA,
    });
    await r.reconcile();
    const [again] = r.bank({
      amountCents: invoice.grossAmount,
      purpose: `nochmal ${invoice.number}`,
      counterpartIban: IBAN_ERIKA,
    });
    expect(await r.reconcile()).toMatchObject({ matched: 0, toReview: 1 });
    const tx = await r.transaction(again!);
    expect(tx).toMatchObject({
      status: "review",
      invoiceIds: [],
      review: { reason: "reference_closed_invoice" },
    });
    expect(tx.review.candidates[0]).toMatchObject({
      invoiceId: invoice.id,
      reasons: expect.arrayContaining(["invoice_number", "already_settled"]),
    });
  });
});

describe("rules 2 and 3: the payer's IBAN", () => {
  it("books the one open invoice of that amount of the customer whose IBAN is on file", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika", IBAN_ERIKA);
    const small = await r.bill(erika);
    const large = await r.bill(erika, "pro");
    const [line] = r.bank({
      amountCents: large.grossAmount,
      purpose: "Abschlag",
      counterpartIban: IBAN_ERIKA,
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect(await r.transaction(line!)).toMatchObject({
      status: "matched",
      matchedRule: "iban_amount",
      invoiceIds: [large.id],
    });
    expect((await r.invoice(small.id)).status).toBe("open");
  });

  it("knows the payer by the mandate's IBAN, which is stored encrypted", async () => {
    const r = await reconciliationWorld();
    const max = await r.customer("Max");
    await json(
      await r.api(`/api/v1/customers/${max}/mandate`, {
        method: "PUT",
        body: { reference: "M-MAX-1", signatureDate: "2027-02-01", iban: IBAN_MAX },
      }),
      201,
    );
    const invoice = await r.bill(max, "pro");
    const [line] = r.bank({
      amountCents: invoice.grossAmount,
      purpose: "Vertrag Max",
      counterpartIban: "de02 1203 0000 0000 2020 51",
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect(await r.transaction(line!)).toMatchObject({
      matchedRule: "iban_amount",
      invoiceIds: [invoice.id],
    });
  });

  it("books the payer's oldest open invoices that sum to the amount", async () => {
    const r = await reconciliationWorld();
    const lena = await r.customer("Lena", IBAN_LENA);
    const first = await r.bill(lena, "basic", "2027-01-01");
    const second = await r.bill(lena, "pro", "2027-02-01");
    const third = await r.bill(lena, "basic");
    const [line] = r.bank({
      amountCents: first.grossAmount + second.grossAmount,
      purpose: "Rechnungen Jan Feb",
      counterpartIban: IBAN_LENA,
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    const tx = await r.transaction(line!);
    expect(tx).toMatchObject({ matchedRule: "iban_sum" });
    expect(tx.invoiceIds.sort()).toEqual([first.id, second.id].sort());
    expect((await r.invoice(third.id)).status).toBe("open");
  });

  it("puts a payment two customers could owe in front of a person, never guessing, and says so by webhook", async () => {
    const r = await reconciliationWorld();
    const a = await r.bill(await r.customer("Erika", IBAN_ERIKA));
    const b = await r.bill(await r.customer("Max", IBAN_MAX));
    const [line] = r.bank({
      amountCents: a.grossAmount,
      purpose: "Strom",
      counterpartIban: IBAN_STRANGER,
      counterpartName: "Unbekannt",
    });
    expect(await r.reconcile()).toMatchObject({ matched: 0, toReview: 1 });
    const tx = await r.transaction(line!);
    expect(tx).toMatchObject({
      status: "review",
      matchedRule: null,
      invoiceIds: [],
      review: { reason: "no_rule_matched" },
    });
    expect(tx.review.candidates.map((c: any) => c.invoiceId).sort()).toEqual([a.id, b.id].sort());
    expect(tx.review.candidates[0].reasons).toContain("amount_equal");
    for (const id of [a.id, b.id]) expect((await r.invoice(id)).status).toBe("open");
    expect(await r.events("bank_transaction.needs_review")).toEqual([
      expect.objectContaining({
        bankTransactionId: tx.id,
        reason: "no_rule_matched",
        amount: a.grossAmount,
      }),
    ]);
    expect((await r.transactions("review")).map((t) => t.id)).toEqual([tx.id]);
  });
});

describe("lines that are no payment", () => {
  it("ignores a returned transfer of ours (GVC 159) and an outgoing debit, and books neither as a return", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika", IBAN_ERIKA);
    const invoice = await r.bill(erika);
    const [bounced, debit, fee] = r.bank(
      // Our refund to Erika bounced; the text even says "Retoure", and the amount equals her invoice.
      {
        amountCents: invoice.grossAmount,
        typeCodeZka: "159",
        purpose: `RETOURE Erstattung ${invoice.number}`,
        counterpartIban: IBAN_ERIKA,
      },
      {
        amountCents: -8_990,
        typeCodeZka: "105",
        bankTransactionCode: "PMNT-RDDT-ESDD",
        purpose: "Lastschrift Telekom Rechnung 12/2027",
        counterpartName: "Telekom",
      },
      { amountCents: -1_250, typeCodeZka: "805", purpose: "Kontofuehrung" },
    );
    expect(await r.reconcile()).toMatchObject({
      imported: 3,
      matched: 0,
      returns: 0,
      toReview: 0,
      ignored: 3,
    });
    expect(await r.transaction(bounced!)).toMatchObject({
      status: "ignored",
      invoiceIds: [],
      return: null,
    });
    expect((await r.transaction(bounced!)).statusReason).toMatch(/159/);
    expect(await r.transaction(debit!)).toMatchObject({ status: "ignored", return: null });
    expect(await r.transaction(fee!)).toMatchObject({ status: "ignored" });
    expect(await r.invoice(invoice.id)).toMatchObject({ status: "open", amountPaid: 0 });
    expect(await r.events("payment.returned")).toEqual([]);
  });

  it("leaves potential duplicates and parked records alone", async () => {
    const r = await reconciliationWorld();
    const invoice = await r.bill(await r.customer("Erika"));
    r.bank({
      amountCents: invoice.grossAmount,
      purpose: invoice.number,
      isPotentialDuplicate: true,
    });
    expect(await r.reconcile()).toMatchObject({ imported: 1, review: 1, toReview: 1, matched: 0 });
    const [tx] = await r.transactions("review");
    expect(tx).toMatchObject({ review: { reason: "potential_duplicate", candidates: [] } });
    expect((await r.invoice(invoice.id)).status).toBe("open");
  });
});

describe("idempotency", () => {
  it("books nothing twice when the same transactions are reconciled again, by the cron or at the same time", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika", IBAN_ERIKA);
    const invoices = [
      await r.bill(erika),
      await r.bill(erika, "pro"),
      await r.bill(await r.customer("Max")),
    ];
    r.bank(
      { amountCents: invoices[0].grossAmount, purpose: invoices[0].number },
      { amountCents: 2_000, purpose: `Teil ${invoices[1].number}` },
      { amountCents: invoices[2].grossAmount, purpose: invoices[2].paymentReference },
      { amountCents: 999, purpose: "???" },
    );
    // The sync stores them; two reconciliations race for the same four transactions.
    const db = database(env.DB);
    await r.reconcile();
    const before = await rows("payment_allocations", r.m.merchantId);
    expect(before).toHaveLength(3);
    const [x, y] = await Promise.all([
      reconcileMerchant(db, env, r.m.merchantId, r.world.now()),
      reconcileMerchant(db, env, r.m.merchantId, r.world.now()),
    ]);
    expect(x.processed + y.processed).toBe(0);

    // New lines, reconciled by two runs at once: each is booked by exactly one of them.
    r.bank(
      { amountCents: invoices[1].grossAmount - 2_000, purpose: `Rest ${invoices[1].number}` },
      { amountCents: 5, purpose: "Spende" },
    );
    const report = await json(await r.api("/api/v1/reconciliation/runs", { body: {} }), 200);
    expect(report).toMatchObject({ imported: 2, matched: 1, toReview: 1 });
    const [again, twice] = await Promise.all([
      reconcileMerchant(db, env, r.m.merchantId, r.world.now()),
      reconcileMerchant(db, env, r.m.merchantId, r.world.now()),
    ]);
    expect(again.matched + twice.matched + again.review + twice.review).toBe(0);

    const allocations = await rows<{ bank_transaction_id: string; invoice_id: string }>(
      "payment_allocations",
      r.m.merchantId,
    );
    expect(allocations).toHaveLength(4);
    expect(new Set(allocations.map((a) => `${a.bank_transaction_id}/${a.invoice_id}`)).size).toBe(
      4,
    );
    for (const invoice of invoices)
      expect(await r.invoice(invoice.id)).toMatchObject({
        status: "paid",
        amountPaid: invoice.grossAmount,
      });
    expect(await r.events("payment.received")).toHaveLength(4);
    expect(await r.events("invoice.paid")).toHaveLength(3);
    expect(await r.events("bank_transaction.needs_review")).toHaveLength(2);
  });

  it("lets concurrent runs race for the same transactions and books each once", async () => {
    const r = await reconciliationWorld();
    const customer = await r.customer("Erika");
    const invoices = await Promise.all([1, 2, 3, 4].map(() => r.bill(customer)));
    r.bank(
      ...invoices.map((invoice) => ({ amountCents: invoice.grossAmount, purpose: invoice.number })),
    );
    // Stored by a sync without reconciliation (the finAPI sync alone), then two runs at once.
    const db = database(env.DB);
    await syncMerchant(db, r.world.env, r.m.merchantId, r.world.now(), {
      fetch: (request) => r.world.fake.app.fetch(request),
      sleep: async () => undefined,
    });
    const results = await Promise.all(
      [1, 2, 3].map(() => reconcileMerchant(db, env, r.m.merchantId, r.world.now())),
    );
    expect(results.reduce((sum, counts) => sum + counts.matched, 0)).toBe(4);
    const allocations = await rows("payment_allocations", r.m.merchantId);
    expect(allocations).toHaveLength(4);
    for (const invoice of invoices)
      expect(await r.invoice(invoice.id)).toMatchObject({
        status: "paid",
        amountPaid: invoice.grossAmount,
      });
    expect(await r.events("payment.received")).toHaveLength(4);
  });
});

describe("the endpoints' refusals", () => {
  it("answers 422 without a bank connection, 400 for bad input, 404 for another merchant's transaction", async () => {
    const r = await reconciliationWorld();
    const other = await reconciliationWorld("Other GmbH");
    const [line] = other.bank({ amountCents: 100 });
    await other.reconcile();
    const tx = await other.transaction(line!);
    await expectProblem(await r.api(`/api/v1/bank-transactions/${tx.id}`), 404, "not_found");
    await expectProblem(
      await r.api("/api/v1/reconciliation/runs", { body: { force: true } }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await r.api("/api/v1/bank-transactions?status=booked"),
      400,
      "validation_failed",
    );
    await expectProblem(await r.api("/api/v1/bank-transactions/inv_123"), 400, "validation_failed");
    const unconnected = await r.world.merchant("Ohne Bank");
    await r.world.configure(unconnected.apiKey);
    await expectProblem(
      await r.world.api("/api/v1/reconciliation/runs", { key: unconnected.apiKey, body: {} }),
      422,
      "finapi_not_connected",
    );
    expect(await r.transactions()).toEqual([]);
  });
});

describe("unclear lines in bulk", () => {
  it("writes review decisions for many lines at once, and line by line when one was decided meanwhile", async () => {
    await emptyDatabase();
    const r = await reconciliationWorld();
    r.bank({ amountCents: 101 }, { amountCents: 102 }, { amountCents: 103 });
    await syncMerchant(database(env.DB), r.world.env, r.m.merchantId, r.world.now(), {
      fetch: (request) => r.world.fake.app.fetch(request),
      sleep: async () => undefined,
    });
    const db = database(env.DB);
    const loaded = await unreconciledTransactions(db, r.m.merchantId, 10);
    expect(loaded).toHaveLength(3);
    // Another run decides the second line after this one read it.
    await env.DB.prepare("UPDATE bank_transactions SET status = 'ignored' WHERE id = ?")
      .bind(loaded[1]!.id)
      .run();
    const ctx = {
      db,
      merchantId: r.m.merchantId,
      now: r.world.now(),
      keys: env,
    };
    const outcomes = await commitQuiet(
      ctx,
      loaded.map((tx) => ({
        tx,
        kind: "review" as const,
        reason: "no_rule_matched",
        candidates: [],
      })),
    );
    expect(outcomes).toEqual(["review", "conflict", "review"]);
    const statuses = (await r.transactions()).map((t) => t.status).sort();
    expect(statuses).toEqual(["ignored", "review", "review"]);
    expect(await r.events("bank_transaction.needs_review")).toHaveLength(2);
    // Written in bulk when nothing interferes: four statements per chunk of 200 lines.
    const fresh = await reconciliationWorld("Bulk");
    fresh.bank(...Array.from({ length: 250 }, (_, i) => ({ amountCents: 1000 + i })));
    const counts = await fresh.reconcile();
    expect(counts).toMatchObject({ toReview: 250 });
    const events = await rows<{ type: string }>("webhook_events", fresh.m.merchantId);
    expect(events.filter((event) => event.type === "bank_transaction.needs_review")).toHaveLength(
      250,
    );
  });
});
