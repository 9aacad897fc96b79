// Scheduled changes applied inside the billing page (issue 15): twin merchants with the same
// contracts and due changes of every type — one merchant's changes applied one by one through
// the change use case (applyChange, actor billing_run, as the billing run did before), the
// other's by the billing run's page path — end with the same contracts, items, changes,
// invoices, carried lines, events and e-mails; the page path's statements are counted by the
// meter within the free plan's budget, and a page delivered twice changes nothing.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DomainError } from "../../worker/domain/errors.ts";
import { InvoicePartiesIncomplete } from "../../worker/domain/invoice-snapshot.ts";
import { applyChange } from "../../worker/flows/contract-changes.ts";
import { runBilling } from "../../worker/jobs/billing-run.ts";
import { FREE_PLAN_QUERY_BUDGET, QueryMeter } from "../../worker/jobs/query-budget.ts";
import {
  failScheduledChangeStatement,
  type ContractChangeRecord,
} from "../../worker/store/contract-changes.ts";
import { database, runBatch } from "../../worker/store/db.ts";
import { findMerchant } from "../../worker/store/merchants.ts";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  emptyDatabase,
  json,
} from "./helpers.ts";

const AT = new Date("2027-02-01T03:00:00Z");
/** Contracts with nothing but their next period due, besides the nine below. */
const PLAIN = 6;

interface World {
  merchantId: string;
  apiKey: string;
  contracts: string[];
  /** Known ids by a name that is the same in both worlds. */
  names: Map<string, string>;
  /** The contract whose customer's address is gone: its change's invoice is blocked. */
  blockedContract: string;
}

/** One merchant with due scheduled changes of every type (the same for every call). */
async function world(name: string): Promise<World> {
  const { apiKey, id: merchantId } = await createMerchant(name);
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey);
  const brokenCustomerId = await createCustomer(apiKey, "Max Mustermann");
  const names = new Map<string, string>([
    [merchantId, "merchant"],
    [customerId, "customer"],
    [brokenCustomerId, "broken customer"],
    [catalogue.basic.templateId, "basic"],
    [catalogue.basic.articleId, "basic plan"],
    [catalogue.pro.templateId, "pro"],
    [catalogue.pro.articleId, "pro plan"],
    [catalogue.yearly.templateId, "yearly"],
    [catalogue.yearly.articleId, "yearly plan"],
    [catalogue.addonId, "addon"],
    [catalogue.otherAddonId, "other addon"],
    [catalogue.groupId, "group"],
  ]);
  const contracts: string[] = [];
  const contract = async (templateId: string, customer = customerId) => {
    const created = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        now: "2027-01-01T08:00:00Z",
        body: { customerId: customer, templateId, startDate: "2027-01-01" },
      }),
      201,
    );
    names.set(created.id, `c${contracts.length}`);
    contracts.push(created.id);
    return created.id as string;
  };
  const change = async (id: string, now: string, body: Record<string, unknown>) =>
    json(await call(`/api/v1/contracts/${id}/changes`, { key: apiKey, now, body }), 201);
  const addonItem = async (id: string) => {
    const shown = await json(await call(`/api/v1/contracts/${id}`, { key: apiKey }), 200);
    return shown.items.find((item: any) => item.articleId === catalogue.addonId).id as string;
  };

  // Up: Basic to Pro in the middle of the period (interim invoice).
  const up = await contract(catalogue.basic.templateId);
  await change(up, "2027-01-05T10:00:00Z", {
    type: "switch_template",
    templateId: catalogue.pro.templateId,
    effectiveDate: "2027-01-15",
  });
  // Down: Pro to Basic at the template's downgrade timing (the period end).
  const down = await contract(catalogue.pro.templateId);
  await change(down, "2027-01-05T10:00:00Z", {
    type: "switch_template",
    templateId: catalogue.basic.templateId,
  });
  // An add-on from the 20th (interim invoice).
  const addon = await contract(catalogue.pro.templateId);
  await change(addon, "2027-01-05T10:00:00Z", {
    type: "add_addon",
    articleId: catalogue.addonId,
    quantity: 1,
    effectiveDate: "2027-01-20",
  });
  // Contracts with the add-on booked on day one: removed, more, fewer (a credit note).
  const withAddon = async () => {
    const id = await contract(catalogue.pro.templateId);
    await change(id, "2027-01-01T09:00:00Z", {
      type: "add_addon",
      articleId: catalogue.addonId,
      quantity: 2,
    });
    return { id, itemId: await addonItem(id) };
  };
  const removed = await withAddon();
  await change(removed.id, "2027-01-06T10:00:00Z", {
    type: "remove_item",
    itemId: removed.itemId,
    effectiveDate: "2027-01-21",
    timing: "as_requested",
  });
  const more = await withAddon();
  await change(more.id, "2027-01-06T10:00:00Z", {
    type: "change_quantity",
    itemId: more.itemId,
    quantity: 5,
    effectiveDate: "2027-01-22",
  });
  const fewer = await withAddon();
  await change(fewer.id, "2027-01-06T10:00:00Z", {
    type: "change_quantity",
    itemId: fewer.itemId,
    quantity: 1,
    effectiveDate: "2027-01-23",
    timing: "as_requested",
  });
  // No longer applies: the add-on was booked at once meanwhile (→ failed with the reason).
  const stale = await contract(catalogue.pro.templateId);
  await change(stale, "2027-01-05T10:00:00Z", {
    type: "add_addon",
    articleId: catalogue.addonId,
    quantity: 1,
    effectiveDate: "2027-01-25",
  });
  await change(stale, "2027-01-06T10:00:00Z", {
    type: "add_addon",
    articleId: catalogue.addonId,
    quantity: 1,
  });
  // Blocked: its customer's address is gone, so the interim invoice cannot be issued.
  const blockedContract = await contract(catalogue.pro.templateId, brokenCustomerId);
  await change(blockedContract, "2027-01-05T10:00:00Z", {
    type: "add_addon",
    articleId: catalogue.otherAddonId,
    quantity: 1,
    effectiveDate: "2027-01-26",
  });
  // Besides a change for later, which stays scheduled.
  await change(addon, "2027-01-06T10:00:00Z", {
    type: "add_addon",
    articleId: catalogue.otherAddonId,
    quantity: 1,
    effectiveDate: "2027-03-10",
  });
  for (let i = 0; i < PLAIN; i++) await contract(catalogue.pro.templateId);
  await env.DB.prepare("UPDATE customers SET billing_address = NULL WHERE id = ?")
    .bind(brokenCustomerId)
    .run();
  return { merchantId, apiKey, contracts, names, blockedContract };
}

