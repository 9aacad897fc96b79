// Benchmark for DESIGN "Performance / Cron": one bank sync of 5 000 new transactions from the
// fake finAPI (in-process) into local D1 (workerd through wrangler's getPlatformProxy): wall
// time, D1 statements and round trips, and Tarif's own CPU time against the Workers CPU limit.
// Baseline: the same pages stored the obvious way, drizzle multi-row inserts chunked to the
// 100-parameter limit. `npx tsx test/bench/bank-sync.bench.ts` prints the rows.
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { bankTransactions } from "../../schema/banking.ts";
import type { Bindings } from "../../worker/env.ts";
import { draftsFromPage } from "../../worker/banking/finapi/import.ts";
import { syncMerchant } from "../../worker/banking/finapi/sync.ts";
import { reconcileMerchant } from "../../worker/flows/reconciliation.ts";
import { clientFor, userOf, type FinapiRuntime } from "../../worker/banking/finapi/connect.ts";
import { database, rowChunks, runBatch } from "../../worker/store/db.ts";
import { findSettings } from "../../worker/store/finapi.ts";
import { createFakeFinapi } from "../fakes/finapi/app.ts";
import {
  BASE_URL,
  DOCUMENTS,
  ENCRYPTION_KEY,
  JOBS,
  migrate,
  ROOT,
  seed,
} from "./finapi-bench-setup.ts";
import { benchRow, type BenchRow } from "./types.ts";

const TRANSACTIONS = 5_000;
/** The Workers CPU limit per invocation (default for cron triggers and requests). */
const WORKERS_CPU_LIMIT_MS = 30_000;
const LOOKUP_HASH_KEY = "YmVuY2gtb25seS1sb29rdXAtaGFzaC1rZXktMzJieXQ=";
const NOW = new Date("2027-03-01T09:00:00.000Z");

interface Counter {
  statements: number;
  roundTrips: number;
}

