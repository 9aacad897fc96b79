// Benchmark for issue 15 / DESIGN "Jobs at production scale": one billing tick over 20 000 due
// contracts (10 merchants × 2 000, plan + add-on each) in local D1 (workerd through wrangler's
// getPlatformProxy), driven the way Cloudflare runs it: the cron enqueues one message per
// merchant, then the queue consumer (`consumeJobs`) gets batches of up to 10 messages, each
// invocation on the consumer's own meter, which FAILS it past the budget (and the bench), and continuations are fed back until
// the queue is empty. Measured at the paid plan's budget (800) and, on 2 000 contracts, at the
// free plan's (40), and once more with 5 % of the contracts having a scheduled change due (of
// every type: up- and downgrades, an add-on added, one's quantity raised, one removed), which
// the billing page applies within its own batches. `npx tsx test/bench/billing.bench.ts`
// prints the rows.
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

/**
 * The scheduled changes due by 1 Feb 2027 that every `every`-th contract gets, in turn: a
 * downgrade at the period end, an upgrade and a second add-on mid-period (interim invoices), the
 * add-on's quantity raised, the add-on removed at the period end.
 */
const SCHEDULED = [
  (m: string) => ({
    type: "switch_template",
    request: { type: "switch_template", templateId: `tpl_basic_${m}` },
    effectiveDate: "2027-02-01",
    kind: "downgrade",
    settlement: "none",
  }),
  (m: string) => ({
    type: "switch_template",
    request: { type: "switch_template", templateId: `tpl_premium_${m}` },
    effectiveDate: "2027-01-15",
    kind: "upgrade",
    settlement: "interim_invoice",
  }),
  (m: string) => ({
    type: "add_addon",
    request: { type: "add_addon", articleId: `art_meter_${m}`, quantity: 1 },
    effectiveDate: "2027-01-20",
    kind: "upgrade",
    settlement: "interim_invoice",
  }),
  (_m: string, contract: string) => ({
    type: "change_quantity",
    request: { type: "change_quantity", itemId: `itm_a${contract.slice(4)}`, quantity: 3 },
    effectiveDate: "2027-01-20",
    kind: "upgrade",
    settlement: "interim_invoice",
  }),
  (_m: string, contract: string) => ({
    type: "remove_item",
    request: { type: "remove_item", itemId: `itm_a${contract.slice(4)}` },
    effectiveDate: "2027-02-01",
    kind: "downgrade",
    settlement: "none",
  }),
] as const;

/**
 * Merchants with a catalogue, one customer and `perMerchant` contracts due on 1 Feb 2027; with
 * `changeEvery`, every so many contracts have a scheduled change due as well.
 */
