// Benchmark for issue 15, returns in bulk: reconciliation of 500 returned direct debits in real
// local D1 (workerd through wrangler's getPlatformProxy, the migrations applied) against 5 000
// settled SEPA collections (customers, mandates, paid invoices, the settlement's allocations) —
// 300 linked by end-to-end id (AM04, 3.00 fee: a fee invoice each), 100 by mandate + amount
// (MD01, no fee: the mandate dead), 100 only by the invoice number in the text (3.00 fee). It
// reports D1 statements per return (reads included), round trips, wall time and whether any
// statement it sent walks a table (EXPLAIN QUERY PLAN with its own parameters).
// `npx tsx test/bench/returns-scale.bench.ts` prints the rows.
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import type { Bindings } from "../../worker/env.ts";
import { reconcileMerchant } from "../../worker/flows/reconciliation.ts";
import { DEFAULT_QUERY_BUDGET, meteredD1, QueryMeter } from "../../worker/jobs/query-budget.ts";
import { database } from "../../worker/store/db.ts";
import { ENCRYPTION_KEY, migrate, ROOT } from "./finapi-bench-setup.ts";
import { insertJsonRows } from "./json-rows.ts";
import { benchRow, type BenchRow } from "./types.ts";
import { recording, type Sent } from "./recording-d1.ts";

const COLLECTIONS = 5_000;
const RETURNS = { endToEnd: 300, mandate: 100, number: 100 };
const TOTAL_RETURNS = RETURNS.endToEnd + RETURNS.mandate + RETURNS.number;
const LOOKUP_HASH_KEY = "YmVuY2gtb25seS1sb29rdXAtaGFzaC1rZXktMzJieXQ=";
const NOW = new Date("2027-03-20T09:00:00.000Z");
const MERCHANT = "mer_returns00000000000000001";
export const timeoutMs = 600_000;

const pad = (i: number) => String(i).padStart(6, "0");
const ADDRESS = { line1: "Gartenweg 5", postalCode: "10115", city: "Berlin", country: "DE" };

