// Benchmark for DESIGN "Performance": the indexed matcher (index build + matchBatch) on 10 000
// bank transactions against 50 000 open invoices; a naive all-pairs matcher as the baseline,
// measured on 1 000 × 5 000 and extrapolated quadratically so the module stays well under a
// minute; and the scaling from 1k/5k to 10k/50k (target ≤ 15× the time for 10× the data).
// Data comes from a seeded PRNG so every run measures the same work. `run()` is called by
// scripts/bench.ts; `npx tsx test/bench/matching.bench.ts` prints the rows.
import { prng } from "../support/prng.ts";
import { paymentReference } from "../../worker/domain/invoice.ts";
import {
  buildMatchingIndex,
  matchBatch,
  normaliseIban,
} from "../../worker/domain/payment-matching.ts";
import type {
  IncomingTransaction,
  InvoiceForMatching,
  MatchOutcome,
  MatchRule,
} from "../../worker/domain/payment-matching.ts";
import { referenceKey } from "../../worker/domain/payment-reference-scan.ts";
import { benchRow, type BenchRow } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Deterministic data

interface DataSet {
  invoices: InvoiceForMatching[];
  ibans: [string, string][];
  transactions: IncomingTransaction[];
}

const PLAN_PRICES = [990, 1_490, 1_990, 2_990, 4_990, 9_900];
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function generate(transactionCount: number, invoiceCount: number, seed: number): DataSet {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const digits = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  const customerCount = Math.max(1, Math.floor(invoiceCount / 4));
  const ibanOf = Array.from({ length: customerCount }, () => `DE${digits(20)}`);
  const invoices: InvoiceForMatching[] = Array.from({ length: invoiceCount }, (_, i) => ({
    id: `inv_${i}`,
    customerId: `cus_${Math.floor(random() * customerCount)}`,
    number: `RE-2027-${String(i + 1).padStart(6, "0")}`,
    paymentReference: paymentReference(
      Array.from({ length: 16 }, () => pick([...CROCKFORD])).join(""),
    ),
    openAmount: random() < 0.7 ? pick(PLAN_PRICES) : 500 + Math.floor(random() * 50_000),
    issueDate: `2027-0${1 + Math.floor(random() * 6)}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`,
    status: "open",
  }));
  const byCustomer = new Map<string, InvoiceForMatching[]>();
  for (const invoice of invoices)
    byCustomer.set(invoice.customerId, [...(byCustomer.get(invoice.customerId) ?? []), invoice]);
  for (const list of byCustomer.values())
    list.sort((a, b) => (a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : 0));
  const ibanFor = (customerId: string): string => ibanOf[Number(customerId.slice(4))] ?? "";
  const spaced = (value: string): string => value.replace(/(.{4})/g, "$1 ").trim();

  const transactions = Array.from({ length: transactionCount }, (_, i): IncomingTransaction => {
    const invoice = pick(invoices);
    const base = {
      id: `btx_${i}`,
      endToEndReference: null,
      counterpartName: "Kunde",
      bookingDate: "2027-07-01",
    };
    const kind = random();
    if (kind < 0.4) {
      const purposes = [
        `Rechnung ${invoice.number}`,
        `rechnung ${invoice.number.toLowerCase().replace(/-/g, " ")}`,
        `Zahlung ${spaced(invoice.paymentReference)} vielen Dank`,
        `SVWZ+Rechnung ${invoice.number.slice(0, 10)}\n${invoice.number.slice(10)}`,
        `EREF+NOTPROVIDED SVWZ+${invoice.paymentReference}`,
      ];
      const amount =
        random() < 0.9 ? invoice.openAmount : invoice.openAmount + (random() < 0.5 ? -100 : 100);
      return {
        ...base,
        amount,
        purpose: pick(purposes),
        counterpartIban: spaced(ibanFor(invoice.customerId)),
      };
    }
    if (kind < 0.65)
      return {
        ...base,
        amount: invoice.openAmount,
        purpose: "Beitrag",
        counterpartIban: ibanFor(invoice.customerId).toLowerCase(),
      };
    if (kind < 0.8) {
      const oldest = (byCustomer.get(invoice.customerId) ?? []).slice(
        0,
        2 + Math.floor(random() * 2),
      );
      const amount = oldest.reduce((sum, inv) => sum + inv.openAmount, 0);
      return {
        ...base,
        amount,
        purpose: "Sammelzahlung",
        counterpartIban: ibanFor(invoice.customerId),
      };
    }
    return {
      ...base,
      amount: 100 + Math.floor(random() * 30_000),
      purpose: `Spende ${digits(6)}`,
      counterpartIban: `AT${digits(18)}`,
    };
  });
  return {
    invoices,
    ibans: ibanOf.map((iban, customer) => [iban, `cus_${customer}`]),
    transactions,
  };
}

