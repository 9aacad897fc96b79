// Pins the matching rules (reference, IBAN + amount, IBAN + oldest-first sum) and their
// pitfalls with worked examples, and money conservation, determinism and the never-over-book
// limits of matchBatch with fast-check properties.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { paymentReference } from "../../worker/domain/invoice.ts";
import {
  buildMatchingIndex,
  matchBatch,
  matchPayment,
  matchStatement,
  normaliseIban,
} from "../../worker/domain/payment-matching.ts";
import type {
  IncomingTransaction,
  InvoiceForMatching,
  MatchResult,
} from "../../worker/domain/payment-matching.ts";

const IBAN_A = "DE89370400440532013000";
const IBAN_B = "DE02120300000000202051";
const IBAN_UNKNOWN = "DE75512108001245126199";

function invoice(
  seq: number,
  customerId: string,
  openAmount: number,
  issueDate: string,
  extra: Partial<InvoiceForMatching> = {},
): InvoiceForMatching {
  const id = `inv_${String(seq).padStart(4, "0")}`;
  return {
    id,
    customerId,
    number: `RE-2027-${String(seq).padStart(6, "0")}`,
    paymentReference: paymentReference(`inv_7K3M9QX2ABCD${String(seq).padStart(4, "0")}`),
    openAmount,
    issueDate,
    status: "open",
    ...extra,
  };
}

function tx(amount: number, fields: Partial<IncomingTransaction> = {}): IncomingTransaction {
  return {
    id: "btx_1",
    amount,
    purpose: "",
    endToEndReference: null,
    counterpartIban: null,
    counterpartName: null,
    bookingDate: "2027-06-30",
    ...fields,
  };
}

/** Spaced in groups of four, as printed on the invoice. */
function printed(reference: string): string {
  return reference.replace(/(.{4})/g, "$1 ").trim();
}

const IBANS: [string, string][] = [
  [IBAN_A, "cus_a"],
  [IBAN_B, "cus_b"],
];

function allocationsOf(result: MatchResult): Record<string, number> {
  return Object.fromEntries(
    result.allocations.map((allocation) => [allocation.invoiceId, allocation.amount]),
  );
}

