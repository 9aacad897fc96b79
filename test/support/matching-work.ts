// Counts the work matchStatement does on a data set, independent of the machine: every read of a
// transaction's or invoice's field (through a Proxy around each input object) and every Map and
// Set lookup or insert of the run. Timings at 10× the data mix the algorithm with the memory
// hierarchy (a larger working set misses the caches); these counts are the algorithm alone, so
// "10× the data costs 10× the work" can be tested exactly. Used by test/unit/matching-work.test.ts
// and the matching bench.
import { matchStatement } from "../../worker/domain/payment-matching.ts";
import type { MatchingData } from "./matching-data.ts";

export interface MatchingWork {
  /** Reads of a field of an input transaction or invoice. */
  fieldReads: number;
  /** Map.get/set/has and Set.has/add calls made during the run. */
  hashOperations: number;
}

type Patched = [target: object, name: string, original: (...args: unknown[]) => unknown];

/** Replaces each method with one that counts its calls; returns what restores the originals. */
function countCalls(methods: [object, string][], onCall: () => void): () => void {
  const patched: Patched[] = methods.map(([target, name]) => {
    const original = Reflect.get(target, name) as (...args: unknown[]) => unknown;
    Reflect.set(target, name, function (this: unknown, ...args: unknown[]) {
      onCall();
      return original.apply(this, args);
    });
    return [target, name, original];
  });
  return () => {
    for (const [target, name, original] of patched) Reflect.set(target, name, original);
  };
}

function counted<T extends object>(value: T, onRead: () => void): T {
  return new Proxy(value, {
    get(target, property, receiver) {
      onRead();
      return Reflect.get(target, property, receiver);
    },
  });
}

export function matchingWork(data: MatchingData): MatchingWork {
  const work: MatchingWork = { fieldReads: 0, hashOperations: 0 };
  const onRead = (): void => void work.fieldReads++;
  const transactions = data.transactions.map((tx) => counted(tx, onRead));
  const invoices = data.invoices.map((invoice) => counted(invoice, onRead));
  const restore = countCalls(
    [
      [Map.prototype, "get"],
      [Map.prototype, "set"],
      [Map.prototype, "has"],
      [Set.prototype, "has"],
      [Set.prototype, "add"],
    ],
    () => void work.hashOperations++,
  );
  try {
    matchStatement(transactions, invoices, data.ibans);
  } finally {
    restore();
  }
  return work;
}
