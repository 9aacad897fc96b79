// EXPLAIN QUERY PLAN for the jobs' hot queries, as the store functions really send them (the
// SQL and parameters are captured from the binding): each must reach its rows through an index,
// never by walking a whole table of invoices, customers, mandates or bank transactions, and the
// reconciliation page must come out of its index already in booking order.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { findDueContracts } from "../../worker/store/billing.ts";
import { database } from "../../worker/store/db.ts";
import {
  invoicesByIds,
  invoicesForMatching,
  payerCandidates,
  unreconciledTransactions,
} from "../../worker/store/reconciliation-load.ts";
import { returnBookingStatements } from "../../worker/store/return-bookings.ts";
import { collectionsForReturns, returnContext } from "../../worker/store/return-lookups.ts";
import { emptyDatabase } from "./helpers.ts";

interface Sent {
  sql: string;
  params: unknown[];
}

/** A binding that records every statement it sends, bound parameters included. */
function recording(d1: D1Database, sent: Sent[]): D1Database {
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        if (property === "bind")
          return (...params: unknown[]) => {
            sent.push({ sql, params });
            return target.bind(...params);
          };
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(d1, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function plans(run: (db: ReturnType<typeof database>) => Promise<unknown>) {
  const sent: Sent[] = [];
  await run(database(recording(env.DB, sent)));
  expect(sent.length).toBeGreaterThan(0);
  return Promise.all(
    sent.map(async ({ sql, params }) => {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      return results.map((row) => row.detail);
    }),
  );
}

const HOT_TABLES = /^SCAN (invoices|customers|sepa_mandates|bank_transactions)\b/;
const MERCHANT = "mer_plan000000000000000000001";

beforeEach(emptyDatabase);

describe("query plans of the reconciliation's reads", () => {
  it("loads only candidate invoices, each lookup through its own index, never all open invoices", async () => {
    const [byReference, byNumber, byCustomer, byAmount] = await plans((db) =>
      invoicesForMatching(db, MERCHANT, {
        references: ["RF18539007547034"],
        numbers: ["RE-2027-000123"],
        customerIds: ["cus_1", "cus_2"],
        amounts: [11900, 2500],
        perAmount: 64,
      }),
    );
    expect(byReference!.join("\n")).toMatch(/USING INDEX invoices_payment_reference/);
    expect(byNumber!.join("\n")).toMatch(/USING INDEX invoices_number/);
    expect(byCustomer!.join("\n")).toMatch(/USING INDEX invoices_customer/);
    expect(byAmount!.join("\n")).toMatch(/USING INDEX invoices_open_amount/);
    for (const plan of [byReference, byNumber, byCustomer, byAmount]) {
      expect(plan!.filter((line) => HOT_TABLES.test(line))).toEqual([]);
      // Not the merchant's whole list of open invoices.
      expect(plan!.join("\n")).not.toMatch(/USING INDEX invoices_status/);
    }
  });

  it("finds invoices by id within the merchant without a scan", async () => {
    const [plan] = await plans((db) => invoicesByIds(db, MERCHANT, ["inv_1", "inv_2"]));
    expect(plan!.filter((line) => HOT_TABLES.test(line))).toEqual([]);
    expect(plan!.join("\n")).toMatch(/SEARCH invoices USING/);
  });

  it("finds payers by IBAN hash and their mandates by masked IBAN through indexes", async () => {
    const [customers, mandates] = await plans((db) =>
      payerCandidates(db, MERCHANT, ["DE89370400440532013000"], ["DE89****3000"]),
    );
    expect(customers!.join("\n")).toMatch(/USING (COVERING )?INDEX customers_iban_hash/);
    expect(mandates!.join("\n")).toMatch(/USING INDEX sepa_mandates_iban/);
  });

  it("reads unreconciled transactions in booking order straight from an index", async () => {
    const [plan] = await plans((db) => unreconciledTransactions(db, MERCHANT, 500));
    const main = plan!.join("\n");
    expect(main).toMatch(/SEARCH bank_transactions USING INDEX bank_transactions_booking_order/);
    expect(main).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    expect(plan!.filter((line) => HOT_TABLES.test(line))).toEqual([]);
  });
});

/** The tables a return touches, none of them to be walked. */
const RETURN_TABLES =
  /^SCAN (invoices|customers|sepa_mandates|bank_transactions|sepa_collection_items|sepa_collection_runs|payment_allocations|payment_returns|merchants|email_settings)\b/;

/** A walk through all of a merchant's rows by an index that only starts with the merchant. */
const MERCHANT_WALK =
  /^SEARCH \w+ USING (COVERING )?INDEX (?!sqlite_autoindex_)\w+ \(merchant_id=\?\)/;

const walks = (plan: string[]) =>
  plan.filter((line) => RETURN_TABLES.test(line) || MERCHANT_WALK.test(line));

describe("query plans of the returns' reads and writes", () => {
  it("finds the collections of a run's returns, each kind of key through its own index", async () => {
    const [byEndToEnd, byMandate, byNumber] = await plans((db) =>
      collectionsForReturns(db, MERCHANT, {
        endToEndIds: ["RF18539007547034", "RF71123456789"],
        mandateAmounts: [
          ["M-ERIKA-1", 3570],
          ["M-MAX-1", 7140],
        ],
        invoiceNumbers: ["RE-2027-000123", "RE-2027-000124"],
      }),
    );
    expect(byEndToEnd!.join("\n")).toMatch(/USING INDEX sepa_collection_items_e2e/);
    expect(byMandate!.join("\n")).toMatch(/USING INDEX sepa_collection_items_mandate \(/);
    expect(byNumber!.join("\n")).toMatch(/USING INDEX sepa_collection_items_number/);
    for (const plan of [byEndToEnd, byMandate, byNumber]) expect(walks(plan!)).toEqual([]);
  });

  it("reads what the bookings need in six selects, none walking a table", async () => {
    const found = await plans((db) =>
      returnContext(db, MERCHANT, { invoiceIds: ["inv_1", "inv_2"], itemIds: ["sci_1"] }).catch(
        // No merchant in the empty database: the reads were sent all the same.
        () => undefined,
      ),
    );
    expect(found).toHaveLength(6);
    for (const plan of found) expect(walks(plan)).toEqual([]);
    expect(found[1]!.join("\n")).toMatch(/USING INDEX payment_allocations_item/);
  });

  it("books a group of returns without walking a table", async () => {
    const booking = (i: number) => ({
      entryId: `rce_${i}`,
      bankTransactionId: `btx_${i}`,
      expectedStatus: "unmatched",
      seq: 1,
      rule: "end_to_end",
      reasonCode: "AM04",
      reasonClass: "retryable",
      statusReason: "Returned direct debit: AM04.",
      returnId: `prt_${i}`,
      collectionItemId: `sci_${i}`,
      invoiceId: `inv_${i}`,
      customerId: `cus_${i}`,
      mandateId: `mdt_${i}`,
      allocationId: null,
      amount: 3570,
      fee: 300,
      currency: "EUR",
      mandateEffect: "retryable",
      returnDate: "2027-03-18",
      mandate: {
        status: "dead",
        statusReason: "return:AC04",
        revoke: true,
        restartSequence: false,
      },
      events: [{ id: `evt_${i}`, type: "payment.returned", payload: "{}" }],
      email: { id: `eml_${i}`, kind: "debit_returned", data: "{}" },
      feeInvoice: null,
    });
    const written = await plans(async (db) =>
      returnBookingStatements(db, MERCHANT, new Date("2027-03-18T10:00:00Z"), [
        booking(1),
        booking(2),
      ]),
    );
    expect(written.length).toBeGreaterThanOrEqual(10);
    for (const plan of written) expect(plan.filter((line) => RETURN_TABLES.test(line))).toEqual([]);
  });
});

describe("query plans of the billing run's reads", () => {
  it("finds due contracts through the contracts_due index, never by walking all contracts", async () => {
    const [plan] = await plans((db) => findDueContracts(db, "2027-02-01", "", 50, MERCHANT));
    const text = plan!.join("\n");
    expect(text).toMatch(/USING (COVERING )?INDEX contracts_due/);
    expect(text).toMatch(/USING (COVERING )?INDEX contract_changes_due/);
    expect(plan!.filter((line) => /^SCAN contracts\b/.test(line))).toEqual([]);
  });

  it("keeps the contracts_due index when the cron asks for live merchants only", async () => {
    const [plan] = await plans((db) => findDueContracts(db, "2027-02-01", "", 50));
    const text = plan!.join("\n");
    expect(text).toMatch(/USING (COVERING )?INDEX contracts_due/);
    expect(plan!.filter((line) => /^SCAN (contracts|merchants)\b/.test(line))).toEqual([]);
  });
});