describe("rule 1: reference or invoice number", () => {
  const a1 = invoice(1, "cus_a", 11_900, "2027-05-01");
  const a2 = invoice(2, "cus_a", 5_950, "2027-06-01");
  const b3 = invoice(3, "cus_b", 11_900, "2027-05-15");
  const index = buildMatchingIndex([a1, a2, b3], IBANS);

  it("books the invoice whose payment reference is in the purpose", () => {
    const result = matchPayment(
      tx(11_900, { purpose: `Beitrag Mai ${printed(a1.paymentReference)}` }),
      index,
    );
    expect(result).toMatchObject({
      outcome: "matched",
      rule: "reference",
      remainder: 0,
      candidates: [],
      reviewReason: null,
    });
    expect(allocationsOf(result)).toEqual({ [a1.id]: 11_900 });
  });

  it("books by the end-to-end reference of our own collection", () => {
    const result = matchPayment(
      tx(5_950, { endToEndReference: a2.paymentReference, purpose: "SVWZ+RE-2027-000002" }),
      index,
    );
    expect(result).toMatchObject({ outcome: "matched", rule: "reference" });
    expect(allocationsOf(result)).toEqual({ [a2.id]: 5_950 });
  });

  it.each([
    ["split across purpose lines", "Rechnung RE-2027-\n000003 vielen Dank"],
    ["split inside the sequence", "Rechnung RE-2027-00\n0003"],
    ["spaced", "RE 2027 000003"],
    ["lower case and dashed", "re-2027-000003"],
    ["as an SVWZ+ tag", "EREF+NOTPROVIDED SVWZ+RE2027000003"],
    ["in MT940 subfields", "166?00GUTSCHRIFT?20SVWZ+Rechnung RE-2027-00?210003?32Firma B"],
  ])("finds the invoice number %s", (_, purpose) => {
    const result = matchPayment(tx(11_900, { purpose, counterpartIban: IBAN_B }), index);
    expect(result.outcome).toBe("matched");
    expect(allocationsOf(result)).toEqual({ [b3.id]: 11_900 });
  });

  it("settles several invoices in one transfer when the amount is their sum", () => {
    const result = matchPayment(
      tx(17_850, { purpose: "RE-2027-000001 und RE-2027-000002" }),
      index,
    );
    expect(result).toMatchObject({ outcome: "matched", rule: "reference", remainder: 0 });
    expect(allocationsOf(result)).toEqual({ [a1.id]: 11_900, [a2.id]: 5_950 });
  });

  it("sends several referenced invoices to review when the amount is not their sum", () => {
    const result = matchPayment(
      tx(15_000, { purpose: "RE-2027-000001 und RE-2027-000002" }),
      index,
    );
    expect(result).toMatchObject({
      outcome: "review",
      reviewReason: "reference_ambiguous_amount",
      allocations: [],
      remainder: 15_000,
    });
    expect(result.candidates.map((candidate) => candidate.invoiceId).sort()).toEqual([
      a1.id,
      a2.id,
    ]);
  });

  it("books a smaller amount as a partial payment", () => {
    const result = matchPayment(tx(5_000, { purpose: "RE-2027-000001 Rate 1" }), index);
    expect(result).toMatchObject({ outcome: "partially_matched", rule: "reference", remainder: 0 });
    expect(allocationsOf(result)).toEqual({ [a1.id]: 5_000 });
  });

  it("settles the invoice and keeps the surplus as customer credit", () => {
    const result = matchPayment(tx(12_000, { purpose: "RE-2027-000001" }), index);
    expect(result).toMatchObject({ outcome: "overpaid", rule: "reference", remainder: 100 });
    expect(allocationsOf(result)).toEqual({ [a1.id]: 11_900 });
  });

  it("does not book another customer's invoice number paid from a known customer's account", () => {
    const result = matchPayment(
      tx(11_900, { purpose: "RE-2027-000003", counterpartIban: IBAN_A }),
      index,
    );
    expect(result).toMatchObject({
      outcome: "review",
      reviewReason: "reference_other_customer",
      allocations: [],
    });
    expect(result.candidates[0]).toMatchObject({ invoiceId: b3.id });
    expect(result.candidates[0]?.reasons).toEqual(
      expect.arrayContaining(["invoice_number", "other_customer_than_payer", "amount_equal"]),
    );
  });

  it("books a reference paid from an account nobody has on file (a relative, a new bank)", () => {
    const result = matchPayment(
      tx(11_900, { purpose: "RE-2027-000003", counterpartIban: IBAN_UNKNOWN }),
      index,
    );
    expect(result).toMatchObject({ outcome: "matched", rule: "reference" });
  });

  it("reviews a transfer that references an invoice already settled, rather than guessing another", () => {
    const paid = invoice(9, "cus_a", 0, "2027-04-01", { status: "paid" });
    const withPaid = buildMatchingIndex([a1, a2, b3, paid], IBANS);
    const result = matchPayment(
      tx(11_900, { purpose: "RE-2027-000009", counterpartIban: IBAN_A }),
      withPaid,
    );
    expect(result).toMatchObject({ outcome: "review", reviewReason: "reference_closed_invoice" });
    expect(result.candidates[0]).toMatchObject({ invoiceId: paid.id });
    expect(result.candidates[0]?.reasons).toContain("already_settled");
  });
});

