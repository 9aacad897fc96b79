// Benchmark for issue 15 "Production-scale jobs", in real local D1 (workerd through wrangler's
// getPlatformProxy, the migrations applied): reconciliation of 5 000 bank transactions against
// 50 000 open invoices (the matching bench's generator, stored as rows) — D1 statements per
// booked payment and the query plan of every statement it sent (none may scan the invoices) —
// and webhook delivery of 5 000 pending events through consumer invocations of the default
// budget — the most D1 queries in one invocation and events per second (the receiver is an
// in-process fetch that answers 200, so the row measures Tarif and D1, not a network).
// `npx tsx test/bench/jobs-scale.bench.ts` prints the rows.
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { counterpartIbanBinding } from "../../worker/banking/transactions.ts";
import type { Bindings } from "../../worker/env.ts";
import { ibanLookupHash } from "../../worker/flows/customer-accounts.ts";
import { reconcileMerchant } from "../../worker/flows/reconciliation.ts";
import { DEFAULT_QUERY_BUDGET, QueryMeter } from "../../worker/jobs/query-budget.ts";
import { deliverWebhooks } from "../../worker/jobs/webhook-delivery.ts";
import { generateWebhookSecret } from "../../worker/domain/webhook-signing.ts";
import { encryptSecret } from "../../worker/security.ts";
import { database } from "../../worker/store/db.ts";
import { generateMatchingData } from "../support/matching-data.ts";
import { ENCRYPTION_KEY, migrate, ROOT } from "./finapi-bench-setup.ts";
import { insertJsonRows } from "./json-rows.ts";
import { benchRow, type BenchRow } from "./types.ts";
import { recording, type Sent } from "./recording-d1.ts";

const TRANSACTIONS = 5_000;
const INVOICES = 50_000;
const EVENTS = 5_000;
const LOOKUP_HASH_KEY = "YmVuY2gtb25seS1sb29rdXAtaGFzaC1rZXktMzJieXQ=";
const NOW = new Date("2027-03-01T09:00:00.000Z");
const MERCHANT = "mer_scale0000000000000000001";

export const timeoutMs = 600_000;

async function seedReconciliation(env: Bindings) {
  const d1 = env.DB;
  const keys = { ENCRYPTION_KEY, LOOKUP_HASH_KEY };
  const data = generateMatchingData(TRANSACTIONS, INVOICES, 20_270_015);
  await d1
    .prepare(
      "INSERT INTO merchants (id, name, allowed_actions, allowed_origins) VALUES (?, 'Scale', '[]', '[]')",
    )
    .bind(MERCHANT)
    .run();
  const ibanOf = new Map<string, string>();
  for (const [iban, customerId] of data.ibans)
    if (!ibanOf.has(customerId)) ibanOf.set(customerId, iban);
  const customerIds = [...new Set(data.invoices.map((invoice) => invoice.customerId))];
  const customers = [];
  for (const id of customerIds) {
    const iban = ibanOf.get(id);
    customers.push({
      id,
      merchant_id: MERCHANT,
      name: `Kunde ${id}`,
      iban_hash: iban ? await ibanLookupHash(iban, keys) : null,
    });
  }
  await insertJsonRows(d1, "customers", customers);
  await insertJsonRows(
    d1,
    "invoices",
    data.invoices.map((invoice) => ({
      id: invoice.id,
      merchant_id: MERCHANT,
      customer_id: invoice.customerId,
      kind: "regular",
      number: invoice.number,
      status: invoice.status,
      issue_date: invoice.issueDate,
      due_date: invoice.issueDate,
      currency: "EUR",
      net_amount: invoice.openAmount,
      tax_amount: 0,
      gross_amount: invoice.openAmount,
      amount_paid: 0,
      payment_reference: invoice.paymentReference,
      billing_key: `bench:${invoice.id}`,
      tax_breakdown: "[]",
    })),
  );
  const transactions = [];
  for (const [i, tx] of data.transactions.entries()) {
    const providerTransactionId = String(900_000 + i);
    transactions.push({
      id: `btx_scale${String(i).padStart(6, "0")}`,
      merchant_id: MERCHANT,
      provider: "finapi",
      connection_id: "bcn_scale",
      provider_scope: "bench",
      provider_transaction_id: providerTransactionId,
      provider_sequence: i,
      amount: tx.amount,
      currency: "EUR",
      booking_date: tx.bookingDate,
      value_date: tx.bookingDate,
      purpose: tx.purpose,
      end_to_end_reference: tx.endToEndReference,
      counterpart_name: tx.counterpartName,
      counterpart_iban_ciphertext: tx.counterpartIban
        ? await encryptSecret(
            tx.counterpartIban,
            ENCRYPTION_KEY,
            counterpartIbanBinding(providerTransactionId),
          )
        : null,
      type_code_zka: "166",
      status: "unmatched",
    });
  }
  await insertJsonRows(d1, "bank_transactions", transactions);
  return { keys, bookable: data.expected.filter((booking) => booking !== null).length };
}

