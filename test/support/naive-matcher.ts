// The reference for the payment matcher: the same rules as worker/domain/payment-matching.ts
// written the way one would without an index — every transaction walks every invoice — so the
// bench can measure what the index saves and the agreement test can check that the index
// changes nothing. Only the outcome, the rule and the booked invoices are compared.
import type {
  IncomingTransaction,
  InvoiceForMatching,
  MatchOutcome,
  MatchRule,
} from "../../worker/domain/payment-matching.ts";
import { MAX_SUM_INVOICES, normaliseIban } from "../../worker/domain/payment-matching.ts";
import { referenceKey } from "../../worker/domain/payment-reference-scan.ts";

export interface NaiveResult {
  outcome: MatchOutcome;
  rule: MatchRule | null;
  invoiceIds: string[];
}

/** The rule's search looks at this many of the payer's oldest open invoices (as the matcher). */
const SUM_WINDOW = 12;
const OPEN = new Set(["open", "partially_paid"]);

function oldestFirst(a: InvoiceForMatching, b: InvoiceForMatching): number {
  if (a.issueDate !== b.issueDate) return a.issueDate < b.issueDate ? -1 : 1;
  if (a.number !== b.number) return a.number < b.number ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Every subset of 2…5 of the window whose sum is the amount; two are enough to say "ambiguous". */
function exactSubsets(
  window: readonly InvoiceForMatching[],
  amount: number,
  owed: (invoice: InvoiceForMatching) => number,
): InvoiceForMatching[][] {
  const hits: InvoiceForMatching[][] = [];
  const walk = (start: number, chosen: InvoiceForMatching[], sum: number): void => {
    for (let i = start; i < window.length && hits.length < 2; i++) {
      const invoice = window[i] as InvoiceForMatching;
      const next = sum + owed(invoice);
      const picked = [...chosen, invoice];
      if (next === amount && picked.length >= 2) hits.push(picked);
      else if (next < amount && picked.length < MAX_SUM_INVOICES) walk(i + 1, picked, next);
    }
  };
  walk(0, [], 0);
  return hits;
}

/**
 * Transactions in order, each against all invoices; what one books is no longer open for the
 * next. Keys are prepared once, so the baseline pays only for what makes it naive: the pairs.
 */
export function naiveMatch(
  invoices: readonly InvoiceForMatching[],
  ibans: readonly (readonly [string, string])[],
  transactions: readonly IncomingTransaction[],
): NaiveResult[] {
  const customerByIban = new Map<string, string | null>();
  for (const [iban, customer] of ibans) {
    const key = normaliseIban(iban);
    const known = customerByIban.get(key);
    customerByIban.set(key, known === undefined || known === customer ? customer : null);
  }
  const keys = invoices.map((inv) => ({
    reference: referenceKey(inv.paymentReference),
    number: referenceKey(inv.number),
  }));
  const paid = new Map<string, number>();
  const owed = (inv: InvoiceForMatching): number =>
    OPEN.has(inv.status) ? Math.max(0, inv.openAmount - (paid.get(inv.id) ?? 0)) : 0;
  const book = (
    rule: MatchRule,
    amount: number,
    bookings: [InvoiceForMatching, number][],
    partial = false,
  ): NaiveResult => {
    for (const [inv, part] of bookings) paid.set(inv.id, (paid.get(inv.id) ?? 0) + part);
    const total = bookings.reduce((sum, [, part]) => sum + part, 0);
    const outcome: MatchOutcome =
      total < amount ? "overpaid" : partial ? "partially_matched" : "matched";
    return { outcome, rule, invoiceIds: bookings.map(([inv]) => inv.id) };
  };
  const question = (hasCandidates: boolean): NaiveResult => ({
    outcome: hasCandidates ? "review" : "unmatched",
    rule: null,
    invoiceIds: [],
  });

  return transactions.map((tx) => {
    if (tx.amount <= 0) return question(false);
    const text = referenceKey(`${tx.purpose ?? ""} ${tx.endToEndReference ?? ""}`);
    const payer = customerByIban.get(normaliseIban(tx.counterpartIban ?? "")) ?? null;
    const referenced: InvoiceForMatching[] = [];
    const ofPayer: InvoiceForMatching[] = [];
    let sameAmountAnywhere = false;
    invoices.forEach((inv, i) => {
      const key = keys[i]!;
      if (text.includes(key.reference) || text.includes(key.number)) referenced.push(inv);
      const left = owed(inv);
      if (left > 0 && inv.customerId === payer) ofPayer.push(inv);
      if (left === tx.amount) sameAmountAnywhere = true;
    });

    if (referenced.length > 0) {
      const open = referenced.filter((inv) => owed(inv) > 0).sort(oldestFirst);
      if (open.length === 0) return question(true);
      if (payer !== null && open.some((inv) => inv.customerId !== payer)) return question(true);
      if (open.length === 1) {
        const inv = open[0]!;
        const left = owed(inv);
        return book("reference", tx.amount, [[inv, Math.min(left, tx.amount)]], tx.amount < left);
      }
      const total = open.reduce((sum, inv) => sum + owed(inv), 0);
      if (total !== tx.amount) return question(true);
      return book(
        "reference",
        tx.amount,
        open.map((inv) => [inv, owed(inv)]),
      );
    }
    if (payer === null) return question(sameAmountAnywhere);

    const same = ofPayer.filter((inv) => owed(inv) === tx.amount);
    if (same.length === 1) return book("iban_amount", tx.amount, [[same[0]!, tx.amount]]);
    if (same.length > 1) return question(true);
    const window = ofPayer.sort(oldestFirst).slice(0, SUM_WINDOW);
    const subsets = exactSubsets(window, tx.amount, owed);
    // Oldest first wins: a prefix that fits is booked even when another subset fits too.
    const prefix = subsets.find((subset) => subset.every((inv, i) => inv === window[i]));
    const chosen = prefix ?? (subsets.length === 1 ? subsets[0] : undefined);
    if (chosen)
      return book(
        "iban_sum",
        tx.amount,
        chosen.map((inv) => [inv, owed(inv)]),
      );
    return question(window.length > 0);
  });
}
