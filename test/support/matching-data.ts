// Deterministic bank statements against open invoices for the matching bench and its tests.
// Each transaction is generated as one kind (reference, IBAN + amount, IBAN + oldest-first sum,
// unknown payer) and labelled with the booking the rules must make, or null where the rules
// leave it to a person (a customer with two open invoices of that amount). The generator keeps
// its own ledger of what the labelled bookings paid, so a label holds for the batch in order.
import { paymentReference } from "../../worker/domain/invoice.ts";
import type {
  IncomingTransaction,
  InvoiceForMatching,
  MatchRule,
} from "../../worker/domain/payment-matching.ts";
import { prng } from "./prng.ts";

export type TransactionKind = "reference" | "iban_amount" | "iban_sum" | "unknown_payer";

export interface ExpectedBooking {
  rule: MatchRule;
  invoiceIds: string[];
}

export interface MatchingData {
  invoices: InvoiceForMatching[];
  ibans: [iban: string, customerId: string][];
  transactions: IncomingTransaction[];
  kinds: TransactionKind[];
  /** null: not bookable by the rules (ambiguous or nobody's invoice). */
  expected: (ExpectedBooking | null)[];
}

const PLAN_PRICES = [990, 1_490, 1_990, 2_990, 4_990, 9_900];
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** What the labelled bookings have paid so far, and which invoices a transaction already aimed at. */
class Ledger {
  private readonly paid = new Map<string, number>();
  private readonly aimedAt = new Set<string>();

  constructor(private readonly byCustomer: Map<string, InvoiceForMatching[]>) {}

  owed(invoice: InvoiceForMatching): number {
    return invoice.openAmount - (this.paid.get(invoice.id) ?? 0);
  }

  /** Every invoice is the target of at most one transaction, as on a real statement. */
  aim(invoice: InvoiceForMatching): boolean {
    if (this.aimedAt.has(invoice.id) || this.owed(invoice) <= 0) return false;
    this.aimedAt.add(invoice.id);
    return true;
  }

  openOf(customerId: string): InvoiceForMatching[] {
    return (this.byCustomer.get(customerId) ?? []).filter((invoice) => this.owed(invoice) > 0);
  }

  pay(invoice: InvoiceForMatching, amount: number): void {
    this.paid.set(invoice.id, (this.paid.get(invoice.id) ?? 0) + amount);
  }
}

/** [transactions, invoices, seed] of the two sizes the bench's scaling rows and the work test compare. */
export const MATCHING_SIZES = {
  small: [1_000, 5_000, 20_270_001],
  large: [10_000, 50_000, 20_270_002],
} as const satisfies Record<string, readonly [number, number, number]>;