/** The due changes one at a time through the use case, as the billing run applied them before. */
async function applyOneByOne(merchantId: string) {
  const db = database(env.DB);
  const merchant = (await findMerchant(db, merchantId))!;
  const { results } = await env.DB.prepare(
    "SELECT id FROM contract_changes WHERE merchant_id = ? AND status = 'scheduled' AND effective_date <= '2027-02-01' ORDER BY contract_id, effective_date, id",
  )
    .bind(merchantId)
    .all<{ id: string }>();
  const outcomes: string[] = [];
  for (const { id } of results) {
    const change = (await db.query.contractChanges.findFirst({
      where: (changes, { eq }) => eq(changes.id, id),
    })) as ContractChangeRecord;
    const order = { ...change.request, effectiveDate: change.effectiveDate };
    try {
      await applyChange(
        db,
        { kind: "billing_run", merchant, change },
        change.contractId,
        order,
        AT,
      );
      outcomes.push("applied");
    } catch (error) {
      if (error instanceof InvoicePartiesIncomplete) {
        outcomes.push(`blocked ${error.code}`);
        continue;
      }
      if (!(error instanceof DomainError)) throw error;
      const reason = `${error.code}: ${error.message}`;
      await runBatch(db, [failScheduledChangeStatement(db, merchant.id, change.id, reason)]);
      outcomes.push("failed");
    }
  }
  return outcomes;
}

/** The billing run for one merchant, invocation after invocation at the free plan's budget. */
async function freeInvocations(merchantId: string) {
  let statements = 0;
  let roundTrips = 0;
  let after: string | undefined;
  const totals = { changesApplied: 0, changesFailed: 0, invoicesIssued: 0 };
  const blocked: { contractId: string; code: string }[] = [];
  for (let invocation = 0; ; invocation++) {
    expect(invocation).toBeLessThan(40);
    const meter = new QueryMeter(FREE_PLAN_QUERY_BUDGET);
    const report = await runBilling(env.DB, AT, {
      merchantId,
      meter,
      ...(after ? { after } : {}),
    });
    expect(report.errors).toEqual([]);
    expect(meter.statements).toBeLessThanOrEqual(FREE_PLAN_QUERY_BUDGET);
    statements += meter.statements;
    roundTrips += meter.roundTrips;
    totals.changesApplied += report.changesApplied;
    totals.changesFailed += report.changesFailed;
    totals.invoicesIssued += report.invoicesIssued;
    for (const entry of report.blocked)
      if (!blocked.some((seen) => seen.contractId === entry.contractId))
        blocked.push({ contractId: entry.contractId, code: entry.code });
    if (report.resumeAfter === null) return { statements, roundTrips, totals, blocked };
    after = report.resumeAfter;
  }
}