async function reconciliationRows(env: Bindings): Promise<BenchRow[]> {
  const { keys, bookable } = await seedReconciliation(env);
  const sent: Sent[] = [];
  const meter = new QueryMeter(DEFAULT_QUERY_BUDGET);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const counts = await reconcileMerchant(database(recording(env.DB, sent)), keys, MERCHANT, NOW, {
    limit: TRANSACTIONS,
    budget: meter,
  });
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const booked = counts.matched + counts.partiallyMatched;
  if (counts.processed !== TRANSACTIONS || counts.more)
    throw new Error(`reconciliation did not take all lines in one run: ${JSON.stringify(counts)}`);
  // Every statement it sent, explained with its own parameters: none may walk the invoices.
  const scans = new Set<string>();
  for (const { sql, params } of sent) {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    for (const { detail } of results)
      if (
        /^SCAN (invoices|customers|bank_transactions|payment_allocations|reconciliation_entries|webhook_deliveries)\b/.test(
          detail,
        )
      )
        scans.add(`${detail} in ${sql.slice(0, 80)}`);
  }
  if (scans.size > 0) console.error("statements that scan:", [...scans]);
  return [
    benchRow(
      `reconciliation ${TRANSACTIONS.toLocaleString("en-US")} transactions × ${INVOICES.toLocaleString("en-US")} open invoices in real D1: statements per booked payment (${booked} booked of ${bookable} bookable, ${counts.review} to review; baseline: target)`,
      "statements/payment",
      sent.length / booked,
      2,
    ),
    benchRow(
      "… statements of the run that scan a table of invoices, customers, bank transactions, allocations, journal or deliveries (EXPLAIN QUERY PLAN of every statement sent)",
      "statements",
      scans.size,
      null,
    ),
    benchRow(
      `… D1 statements in the run (baseline: the default query budget of one invocation)`,
      "statements",
      sent.length,
      DEFAULT_QUERY_BUDGET,
    ),
    benchRow("… wall time of the run, local D1 (one invocation)", "ms", wallMs, null),
    benchRow(
      "… Tarif CPU of the run (this process: an upper bound, includes the local D1 proxy's serialisation; baseline: Workers CPU limit 30 s)",
      "ms",
      cpuMs,
      30_000,
    ),
  ];
}

async function webhookRows(env: Bindings): Promise<BenchRow[]> {
  const d1 = env.DB;
  const endpoints = Array.from({ length: 10 }, (_, i) => `whe_scale${String(i).padStart(4, "0")}`);
  await insertJsonRows(
    d1,
    "webhook_endpoints",
    await Promise.all(
      endpoints.map(async (id) => ({
        id,
        merchant_id: MERCHANT,
        url: `https://hooks.example.com/${id}`,
        event_types: "[]",
        secret_ciphertext: await encryptSecret(generateWebhookSecret(), ENCRYPTION_KEY, id),
      })),
    ),
  );
  const at = NOW.toISOString();
  const events = Array.from({ length: EVENTS }, (_, i) => ({
    id: `evt_scale${String(i).padStart(6, "0")}`,
    merchant_id: MERCHANT,
    type: "contract.created",
    payload: JSON.stringify({ type: "contract.created", timestamp: at, data: { n: i } }),
    created_at: at,
  }));
  await insertJsonRows(d1, "webhook_events", events);
  await insertJsonRows(
    d1,
    "webhook_deliveries",
    events.map((event, i) => ({
      event_id: event.id,
      endpoint_id: endpoints[i % endpoints.length],
      merchant_id: MERCHANT,
      status: "pending",
      attempts: 0,
      next_attempt_at: at,
    })),
  );
  // Pending from an earlier bench run of this module would be delivered too: none exist (fresh D1).
  const fetcher = (async () => new Response("ok", { status: 200 })) as typeof fetch;
  let invocations = 0;
  let maxStatements = 0;
  let delivered = 0;
  const started = performance.now();
  for (;;) {
    // One consumer invocation: its own meter, the default budget, the job's default page.
    const meter = new QueryMeter(DEFAULT_QUERY_BUDGET);
    const report = await deliverWebhooks(env, NOW, { fetcher, merchantId: MERCHANT, meter });
    if (report.attempted === 0) break;
    invocations += 1;
    delivered += report.delivered;
    maxStatements = Math.max(maxStatements, meter.statements);
  }
  const seconds = (performance.now() - started) / 1000;
  if (delivered !== EVENTS) throw new Error(`delivered ${delivered} of ${EVENTS}`);
  return [
    benchRow(
      `webhook delivery of ${EVENTS.toLocaleString("en-US")} pending events: D1 queries per invocation (max, ${invocations} invocations; baseline: the default budget)`,
      "queries",
      maxStatements,
      DEFAULT_QUERY_BUDGET,
    ),
    benchRow(
      "… events per second (local D1, in-process receiver, 10 endpoints, 10 in flight)",
      "events/s",
      EVENTS / seconds,
      null,
    ),
  ];
}

export async function run(): Promise<BenchRow[]> {
  const proxy = await getPlatformProxy<Bindings>({
    configPath: join(ROOT, "wrangler.toml"),
    persist: false,
  });
  try {
    await migrate(proxy.env.DB);
    const env = {
      ...proxy.env,
      ENCRYPTION_KEY,
      LOOKUP_HASH_KEY,
      ENVIRONMENT: "test",
    } as Bindings;
    return [...(await reconciliationRows(env)), ...(await webhookRows(env))];
  } finally {
    await proxy.dispose();
  }
}

const entry = process.argv[1];
if (entry && decodeURIComponent(new URL(import.meta.url).pathname) === entry) {
  for (const row of await run()) console.log(row);
}