async function seed(d1: D1Database) {
  const at = "2027-03-15T08:00:00.000Z";
  await insertJsonRows(d1, "merchants", [
    { id: MERCHANT, name: "Returns", allowed_actions: "[]", allowed_origins: "[]" },
  ]);
  await insertJsonRows(d1, "company_settings", [
    {
      merchant_id: MERCHANT,
      legal_name: "Stadtwerke Bench GmbH",
      address: JSON.stringify({
        line1: "Hauptstraße 1",
        postalCode: "80331",
        city: "München",
        country: "DE",
      }),
      vat_id: "DE123456789",
      tax_number: "143/123/45678",
      email: "rechnung@stadtwerke-bench.de",
      phone: "+49 89 123456",
      small_business: 0,
      iban: "DE35370400440532013099",
      bic: "COBADEFFXXX",
      updated_at: at,
    },
  ]);
  const people = Array.from({ length: COLLECTIONS }, (_, i) => ({
    customer: `cus_ret${pad(i)}`,
    mandate: `mdt_ret${pad(i)}`,
    invoice: `inv_ret${pad(i)}`,
    item: `sci_ret${pad(i)}`,
    reference: `M-RET-${pad(i)}`,
    number: `RE-2027-${pad(i)}`,
    paymentReference: `RF18RET${pad(i)}`,
    amount: 2_000 + (i % 700) * 10,
  }));
  await insertJsonRows(
    d1,
    "customers",
    people.map((p, i) => ({
      id: p.customer,
      merchant_id: MERCHANT,
      name: `Kunde ${i}`,
      billing_address: JSON.stringify(ADDRESS),
    })),
  );
  await insertJsonRows(
    d1,
    "sepa_mandates",
    people.map((p) => ({
      id: p.mandate,
      merchant_id: MERCHANT,
      customer_id: p.customer,
      reference: p.reference,
      reference_key: p.reference,
      signature_date: "2027-01-15",
      iban_ciphertext: "sealed",
      iban_masked: "DE89****3000",
      iban_country: "DE",
      next_sequence_type: "RCUR",
    })),
  );
  await insertJsonRows(
    d1,
    "invoices",
    people.map((p) => ({
      id: p.invoice,
      merchant_id: MERCHANT,
      customer_id: p.customer,
      kind: "regular",
      number: p.number,
      status: "paid",
      issue_date: "2027-03-01",
      due_date: "2027-03-15",
      currency: "EUR",
      net_amount: p.amount,
      tax_amount: 0,
      gross_amount: p.amount,
      amount_paid: p.amount,
      payment_reference: p.paymentReference,
      billing_key: `bench:${p.invoice}`,
      tax_breakdown: "[]",
    })),
  );
  await insertJsonRows(d1, "sepa_collection_runs", [
    {
      id: "scr_ret",
      merchant_id: MERCHANT,
      status: "completed",
      collection_date: "2027-03-15",
      message_id: "msg-ret",
      creation_date_time: at,
      number_of_transactions: COLLECTIONS,
      control_sum: people.reduce((sum, p) => sum + p.amount, 0),
      payment_infos: "[]",
      creditor_name: "Stadtwerke Bench GmbH",
      creditor_id: "DE98ZZZ09999999999",
      creditor_iban_masked: "DE02****5030",
      file_parts: 1,
      file_sha256: "0".repeat(64),
      completed_at: at,
    },
  ]);
  await insertJsonRows(
    d1,
    "sepa_collection_items",
    people.map((p) => ({
      id: p.item,
      merchant_id: MERCHANT,
      run_id: "scr_ret",
      invoice_id: p.invoice,
      mandate_id: p.mandate,
      customer_id: p.customer,
      mandate_reference: p.reference,
      mandate_reference_key: p.reference,
      end_to_end_id: p.paymentReference,
      invoice_number: p.number,
      amount: p.amount,
      sequence_type: "RCUR",
      payment_info_id: "pmt-ret",
      status: "settled",
      settled_at: at,
    })),
  );
  // The batch credit that settled the run, its journal entry and one allocation per item.
  const line = {
    merchant_id: MERCHANT,
    provider: "finapi",
    connection_id: "bcn_ret",
    provider_scope: "bench",
    currency: "EUR",
  };
  await insertJsonRows(d1, "bank_transactions", [
    {
      ...line,
      id: "btx_retcredit",
      provider_transaction_id: "800000",
      provider_sequence: 0,
      amount: people.reduce((sum, p) => sum + p.amount, 0),
      booking_date: "2027-03-15",
      value_date: "2027-03-15",
      purpose: "SAMMLER",
      type_code_zka: "192",
      status: "matched",
      matched_rule: "sepa_run",
    },
  ]);
  await insertJsonRows(d1, "reconciliation_entries", [
    {
      id: "rce_retcredit",
      merchant_id: MERCHANT,
      bank_transaction_id: "btx_retcredit",
      seq: 1,
      kind: "collection",
      status: "matched",
      rule: "sepa_run",
      source: "reconciliation",
      created_at: at,
    },
  ]);
  await insertJsonRows(
    d1,
    "payment_allocations",
    people.map((p, i) => ({
      id: `pal_ret${pad(i)}`,
      merchant_id: MERCHANT,
      entry_id: "rce_retcredit",
      bank_transaction_id: "btx_retcredit",
      invoice_id: p.invoice,
      customer_id: p.customer,
      amount: p.amount,
      currency: "EUR",
      rule: "sepa_run",
      payment_date: "2027-03-15",
      collection_item_id: p.item,
      booked_at: at,
      created_at: at,
    })),
  );
  // The returns, every tenth collection: by end-to-end id, then by mandate + amount, then by number.
  const returned = people.filter((_, i) => i % 10 === 0).slice(0, TOTAL_RETURNS);
  const returns = returned.map((p, i) => {
    const kind =
      i < RETURNS.endToEnd
        ? "endToEnd"
        : i < RETURNS.endToEnd + RETURNS.mandate
          ? "mandate"
          : "number";
    const fee = kind === "mandate" ? 0 : 300;
    const base = {
      ...line,
      id: `btx_ret${pad(i)}`,
      provider_transaction_id: String(810_000 + i),
      provider_sequence: i + 1,
      amount: -(p.amount + fee),
      booking_date: "2027-03-19",
      value_date: "2027-03-19",
      counterpart_name: `Kunde ${i}`,
      status: "unmatched",
    };
    if (kind === "number")
      return {
        ...base,
        purpose: `EREF+NOTPROVIDED MREF+${p.reference} SVWZ+ RUECKLASTSCHRIFT, ${p.number} ZINSAUSGLEICH-FREMDENTGELT 3,00 EURO`,
        booking_text: "LS RUECKBELASTUNG",
      };
    const reason = kind === "mandate" ? "MD01" : "AM04";
    return {
      ...base,
      purpose: `EREF+${kind === "endToEnd" ? p.paymentReference : "NOTPROVIDED"} MREF+${p.reference} SVWZ+Retoure SEPA Lastschrift, Rueckgabegrund: ${reason}`,
      booking_text: "Retouren",
      end_to_end_reference: kind === "endToEnd" ? p.paymentReference : "NOTPROVIDED",
      counterpart_mandate_reference: p.reference,
      counterpart_creditor_id: "DE98ZZZ09999999999",
      type_code_zka: "109",
      type_code_swift: "NRTI",
      bank_transaction_code: "PMNT-IDDT-UPDD",
      original_amount: -p.amount,
      original_currency: "EUR",
      compensation_amount: -fee,
    };
  });
  // Same columns in every row, so one INSERT … SELECT takes them all.
  const columns = [...new Set(returns.flatMap((row) => Object.keys(row)))];
  await insertJsonRows(
    d1,
    "bank_transactions",
    returns.map((row) =>
      Object.fromEntries(columns.map((c) => [c, (row as Record<string, unknown>)[c] ?? null])),
    ),
  );
}

