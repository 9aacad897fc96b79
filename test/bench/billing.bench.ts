// Benchmark for issue 15 / DESIGN "Jobs at production scale": one billing tick over 20 000 due
// contracts (10 merchants × 2 000, plan + add-on each) in local D1 (workerd through wrangler's
// getPlatformProxy), driven the way Cloudflare runs it: the cron enqueues one message per
// merchant, then the queue consumer (`consumeJobs`) gets batches of up to 10 messages, each
// invocation on the consumer's own meter, which FAILS it past the budget (and the bench), and continuations are fed back until
// the queue is empty. Measured at the paid plan's budget (800) and, on 2 000 contracts, at the
// free plan's (40). `npx tsx test/bench/billing.bench.ts` prints the rows.
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import type { Bindings } from "../../worker/env.ts";
import { BILLING_CRON } from "../../worker/jobs/crons.ts";
import { consumeJobs, enqueueTick, type JobMessage } from "../../worker/jobs/job-queue.ts";
import {
  DEFAULT_QUERY_BUDGET,
  FREE_PLAN_QUERY_BUDGET,
  QueryMeter,
} from "../../worker/jobs/query-budget.ts";
import { readdirSync, readFileSync } from "node:fs";
import { ROOT } from "./finapi-bench-setup.ts";
import { benchRow, type BenchRow } from "./types.ts";

/** 20 000 contracts through the local D1 proxy take well over 15 minutes on a loaded machine. */
export const timeoutMs = 3_600_000;

const TICK = new Date("2027-02-01T03:00:00Z");
/** wrangler.toml: max_batch_size. */
const BATCH_SIZE = 10;

/**
 * The migrations in order. A part between breakpoints may hold several statements (the
 * hand-written 0010) or only comments; a trigger's body keeps its inner semicolons.
 */
async function migrate(d1: D1Database): Promise<void> {
  const dir = join(ROOT, "schema", "migrations");
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort())
    for (const part of readFileSync(join(dir, file), "utf8").split("--> statement-breakpoint")) {
      const code = part.replace(/^\s*--.*$/gm, "").trim();
      const statements = /CREATE TRIGGER/i.test(code) ? [code] : code.split(/;\s*$/m);
      for (const statement of statements.map((text) => text.trim()).filter(Boolean))
        await d1.prepare(statement).run();
    }
}

/** Merchants with a catalogue, one customer and `perMerchant` contracts due on 1 Feb 2027. */
async function seed(d1: D1Database, prefix: string, merchants: number, perMerchant: number) {
  for (let m = 0; m < merchants; m++) {
    const id = `${prefix}${String(m).padStart(3, "0")}`;
    const bind = (sql: string, ...values: unknown[]) => d1.prepare(sql).bind(...values);
    await d1.batch([
      bind(
        "INSERT INTO merchants (id, name, allowed_actions, allowed_origins) VALUES (?, ?, '[]', '[]')",
        id,
        `Bench ${id}`,
      ),
      // Complete invoice data: without it every contract is reported blocked, not billed.
      bind(
        "INSERT INTO company_settings (merchant_id, legal_name, address, email, phone, vat_id, iban, bic, updated_at) VALUES (?, ?, ?, 'rechnung@example.com', '+49 89 1234567', 'DE123456789', 'DE35370400440532013099', 'COBADEFFXXX', '2027-01-01T00:00:00.000Z')",
        id,
        `Bench ${id} GmbH`,
        JSON.stringify({
          line1: "Hauptstraße 1",
          postalCode: "80331",
          city: "München",
          country: "DE",
        }),
      ),
      bind(
        "INSERT INTO customers (id, merchant_id, name, billing_address) VALUES (?, ?, 'Erika Mustermann', ?)",
        `cus_${id}`,
        id,
        JSON.stringify({
          line1: "Gartenweg 5",
          postalCode: "10115",
          city: "Berlin",
          country: "DE",
        }),
      ),
      bind(
        "INSERT INTO articles (id, merchant_id, kind, name, unit_amount, currency, tax_rate) VALUES (?, ?, 'plan', 'Pro', 6000, 'EUR', 1900), (?, ?, 'addon', 'Ökostrom-Option', 490, 'EUR', 1900)",
        `art_plan_${id}`,
        id,
        `art_addon_${id}`,
        id,
      ),
      bind(
        "INSERT INTO template_groups (id, merchant_id, name) VALUES (?, ?, 'Strom')",
        `tgr_${id}`,
        id,
      ),
      bind(
        "INSERT INTO contract_templates (id, merchant_id, template_group_id, name, plan_article_id, billing_interval, allowed_addon_article_ids, change_points) VALUES (?, ?, ?, 'Pro', ?, 'month', '[]', '[]')",
        `tpl_${id}`,
        id,
        `tgr_${id}`,
        `art_plan_${id}`,
      ),
      bind(
        `INSERT INTO contracts (id, merchant_id, customer_id, template_id, start_date, billing_anchor, billing_interval, current_period_start, current_period_end, offered_template_ids)
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         SELECT 'ctr_' || ? || printf('%06d', i), ?, ?, ?, '2027-01-01', '2027-01-01', 'month', '2027-01-01', '2027-02-01', '[]' FROM n`,
        perMerchant,
        id,
        id,
        `cus_${id}`,
        `tpl_${id}`,
      ),
      bind(
        `INSERT INTO contract_items (id, merchant_id, contract_id, article_id, kind, name, quantity, unit_amount, tax_rate, billed_period_amount, billed_period_start, started_on)
         SELECT 'itm_p' || substr(c.id, 5), c.merchant_id, c.id, ?, 'plan', 'Pro', 1, 6000, 1900, 6000, '2027-01-01', '2027-01-01' FROM contracts c WHERE c.merchant_id = ?
         UNION ALL
         SELECT 'itm_a' || substr(c.id, 5), c.merchant_id, c.id, ?, 'addon', 'Ökostrom-Option', 1, 490, 1900, 490, '2027-01-01', '2027-01-01' FROM contracts c WHERE c.merchant_id = ?`,
        `art_plan_${id}`,
        id,
        `art_addon_${id}`,
        id,
      ),
    ]);
  }
}

