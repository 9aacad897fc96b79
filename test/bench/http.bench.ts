// HTTP benchmarks against a local `wrangler dev` (workerd + local D1): requests/s, p50 and p99 of
// merchant API reads, each against GET /health on the same server as the framework floor.
import { measureAgainstBaseline, type LoadRequest, type LoadResult } from "./load.ts";
import { startLocalWorker, type LocalWorker } from "./local-worker.ts";
import { benchRow, type BenchRow } from "./types.ts";

export interface EndpointBenchOptions {
  /** Measured requests (default 2 000). */
  requests?: number;
  /** Unmeasured warm-up requests (default 200). */
  warmup?: number;
  /** Requests in flight (default 4): a few concurrent clients, without saturating 2 shared cores. */
  concurrency?: number;
}

const DEFAULTS = {
  requests: 2_000,
  warmup: 200,
  concurrency: 4,
} satisfies Required<EndpointBenchOptions>;

/** A GET (or other method) on `worker` with the demo merchant's API key. */
export function merchantRequest(
  worker: LocalWorker,
  path: string,
  init: Omit<LoadRequest, "url"> = {},
): LoadRequest {
  return {
    ...init,
    url: `${worker.baseUrl}${path}`,
    headers: {
      authorization: `Bearer ${worker.apiKey}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...init.headers,
    },
  };
}

function assertNoErrors(label: string, result: LoadResult): void {
  if (result.errors > 0)
    throw new Error(
      `${label}: ${result.errors}/${result.count} requests failed; first: ${result.firstError ?? "?"}`,
    );
}

/**
 * Three rows for one endpoint: requests/s, p50 and p99 latency, each against GET /health on the
 * same server with the same request count and concurrency, measured in alternating rounds.
 * Throws if any request fails (a non-2xx answer is a broken benchmark, not a slow one).
 *
 * e.g. `benchEndpoint("POST /api/v1/contracts/{id}/…", worker, () =>
 *   merchantRequest(worker, path, { method: "POST", body: JSON.stringify(change) }))`
 */
export async function benchEndpoint(
  name: string,
  worker: LocalWorker,
  makeRequest: (i: number) => LoadRequest,
  options: EndpointBenchOptions = {},
): Promise<BenchRow[]> {
  const settings = { ...DEFAULTS, ...options };
  const { value, baseline } = await measureAgainstBaseline({
    ...settings,
    makeRequest,
    makeBaselineRequest: () => ({ url: `${worker.baseUrl}/health` }),
  });
  assertNoErrors(name, value);
  assertNoErrors("GET /health", baseline);
  const label = `http ${name} (c=${settings.concurrency}; baseline GET /health)`;
  return [
    benchRow(`${label} throughput`, "req/s", value.rps, baseline.rps),
    benchRow(`${label} p50`, "ms", value.p50, baseline.p50),
    benchRow(`${label} p99`, "ms", value.p99, baseline.p99),
  ];
}

/** A proration preview of a tariff switch for one of the demo contracts (a pure read: nothing is applied). */
function previewRequest(worker: LocalWorker, i: number): LoadRequest {
  const contracts = worker.demo.contracts;
  const contract = contracts[i % contracts.length]!;
  const tariffs = Object.values(worker.demo.tariffs);
  const target = tariffs.find((tariff) => tariff.id !== contract.templateId)!;
  return merchantRequest(worker, `/api/v1/contracts/${contract.id}/changes/preview`, {
    method: "POST",
    body: JSON.stringify({ type: "switch_template", templateId: target.id }),
  });
}

/** The widget's first request: a portal session for a demo customer, then its contract overview. */
async function portalRequest(worker: LocalWorker): Promise<() => LoadRequest> {
  const customerId = worker.demo.contracts[0]!.customerId;
  const response = await fetch(`${worker.baseUrl}/api/v1/portal-sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${worker.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ customerId, ttlMinutes: 60 }),
  });
  if (!response.ok) throw new Error(`portal session: ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  return () => ({
    url: `${worker.baseUrl}/portal/v1/contracts`,
    headers: { authorization: `Bearer ${token}` },
  });
}

export async function run(): Promise<BenchRow[]> {
  const worker = await startLocalWorker();
  try {
    const contractIds = worker.demo.contracts.map((contract) => contract.id);
    if (contractIds.length === 0) throw new Error("the demo seed returned no contracts");
    const contractPath = (i: number) =>
      `/api/v1/contracts/${contractIds[i % contractIds.length] ?? ""}`;
    return [
      ...(await benchEndpoint("GET /api/v1/contracts/{id}", worker, (i) =>
        merchantRequest(worker, contractPath(i)),
      )),
      ...(await benchEndpoint("GET /api/v1/invoices?limit=20", worker, () =>
        merchantRequest(worker, "/api/v1/invoices?limit=20"),
      )),
      ...(await benchEndpoint("POST /api/v1/contracts/{id}/changes/preview", worker, (i) =>
        previewRequest(worker, i),
      )),
      ...(await benchEndpoint("GET /portal/v1/contracts", worker, await portalRequest(worker))),
    ];
  } finally {
    await worker.stop();
  }
}