const WALK =
  /^SCAN (invoices|customers|sepa_mandates|bank_transactions|sepa_collection_items|payment_allocations|payment_returns|reconciliation_entries)\b|^SEARCH (invoices|customers|sepa_mandates|bank_transactions|sepa_collection_items|payment_allocations|payment_returns|reconciliation_entries) USING (COVERING )?INDEX \w+ \(merchant_id=\?\)$/;

export async function run(): Promise<BenchRow[]> {
  const proxy = await getPlatformProxy<Bindings>({
    configPath: join(ROOT, "wrangler.toml"),
    persist: false,
  });
  try {
    await migrate(proxy.env.DB);
    const d1 = proxy.env.DB;
    await seed(d1);
    const keys = { ENCRYPTION_KEY, LOOKUP_HASH_KEY };
    const sent: Sent[] = [];
    const meter = new QueryMeter(DEFAULT_QUERY_BUDGET * 100);
    const started = performance.now();
    const counts = await reconcileMerchant(
      database(meteredD1(recording(d1, sent), meter)),
      keys,
      MERCHANT,
      NOW,
    );
    const wallMs = performance.now() - started;
    if (counts.returns !== TOTAL_RETURNS || counts.processed !== TOTAL_RETURNS)
      throw new Error(`not every return was booked: ${JSON.stringify(counts)}`);
    const fees = await d1
      .prepare("SELECT COUNT(*) AS n FROM invoices WHERE merchant_id = ? AND kind = 'fee'")
      .bind(MERCHANT)
      .first<{ n: number }>();
    let walking = 0;
    const walks = new Set<string>();
    for (const { sql, params } of sent) {
      const { results } = await d1
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      // An invoice insert (the fee invoices, as billing issues them) shows SQLite's check of the
      // new parent's children for a pending deferred foreign-key violation; it runs only then.
      if (/^insert into "invoices"/.test(sql)) continue;
      const found = results.filter(({ detail }) => WALK.test(detail));
      if (found.length > 0) walking += 1;
      for (const { detail } of found) walks.add(`${detail} in ${sql.slice(0, 80)}`);
    }
    if (walks.size > 0) console.error("statements that walk a table:", [...walks]);
    return [
      benchRow(
        `reconciliation of ${TOTAL_RETURNS} returned direct debits in real D1: statements per return (${RETURNS.endToEnd} by end-to-end id, ${RETURNS.mandate} by mandate + amount, ${RETURNS.number} by invoice number; ${fees?.n ?? 0} fee invoices; ${COLLECTIONS.toLocaleString("en-US")} settled collections; baseline: target)`,
        "statements/return",
        meter.statements / TOTAL_RETURNS,
        2,
      ),
      benchRow(
        "… D1 statements / round trips of the run",
        "statements",
        meter.statements,
        meter.roundTrips,
      ),
      benchRow(
        "… statements of the run that walk a table of invoices, customers, mandates, bank transactions, collections, allocations, returns or the journal (EXPLAIN QUERY PLAN of every statement sent but the fee invoices' inserts)",
        "statements",
        walking,
        null,
      ),
      benchRow("… wall time of the run, local D1 (one invocation)", "ms", wallMs, null),
    ];
  } finally {
    await proxy.dispose();
  }
}

const entry = process.argv[1];
if (entry && decodeURIComponent(new URL(import.meta.url).pathname) === entry) {
  for (const row of await run()) console.log(row);
}
