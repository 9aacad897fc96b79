// Returned direct debits reconciled in bulk (issue 15): one run of 40 returns of every kind —
// linked by end-to-end id, by mandate + amount, by invoice number, ambiguous, unknown, the wrong
// amount, a duplicate line of a return in the same run — books each as the one-at-a-time flow
// did (reviews, fee invoices, mandate status, events, e-mails) in at most 2 D1 statements per
// return, reads included; a group whose guard fires is booked one by one up to the lost race;
// and a run within the free plan's budget books what fits and leaves the rest (`more`) until
// every return is booked.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { syncMerchant } from "../../worker/banking/finapi/sync.ts";
import { reconcileMerchant } from "../../worker/flows/reconciliation.ts";
import { meteredD1, QueryMeter } from "../../worker/jobs/query-budget.ts";
import { database } from "../../worker/store/db.ts";
import { rows } from "./finapi-fixture.ts";
import { emptyDatabase, json } from "./helpers.ts";
import {
  CREDITOR,
  IBAN_ERIKA,
  reconciliationWorld,
  returnOf,
  type ReconciliationWorld,
} from "./reconciliation-fixture.ts";

const DAY = 86_400_000;

interface Person {
  id: string;
  mandate: string;
  invoices: any[];
}

/** `count` customers with a mandate and one invoice each (`double` of them with two), collected and settled. */
async function settledCollections(count: number, double = 0) {
  const r = await reconciliationWorld(`Returns ${count}`);
  await json(await r.api("/api/v1/settings/creditor", { method: "PUT", body: CREDITOR }), 200);
  const people: Person[] = [];
  for (let i = 0; i < count; i++) {
    const id = await r.customer(`Kunde ${i}`);
    const mandate = `M-BULK-${i}`;
    await json(
      await r.api(`/api/v1/customers/${id}/mandate`, {
        method: "PUT",
        body: { reference: mandate, signatureDate: "2027-02-15", iban: IBAN_ERIKA },
      }),
      201,
    );
    const invoices = [await r.bill(id)];
    if (i < double) invoices.push(await r.bill(id));
    people.push({ id, mandate, invoices });
  }
  r.world.advance(9 * DAY);
  const run = await json(
    await r.api("/api/v1/collection-runs", { body: { collectionDate: "2027-03-15" } }),
    201,
  );
  expect(run.items).toHaveLength(count + double);
  r.world.advance(5 * DAY);
  const total = people.flatMap((p) => p.invoices).reduce((sum, i) => sum + i.grossAmount, 0);
  r.bank({ amountCents: total, typeCodeZka: "192", purpose: "Sammler" });
  expect(await r.reconcile()).toMatchObject({ matched: 1 });
  r.world.advance(2 * DAY);
  return { r, people };
}

async function sync(r: ReconciliationWorld) {
  await syncMerchant(database(env.DB), r.world.env, r.m.merchantId, r.world.now(), {
    fetch: (request) => r.world.fake.app.fetch(request),
    sleep: async () => undefined,
  });
}

async function reconcileMetered(r: ReconciliationWorld, limit: number) {
  const meter = new QueryMeter(limit);
  const counts = await reconcileMerchant(
    database(meteredD1(env.DB, meter)),
    env,
    r.m.merchantId,
    r.world.now(),
    { budget: meter },
  );
  return { counts, statements: meter.statements };
}

const mandateOf = async (r: ReconciliationWorld, customerId: string) =>
  json(await r.api(`/api/v1/customers/${customerId}/mandate`), 200);

beforeEach(emptyDatabase);