// ---------------------------------------------------------------------------------------------
// The baseline: the same rules, every transaction compared with every invoice

interface NaiveResult {
  outcome: MatchOutcome;
  rule: MatchRule | null;
}

/**
 * What one writes without an index: for each transaction, walk all invoices to find the ones
 * whose reference or number occurs in the text and the ones of the paying customer.
 */
function naiveMatch(data: DataSet): NaiveResult[] {
  const customerByIban = new Map(
    data.ibans.map(([iban, customer]) => [normaliseIban(iban), customer]),
  );
  // Keys are prepared once, so the baseline pays only for what makes it naive: the pairs.
  const keys = data.invoices.map((inv) => ({
    reference: referenceKey(inv.paymentReference),
    number: referenceKey(inv.number),
  }));
  const paid = new Map<string, number>();
  const remaining = (inv: InvoiceForMatching): number => inv.openAmount - (paid.get(inv.id) ?? 0);
  return data.transactions.map((tx) => {
    const text = referenceKey(`${tx.purpose ?? ""} ${tx.endToEndReference ?? ""}`);
    const payer = customerByIban.get(normaliseIban(tx.counterpartIban ?? ""));
    const referenced: InvoiceForMatching[] = [];
    const ofPayer: InvoiceForMatching[] = [];
    data.invoices.forEach((inv, i) => {
      if (remaining(inv) <= 0) return;
      const key = keys[i];
      if (key && (text.includes(key.reference) || text.includes(key.number))) referenced.push(inv);
      if (inv.customerId === payer) ofPayer.push(inv);
    });
    const book = (
      invoices: InvoiceForMatching[],
      amounts: number[],
      result: NaiveResult,
    ): NaiveResult => {
      invoices.forEach((inv, i) => paid.set(inv.id, (paid.get(inv.id) ?? 0) + (amounts[i] ?? 0)));
      return result;
    };
    if (referenced.length === 1) {
      const inv = referenced[0] as InvoiceForMatching;
      const owed = remaining(inv);
      const outcome: MatchOutcome =
        tx.amount === owed ? "matched" : tx.amount < owed ? "partially_matched" : "overpaid";
      return book([inv], [Math.min(owed, tx.amount)], { outcome, rule: "reference" });
    }
    if (referenced.length > 1) return { outcome: "review", rule: null };
    const same = ofPayer.filter((inv) => remaining(inv) === tx.amount);
    if (same.length === 1)
      return book(same, [tx.amount], { outcome: "matched", rule: "iban_amount" });
    if (same.length > 1) return { outcome: "review", rule: null };
    ofPayer.sort((a, b) => (a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : 0));
    let sum = 0;
    for (let count = 1; count <= Math.min(5, ofPayer.length); count++) {
      sum += remaining(ofPayer[count - 1] as InvoiceForMatching);
      if (sum === tx.amount && count >= 2) {
        const prefix = ofPayer.slice(0, count);
        return book(prefix, prefix.map(remaining), { outcome: "matched", rule: "iban_sum" });
      }
    }
    return { outcome: ofPayer.length > 0 ? "review" : "unmatched", rule: null };
  });
}

