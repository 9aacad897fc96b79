// A small closed-loop load generator for the HTTP benchmarks: keep-alive connections over
// loopback only, a bounded number of requests, latency percentiles and error counts.
import { Agent, request as httpRequest } from "node:http";

export interface LoadRequest {
  /** Absolute URL; the host must be a loopback address. */
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface MeasureOptions {
  /** Measured requests (after the warm-up); at most MAX_REQUESTS. */
  requests: number;
  /** Requests in flight at once (= keep-alive connections). */
  concurrency: number;
  /** Unmeasured requests first, to warm the JIT, the connections and the caches (default 200). */
  warmup?: number;
  /** Builds request number `i` (warm-up requests are numbered too, before the measured ones). */
  makeRequest: (i: number) => LoadRequest;
  /** Which statuses count as success (default 2xx). */
  ok?: (status: number) => boolean;
  /** Per-request timeout in ms (default 10 000); a timeout counts as an error. */
  timeoutMs?: number;
}

export interface LoadResult {
  /** Measured requests completed, successful or not. */
  count: number;
  /** Measured requests per second of wall time. */
  rps: number;
  /** Latency percentiles in milliseconds, over all measured requests. */
  p50: number;
  p99: number;
  /** Measured requests that failed (non-ok status, network error or timeout). */
  errors: number;
  /** The first error, for diagnostics. */
  firstError?: string;
}

export const MAX_REQUESTS = 100_000;
const MAX_CONCURRENCY = 256;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

function assertLoopback(url: URL): void {
  if (url.protocol !== "http:")
    throw new Error(`load generator speaks plain http only, got ${url.href}`);
  if (!LOOPBACK_HOSTS.has(url.hostname) && !/^127\.\d+\.\d+\.\d+$/.test(url.hostname)) {
    throw new Error(`load generator refuses non-loopback host ${url.hostname}`);
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

interface Outcome {
  ms: number;
  error?: string;
}

function send(
  agent: Agent,
  spec: LoadRequest,
  ok: (status: number) => boolean,
  timeoutMs: number,
): Promise<Outcome> {
  const url = new URL(spec.url);
  assertLoopback(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (error?: string) =>
      resolve(
        error === undefined
          ? { ms: performance.now() - started }
          : { ms: performance.now() - started, error },
      );
    const req = httpRequest(
      url,
      { agent, method: spec.method ?? "GET", headers: spec.headers, timeout: timeoutMs },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => {
          if (!ok(status)) chunks.push(chunk);
        });
        res.on("end", () =>
          done(
            ok(status)
              ? undefined
              : `${spec.method ?? "GET"} ${url.pathname}: ${status} ${Buffer.concat(chunks).toString("utf8").slice(0, 300)}`,
          ),
        );
        res.on("error", (error) => done(String(error)));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", (error) => done(`${spec.method ?? "GET"} ${url.pathname}: ${error.message}`));
    req.end(spec.body);
  });
}

interface Samples {
  outcomes: Outcome[];
  seconds: number;
}

/** Runs `total` requests, numbered from `first`, with `concurrency` workers; times the whole batch. */
async function drive(
  agent: Agent,
  options: MeasureOptions,
  makeRequest: (i: number) => LoadRequest,
  first: number,
  total: number,
): Promise<Samples> {
  const ok = options.ok ?? ((status: number) => status >= 200 && status < 300);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      outcomes.push(await send(agent, makeRequest(first + i), ok, timeoutMs));
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(options.concurrency, total) }, worker));
  return { outcomes, seconds: (performance.now() - started) / 1000 };
}

function summarize(samples: readonly Samples[]): LoadResult {
  const outcomes = samples.flatMap((s) => s.outcomes);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const failed = outcomes.filter((o) => o.error !== undefined);
  const result: LoadResult = {
    count: outcomes.length,
    rps: outcomes.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: failed.length,
  };
  const firstError = failed[0]?.error;
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

function checkOptions(options: MeasureOptions): number {
  const warmup = options.warmup ?? 200;
  if (
    !Number.isSafeInteger(options.requests) ||
    options.requests < 1 ||
    options.requests > MAX_REQUESTS
  ) {
    throw new RangeError(`requests must be 1..${MAX_REQUESTS}, got ${options.requests}`);
  }
  if (!Number.isSafeInteger(warmup) || warmup < 0 || warmup > MAX_REQUESTS)
    throw new RangeError(`warmup must be 0..${MAX_REQUESTS}, got ${warmup}`);
  if (
    !Number.isSafeInteger(options.concurrency) ||
    options.concurrency < 1 ||
    options.concurrency > MAX_CONCURRENCY
  ) {
    throw new RangeError(`concurrency must be 1..${MAX_CONCURRENCY}, got ${options.concurrency}`);
  }
  return warmup;
}

function keepAliveAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
}

/** `warmup` unmeasured requests, then `requests` measured ones. */
export async function measure(options: MeasureOptions): Promise<LoadResult> {
  const warmup = checkOptions(options);
  const agent = keepAliveAgent(options.concurrency);
  try {
    if (warmup > 0) await drive(agent, options, options.makeRequest, 0, warmup);
    return summarize([await drive(agent, options, options.makeRequest, warmup, options.requests)]);
  } finally {
    agent.destroy();
  }
}

export interface CompareOptions extends MeasureOptions {
  /** The baseline request (e.g. GET /health), measured with the same settings. */
  makeBaselineRequest: (i: number) => LoadRequest;
  /** Rounds to split the measured requests into, alternating ABBA between the two (default 4). */
  rounds?: number;
}

/**
 * Measures `makeRequest` and `makeBaselineRequest` in alternating rounds (A B B A …), so that
 * load from other processes on the machine hits both about equally; each side gets `requests`.
 */
export async function measureAgainstBaseline(
  options: CompareOptions,
): Promise<{ value: LoadResult; baseline: LoadResult }> {
  const warmup = checkOptions(options);
  const rounds = options.rounds ?? 4;
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > options.requests)
    throw new RangeError(`rounds must be 1..requests, got ${rounds}`);
  const agent = keepAliveAgent(options.concurrency);
  try {
    if (warmup > 0) {
      await drive(agent, options, options.makeBaselineRequest, 0, warmup);
      await drive(agent, options, options.makeRequest, 0, warmup);
    }
    const value: Samples[] = [];
    const baseline: Samples[] = [];
    let done = 0;
    for (let round = 0; round < rounds; round++) {
      const size = Math.ceil((options.requests - done) / (rounds - round));
      const first = warmup + done;
      const runValue = async () =>
        value.push(await drive(agent, options, options.makeRequest, first, size));
      const runBaseline = async () =>
        baseline.push(await drive(agent, options, options.makeBaselineRequest, first, size));
      if (round % 2 === 0) {
        await runValue();
        await runBaseline();
      } else {
        await runBaseline();
        await runValue();
      }
      done += size;
    }
    return { value: summarize(value), baseline: summarize(baseline) };
  } finally {
    agent.destroy();
  }
}