describe("rule 2: payer IBAN and exactly one open invoice of that amount", () => {
  const a1 = invoice(1, "cus_a", 4_990, "2027-04-01");
  const a2 = invoice(2, "cus_a", 2_990, "2027-05-01");
  const b3 = invoice(3, "cus_b", 4_990, "2027-05-01");
  const index = buildMatchingIndex([a1, a2, b3], IBANS);

  it.each([
    ["electronic form", IBAN_A],
    ["printed in groups", "DE89 3704 0044 0532 0130 00"],
    ["lower case with dashes", "de89-3704-0044-0532-0130-00"],
  ])("identifies the payer by an IBAN in %s", (_, iban) => {
    const result = matchPayment(tx(2_990, { counterpartIban: iban, purpose: "Mai" }), index);
    expect(result).toMatchObject({ outcome: "matched", rule: "iban_amount" });
    expect(allocationsOf(result)).toEqual({ [a2.id]: 2_990 });
  });

  it("normalises IBANs to the electronic form", () => {
    expect(normaliseIban(" de89 3704 0044 0532 0130 00 ")).toBe(IBAN_A);
  });

  it("reviews two open invoices of the same customer with the same amount instead of guessing", () => {
    const twins = buildMatchingIndex([a1, a2, invoice(4, "cus_a", 4_990, "2027-06-01")], IBANS);
    const result = matchPayment(tx(4_990, { counterpartIban: IBAN_A }), twins);
    expect(result).toMatchObject({
      outcome: "review",
      reviewReason: "same_amount_ambiguous",
      allocations: [],
    });
    expect(result.candidates.map((candidate) => candidate.invoiceId)).toEqual([a1.id, "inv_0004"]);
    expect(result.candidates[0]?.reasons).toEqual(
      expect.arrayContaining(["payer_iban_customer", "amount_equal"]),
    );
  });

  it("finds the one invoice of that amount among a customer's many open invoices", () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      invoice(10 + i, "cus_a", 1_000 + i, `2027-01-${String(10 + i).padStart(2, "0")}`),
    );
    const twin = invoice(30, "cus_a", 1_005, "2027-03-01");
    expect(
      matchPayment(tx(1_007, { counterpartIban: IBAN_A }), buildMatchingIndex(many, IBANS)),
    ).toMatchObject({
      outcome: "matched",
      rule: "iban_amount",
      allocations: [{ invoiceId: "inv_0017", amount: 1_007 }],
    });
    expect(
      matchPayment(
        tx(1_005, { counterpartIban: IBAN_A }),
        buildMatchingIndex([...many, twin], IBANS),
      ),
    ).toMatchObject({ outcome: "review", reviewReason: "same_amount_ambiguous" });
  });

  it("reviews an unknown payer when two customers have that amount open", () => {
    const result = matchPayment(
      tx(4_990, { counterpartIban: IBAN_UNKNOWN, purpose: "Danke" }),
      index,
    );
    expect(result).toMatchObject({
      outcome: "review",
      reviewReason: "no_rule_matched",
      allocations: [],
    });
    expect(result.candidates.map((candidate) => candidate.invoiceId)).toEqual([a1.id, b3.id]);
  });

  it("does not trust an IBAN that two customers share", () => {
    const shared = buildMatchingIndex([a1, a2, b3], [...IBANS, [IBAN_A, "cus_b"]]);
    const result = matchPayment(tx(2_990, { counterpartIban: IBAN_A }), shared);
    expect(result).toMatchObject({ outcome: "review", reviewReason: "payer_iban_ambiguous" });
  });

  it("leaves a payment nobody can place unmatched", () => {
    const result = matchPayment(
      tx(1_234, { counterpartIban: IBAN_UNKNOWN, purpose: "Spende" }),
      index,
    );
    expect(result).toMatchObject({
      outcome: "unmatched",
      reviewReason: "no_rule_matched",
      candidates: [],
      remainder: 1_234,
    });
  });

  it("does not treat outgoing money as a payment", () => {
    const result = matchPayment(tx(-2_990, { counterpartIban: IBAN_A }), index);
    expect(result).toMatchObject({
      outcome: "unmatched",
      reviewReason: "not_incoming",
      allocations: [],
      remainder: -2_990,
    });
  });
});

