// Benchmark for finAPI in production (issue 17): what keeping one bank connection alive costs in
// finAPI calls over a Berlin day of 15-minute cron ticks (unattended updates against PSD2's 4),
// and how a 150-page backlog is spread over ticks by the per-run page budget. Local D1 through
// getPlatformProxy, the fake finAPI in-process on its own clock.
// `npx tsx test/bench/finapi-production.bench.ts` prints the rows.
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import type { FinapiRuntime } from "../../worker/banking/finapi/connect.ts";
import { syncMerchant } from "../../worker/banking/finapi/sync.ts";
import type { Bindings } from "../../worker/env.ts";
import { database } from "../../worker/store/db.ts";
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

/** Midnight in Berlin (CET), so the 96 ticks are exactly one day of PSD2's budget. */
const BERLIN_MIDNIGHT = new Date("2027-03-01T23:00:00.000Z");
const TICK_MS = 15 * 60_000;
const TICKS_PER_DAY = 96;
const BACKLOG_PAGES = 150;
const PER_PAGE = 100;
/** The sync's default pages per connection per run. */
const PAGE_BUDGET = 100;

function fakeOnClock(clock: { now: number }) {
  const fake = createFakeFinapi({ now: () => clock.now, webFormBaseUrl: BASE_URL });
  const runtime: FinapiRuntime = {
    fetch: (request) => fake.app.fetch(request),
    sleep: async () => undefined,
  };
  return { fake, runtime };
}

/** One connection through a day of ticks with a booking at the bank every hour. */
async function aDayOfTicks(d1: D1Database) {
  const clock = { now: BERLIN_MIDNIGHT.getTime() };
  const { fake, runtime } = fakeOnClock(clock);
  const env: Bindings = { DB: d1, ENCRYPTION_KEY, JOBS, DOCUMENTS };
  const merchantId = "mer_bench0000000000000000003";
  const { accountId } = await seed(env, runtime, fake, merchantId, 0, BERLIN_MIDNIGHT);
  const before = fake.control.requests.length;
  let imported = 0;
  for (let tick = 0; tick < TICKS_PER_DAY; tick++) {
    if (tick % 4 === 0)
      fake.control.queueBankTransactions(accountId, [
        { amountCents: 100 + tick, purpose: `${tick}` },
      ]);
    const report = await syncMerchant(database(d1), env, merchantId, new Date(clock.now), runtime);
    if (!report || report.failed > 0) throw new Error(`tick ${tick}: ${JSON.stringify(report)}`);
    imported += report.imported;
    clock.now += TICK_MS;
  }
  const calls = fake.control.requests.slice(before).filter((r) => r.path.startsWith("/api/"));
  // A 401 (the hourly token ran out) is answered before the bank is touched: not an access.
  const updates = calls.filter(
    (r) => r.path === "/api/v2/bankConnections/update" && r.status !== 401,
  ).length;
  return { calls: calls.length, updates, imported };
}

/** A backlog of 150 pages read by cron ticks with the default page budget. */
async function aBacklog(d1: D1Database) {
  const clock = { now: BERLIN_MIDNIGHT.getTime() };
  const { fake, runtime } = fakeOnClock(clock);
  const env: Bindings = { DB: d1, ENCRYPTION_KEY, JOBS, DOCUMENTS };
  const merchantId = "mer_bench0000000000000000004";
  await seed(env, runtime, fake, merchantId, BACKLOG_PAGES * PER_PAGE, BERLIN_MIDNIGHT);
  const ticks: { pages: number; wallMs: number }[] = [];
  for (;;) {
    const started = performance.now();
    const report = await syncMerchant(database(d1), env, merchantId, new Date(clock.now), {
      ...runtime,
      perPage: PER_PAGE,
    });
    if (!report || report.failed > 0) throw new Error(`backlog: ${JSON.stringify(report)}`);
    ticks.push({ pages: report.pages, wallMs: performance.now() - started });
    clock.now += TICK_MS;
    if (report.connections[0]?.backlogPage === null) return ticks;
    if (ticks.length > 10) throw new Error("the backlog did not finish in 10 ticks");
  }
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
    const day = await aDayOfTicks(proxy.env.DB);
    const backlog = await aBacklog(proxy.env.DB);
    const pages = backlog.map((tick) => tick.pages);
    return [
      benchRow(
        "one connection, one Berlin day of 15-minute ticks: unattended updates (baseline: PSD2's 4)",
        "updates",
        day.updates,
        4,
      ),
      benchRow(
        "… finAPI calls in that day, all kinds (baseline: the ticks)",
        "calls",
        day.calls,
        TICKS_PER_DAY,
      ),
      // Bookings after the day's last update (slot 18–24 h) wait for the next day's first one.
      benchRow(
        "… hourly bank bookings that arrived the same day (baseline: booked)",
        "bookings",
        day.imported,
        TICKS_PER_DAY / 4,
      ),
      benchRow(
        `backlog of ${BACKLOG_PAGES} pages: most pages in one tick (baseline: the per-run budget), ticks: ${pages.join(" + ")}`,
        "pages",
        Math.max(...pages),
        PAGE_BUDGET,
      ),
      benchRow(
        "… wall time of its longest tick (baseline: the 15-minute cron interval)",
        "ms",
        Math.max(...backlog.map((tick) => tick.wallMs)),
        TICK_MS,
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
