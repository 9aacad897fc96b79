// The floor under the matcher's time factor: the cheapest steps any matcher of these inputs has
// to take, timed at the bench's two sizes exactly as the matcher is (interleaved, CPU time). If
// filling one Map with the customers' IBANs already costs more than 12× for 10× the entries, the
// matcher's factor above 12× is this machine's memory hierarchy (the small size's working set
// fits the 2 MB L2 cache, the large one's does not), not its algorithm; the work it does is
// counted in test/support/matching-work.ts. Used by matching.bench.ts and
// scripts/matching-scaling.ts.
import type { MatchingData } from "../support/matching-data.ts";
import { timeInterleaved, type InterleavedTimings } from "./interleaved.ts";

/** Every customer's IBAN into one Map, as matchStatement does first. */
function ibanMap(data: MatchingData): Map<string, string> {
  const byIban = new Map<string, string>();
  for (const pair of data.ibans) byIban.set(pair[0], pair[1]);
  return byIban;
}

/** One character of each invoice's reference, number and customer: the least a pass reads. */
function invoiceStrings(data: MatchingData): number {
  let sum = 0;
  for (const invoice of data.invoices)
    sum +=
      invoice.paymentReference.charCodeAt(4) +
      invoice.number.charCodeAt(8) +
      invoice.customerId.charCodeAt(4);
  return sum;
}

export interface MatchingFloor {
  ibanMap: InterleavedTimings;
  invoiceStrings: InterleavedTimings;
}

export function timeMatchingFloor(
  small: MatchingData,
  large: MatchingData,
  rounds: number,
): MatchingFloor {
  return {
    ibanMap: timeInterleaved(
      rounds,
      () => ibanMap(small),
      () => ibanMap(large),
    ),
    invoiceStrings: timeInterleaved(
      rounds,
      () => invoiceStrings(small),
      () => invoiceStrings(large),
    ),
  };
}