describe("rule 3: the payer's oldest open invoices summing to the amount", () => {
  const oldest = invoice(1, "cus_a", 1_000, "2027-01-01");
  const second = invoice(2, "cus_a", 2_000, "2027-02-01");
  const third = invoice(3, "cus_a", 3_500, "2027-03-01");
  const fourth = invoice(4, "cus_a", 4_200, "2027-04-01");

  it("books the oldest-first prefix whose sum is the amount", () => {
    const index = buildMatchingIndex([fourth, third, second, oldest], IBANS);
    const result = matchPayment(tx(6_500, { counterpartIban: IBAN_A }), index);
    expect(result).toMatchObject({ outcome: "matched", rule: "iban_sum", remainder: 0 });
    expect(allocationsOf(result)).toEqual({
      [oldest.id]: 1_000,
      [second.id]: 2_000,
      [third.id]: 3_500,
    });
  });

  it("books a unique combination that is not a prefix", () => {
    const index = buildMatchingIndex([oldest, second, third, fourth], IBANS);
    const result = matchPayment(tx(5_200, { counterpartIban: IBAN_A }), index);
    expect(result).toMatchObject({ outcome: "matched", rule: "iban_sum" });
    expect(allocationsOf(result)).toEqual({ [oldest.id]: 1_000, [fourth.id]: 4_200 });
  });

  it("reviews when two combinations fit", () => {
    const index = buildMatchingIndex(
      [
        oldest,
        second,
        third,
        invoice(5, "cus_a", 2_500, "2027-05-01"),
        invoice(6, "cus_a", 3_000, "2027-06-01"),
      ],
      IBANS,
    );
    // 2 000 + 3 500 and 2 500 + 3 000 both make 5 500; the prefix 1 000 + 2 000 + 3 500 overshoots.
    const result = matchPayment(tx(5_500, { counterpartIban: IBAN_A }), index);
    expect(result).toMatchObject({
      outcome: "review",
      reviewReason: "sum_ambiguous",
      allocations: [],
    });
    expect(
      result.candidates.filter((candidate) => candidate.reasons.includes("part_of_exact_sum"))
        .length,
    ).toBeGreaterThanOrEqual(4);
  });

  it("never books more than five invoices with one payment", () => {
    const six = [1, 2, 3, 4, 5, 6].map((seq) => invoice(seq, "cus_a", 1_000, `2027-0${seq}-01`));
    const result = matchPayment(
      tx(6_000, { counterpartIban: IBAN_A }),
      buildMatchingIndex(six, IBANS),
    );
    expect(result).toMatchObject({
      outcome: "review",
      reviewReason: "no_rule_matched",
      allocations: [],
    });
    expect(result.candidates.length).toBeGreaterThan(0);
  });

  it("reviews a payer's transfer that fits nothing, listing that customer's oldest invoices", () => {
    const index = buildMatchingIndex([oldest, second, third], IBANS);
    const result = matchPayment(tx(999, { counterpartIban: IBAN_A }), index);
    expect(result).toMatchObject({ outcome: "review", reviewReason: "no_rule_matched" });
    expect(result.candidates.map((candidate) => candidate.invoiceId)).toEqual([
      oldest.id,
      second.id,
      third.id,
    ]);
  });
});

describe("matchBatch: shared state", () => {
  const a1 = invoice(1, "cus_a", 10_000, "2027-05-01");
  const a2 = invoice(2, "cus_a", 2_500, "2027-06-01");
  const index = buildMatchingIndex([a1, a2], IBANS);

  it("does not settle one invoice twice when the customer pays it twice", () => {
    const [first, second] = matchBatch(
      [
        tx(10_000, { id: "btx_1", purpose: "RE-2027-000001" }),
        tx(10_000, { id: "btx_2", purpose: "RE-2027-000001" }),
      ],
      index,
    );
    expect(first).toMatchObject({ outcome: "matched" });
    expect(second).toMatchObject({
      outcome: "review",
      reviewReason: "reference_closed_invoice",
      allocations: [],
      remainder: 10_000,
    });
  });

  it("finds a partly paid invoice by its new open amount", () => {
    const results = matchBatch(
      [
        tx(6_000, { id: "btx_1", purpose: "RE-2027-000001" }),
        tx(4_000, { id: "btx_2", counterpartIban: IBAN_A }),
      ],
      index,
    );
    expect(results.map((result) => result.outcome)).toEqual(["partially_matched", "matched"]);
    expect(results[1]).toMatchObject({
      rule: "iban_amount",
      allocations: [{ invoiceId: a1.id, amount: 4_000 }],
    });
  });

  it("leaves the index as it was", () => {
    matchBatch([tx(10_000, { purpose: "RE-2027-000001" })], index);
    expect(matchPayment(tx(10_000, { purpose: "RE-2027-000001" }), index).outcome).toBe("matched");
  });

  it("rejects amounts that are not integer cents", () => {
    expect(() => matchPayment(tx(10.5), index)).toThrow(RangeError);
    expect(() => buildMatchingIndex([invoice(7, "cus_a", 1.5, "2027-01-01")], [])).toThrow(
      RangeError,
    );
  });
});

