// Times two workloads of different sizes in one process, taking turns run by run, so both meet
// the same machine load, JIT state and heap: the honest way to read "10× the data costs N× the
// time" on a shared machine. Used by matching.bench.ts and scripts/matching-scaling.ts.

/** CPU time of this process (user + system), in ms: wall time mostly measures the neighbours. */
export function cpuMs(work: () => unknown): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export interface Timings {
  samples: number[];
  median: number;
  best: number;
}

export interface InterleavedTimings {
  small: Timings;
  large: Timings;
  /** large ÷ small, of the medians and of the bests. */
  medianRatio: number;
  bestRatio: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function summary(samples: number[]): Timings {
  return { samples, median: median(samples), best: Math.min(...samples) };
}

/**
 * `warmups` untimed rounds, then `rounds` rounds of one small run and one large run, each timed
 * on its own; which size goes first alternates, so neither always follows the other's garbage.
 */
export function timeInterleaved(
  rounds: number,
  small: () => unknown,
  large: () => unknown,
  warmups = 3,
): InterleavedTimings {
  for (let i = 0; i < warmups; i++) {
    small();
    large();
  }
  const smallMs: number[] = [];
  const largeMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      smallMs.push(cpuMs(small));
      largeMs.push(cpuMs(large));
    } else {
      largeMs.push(cpuMs(large));
      smallMs.push(cpuMs(small));
    }
  }
  const s = summary(smallMs);
  const l = summary(largeMs);
  return { small: s, large: l, medianRatio: l.median / s.median, bestRatio: l.best / s.best };
}