export function generateMatchingData(
  transactionCount: number,
  invoiceCount: number,
  seed: number,
): MatchingData {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const digits = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  const customerCount = Math.max(1, Math.floor(invoiceCount / 4));
  const ibanOf = Array.from({ length: customerCount }, () => `DE${digits(20)}`);
  const invoices: InvoiceForMatching[] = Array.from({ length: invoiceCount }, (_, i) => ({
    id: `inv_${i}`,
    customerId: `cus_${Math.floor(random() * customerCount)}`,
    number: `RE-2027-${String(i + 1).padStart(6, "0")}`,
    paymentReference: paymentReference(
      Array.from({ length: 16 }, () => pick([...CROCKFORD])).join(""),
    ),
    openAmount: random() < 0.7 ? pick(PLAN_PRICES) : 500 + Math.floor(random() * 50_000),
    issueDate: `2027-0${1 + Math.floor(random() * 6)}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`,
    status: "open",
  }));
  // Oldest first, ties by number: the matcher's order (numbers grow with the index).
  const byCustomer = new Map<string, InvoiceForMatching[]>();
  for (const invoice of invoices) {
    const list = byCustomer.get(invoice.customerId);
    if (list) list.push(invoice);
    else byCustomer.set(invoice.customerId, [invoice]);
  }
  for (const list of byCustomer.values())
    list.sort((a, b) => (a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : 0));
  const ledger = new Ledger(byCustomer);
  const ibanFor = (customerId: string): string => ibanOf[Number(customerId.slice(4))] ?? "";
  const spaced = (value: string): string => value.replace(/(.{4})/g, "$1 ").trim();
  const freshTarget = (): InvoiceForMatching => {
    for (;;) {
      const invoice = pick(invoices);
      if (ledger.aim(invoice)) return invoice;
    }
  };
  /** Rule 2 books the customer's one open invoice of that amount; two are a question. */
  const byAmount = (customerId: string, amount: number): ExpectedBooking | null | undefined => {
    const same = ledger.openOf(customerId).filter((invoice) => ledger.owed(invoice) === amount);
    if (same.length > 1) return null;
    const only = same[0];
    if (!only) return undefined;
    ledger.pay(only, amount);
    return { rule: "iban_amount", invoiceIds: [only.id] };
  };

  const kinds: TransactionKind[] = [];
  const expected: (ExpectedBooking | null)[] = [];
  const transactions = Array.from({ length: transactionCount }, (_, i): IncomingTransaction => {
    const base = {
      id: `btx_${i}`,
      endToEndReference: null,
      counterpartName: "Kunde",
      bookingDate: "2027-07-01",
    };
    const kind = random();
    if (kind < 0.4) {
      const invoice = freshTarget();
      const purposes = [
        `Rechnung ${invoice.number}`,
        `rechnung ${invoice.number.toLowerCase().replace(/-/g, " ")}`,
        `Zahlung ${spaced(invoice.paymentReference)} vielen Dank`,
        `SVWZ+Rechnung ${invoice.number.slice(0, 10)}\n${invoice.number.slice(10)}`,
        `EREF+NOTPROVIDED SVWZ+${invoice.paymentReference}`,
      ];
      const owed = ledger.owed(invoice);
      const amount = random() < 0.9 ? owed : owed + (random() < 0.5 ? -100 : 100);
      ledger.pay(invoice, Math.min(owed, amount));
      kinds.push("reference");
      expected.push({ rule: "reference", invoiceIds: [invoice.id] });
      return {
        ...base,
        amount,
        purpose: pick(purposes),
        counterpartIban: spaced(ibanFor(invoice.customerId)),
      };
    }
    if (kind < 0.65) {
      const invoice = freshTarget();
      const amount = ledger.owed(invoice);
      kinds.push("iban_amount");
      expected.push(byAmount(invoice.customerId, amount) ?? null);
      return {
        ...base,
        amount,
        purpose: "Beitrag",
        counterpartIban: ibanFor(invoice.customerId).toLowerCase(),
      };
    }
    if (kind < 0.8) {
      const { customerId } = freshTarget();
      const oldest = ledger.openOf(customerId).slice(0, 2 + Math.floor(random() * 2));
      oldest.forEach((invoice) => ledger.aim(invoice));
      const amount = oldest.reduce((sum, invoice) => sum + ledger.owed(invoice), 0);
      // A sum that one open invoice also has is rule 2's; otherwise the oldest prefix is rule 3's.
      let booking = byAmount(customerId, amount);
      if (booking === undefined && oldest.length >= 2) {
        oldest.forEach((invoice) => ledger.pay(invoice, ledger.owed(invoice)));
        booking = { rule: "iban_sum", invoiceIds: oldest.map((invoice) => invoice.id) };
      }
      kinds.push("iban_sum");
      expected.push(booking ?? null);
      return { ...base, amount, purpose: "Sammelzahlung", counterpartIban: ibanFor(customerId) };
    }
    kinds.push("unknown_payer");
    expected.push(null);
    return {
      ...base,
      amount: 100 + Math.floor(random() * 30_000),
      purpose: `Spende ${digits(6)}`,
      counterpartIban: `AT${digits(18)}`,
    };
  });
  return {
    invoices,
    ibans: ibanOf.map((iban, customer) => [iban, `cus_${customer}`]),
    transactions,
    kinds,
    expected,
  };
}