describe("properties", () => {
  const AMOUNTS = [1_000, 1_500, 2_500, 4_000, 4_990];
  const CUSTOMERS = ["cus_a", "cus_b", "cus_c"];
  const IBAN_OF: Record<string, string> = {
    cus_a: IBAN_A,
    cus_b: IBAN_B,
    cus_c: "DE44500105175407324931",
  };

  const invoicesArb = fc
    .array(
      fc.record({
        customer: fc.constantFrom(...CUSTOMERS),
        amount: fc.constantFrom(...AMOUNTS),
        month: fc.integer({ min: 1, max: 9 }),
        status: fc.constantFrom("open", "open", "partially_paid", "paid"),
      }),
      { minLength: 1, maxLength: 12 },
    )
    .map((rows) =>
      rows.map((row, i) =>
        invoice(
          i + 1,
          row.customer,
          row.status === "paid" ? 0 : row.amount,
          `2027-0${row.month}-01`,
          { status: row.status },
        ),
      ),
    );

  function purposeFor(target: InvoiceForMatching | undefined, style: number): string {
    if (!target) return "Danke";
    const styles = [
      target.number,
      target.number.toLowerCase(),
      printed(target.paymentReference),
      target.number.replace(/-(\d{3})/, "-$1\n"),
      "Miete",
    ];
    return styles[style % styles.length] ?? "";
  }

  const scenarioArb = invoicesArb.chain((invoices) =>
    fc.record({
      invoices: fc.constant(invoices),
      transactions: fc.array(
        fc.record({
          target: fc.nat({ max: 14 }),
          style: fc.nat({ max: 9 }),
          amountMode: fc.nat({ max: 5 }),
          randomAmount: fc.integer({ min: 1, max: 20_000 }),
          payer: fc.constantFrom("target", "target", ...CUSTOMERS, "unknown"),
        }),
        { maxLength: 15 },
      ),
      shuffle: fc.array(fc.nat(), { minLength: invoices.length, maxLength: invoices.length }),
    }),
  );

  type Row = {
    target: number;
    style: number;
    amountMode: number;
    randomAmount: number;
    payer: string;
  };

  /** One in five transactions points past the invoice list: a reference to nothing we know. */
  function targetOf(row: Row, invoices: InvoiceForMatching[]): InvoiceForMatching | undefined {
    return row.target % 5 === 4 ? undefined : invoices[row.target % invoices.length];
  }

  /** Mostly amounts that some rule can explain (exact, partial, over, a sum of two), some noise. */
  function amountFor(row: Row, invoices: InvoiceForMatching[], payer: string): number {
    const target = targetOf(row, invoices);
    const ofPayer = invoices.filter((inv) => inv.customerId === payer && inv.openAmount > 0);
    const modes = [
      target?.openAmount,
      target ? target.openAmount - 100 : undefined,
      target ? target.openAmount + 100 : undefined,
      ofPayer.length >= 2
        ? (ofPayer[0]?.openAmount ?? 0) + (ofPayer[1]?.openAmount ?? 0)
        : undefined,
      ofPayer[0]?.openAmount,
    ];
    const amount = modes[row.amountMode] ?? row.randomAmount;
    return amount > 0 ? amount : row.randomAmount;
  }

  function transactionsOf(scenario: {
    invoices: InvoiceForMatching[];
    transactions: Row[];
  }): IncomingTransaction[] {
    return scenario.transactions.map((row, i) => {
      const target = targetOf(row, scenario.invoices);
      const payer = row.payer === "target" ? (target?.customerId ?? "unknown") : row.payer;
      const withReference = row.style < 5;
      return tx(amountFor(row, scenario.invoices, payer), {
        id: `btx_${i}`,
        purpose: withReference ? purposeFor(target, row.style) : "Danke",
        counterpartIban: IBAN_OF[payer] ?? IBAN_UNKNOWN,
      });
    });
  }

  const ibans = (): [string, string][] =>
    Object.entries(IBAN_OF).map(([customer, iban]) => [iban, customer]);

  it("conserves money: allocations plus remainder equal each amount, and so the batch total", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const transactions = transactionsOf(scenario);
        const results = matchBatch(transactions, buildMatchingIndex(scenario.invoices, ibans()));
        results.forEach((result, i) => {
          const allocated = result.allocations.reduce(
            (sum, allocation) => sum + allocation.amount,
            0,
          );
          expect(allocated + result.remainder).toBe(transactions[i]?.amount);
        });
        const incoming = transactions.reduce((sum, t) => sum + t.amount, 0);
        const accounted = results.reduce(
          (sum, r) => sum + r.remainder + r.allocations.reduce((s, a) => s + a.amount, 0),
          0,
        );
        expect(accounted).toBe(incoming);
      }),
    );
  });

  it("answers the same through matchStatement, which indexes only what the batch can reach", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const transactions = transactionsOf(scenario);
        expect(matchStatement(transactions, scenario.invoices, ibans())).toEqual(
          matchBatch(transactions, buildMatchingIndex(scenario.invoices, ibans())),
        );
      }),
    );
  });

  it("is deterministic and independent of the order invoices and IBANs are given in", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const transactions = transactionsOf(scenario);
        const reordered = scenario.invoices
          .map((inv, i) => ({ inv, key: scenario.shuffle[i] ?? 0 }))
          .sort((a, b) => a.key - b.key)
          .map(({ inv }) => inv);
        const first = matchBatch(transactions, buildMatchingIndex(scenario.invoices, ibans()));
        expect(matchBatch(transactions, buildMatchingIndex(scenario.invoices, ibans()))).toEqual(
          first,
        );
        expect(matchBatch(transactions, buildMatchingIndex(reordered, ibans().reverse()))).toEqual(
          first,
        );
      }),
    );
  });

  it("never allocates more than a transaction brought, nor a non-positive share", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const transactions = transactionsOf(scenario);
        matchBatch(transactions, buildMatchingIndex(scenario.invoices, ibans())).forEach(
          (result, i) => {
            const allocated = result.allocations.reduce(
              (sum, allocation) => sum + allocation.amount,
              0,
            );
            expect(allocated).toBeLessThanOrEqual(Math.max(0, transactions[i]?.amount ?? 0));
            result.allocations.forEach((allocation) =>
              expect(allocation.amount).toBeGreaterThan(0),
            );
            if (result.outcome === "review" || result.outcome === "unmatched")
              expect(result.allocations).toEqual([]);
          },
        );
      }),
    );
  });

  it("never allocates more to an invoice than it has open, over the whole batch", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const results = matchBatch(
          transactionsOf(scenario),
          buildMatchingIndex(scenario.invoices, ibans()),
        );
        const booked = new Map<string, number>();
        results
          .flatMap((result) => result.allocations)
          .forEach(({ invoiceId, amount }) =>
            booked.set(invoiceId, (booked.get(invoiceId) ?? 0) + amount),
          );
        for (const inv of scenario.invoices) {
          const limit =
            inv.status === "open" || inv.status === "partially_paid" ? inv.openAmount : 0;
          expect(booked.get(inv.id) ?? 0).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });
});
