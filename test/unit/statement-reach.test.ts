// The reconciliation loads only the invoices a statement can reach (worker/store/reconciliation-
// load.ts, issue 15): those its texts name, the known payers' open ones, and the first open ones
// of each unknown payer's amount. Filtering the generated 1k × 5k and 2k × 20k data exactly as
// those queries do must give the matcher's results on all invoices, transaction for transaction.
import { describe, expect, it } from "vitest";
import {
  matchStatement,
  statementReach,
  SUGGESTION_SCAN_LIMIT,
  type InvoiceForMatching,
} from "../../worker/domain/payment-matching.ts";
import { generateMatchingData } from "../support/matching-data.ts";

/** What the four candidate queries return, spelled as their SQL: raw columns, open = takes money. */
function candidates(
  invoices: readonly InvoiceForMatching[],
  reach: ReturnType<typeof statementReach>,
  perAmount: number,
): InvoiceForMatching[] {
  const references = new Set(reach.references);
  const numbers = new Set(reach.numbers);
  const customers = new Set(reach.customers);
  const amounts = new Set(reach.amounts);
  const open = (invoice: InvoiceForMatching) =>
    ["open", "partially_paid"].includes(invoice.status) && invoice.openAmount > 0;
  const picked = new Map<string, InvoiceForMatching>();
  for (const invoice of invoices) {
    if (references.has(invoice.paymentReference) || numbers.has(invoice.number))
      picked.set(invoice.id, invoice);
    else if (open(invoice) && customers.has(invoice.customerId)) picked.set(invoice.id, invoice);
  }
  const byAmount = new Map<number, InvoiceForMatching[]>();
  for (const invoice of invoices)
    if (open(invoice) && amounts.has(invoice.openAmount))
      byAmount.set(invoice.openAmount, [...(byAmount.get(invoice.openAmount) ?? []), invoice]);
  const order = (a: InvoiceForMatching, b: InvoiceForMatching) =>
    a.issueDate !== b.issueDate
      ? a.issueDate < b.issueDate
        ? -1
        : 1
      : a.number !== b.number
        ? a.number < b.number
          ? -1
          : 1
        : a.id < b.id
          ? -1
          : 1;
  for (const list of byAmount.values())
    for (const invoice of list.sort(order).slice(0, perAmount)) picked.set(invoice.id, invoice);
  // The store returns them in no particular order; the matcher must not care.
  return [...picked.values()].reverse();
}

describe("the invoices a statement can reach", () => {
  for (const [transactions, invoices, seed] of [
    [1_000, 5_000, 20_270_001],
    [2_000, 20_000, 20_270_015],
  ] as const) {
    it(`give the same results as all invoices, ${transactions} × ${invoices}`, () => {
      const data = generateMatchingData(transactions, invoices, seed);
      const reach = statementReach(data.transactions, data.ibans);
      const loaded = candidates(data.invoices, reach, SUGGESTION_SCAN_LIMIT);
      expect(loaded.length).toBeLessThan(data.invoices.length);
      expect(matchStatement(data.transactions, loaded, data.ibans)).toEqual(
        matchStatement(data.transactions, data.invoices, data.ibans),
      );
    });
  }

  it("would differ without the open invoices of the unknown payers' amounts", () => {
    const data = generateMatchingData(1_000, 5_000, 20_270_001);
    const reach = statementReach(data.transactions, data.ibans);
    const full = matchStatement(data.transactions, data.invoices, data.ibans);
    const cut = matchStatement(data.transactions, candidates(data.invoices, reach, 0), data.ibans);
    expect(cut).not.toEqual(full);
  });
});