async function seed(
  d1: D1Database,
  prefix: string,
  merchants: number,
  perMerchant: number,
  changeEvery?: number,
): Promise<number> {
  let changes = 0;
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
        "INSERT INTO articles (id, merchant_id, kind, name, unit_amount, currency, tax_rate) VALUES (?, ?, 'plan', 'Pro', 6000, 'EUR', 1900), (?, ?, 'addon', 'Ökostrom-Option', 490, 'EUR', 1900), (?, ?, 'plan', 'Basis', 3000, 'EUR', 1900), (?, ?, 'plan', 'Premium', 9000, 'EUR', 1900), (?, ?, 'addon', 'Smart Meter', 200, 'EUR', 1900)",
        `art_plan_${id}`,
        id,
        `art_addon_${id}`,
        id,
        `art_basic_${id}`,
        id,
        `art_premium_${id}`,
        id,
        `art_meter_${id}`,
        id,
      ),
      bind(
        "INSERT INTO template_groups (id, merchant_id, name) VALUES (?, ?, 'Strom')",
        `tgr_${id}`,
        id,
      ),
      ...[
        ["tpl", "Pro", "art_plan"],
        ["tpl_basic", "Basis", "art_basic"],
        ["tpl_premium", "Premium", "art_premium"],
      ].map(([template, name, plan]) =>
        bind(
          "INSERT INTO contract_templates (id, merchant_id, template_group_id, name, plan_article_id, billing_interval, allowed_addon_article_ids, change_points) VALUES (?, ?, ?, ?, ?, 'month', ?, '[]')",
          `${template}_${id}`,
          id,
          `tgr_${id}`,
          name,
          `${plan}_${id}`,
          JSON.stringify([`art_addon_${id}`, `art_meter_${id}`]),
        ),
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
    if (!changeEvery) continue;
    const rows: ({ contract: string } & ReturnType<(typeof SCHEDULED)[number]>)[] = [];
    for (let i = 0; i < perMerchant; i += changeEvery) {
      const contract = `ctr_${id}${String(i).padStart(6, "0")}`;
      rows.push({ contract, ...SCHEDULED[(i / changeEvery) % SCHEDULED.length]!(id, contract) });
    }
    // Ten rows of 8 parameters per statement, below D1's 100 bound parameters.
    for (let i = 0; i < rows.length; i += 100)
      await d1.batch(
        Array.from({ length: Math.ceil(Math.min(100, rows.length - i) / 10) }, (_, k) => {
          const chunk = rows.slice(i + k * 10, Math.min(i + k * 10 + 10, i + 100));
          return bind(
            `INSERT INTO contract_changes (id, merchant_id, contract_id, type, request, effective_date, status, kind, settlement, source) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, 'merchant')").join(", ")}`,
            ...chunk.flatMap((row) => [
              `chg_${row.contract.slice(4)}`,
              id,
              row.contract,
              row.type,
              JSON.stringify(row.request),
              row.effectiveDate,
              row.kind,
              row.settlement,
            ]),
          );
        }),
      );
    changes += rows.length;
  }
  return changes;
}

interface TickResult {
  invocations: number;
  maxStatements: number;
  totalStatements: number;
  totalRoundTrips: number;
  wallMs: number;
  /** Regular invoices: one per contract. */
  invoices: number;
  /** The scheduled changes by status afterwards. */
  changes: Record<string, number>;
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
    changes: {},
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
    .prepare(
      "SELECT count(*) AS n FROM invoices WHERE merchant_id LIKE ? || '%' AND kind = 'regular'",
    )
    .bind(prefix)
    .first<number>("n"))!;
  const changes = await d1
    .prepare(
      "SELECT status, count(*) AS n FROM contract_changes WHERE merchant_id LIKE ? || '%' GROUP BY status",
    )
    .bind(prefix)
    .all<{ status: string; n: number }>();
  result.changes = Object.fromEntries(changes.results.map((row) => [row.status, row.n]));
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
      // The first case again, every 20th contract with a scheduled change due (5 %).
      {
        merchants: 10,
        perMerchant: Math.round(2_000 * scale),
        budget: DEFAULT_QUERY_BUDGET,
        changeEvery: 20,
      },
    ];
    let plainPerContract = 0;
    for (const [n, c] of cases.entries()) {
      const prefix = `mer_bench${n}_`;
      const contracts = c.merchants * c.perMerchant;
      const scheduled = await seed(d1, prefix, c.merchants, c.perMerchant, c.changeEvery);
      const tick = await billingTick(d1, c.budget, prefix);
      if (tick.invoices !== contracts)
        throw new Error(`billed ${tick.invoices} of ${contracts} contracts`);
      if ((tick.changes.applied ?? 0) !== scheduled)
        throw new Error(`applied ${JSON.stringify(tick.changes)} of ${scheduled} changes`);
      const perContract = tick.totalStatements / contracts;
      if (n === 0) plainPerContract = perContract;
      const label =
        `billing ${contracts.toLocaleString("en-US")} due contracts across queue pages (budget ${c.budget})` +
        (c.changeEvery ? ` with ${100 / c.changeEvery} % scheduled changes` : "");
      if (c.changeEvery)
        rows.push(
          benchRow(
            `${label}: statements per scheduled change (beyond the plain run's per contract)`,
            "statements",
            (tick.totalStatements - plainPerContract * contracts) / scheduled,
            12,
          ),
        );
      rows.push(
        benchRow(
          `${label}: D1 queries per invocation (max)`,
          "queries",
          tick.maxStatements,
          c.budget,
        ),
        benchRow(`${label}: statements per contract`, "statements", perContract, 3),
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
