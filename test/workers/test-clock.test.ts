// The test clock of a sandbox merchant: `mode: "test"` issues a sk_test_ key and a clock that
// starts at creation; every request of the merchant runs on it; advancing it runs billing,
// dunning and delivery for that merchant day by day (through the job queue when one request's
// D1 budget is not enough). Live merchants get 403, bad targets 422. And a whole year of one
// monthly contract through it: 12 invoices, a returned debit with its fee invoice, the debit
// presented again, and reminders and dunning levels on the configured days, to the cent.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import worker from "../../worker/index.ts";
import type { JobMessage } from "../../worker/jobs/job-queue.ts";
import { meteredD1, QueryMeter } from "../../worker/jobs/query-budget.ts";
import { BILLING_ADDRESS } from "./company-data.ts";
import { ADMIN_TOKEN, expectProblem, json } from "./helpers.ts";
import { capturing } from "./job-ticks.ts";
import {
  CREDITOR,
  IBAN_MAX,
  reconciliationWorld,
  returnOf,
  type ReconciliationWorld,
} from "./reconciliation-fixture.ts";

const smtp = inject("smtpControlUrl");

interface Drained {
  invocations: number;
  /** The most D1 statements one consumer invocation issued. */
  maxStatements: number;
}

/** Advances the clock through the API and then the job queue until it is through. */
async function advance(r: ReconciliationWorld, to: string, budget = 800) {
  const { queue, sent } = capturing();
  const response = await r.api("/api/v1/test-clock/advance", {
    body: { to },
    bindings: { JOBS: queue, D1_QUERY_BUDGET: String(budget) },
  });
  const first = await response.json<Record<string, unknown>>();
  expect([200, 202], JSON.stringify(first)).toContain(response.status);
  const drained: Drained = { invocations: 0, maxStatements: 0 };
  let sequence = 0;
  while (sent.length > 0) {
    expect(drained.invocations, "the advance never finishes").toBeLessThan(200);
    const meter = new QueryMeter(budget);
    const batch = createMessageBatch<JobMessage>(
      "tarif-jobs",
      sent
        .splice(0, 10)
        .map((body) => ({ id: `m${++sequence}`, timestamp: Date.now(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, {
      ...r.world.env,
      DB: meteredD1(r.world.env.DB, meter),
      JOBS: queue,
      D1_QUERY_BUDGET: String(budget),
    });
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([]);
    drained.invocations += 1;
    drained.maxStatements = Math.max(drained.maxStatements, meter.statements);
  }
  const clock = await json(await r.api("/api/v1/test-clock"), 200);
  expect(clock).toMatchObject({ today: to, advancingTo: null });
  // The fake bank lives on the same clock.
  r.world.clock.now = Date.parse(clock.now);
  return { status: response.status, first, drained, clock };
}

describe("test mode", () => {
  it("issues a sk_test_ key with a clock, refused to live merchants", async () => {
    const live = await reconciliationWorld();
    await expectProblem(await live.api("/api/v1/test-clock"), 403, "test_mode_only");
    await expectProblem(
      await live.api("/api/v1/test-clock/advance", { body: { to: "2027-04-01" } }),
      403,
      "test_mode_only",
    );
    const created = await json(
      await live.world.api("/admin/v1/merchants", {
        key: ADMIN_TOKEN,
        body: { name: "Sandbox", mode: "test" },
      }),
      201,
    );
    expect(created).toMatchObject({ mode: "test", testClock: "2027-03-01T09:00:00.000Z" });
    expect(created.apiKey).toMatch(/^sk_test_/);
    await expectProblem(
      await live.world.api("/admin/v1/merchants", {
        key: ADMIN_TOKEN,
        body: { name: "Sandbox", mode: "sandbox" },
      }),
      400,
      "validation_failed",
    );
  });

  it("moves only forwards, at most 400 days, and every request runs on it", async () => {
    const r = await reconciliationWorld("Sandbox", "test");
    expect(await json(await r.api("/api/v1/test-clock"), 200)).toEqual({
      now: "2027-03-01T09:00:00.000Z",
      today: "2027-03-01",
      timeZone: "Europe/Berlin",
      advancingTo: null,
    });
    const to = (body: unknown) => r.api("/api/v1/test-clock/advance", { body });
    for (const bad of ["2027-03-01", "2027-02-28", "2028-04-05"]) {
      const problem = await expectProblem(await to({ to: bad }), 422, "test_clock_out_of_range");
      expect(problem.errors).toEqual([expect.objectContaining({ field: "to" })]);
    }
    await expectProblem(await to({ to: "2027-13-01" }), 400, "validation_failed");
    await expectProblem(await to({}), 400, "validation_failed");

    const { status, first } = await advance(r, "2027-03-10");
    expect(status).toBe(200);
    expect(first).toMatchObject({ today: "2027-03-10", daysRun: 9, done: true });
    // The request's own x-test-now (the fake bank's day) is overruled by the merchant's clock.
    r.world.clock.now = Date.parse("2030-01-01T00:00:00Z");
    const customer = await r.customer("Erika Muster");
    const invoice = await r.bill(customer, "basic", "2027-03-10");
    expect(invoice.issueDate).toBe("2027-03-10");

    // Another merchant's clock is its own.
    const other = await reconciliationWorld("Sandbox 2", "test");
    expect((await json(await other.api("/api/v1/test-clock"), 200)).today).toBe("2027-03-01");
  });
});

describe("a year through the test clock", () => {
  it("bills 12 months, passes the return fee on, presents again and duns on the configured days", async () => {
    const r = await reconciliationWorld("Sandbox", "test");
    await json(await r.api("/api/v1/settings/creditor", { method: "PUT", body: CREDITOR }), 200);
    await json(
      await r.api("/api/v1/settings/dunning", {
        method: "PATCH",
        body: { handlingFee: 250, reminderDays: [7, 21, 35], levelFees: [0, 250, 500] },
      }),
      200,
    );
    const max = await json(
      await r.api("/api/v1/customers", {
        body: {
          name: "Max Muster",
          email: "max.year@example.test",
          locale: "de",
          billingAddress: BILLING_ADDRESS,
        },
      }),
      201,
    );
    await json(
      await r.api(`/api/v1/customers/${max.id}/mandate`, {
        method: "PUT",
        body: { reference: "M-MAX-1", signatureDate: "2027-02-15", iban: IBAN_MAX },
      }),
      201,
    );
    const first = await r.bill(max.id, "pro", "2027-03-01"); // 71.40, due 15 March
    expect(first).toMatchObject({ grossAmount: 7_140, dueDate: "2027-03-15" });

    await advance(r, "2027-03-10");
    const run = await json(
      await r.api("/api/v1/collection-runs", { body: { collectionDate: "2027-03-15" } }),
      201,
    );
    expect(run.items).toEqual([
      expect.objectContaining({ invoiceId: first.id, sequenceType: "FRST" }),
    ]);
    await advance(r, "2027-03-15");
    r.bank({ amountCents: 7_140, typeCodeZka: "192", purpose: "SEPA SAMMLER 1 POSTEN" });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    await advance(r, "2027-03-18");
    returnOf(r, first, "M-MAX-1", "AM04", 300);
    expect(await r.reconcile()).toMatchObject({ returns: 1 });
    const [returned] = await r.events("payment.returned");
    const fee = await r.invoice(returned.feeInvoiceId);
    expect(fee).toMatchObject({
      kind: "fee",
      grossAmount: 550, // the bank's 3.00 and the handling fee of 2.50, no VAT
      issueDate: "2027-03-18",
      dueDate: "2027-04-01",
      status: "open",
    });

    // Presented again in the next run (RCUR, the same mandate), and this time it is paid.
    const again = await json(
      await r.api("/api/v1/collection-runs", { body: { collectionDate: "2027-03-25" } }),
      201,
    );
    expect(again.items).toEqual([
      expect.objectContaining({
        invoiceId: first.id,
        endToEndId: `${first.paymentReference}-R1`,
        sequenceType: "RCUR",
      }),
    ]);
    await advance(r, "2027-03-25");
    r.bank({
      amountCents: 7_140,
      typeCodeZka: "171",
      endToEndReference: `${first.paymentReference}-R1`,
      purpose: "SEPA-Lastschrift",
    });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect(await r.invoice(first.id)).toMatchObject({ status: "paid", dunningHistory: [] });

    // The rest of the year in one go: through the job queue, within each invocation's budget.
    const year = await advance(r, "2028-02-29");
    expect(year.status).toBe(202);
    expect(year.drained.invocations).toBeGreaterThan(0);
    expect(year.drained.maxStatements).toBeLessThanOrEqual(800);
    const count = async (query: string) =>
      (await r.world.env.DB.prepare(query).bind(r.m.merchantId).first<{ n: number }>())!.n;
    const letters = await count("SELECT COUNT(*) AS n FROM dunning_levels WHERE merchant_id = ?");
    const sent = await count(
      "SELECT COUNT(*) AS n FROM email_outbox WHERE merchant_id = ? AND status = 'sent'",
    );
    const unsent = await count(
      "SELECT COUNT(*) AS n FROM email_outbox WHERE merchant_id = ? AND status <> 'sent'",
    );
    expect(unsent).toBe(0);
    console.log(
      "a year through the test clock:",
      JSON.stringify({ ...year.drained, request: year.first, letters, sent }),
    );

    const invoices = (
      await json(await r.api(`/api/v1/invoices?customerId=${max.id}&limit=100`), 200)
    ).data as { id: string; kind: string; periodStart: string; issueDate: string }[];
    const regular = invoices.filter((i) => i.kind === "regular");
    expect(regular.map((i) => i.periodStart).sort()).toEqual(
      Array.from({ length: 12 }, (_, n) => {
        const month = ((2 + n) % 12) + 1;
        return `${2027 + Math.floor((2 + n) / 12)}-${String(month).padStart(2, "0")}-01`;
      }),
    );
    expect(invoices.filter((i) => i.kind === "fee")).toHaveLength(1);

    // The fee invoice, never paid: reminder, 1st and 2nd notice 7, 21 and 35 days past due.
    expect((await r.invoice(fee.id)).dunningHistory).toEqual([
      {
        level: "reminder",
        reachedOn: "2027-04-08",
        fee: 0,
        openAmount: 550,
        interest: 0,
        flatFee: 0,
        total: 550,
      },
      {
        level: "first_notice",
        reachedOn: "2027-04-22",
        fee: 250,
        openAmount: 550,
        interest: 0,
        flatFee: 0,
        total: 800,
      },
      {
        level: "second_notice",
        reachedOn: "2027-05-06",
        fee: 500,
        openAmount: 550,
        interest: 0,
        flatFee: 0,
        total: 1_300,
      },
    ]);
    // Every later month, never collected, is dunned the same way; the last ones not yet fully.
    const april = regular.find((i) => i.periodStart === "2027-04-01")!;
    expect(
      (await r.invoice(april.id)).dunningHistory.map((h: { reachedOn: string }) => h.reachedOn),
    ).toEqual(["2027-04-22", "2027-05-06", "2027-05-20"]);
    const february = regular.find((i) => i.periodStart === "2028-02-01")!;
    expect(
      (await r.invoice(february.id)).dunningHistory.map((h: { level: string }) => h.level),
    ).toEqual(["reminder"]);

    // Each mail once in the local SMTP server, in German: 13 invoices, one returned debit, the letters.
    const mails = (
      (await (await fetch(`${smtp}/messages`)).json()) as { to: string[]; subject: string }[]
    ).filter((mail) => mail.to.includes("max.year@example.test"));
    const subjects = mails.map((mail) => mail.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects.filter((s) => s.startsWith("Ihre Rechnung"))).toHaveLength(13);
    expect(subjects.some((s) => s.startsWith("Zahlungserinnerung"))).toBe(true);
  }, 300_000);
});