const TABLES = [
  "contracts",
  "contract_items",
  "contract_changes",
  "invoices",
  "invoice_lines",
  "carried_lines",
  "webhook_events",
  "email_outbox",
] as const;

/**
 * Columns that differ by construction: random write ids and payment references, the invoice
 * numbers (compared as a
 * set), and the wall-clock time the rows of the setup were created at.
 */
const SKIPPED = new Set([
  "last_write_id",
  "number",
  "invoiceNumber",
  "payment_reference",
  "paymentReference",
  "created_at",
]);

/**
 * Everything the billing run wrote for the merchant, with every id replaced by a name that is
 * the same in both worlds: known ids by their name, the rest by what they stand for.
 */
async function stateOf(w: World) {
  const names = new Map(w.names);
  const rowsOf = async (table: string) =>
    (
      await env.DB.prepare(`SELECT * FROM ${table} WHERE merchant_id = ? ORDER BY rowid`)
        .bind(w.merchantId)
        .all<Record<string, unknown>>()
    ).results;
  const raw = Object.fromEntries(
    await Promise.all(TABLES.map(async (table) => [table, await rowsOf(table)] as const)),
  ) as Record<(typeof TABLES)[number], Record<string, any>[]>;
  // Names for the ids the run made, from what they stand for (unique in these worlds).
  for (const item of raw.contract_items)
    names.set(
      item.id,
      `item ${names.get(item.contract_id)} ${names.get(item.article_id)} ${item.started_on}`,
    );
  for (const invoice of raw.invoices)
    names.set(
      invoice.id,
      `invoice ${names.get(invoice.contract_id)} ${invoice.kind} ${invoice.period_start}`,
    );
  for (const change of raw.contract_changes)
    names.set(
      change.id,
      `change ${names.get(change.contract_id)} ${change.type} ${change.effective_date}`,
    );
  const normal = (value: unknown): unknown => {
    if (typeof value === "string") {
      if (names.has(value)) return names.get(value);
      if (/^[[{]/.test(value)) {
        try {
          return normal(JSON.parse(value));
        } catch {
          return value;
        }
      }
      // Ids inside texts (a failure reason, a dedupe key) by their name too.
      return value.replace(
        /\b([a-z]{2,4})_[0-9a-z]{16,}\b/g,
        (id, prefix: string) => names.get(id) ?? `${prefix}_…`,
      );
    }
    if (Array.isArray(value)) return value.map(normal);
    if (value && typeof value === "object")
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => !SKIPPED.has(key))
          .map(([key, inner]) => [key, normal(inner)]),
      );
    return value;
  };
  const state = Object.fromEntries(
    TABLES.map((table) => [table, raw[table].map((row) => JSON.stringify(normal(row))).sort()]),
  );
  return { state, numbers: raw.invoices.map((invoice) => invoice.number as string).sort() };
}