describe("returned direct debits in bulk", () => {
  it("books 40 returns of every kind as one at a time would, in at most 2 statements per return", async () => {
    // Customer 0 has two invoices of the same amount under one mandate: mandate + amount is ambiguous.
    const { r, people } = await settledCollections(32, 1);
    const [ambiguous, mismatch, ...rest] = people;
    const byEndToEnd = rest.slice(0, 12); // AM04, 3.00 fee: retryable, a fee invoice
    const dead = rest.slice(12, 18); // MD01, no fee: the mandate is dead
    const byMandate = rest.slice(18, 24); // AC04 without end-to-end id: mandate + amount, 3.50 fee
    const byNumber = rest.slice(24, 30); // only the text says so: the invoice number, 3.00 fee
    for (const p of byEndToEnd) returnOf(r, p.invoices[0], p.mandate, "AM04");
    for (const p of dead) returnOf(r, p.invoices[0], p.mandate, "MD01", 0);
    for (const p of byMandate)
      returnOf(r, p.invoices[0], p.mandate, "AC04", 350, { endToEndReference: "NOTPROVIDED" });
    for (const p of byNumber)
      returnOf(r, p.invoices[0], p.mandate, "MS03", 300, {
        style: "purposeOnly",
        endToEndReference: "NOTPROVIDED",
      });
    returnOf(r, ambiguous!.invoices[0], ambiguous!.mandate, "AM04", 300, {
      endToEndReference: "NOTPROVIDED",
      invoiceNumber: undefined,
    });
    returnOf(r, mismatch!.invoices[0], mismatch!.mandate, "AM04", 300, {
      originalAmountCents: mismatch!.invoices[0].grossAmount + 1,
    });
    // The same return a second time in the same run: the first books it, the second asks.
    const first = byEndToEnd[0]!;
    const [duplicate] = [
      returnOf(r, first.invoices[0], first.mandate, "AM04", 300, { bookingDate: "2027-03-18" }),
    ];
    const unknown = r.bank(
      ...Array.from({ length: 7 }, (_, i) => ({
        amountCents: -5_000 - i,
        typeCodeZka: "109",
        purpose: `RUECKLASTSCHRIFT Rueckgabegrund: AM04 ${i}`,
        counterpartMandateReference: `M-FREMD-${i}`,
      })),
    );
    await sync(r);

    const { counts, statements } = await reconcileMetered(r, 800);
    expect(counts).toMatchObject({ processed: 40, returns: 30, review: 10, more: false });
    expect(statements / 40).toBeLessThanOrEqual(2);

    const returns = new Map(
      (await r.transactions("return")).map((t) => [t.return.invoiceId, t.return]),
    );
    expect(returns.size).toBe(30);
    const expectReturn = (p: Person, fields: Record<string, unknown>) =>
      expect(returns.get(p.invoices[0].id)).toMatchObject({
        amount: p.invoices[0].grossAmount,
        ...fields,
      });
    for (const p of byEndToEnd)
      expectReturn(p, { fee: 300, reasonCode: "AM04", linkedVia: "end_to_end" });
    for (const p of dead)
      expectReturn(p, {
        fee: 0,
        reasonCode: "MD01",
        mandateEffect: "dead",
        linkedVia: "end_to_end",
      });
    for (const p of byMandate)
      expectReturn(p, { fee: 350, reasonCode: "AC04", linkedVia: "mandate_amount" });
    for (const p of byNumber)
      expectReturn(p, { fee: 300, reasonCode: null, linkedVia: "invoice_number" });

    // The mandates by reason class; every returned invoice open again with nothing paid.
    for (const p of [...byEndToEnd, ...byNumber, ambiguous!, mismatch!])
      expect(await mandateOf(r, p.id)).toMatchObject({ status: "active" });
    for (const p of dead)
      expect(await mandateOf(r, p.id)).toMatchObject({
        status: "dead",
        statusReason: "return:MD01",
      });
    for (const p of byMandate)
      expect(await mandateOf(r, p.id)).toMatchObject({
        status: "dead",
        statusReason: "return:AC04",
      });
    for (const p of rest)
      expect(await r.invoice(p.invoices[0].id)).toMatchObject({ status: "open", amountPaid: 0 });
    for (const invoice of [...ambiguous!.invoices, ...mismatch!.invoices])
      expect((await r.invoice(invoice.id)).status).toBe("paid");

    // The questions, with the collections that came into question.
    const review = new Map((await r.transactions("review")).map((t) => [t.id, t.review]));
    expect(review.size).toBe(10);
    const reasons = [...review.values()].map((entry) => entry.reason).sort();
    expect(reasons).toEqual([
      "collection_already_returned",
      "return_amount_mismatch",
      ...Array(8).fill("return_not_linked"),
    ]);
    expect(review.get((await r.transaction(duplicate!)).id)).toEqual({
      reason: "collection_already_returned",
      candidates: [
        expect.objectContaining({
          invoiceId: first.invoices[0].id,
          reasons: ["collection_end_to_end"],
        }),
      ],
    });
    const ambiguousReview = [...review.values()].find(
      (entry) => entry.reason === "return_not_linked" && entry.candidates.length > 0,
    );
    expect(ambiguousReview.candidates.map((c: any) => c.invoiceId).sort()).toEqual(
      ambiguous!.invoices.map((invoice) => invoice.id).sort(),
    );
    for (const line of unknown)
      expect((await r.transaction(line)).review).toEqual({
        reason: "return_not_linked",
        candidates: [],
      });

    // Fee invoices for every return with a bank fee, the events and one mail per return.
    const invoiceRows = await rows<{ kind: string; customer_id: string; gross_amount: number }>(
      "invoices",
      r.m.merchantId,
    );
    const fees = invoiceRows.filter((invoice) => invoice.kind === "fee");
    expect(fees).toHaveLength(24);
    expect(fees.map((fee) => fee.gross_amount).sort()).toEqual(
      [...Array(18).fill(300), ...Array(6).fill(350)].sort(),
    );
    expect(await rows("payment_returns", r.m.merchantId)).toHaveLength(30);
    expect(await r.events("payment.returned")).toHaveLength(30);
    expect(await r.events("invoice.reopened")).toHaveLength(30);
    expect(await r.events("bank_transaction.needs_review")).toHaveLength(10);
    const mails = await rows<{ kind: string; data: string }>("email_outbox", r.m.merchantId);
    const returned = mails.filter((mail) => mail.kind === "debit_returned");
    expect(returned).toHaveLength(30);
    expect(
      returned.filter((mail) => JSON.parse(mail.data).treatment === "mandate_ended"),
    ).toHaveLength(12);
    // Reversed settlements: each returned invoice's payment is marked returned.
    const reversed = await rows<{ reversal: string | null }>("payment_allocations", r.m.merchantId);
    expect(reversed.filter((a) => a.reversal === "returned")).toHaveLength(30);

    // The next run finds nothing new: every return is booked once.
    expect(await r.reconcile()).toMatchObject({ imported: 0, returns: 0 });
    expect(await rows("payment_returns", r.m.merchantId)).toHaveLength(30);
  });

  it("retries a group one by one when a person got to one of its returns first, and books the rest later", async () => {
    const { r, people } = await settledCollections(6);
    const lines = people.map((p) => returnOf(r, p.invoices[0], p.mandate, "AM04"));
    await sync(r);
    const taken = (await r.transaction(lines[2]!)).id as string;
    // Just before the group's batch goes out, the third return is decided by hand elsewhere.
    let raced = false;
    const racing = new Proxy(env.DB, {
      get(target, property) {
        if (property === "batch")
          return async (statements: D1PreparedStatement[]) => {
            if (!raced && statements.length >= 10) {
              raced = true;
              await target
                .prepare("UPDATE bank_transactions SET status = 'review' WHERE id = ?")
                .bind(taken)
                .run();
            }
            return target.batch(statements);
          };
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const first = await reconcileMerchant(database(racing), env, r.m.merchantId, r.world.now());
    expect(raced).toBe(true);
    expect(first).toMatchObject({ returns: 2, conflicts: 1, more: true });
    const second = await reconcileMerchant(database(env.DB), env, r.m.merchantId, r.world.now());
    expect(second).toMatchObject({ returns: 3, conflicts: 0, more: false });
    expect(await r.invoice(people[2]!.invoices[0].id)).toMatchObject({ status: "paid" });
    for (const p of people.filter((_, i) => i !== 2))
      expect(await r.invoice(p.invoices[0].id)).toMatchObject({ status: "open", amountPaid: 0 });
    expect(await rows("payment_returns", r.m.merchantId)).toHaveLength(5);
    expect(await r.events("payment.returned")).toHaveLength(5);
    expect(
      (await rows<{ kind: string }>("invoices", r.m.merchantId)).filter((i) => i.kind === "fee"),
    ).toHaveLength(5);
  });

  it("books within the free plan's budget what fits and leaves the rest for the next runs", async () => {
    const { r, people } = await settledCollections(60);
    for (const p of people) returnOf(r, p.invoices[0], p.mandate, "AM04");
    await sync(r);
    const runs: { returns: number; more: boolean; statements: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const { counts, statements } = await reconcileMetered(r, 40);
      runs.push({ returns: counts.returns, more: counts.more, statements });
      if (!counts.more) break;
    }
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(run.statements).toBeLessThanOrEqual(40);
    expect(runs.at(-1)!.more).toBe(false);
    expect(runs.reduce((sum, run) => sum + run.returns, 0)).toBe(60);
    for (const p of people)
      expect(await r.invoice(p.invoices[0].id)).toMatchObject({ status: "open", amountPaid: 0 });
    expect(await rows("payment_returns", r.m.merchantId)).toHaveLength(60);
    expect(await r.events("payment.returned")).toHaveLength(60);
    expect(
      (await rows<{ kind: string }>("invoices", r.m.merchantId)).filter((i) => i.kind === "fee"),
    ).toHaveLength(60);
  });
});