// ---------------------------------------------------------------------------------------------
// Measurement

function indexed(data: DataSet): ReturnType<typeof matchBatch> {
  return matchBatch(data.transactions, buildMatchingIndex(data.invoices, data.ibans));
}

/**
 * Fastest of several runs of each, the two sizes taking turns: on a shared machine the slower
 * runs measure the neighbours, and a scaling ratio is only fair when both sizes met the same
 * conditions.
 */
function timeBestPair(
  runs: number,
  small: () => unknown,
  large: () => unknown,
): [small: number, large: number] {
  const best: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let i = 0; i < runs; i++) {
    [small, large].forEach((work, which) => {
      const start = performance.now();
      work();
      best[which] = Math.min(best[which] ?? Number.POSITIVE_INFINITY, performance.now() - start);
    });
  }
  return best;
}

function timeOnce(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

export async function run(): Promise<BenchRow[]> {
  const small = generate(1_000, 5_000, 20_270_001);
  const large = generate(10_000, 50_000, 20_270_002);
  indexed(small); // warm up the JIT before anything is timed

  const [small1k, large10k] = timeBestPair(
    9,
    () => indexed(small),
    () => indexed(large),
  );
  const [buildSmall, buildLarge] = timeBestPair(
    9,
    () => buildMatchingIndex(small.invoices, small.ibans),
    () => buildMatchingIndex(large.invoices, large.ibans),
  );
  const smallIndex = buildMatchingIndex(small.invoices, small.ibans);
  const largeIndex = buildMatchingIndex(large.invoices, large.ibans);
  const [batchSmall, batchLarge] = timeBestPair(
    9,
    () => matchBatch(small.transactions, smallIndex),
    () => matchBatch(large.transactions, largeIndex),
  );
  const naive1k = Math.min(
    timeOnce(() => naiveMatch(small)),
    timeOnce(() => naiveMatch(small)),
  );
  const naive10kEstimate = naive1k * 100; // T×N pairs: 10× transactions × 10× invoices

  const fast = indexed(small);
  const slow = naiveMatch(small);
  const agreeing = fast.filter(
    (result, i) => result.outcome === slow[i]?.outcome && result.rule === slow[i]?.rule,
  ).length;
  const booked = indexed(large).filter((result) => result.allocations.length > 0).length;

  return [
    benchRow(
      "matching 10k tx × 50k invoices, index build + matchBatch (baseline: naive all-pairs measured on 1k × 5k, ×100 quadratic extrapolation)",
      "ms",
      large10k,
      naive10kEstimate,
    ),
    benchRow(
      "matching 1k tx × 5k invoices, index build + matchBatch (baseline: naive all-pairs, same data, measured)",
      "ms",
      small1k,
      naive1k,
    ),
    benchRow(
      "scaling 1k/5k → 10k/50k: time factor for 10× the data (baseline: limit 15×)",
      "x",
      large10k / small1k,
      15,
    ),
    benchRow(
      "index build alone, 50k invoices (baseline: the same for 5k invoices)",
      "ms",
      buildLarge,
      buildSmall,
    ),
    benchRow(
      "per transaction, matchBatch 10k tx on 50k invoices (baseline: same at 1k/5k)",
      "µs",
      (1000 * batchLarge) / 10_000,
      (1000 * batchSmall) / 1_000,
    ),
    benchRow(
      "same outcome and rule as the naive matcher, 1k × 5k",
      "%",
      (100 * agreeing) / small.transactions.length,
      100,
    ),
    benchRow(
      "booked automatically, 10k tx (baseline: 80 % generated with a reference, IBAN amount or IBAN sum)",
      "%",
      (100 * booked) / large.transactions.length,
      80,
    ),
  ];
}

const entry = typeof process === "object" && process !== null ? process.argv?.[1] : undefined;
if (entry && decodeURIComponent(new URL(import.meta.url).pathname) === entry) {
  for (const row of await run()) console.log(JSON.stringify(row));
}