describe("scheduled changes inside the billing page", () => {
  beforeEach(emptyDatabase);

  it("gives the same contracts, invoices and events as the change use case one by one, within the free plan's budget", async () => {
    const single = await world("Stadtwerke Einzeln");
    const page = await world("Stadtwerke Seite");
    const contracts = page.contracts.length;

    // Before: each due change through the use case, then the billing run bills the periods.
    expect(await applyOneByOne(single.merchantId)).toEqual([
      ...Array(6).fill("applied"),
      "failed",
      "blocked customer_incomplete",
    ]);
    await runBilling(env.DB, AT, { merchantId: single.merchantId });

    // Now: the billing run alone, invocation after invocation at the free plan's budget.
    const measured = await freeInvocations(page.merchantId);
    const { statements, roundTrips, totals, blocked } = measured;
    expect(totals).toEqual({ changesApplied: 6, changesFailed: 1, invoicesIssued: contracts - 1 });
    expect(blocked).toEqual([{ contractId: page.blockedContract, code: "customer_incomplete" }]);

    const before = await stateOf(single);
    const now = await stateOf(page);
    for (const table of TABLES) {
      const onlyBefore = before.state[table]!.filter((row) => !now.state[table]!.includes(row));
      const onlyNow = now.state[table]!.filter((row) => !before.state[table]!.includes(row));
      expect({ table, onlyBefore, onlyNow }).toEqual({ table, onlyBefore: [], onlyNow: [] });
      expect(now.state[table]).toEqual(before.state[table]);
    }
    expect(now.numbers).toEqual(before.numbers);

    // The concrete outcomes, so that both paths being wrong alike would show.
    const changes = now.state.contract_changes!.map((row) => JSON.parse(row));
    expect(
      changes
        .map((c) => [
          c.contract_id,
          c.type,
          c.status,
          c.settlement,
          c.failure_reason?.split(":")[0],
        ])
        .sort(),
    ).toEqual(
      [
        ["c0", "switch_template", "applied", "interim_invoice", undefined],
        ["c1", "switch_template", "applied", "none", undefined],
        ["c2", "add_addon", "applied", "interim_invoice", undefined],
        ["c2", "add_addon", "scheduled", "interim_invoice", undefined],
        ["c3", "add_addon", "applied", "interim_invoice", undefined],
        ["c3", "remove_item", "applied", "credit_note", undefined],
        ["c4", "add_addon", "applied", "interim_invoice", undefined],
        ["c4", "change_quantity", "applied", "interim_invoice", undefined],
        ["c5", "add_addon", "applied", "interim_invoice", undefined],
        ["c5", "change_quantity", "applied", "credit_note", undefined],
        ["c6", "add_addon", "applied", "interim_invoice", undefined],
        ["c6", "add_addon", "failed", "interim_invoice", "addon_already_on_contract"],
        ["c7", "add_addon", "scheduled", "interim_invoice", undefined],
      ].sort(),
    );
    const contractRows = now.state.contracts!.map((row) => JSON.parse(row));
    const byName = new Map(contractRows.map((row) => [row.id, row]));
    expect(byName.get("c0")).toMatchObject({
      template_id: "pro",
      current_period_start: "2027-02-01",
    });
    expect(byName.get("c1")).toMatchObject({
      template_id: "basic",
      current_period_start: "2027-02-01",
    });
    // The blocked contract is left exactly as it was: still due, its change still scheduled.
    expect(byName.get("c7")).toMatchObject({ current_period_start: "2027-01-01" });
    const invoices = now.state.invoices!.map((row) => JSON.parse(row));
    // Issued by the run: the upgrades' interim invoices and the downgrades' credit notes.
    const issued = invoices.filter((i) => i.kind !== "regular" && i.issue_date === "2027-02-01");
    expect(issued.map((i) => [i.contract_id, i.kind, i.net_amount]).sort()).toEqual([
      ["c0", "interim", 1645],
      ["c2", "interim", 190],
      ["c3", "credit_note", -348],
      ["c4", "interim", 474],
      ["c5", "credit_note", -143],
    ]);
    expect(
      invoices.filter((i) => i.kind === "regular" && i.period_start === "2027-02-01"),
    ).toHaveLength(contracts - 1);

    // Measured by the meter: the page path's statements (due reads, context and write batches),
    // at most the free plan's 3 per contract plus 12 per change (applied, failed or blocked).
    const dueChanges = 8;
    console.log(
      `page path: ${statements} statements, ${roundTrips} round trips for ${contracts} contracts with ${dueChanges} due changes`,
    );
    expect(statements).toBeLessThanOrEqual(3 * contracts + 12 * dueChanges);
    expect(roundTrips).toBeLessThanOrEqual(12);

    // Every page delivered twice, the two deliveries racing each other, and once more later:
    // the same outcome as the single path, written once.
    const twice = await world("Stadtwerke Doppelt");
    await Promise.all([freeInvocations(twice.merchantId), freeInvocations(twice.merchantId)]);
    await freeInvocations(twice.merchantId);
    await freeInvocations(page.merchantId);
    const raced = await stateOf(twice);
    for (const table of TABLES) expect(raced.state[table], table).toEqual(before.state[table]);
    expect(raced.numbers).toEqual(before.numbers);
    expect((await stateOf(page)).state).toEqual(now.state);
  });
});