/** A D1 binding that counts statements (each one in a batch too) and round trips. */
function counting(d1: D1Database, counter: Counter): D1Database {
  const originals = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property === "bind")
          return (...args: unknown[]) =>
            wrap((value as (...a: unknown[]) => D1PreparedStatement).apply(target, args));
        if (typeof property === "string" && ["run", "all", "first", "raw"].includes(property)) {
          return (...args: unknown[]) => {
            counter.statements += 1;
            counter.roundTrips += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    originals.set(proxy, statement);
    return proxy;
  };
  return new Proxy(d1, {
    get(target, property) {
      if (property === "prepare") return (query: string) => wrap(target.prepare(query));
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counter.statements += statements.length;
          counter.roundTrips += 1;
          return target.batch(statements.map((s) => originals.get(s) ?? s));
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Wall time of `work` and the process CPU it used minus what the fake finAPI spent. */
async function measure<T>(
  work: () => Promise<T>,
  fakeMs: { total: number },
): Promise<{ result: T; wallMs: number; cpuMs: number }> {
  fakeMs.total = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 - fakeMs.total };
}

export async function run(): Promise<BenchRow[]> {
  const proxy = await getPlatformProxy<{ DB: D1Database }>({
    configPath: join(ROOT, "wrangler.toml"),
    persist: false,
    envFiles: [],
    remoteBindings: false,
  });
  try {
    await migrate(proxy.env.DB);
    const fake = createFakeFinapi({ now: () => NOW.getTime(), webFormBaseUrl: BASE_URL });
    const fakeMs = { total: 0 };
    // The fake runs in this process: its time is taken out of Tarif's CPU figure.
    const runtime: FinapiRuntime = {
      fetch: async (request) => {
        const started = performance.now();
        const response = await fake.app.fetch(request);
        const body = await response.arrayBuffer();
        fakeMs.total += performance.now() - started;
        return new Response(body, response);
      },
      sleep: async () => undefined,
    };

    // Ours: the sync as the cron runs it.
    const counter: Counter = { statements: 0, roundTrips: 0 };
    const env: Bindings = { DB: counting(proxy.env.DB, counter), ENCRYPTION_KEY, JOBS, DOCUMENTS };
    await seed(
      { DB: proxy.env.DB, ENCRYPTION_KEY, JOBS, DOCUMENTS },
      runtime,
      fake,
      "mer_bench0000000000000000001",
      TRANSACTIONS,
      NOW,
    );
    const ours = await measure(
      () => syncMerchant(database(env.DB), env, "mer_bench0000000000000000001", NOW, runtime),
      fakeMs,
    );
    if (!ours.result || ours.result.failed > 0 || ours.result.imported !== TRANSACTIONS)
      throw new Error(`sync did not import ${TRANSACTIONS}: ${JSON.stringify(ours.result)}`);

    // What the cron does next with them: reconcile. The bench merchant has no open invoices, so
    // every line is decided (review with its reason) and written, which is the write-heavy case.
    const reconcileCounter: Counter = { statements: 0, roundTrips: 0 };
    const reconciled = await measure(
      () =>
        reconcileMerchant(
          database(counting(proxy.env.DB, reconcileCounter)),
          { ENCRYPTION_KEY, LOOKUP_HASH_KEY },
          "mer_bench0000000000000000001",
          NOW,
        ),
      fakeMs,
    );

    // Baseline: same pages, same drafts, stored with chunked multi-row inserts.
    const baseCounter: Counter = { statements: 0, roundTrips: 0 };
    const baseEnv: Bindings = {
      DB: counting(proxy.env.DB, baseCounter),
      ENCRYPTION_KEY,
      JOBS,
      DOCUMENTS,
    };
    const seeded = await seed(
      { DB: proxy.env.DB, ENCRYPTION_KEY, JOBS, DOCUMENTS },
      runtime,
      fake,
      "mer_bench0000000000000000002",
      TRANSACTIONS,
      NOW,
    );
    const baseline = await measure(async () => {
      const db = database(baseEnv.DB);
      const settings = (await findSettings(db, "mer_bench0000000000000000002"))!;
      const client = await clientFor(baseEnv, settings, runtime);
      const user = (await userOf(baseEnv, settings))!;
      const context = {
        accountIds: new Set([seeded.accountId]),
        accountCurrency: new Map<number, string>(),
        now: NOW.getTime(),
        encryptionKey: ENCRYPTION_KEY,
      };
      let stored = 0;
      for await (const page of client.transactionPages(user, {
        accountIds: [seeded.accountId],
        perPage: 500,
      })) {
        const { drafts } = await draftsFromPage(page, context);
        const rows = drafts.map((draft) => ({
          ...draft,
          merchantId: "mer_bench0000000000000000002",
          provider: "finapi" as const,
          connectionId: seeded.connectionId,
          providerScope: seeded.userId,
          createdAt: NOW.toISOString(),
        }));
        await runBatch(
          db,
          rowChunks(db, bankTransactions, rows).map((chunk) =>
            db.insert(bankTransactions).values(chunk).onConflictDoNothing(),
          ),
        );
        stored += rows.length;
      }
      return stored;
    }, fakeMs);
    if (baseline.result !== TRANSACTIONS) throw new Error(`baseline stored ${baseline.result}`);

    const label = `bank sync of ${TRANSACTIONS.toLocaleString("en-US")} new transactions (fake finAPI, local D1; baseline: chunked multi-row inserts)`;
    return [
      benchRow(`${label}: wall time`, "ms", ours.wallMs, baseline.wallMs),
      benchRow(`${label}: D1 statements`, "statements", counter.statements, baseCounter.statements),
      benchRow(
        `${label}: D1 round trips`,
        "round trips",
        counter.roundTrips,
        baseCounter.roundTrips,
      ),
      benchRow(`${label}: Tarif CPU (excl. fake and D1)`, "ms", ours.cpuMs, baseline.cpuMs),
      benchRow(
        `bank sync of ${TRANSACTIONS.toLocaleString("en-US")}: Tarif CPU vs the Workers CPU limit (30 s)`,
        "ms",
        ours.cpuMs,
        WORKERS_CPU_LIMIT_MS,
      ),
      benchRow(
        `reconciliation of the ${reconciled.result.processed.toLocaleString("en-US")} synced transactions, all to review: wall time (baseline: the sync)`,
        "ms",
        reconciled.wallMs,
        ours.wallMs,
      ),
      benchRow(
        `reconciliation of the synced transactions: D1 statements (baseline: the sync)`,
        "statements",
        reconcileCounter.statements,
        counter.statements,
      ),
      benchRow(
        `reconciliation of the synced transactions: D1 round trips (baseline: the sync)`,
        "round trips",
        reconcileCounter.roundTrips,
        counter.roundTrips,
      ),
      // getPlatformProxy prepares every statement through a synchronous call into workerd, and
      // that wait counts as this process's CPU: an upper bound, dominated by per-statement IPC.
      benchRow(
        `sync + reconciliation: process CPU incl. the local D1 proxy's per-statement IPC (baseline: Workers CPU limit 30 s)`,
        "ms",
        ours.cpuMs + reconciled.cpuMs,
        WORKERS_CPU_LIMIT_MS,
      ),
    ];
  } finally {
    await proxy.dispose();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  run().then(
    (rows) => {
      console.table(rows);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
