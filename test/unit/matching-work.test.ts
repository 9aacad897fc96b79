// The matcher's work grows with the data and no faster (issue 15: 10× the data, ≤ 12× the
// cost). Counted, not timed: field reads of the inputs and hash-table operations of one run on
// the bench's two sizes, so a change that makes a transaction walk a list that grows with the
// invoices (a sort of all open invoices of an amount, a scan of a payer's whole history) fails
// here on any machine, while the bench's timings also carry the memory hierarchy.
import { describe, expect, it } from "vitest";
import { MATCHING_SIZES, generateMatchingData } from "../support/matching-data.ts";
import { matchingWork } from "../support/matching-work.ts";

/** 10× the data; the rest is the generator's randomness (10.2× and 10.1× when written). */
const LIMIT = 10.5;

describe("matchStatement's work for 10× the data", () => {
  const small = generateMatchingData(...MATCHING_SIZES.small);
  const large = generateMatchingData(...MATCHING_SIZES.large);
  const smallWork = matchingWork(small);
  const largeWork = matchingWork(large);

  it("reads every invoice, and each input field a bounded number of times", () => {
    for (const [data, work] of [
      [small, smallWork],
      [large, largeWork],
    ] as const) {
      // At least the reference and number of every invoice; at most a few dozen reads each.
      expect(work.fieldReads).toBeGreaterThanOrEqual(2 * data.invoices.length);
      expect(work.fieldReads).toBeLessThan(20 * (data.invoices.length + data.transactions.length));
      expect(work.hashOperations).toBeGreaterThan(data.invoices.length);
    }
  });

  it(`grows at most ${LIMIT}× in field reads and hash operations`, () => {
    expect(largeWork.fieldReads / smallWork.fieldReads).toBeLessThanOrEqual(LIMIT);
    expect(largeWork.hashOperations / smallWork.hashOperations).toBeLessThanOrEqual(LIMIT);
  });
});
