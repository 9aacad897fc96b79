// The indexed matcher against its references on the bench's data: the naive all-pairs matcher
// (same outcome, rule and invoices for every transaction) and the generator's labels (every
// transaction the rules can place is booked as labelled, no other is booked). A failure lists
// every disagreement, so a change to either side shows exactly which transactions moved.
import { describe, expect, it } from "vitest";
import type { MatchResult } from "../../worker/domain/payment-matching.ts";
import {
  buildMatchingIndex,
  matchBatch,
  matchStatement,
} from "../../worker/domain/payment-matching.ts";
import { generateMatchingData, type ExpectedBooking } from "../support/matching-data.ts";
import { naiveMatch } from "../support/naive-matcher.ts";

function booking(result: MatchResult): string {
  return result.allocations.length === 0
    ? `${result.outcome} (nothing booked)`
    : `${result.outcome} ${result.rule}: ${result.allocations.map((a) => a.invoiceId).join(", ")}`;
}

function label(expected: ExpectedBooking | null): string {
  return expected ? `${expected.rule}: ${expected.invoiceIds.join(", ")}` : "nothing booked";
}

describe("the indexed matcher on the bench data (1 000 transactions × 5 000 invoices)", () => {
  const data = generateMatchingData(1_000, 5_000, 20_270_001);
  const fast = matchStatement(data.transactions, data.invoices, data.ibans);

  it("books the same outcome, rule and invoices as the naive all-pairs matcher", () => {
    const naive = naiveMatch(data.invoices, data.ibans, data.transactions);
    const disagreements = fast.flatMap((result, i) => {
      const slow = naive[i]!;
      const same =
        result.outcome === slow.outcome &&
        result.rule === slow.rule &&
        result.allocations.map((a) => a.invoiceId).join() === slow.invoiceIds.join();
      return same
        ? []
        : [
            `${result.transactionId} (${data.kinds[i]}): indexed ${booking(result)}, naive ${slow.outcome} ${slow.rule ?? ""}: ${slow.invoiceIds.join(", ")}`,
          ];
    });
    expect(disagreements).toEqual([]);
  }, 30_000);

  it("books every transaction the rules can place, as labelled, and nothing else", () => {
    const misses = fast.flatMap((result, i) => {
      const expected = data.expected[i] ?? null;
      const got = result.allocations.length === 0 ? null : result;
      const same =
        expected === null
          ? got === null
          : got?.rule === expected.rule &&
            got.allocations.map((a) => a.invoiceId).join() === expected.invoiceIds.join();
      return same
        ? []
        : [
            `${result.transactionId} (${data.kinds[i]}): want ${label(expected)}, got ${booking(result)}`,
          ];
    });
    expect(misses).toEqual([]);
    expect(data.expected.filter(Boolean).length).toBeGreaterThan(700);
  });

  it("leaves a known payer's transfer unbooked only when two open invoices have its amount", () => {
    const reasons = fast.flatMap((result, i) =>
      data.kinds[i] !== "unknown_payer" && result.allocations.length === 0
        ? [result.reviewReason]
        : [],
    );
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(["same_amount_ambiguous"]));
  });

  it("answers exactly as a full index does, while indexing only what the statement can reach", () => {
    const full = matchBatch(data.transactions, buildMatchingIndex(data.invoices, data.ibans));
    expect(fast).toEqual(full);
  });
});

describe("at the bench's full size (10 000 × 50 000)", () => {
  it("books every transaction the rules can place, as labelled, and nothing else", () => {
    const data = generateMatchingData(10_000, 50_000, 20_270_002);
    const results = matchStatement(data.transactions, data.invoices, data.ibans);
    const misses = results.filter((result, i) => {
      const expected = data.expected[i] ?? null;
      if (expected === null) return result.allocations.length > 0;
      return (
        result.rule !== expected.rule ||
        result.allocations.map((a) => a.invoiceId).join() !== expected.invoiceIds.join()
      );
    });
    expect(misses.map((result) => result.transactionId)).toEqual([]);
    // 60 000 generated records: about a second alone, several on a busy machine.
  }, 60_000);
});