interface TickResult {
  invocations: number;
  maxStatements: number;
  totalStatements: number;
  totalRoundTrips: number;
  wallMs: number;
  invoices: number;
}

/** The billing cron and then consumer invocations until no billing message is left. */
async function billingTick(d1: D1Database, budget: number, prefix: string): Promise<TickResult> {
  const queued: JobMessage[] = [];
  const JOBS = {
    async send(body: JobMessage) {
      queued.push(body);
    },
    async sendBatch(messages: Iterable<{ body: JobMessage }>) {
      for (const message of messages) queued.push(message.body);
    },
  } as unknown as Bindings["JOBS"];
  const result: TickResult = {
    invocations: 0,
    maxStatements: 0,
    totalStatements: 0,
    totalRoundTrips: 0,
    wallMs: 0,
    invoices: 0,
  };
  const started = performance.now();
  await enqueueTick(
    { DB: d1, JOBS, D1_QUERY_BUDGET: String(budget) } as unknown as Bindings,
    BILLING_CRON,
    TICK,
  );
  let sequence = 0;
  for (;;) {
    // Dunning follows each merchant's billing; it is not what this bench measures.
    const billing = queued.filter((message) => message.job === "billing");
    queued.length = 0;
    if (billing.length === 0) break;
    queued.push(...billing.slice(BATCH_SIZE));
    let retried = 0;
    const batch = {
      queue: "tarif-jobs",
      messages: billing.slice(0, BATCH_SIZE).map((body) => ({
        id: `msg-${++sequence}`,
        timestamp: new Date(),
        attempts: 1,
        body,
        ack() {},
        retry() {
          retried += 1;
        },
      })),
      ackAll() {},
      retryAll() {},
    } as unknown as MessageBatch<unknown>;
    // The consumer's own meter: it fails the invocation (the messages are retried, and the bench
    // fails) past the budget, and says what the invocation issued.
    const meter = new QueryMeter(budget);
    await consumeJobs(
      batch,
      { DB: d1, JOBS, D1_QUERY_BUDGET: String(budget) } as unknown as Bindings,
      meter,
    );
    if (retried > 0) throw new Error(`invocation ${result.invocations + 1} left messages to retry`);
    result.invocations += 1;
    result.maxStatements = Math.max(result.maxStatements, meter.statements);
    result.totalStatements += meter.statements;
    result.totalRoundTrips += meter.roundTrips;
    if (result.invocations > 100_000) throw new Error("billing never finishes");
  }
  result.wallMs = performance.now() - started;
  result.invoices = (await d1
    .prepare("SELECT count(*) AS n FROM invoices WHERE merchant_id LIKE ? || '%'")
    .bind(prefix)
    .first<number>("n"))!;
  return result;
}

export async function run(): Promise<BenchRow[]> {
  const proxy = await getPlatformProxy<{ DB: D1Database }>({
    configPath: join(ROOT, "wrangler.toml"),
    persist: false,
    envFiles: [],
    remoteBindings: false,
  });
  try {
    const d1 = proxy.env.DB;
    await migrate(d1);
    const rows: BenchRow[] = [];
    // BILLING_BENCH_SCALE=0.1 for a quick look at a tenth of the contracts.
    const scale = Number(process.env.BILLING_BENCH_SCALE ?? "1");
    const cases = [
      { merchants: 10, perMerchant: Math.round(2_000 * scale), budget: DEFAULT_QUERY_BUDGET },
      { merchants: 2, perMerchant: Math.round(1_000 * scale), budget: FREE_PLAN_QUERY_BUDGET },
    ];
    for (const [n, c] of cases.entries()) {
      const prefix = `mer_bench${n}_`;
      const contracts = c.merchants * c.perMerchant;
      await seed(d1, prefix, c.merchants, c.perMerchant);
      const tick = await billingTick(d1, c.budget, prefix);
      if (tick.invoices !== contracts)
        throw new Error(`billed ${tick.invoices} of ${contracts} contracts`);
      const label = `billing ${contracts.toLocaleString("en-US")} due contracts across queue pages (budget ${c.budget})`;
      rows.push(
        benchRow(
          `${label}: D1 queries per invocation (max)`,
          "queries",
          tick.maxStatements,
          c.budget,
        ),
        benchRow(
          `${label}: statements per contract`,
          "statements",
          tick.totalStatements / contracts,
          3,
        ),
        benchRow(
          `${label}: D1 round trips per page of 50`,
          "round trips",
          (tick.totalRoundTrips / contracts) * 50,
          3,
        ),
        benchRow(
          `${label}: consumer invocations (1 cron tick)`,
          "invocations",
          tick.invocations,
          null,
        ),
        benchRow(`${label}: wall time, local D1`, "s", tick.wallMs / 1000, null),
      );
    }
    return rows;
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
