// Matches incoming bank payments to open invoices (DESIGN "Reconciliation"): (1) reference or
// invoice number in the bank text, (2) payer IBAN → customer with exactly one open invoice of
// that amount, (3) that customer's oldest open invoices summing to the amount. Only a unique
// answer is booked; everything else goes to review with ranked candidates. Every lookup goes
// through maps built once, so the work per transaction does not grow with the invoice count.
import type { IsoDate } from "./calendar.ts";
import type { Cents } from "./money.ts";
import {
  invoiceNumberKey,
  referenceKey,
  scanTransactionReferences,
  type ScannedReferences,
} from "./payment-reference-scan.ts";

export interface InvoiceForMatching {
  id: string;
  customerId: string;
  number: string;
  paymentReference: string;
  /** What is still owed, in cents. */
  openAmount: Cents;
  issueDate: IsoDate;
  /** `open` / `partially_paid` can take money; paid or void ones are kept to recognise their references. */
  status: string;
}

export interface IncomingTransaction {
  id: string;
  /** Cents; only amounts > 0 are payments. */
  amount: Cents;
  purpose?: string | null;
  endToEndReference?: string | null;
  counterpartIban?: string | null;
  counterpartName?: string | null;
  bookingDate: IsoDate;
}

export type MatchOutcome = "matched" | "partially_matched" | "overpaid" | "review" | "unmatched";
export type MatchRule = "reference" | "iban_amount" | "iban_sum";

export type ReviewReason =
  | "not_incoming"
  | "reference_ambiguous_amount"
  | "reference_other_customer"
  | "reference_closed_invoice"
  | "same_amount_ambiguous"
  | "sum_ambiguous"
  | "payer_iban_ambiguous"
  | "no_rule_matched";

export type CandidateReason =
  | "payment_reference"
  | "invoice_number"
  | "payer_iban_customer"
  | "amount_equal"
  | "part_of_exact_sum"
  | "oldest_open_of_payer"
  | "other_customer_than_payer"
  | "already_settled"
  | "issued_after_payment";

export interface Allocation {
  invoiceId: string;
  amount: Cents;
}

export interface Candidate {
  invoiceId: string;
  score: number;
  reasons: CandidateReason[];
}

export interface MatchResult {
  transactionId: string;
  outcome: MatchOutcome;
  rule: MatchRule | null;
  allocations: Allocation[];
  /**
   * The part of the amount not allocated to an invoice: customer credit when `overpaid`, the
   * whole amount awaiting a person for `review`/`unmatched`. allocations + remainder = amount.
   */
  remainder: Cents;
  /** Ranked best first; only for `review` and `unmatched`. */
  candidates: Candidate[];
  reviewReason: ReviewReason | null;
}

/** The caller's invoice objects are indexed as they are, not copied, and never written to. */
export type IndexedInvoice = Readonly<InvoiceForMatching>;

/** Invoices under one key, oldest first; empty when there are none. */
export interface InvoiceLookup<K> {
  get(key: K): readonly IndexedInvoice[];
}

export interface CustomerLookup {
  /** The customer's open invoices, oldest first. */
  open(customerId: string): readonly IndexedInvoice[];
  /** The customer's open invoices of exactly that amount, oldest first. */
  withAmount(customerId: string, amount: Cents): readonly IndexedInvoice[];
}

export interface MatchingIndex {
  readonly byReference: InvoiceLookup<string>;
  readonly byNumber: InvoiceLookup<string>;
  /** By customer and by (customer, amount); open invoices only. */
  readonly byCustomer: CustomerLookup;
  /** Open invoices by amount, only to suggest candidates for payers we do not know. */
  readonly byAmount: InvoiceLookup<Cents>;
  /** null: the IBAN is on file for more than one customer, so it identifies nobody. */
  readonly customerByIban: ReadonlyMap<string, string | null>;
}

/** Rule 3 books at most this many invoices with one payment (DESIGN). */
export const MAX_SUM_INVOICES = 5;
/** The combination search looks at the payer's oldest open invoices only, to stay bounded. */
const SUM_SEARCH_WINDOW = 12;
const SUM_SEARCH_BUDGET = 4_000;
/** Upper bound of index entries inspected per list, whatever the batch has already paid. */
const SCAN_LIMIT = 64;
/** Suggestions to an unknown payer look at this many open invoices of the amount, oldest first. */
export const SUGGESTION_SCAN_LIMIT = SCAN_LIMIT;
const MAX_CANDIDATES = 10;
const OPEN_STATUSES = new Set(["open", "partially_paid"]);

// ---------------------------------------------------------------------------------------------
// Index

export function normaliseIban(iban: string): string {
  return iban.toUpperCase().replace(/[^0-9A-Z]/g, "");
}

/** Only for the few invoices a batch pays in part; the index itself uses CustomerAmountMap. */
function customerAmountKey(customerId: string, amount: Cents): string {
  return `${customerId}\u0000${amount}`;
}

/** Oldest first, then by number and id: a total order, so no result depends on input order. */
function canonicalOrder(a: IndexedInvoice, b: IndexedInvoice): number {
  if (a.issueDate !== b.issueDate) return a.issueDate < b.issueDate ? -1 : 1;
  if (a.number !== b.number) return a.number < b.number ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function isOpen(invoice: IndexedInvoice): boolean {
  return invoice.openAmount > 0 && OPEN_STATUSES.has(invoice.status);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const NONE: readonly IndexedInvoice[] = [];

/**
 * Most keys (references, numbers) hold one invoice, so a lone invoice is stored bare and only a
 * second one makes a list. A list is put in canonical order when it is first read: sorting
 * all 50 000 invoices up front cost n·log n for lists that a batch mostly never reads.
 */
type OneOrMore = IndexedInvoice | IndexedInvoice[];

function withOneMore(known: OneOrMore | undefined, invoice: IndexedInvoice): OneOrMore {
  if (known === undefined) return invoice;
  if (!Array.isArray(known)) return [known, invoice];
  known.push(invoice);
  return known;
}

const sortedLists = new WeakSet<IndexedInvoice[]>();

function inCanonicalOrder(known: OneOrMore | undefined): readonly IndexedInvoice[] {
  if (known === undefined) return NONE;
  if (!Array.isArray(known)) return [known];
  if (!sortedLists.has(known)) {
    known.sort(canonicalOrder);
    sortedLists.add(known);
  }
  return known;
}

class MultiMap<K> implements InvoiceLookup<K> {
  private readonly entries = new Map<K, OneOrMore>();

  add(key: K, invoice: IndexedInvoice): void {
    const known = this.entries.get(key);
    const next = withOneMore(known, invoice);
    if (next !== known) this.entries.set(key, next);
  }

  get(key: K): readonly IndexedInvoice[] {
    return inCanonicalOrder(this.entries.get(key));
  }
}

interface CustomerEntry {
  open: OneOrMore;
  /** Made on the first amount lookup, for customers with many open invoices only. */
  byAmount: Map<Cents, IndexedInvoice[]> | null;
}

/** Up to this many open invoices, a customer's list is scanned for an amount instead of hashed. */
const SMALL_CUSTOMER = 8;

function groupByAmount(open: readonly IndexedInvoice[]): Map<Cents, IndexedInvoice[]> {
  const groups = new Map<Cents, IndexedInvoice[]>();
  for (const invoice of open) pushTo(groups, invoice.openAmount, invoice);
  return groups;
}

/**
 * By customer, and by (customer, amount) inside each customer's entry. A global (customer,
 * amount) map built up front was a third of the index build at 50 000 invoices (hash-table
 * misses), while most customers have a handful of open invoices that are quicker to scan; the
 * few with many get their own amount map when first asked, so a lookup stays constant-time
 * and always sees all of the customer's invoices.
 */
class CustomerMap implements CustomerLookup {
  private readonly customers = new Map<string, CustomerEntry>();

  add(invoice: IndexedInvoice): void {
    const entry = this.customers.get(invoice.customerId);
    if (entry) entry.open = withOneMore(entry.open, invoice);
    else this.customers.set(invoice.customerId, { open: invoice, byAmount: null });
  }

  open(customerId: string): readonly IndexedInvoice[] {
    return inCanonicalOrder(this.customers.get(customerId)?.open);
  }

  withAmount(customerId: string, amount: Cents): readonly IndexedInvoice[] {
    const entry = this.customers.get(customerId);
    if (!entry) return NONE;
    const open = inCanonicalOrder(entry.open);
    if (open.length <= SMALL_CUSTOMER)
      return open.filter((invoice) => invoice.openAmount === amount);
    entry.byAmount ??= groupByAmount(open);
    return entry.byAmount.get(amount) ?? NONE;
  }
}

function indexIbans(
  customerIbans: Iterable<readonly [string, string]>,
): Map<string, string | null> {
  const byIban = new Map<string, string | null>();
  for (const [iban, customerId] of customerIbans) {
    const key = normaliseIban(iban);
    if (key === "") continue;
    const known = byIban.get(key);
    byIban.set(key, known === undefined || known === customerId ? customerId : null);
  }
  return byIban;
}

function assertInvoice(invoice: InvoiceForMatching): void {
  if (!Number.isSafeInteger(invoice.openAmount) || invoice.openAmount < 0) {
    throw new RangeError(
      `invoice ${invoice.id}: openAmount must be non-negative integer cents, got ${invoice.openAmount}`,
    );
  }
}

/**
 * Built once per run from invoices with unique ids. Every list is read in one canonical order
 * (see MultiMap), so every result is the same whatever order the invoices arrived in.
 */
export function buildMatchingIndex(
  invoices: readonly InvoiceForMatching[],
  customerIbans: Iterable<readonly [iban: string, customerId: string]>,
): MatchingIndex {
  return indexInvoices(invoices, indexIbans(customerIbans), null);
}

/** What a batch can look up: the keys its texts name, its payers and its unplaced amounts. */
interface Reach {
  references: Set<string>;
  numbers: Set<string>;
  customers: Set<string>;
  amounts: Set<Cents>;
}

function reachOf(
  transactions: readonly IncomingTransaction[],
  prepared: readonly Prepared[],
): Reach {
  const reach: Reach = {
    references: new Set(),
    numbers: new Set(),
    customers: new Set(),
    amounts: new Set(),
  };
  transactions.forEach((tx, i) => {
    const { scanned, payer } = prepared[i] as Prepared;
    scanned.creditorReferences.forEach((key) => reach.references.add(key));
    scanned.invoiceNumbers.forEach((key) => reach.numbers.add(key));
    scanned.wholeKeys.forEach((key) => {
      reach.references.add(key);
      reach.numbers.add(invoiceNumberKey(key));
    });
    if (payer) reach.customers.add(payer);
    else reach.amounts.add(tx.amount);
  });
  return reach;
}

/** What a statement can look up, as lists: the store loads exactly these invoices. */
export interface StatementReach {
  /** Payment references and invoice numbers the texts name (any invoice status). */
  references: string[];
  numbers: string[];
  /** Payers known by their IBAN: their open invoices. */
  customers: string[];
  /** Amounts of transactions without a known payer: open invoices with that open amount. */
  amounts: Cents[];
}

/**
 * The invoices matchStatement can look at for these transactions and payers; loading only
 * these (plus anything else) gives the same results as loading every invoice of the merchant.
 */
export function statementReach(
  transactions: readonly IncomingTransaction[],
  customerIbans: Iterable<readonly [iban: string, customerId: string]>,
): StatementReach {
  const customerByIban = indexIbans(customerIbans);
  const reach = reachOf(
    transactions,
    transactions.map((tx) => prepare(tx, customerByIban)),
  );
  return {
    references: [...reach.references],
    numbers: [...reach.numbers],
    customers: [...reach.customers],
    amounts: [...reach.amounts],
  };
}

/** With a reach, only what the batch can look up is indexed, so every lookup answers the same. */
function indexInvoices(
  invoices: readonly InvoiceForMatching[],
  customerByIban: Map<string, string | null>,
  reach: Reach | null,
): MatchingIndex {
  const index = {
    byReference: new MultiMap<string>(),
    byNumber: new MultiMap<string>(),
    byCustomer: new CustomerMap(),
    byAmount: new MultiMap<Cents>(),
    customerByIban,
  };
  invoices.forEach(assertInvoice);
  const open = invoices.filter(isOpen);
  // One pass per map: filling all maps in one loop touched four hash tables per invoice, and
  // at 50 000 invoices they no longer share the CPU cache (the build took about twice as long).
  for (const invoice of invoices) {
    const key = referenceKey(invoice.paymentReference);
    if (!reach || reach.references.has(key)) index.byReference.add(key, invoice);
  }
  for (const invoice of invoices) {
    const key = invoiceNumberKey(invoice.number);
    if (!reach || reach.numbers.has(key)) index.byNumber.add(key, invoice);
  }
  for (const invoice of open)
    if (!reach || reach.customers.has(invoice.customerId)) index.byCustomer.add(invoice);
  for (const invoice of open)
    if (!reach || reach.amounts.has(invoice.openAmount))
      index.byAmount.add(invoice.openAmount, invoice);
  return index;
}

// ---------------------------------------------------------------------------------------------
// Batch state: what earlier transactions of the same batch already paid

interface Booking {
  invoice: IndexedInvoice;
  amount: Cents;
}

/**
 * The index stays untouched; a batch records paid amounts beside it. An invoice that is
 * partly paid moves to the bucket of its new open amount, so rule 2 still finds it there.
 */
class BatchState {
  private readonly paid = new Map<string, Cents>();
  private readonly movedBuckets = new Map<string, IndexedInvoice[]>();

  remaining(invoice: IndexedInvoice): Cents {
    return isOpen(invoice) ? invoice.openAmount - (this.paid.get(invoice.id) ?? 0) : 0;
  }

  /**
   * The customer's invoices with exactly `amount` still open, up to `limit`. Not cut off at
   * SCAN_LIMIT: "exactly one" must mean one in the whole list, or rule 2 could guess.
   */
  bucket(index: MatchingIndex, customerId: string, amount: Cents, limit: number): IndexedInvoice[] {
    const found: IndexedInvoice[] = [];
    const moved = this.movedBuckets.get(customerAmountKey(customerId, amount)) ?? NONE;
    for (const list of [index.byCustomer.withAmount(customerId, amount), moved]) {
      for (const invoice of list) {
        if (found.length === limit) break;
        if (this.remaining(invoice) === amount && !found.includes(invoice)) found.push(invoice);
      }
    }
    return found.sort(canonicalOrder);
  }

  book(bookings: readonly Booking[]): void {
    for (const { invoice, amount } of bookings) {
      this.paid.set(invoice.id, (this.paid.get(invoice.id) ?? 0) + amount);
      const left = this.remaining(invoice);
      if (left > 0) pushTo(this.movedBuckets, customerAmountKey(invoice.customerId, left), invoice);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Candidates for review

const REASON_WEIGHT: Record<CandidateReason, number> = {
  payment_reference: 50,
  invoice_number: 45,
  payer_iban_customer: 25,
  amount_equal: 20,
  part_of_exact_sum: 15,
  oldest_open_of_payer: 5,
  other_customer_than_payer: -20,
  already_settled: -40,
  issued_after_payment: -10,
};

class CandidateList {
  private readonly entries = new Map<
    string,
    { invoice: IndexedInvoice; reasons: Set<CandidateReason> }
  >();

  add(invoice: IndexedInvoice, ...reasons: CandidateReason[]): void {
    const entry = this.entries.get(invoice.id) ?? { invoice, reasons: new Set<CandidateReason>() };
    reasons.forEach((reason) => entry.reasons.add(reason));
    this.entries.set(invoice.id, entry);
  }

  /** Scores add up per invoice; ties go to the older invoice so the ranking is stable. */
  ranked(tx: IncomingTransaction, state: BatchState): Candidate[] {
    const scored = [...this.entries.values()].map(({ invoice, reasons }) => {
      if (state.remaining(invoice) === tx.amount) reasons.add("amount_equal");
      if (state.remaining(invoice) === 0) reasons.add("already_settled");
      if (invoice.issueDate > tx.bookingDate) reasons.add("issued_after_payment");
      const list = [...reasons].sort((a, b) => REASON_WEIGHT[b] - REASON_WEIGHT[a]);
      const score = Math.max(
        0,
        Math.min(
          100,
          list.reduce((sum, reason) => sum + REASON_WEIGHT[reason], 0),
        ),
      );
      return { invoice, candidate: { invoiceId: invoice.id, score, reasons: list } };
    });
    scored.sort(
      (a, b) => b.candidate.score - a.candidate.score || canonicalOrder(a.invoice, b.invoice),
    );
    return scored.slice(0, MAX_CANDIDATES).map(({ candidate }) => candidate);
  }
}

// ---------------------------------------------------------------------------------------------
// Results

/** Records the bookings in the batch state at once, so the next transaction sees them. */
function booked(
  tx: IncomingTransaction,
  rule: MatchRule,
  bookings: Booking[],
  state: BatchState,
  partial = false,
): MatchResult {
  state.book(bookings);
  const allocations = bookings.map(({ invoice, amount }) => ({ invoiceId: invoice.id, amount }));
  const allocated = allocations.reduce((sum, allocation) => sum + allocation.amount, 0);
  const outcome: MatchOutcome =
    allocated < tx.amount ? "overpaid" : partial ? "partially_matched" : "matched";
  return {
    transactionId: tx.id,
    outcome,
    rule,
    allocations,
    remainder: tx.amount - allocated,
    candidates: [],
    reviewReason: null,
  };
}

/** Nothing to suggest is `unmatched`; both land in front of a person, the reason says why. */
function review(
  tx: IncomingTransaction,
  reason: ReviewReason,
  candidates: Candidate[],
): MatchResult {
  const outcome: MatchOutcome = candidates.length === 0 ? "unmatched" : "review";
  return {
    transactionId: tx.id,
    outcome,
    rule: null,
    allocations: [],
    remainder: tx.amount,
    candidates,
    reviewReason: reason,
  };
}

// ---------------------------------------------------------------------------------------------
// Rule 1: reference or invoice number in the bank text

interface ReferencedInvoices {
  invoices: IndexedInvoice[];
  reasons: Map<string, CandidateReason[]>;
}

function collectReferenced(scanned: ScannedReferences, index: MatchingIndex): ReferencedInvoices {
  const found = new Map<string, IndexedInvoice>();
  const reasons = new Map<string, CandidateReason[]>();
  const note = (list: readonly IndexedInvoice[], reason: CandidateReason): void => {
    for (const invoice of list) {
      found.set(invoice.id, invoice);
      const known = reasons.get(invoice.id) ?? [];
      if (!known.includes(reason)) reasons.set(invoice.id, [...known, reason]);
    }
  };
  scanned.creditorReferences.forEach((key) =>
    note(index.byReference.get(key), "payment_reference"),
  );
  scanned.invoiceNumbers.forEach((key) => note(index.byNumber.get(key), "invoice_number"));
  scanned.wholeKeys.forEach((key) => {
    note(index.byReference.get(key), "payment_reference");
    note(index.byNumber.get(invoiceNumberKey(key)), "invoice_number");
  });
  return { invoices: [...found.values()].sort(canonicalOrder), reasons };
}

function referenceRule(
  tx: IncomingTransaction,
  referenced: ReferencedInvoices,
  payer: string | null,
  state: BatchState,
): MatchResult {
  const candidates = new CandidateList();
  for (const invoice of referenced.invoices) {
    candidates.add(invoice, ...(referenced.reasons.get(invoice.id) ?? []));
    if (payer !== null && invoice.customerId !== payer)
      candidates.add(invoice, "other_customer_than_payer");
  }
  const open = referenced.invoices.filter((invoice) => state.remaining(invoice) > 0);
  if (open.length === 0)
    return review(tx, "reference_closed_invoice", candidates.ranked(tx, state));
  if (payer !== null && open.some((invoice) => invoice.customerId !== payer)) {
    return review(tx, "reference_other_customer", candidates.ranked(tx, state));
  }
  if (open.length === 1) return bookSingleReference(tx, open[0] as IndexedInvoice, state);
  const total = open.reduce((sum, invoice) => sum + state.remaining(invoice), 0);
  if (total !== tx.amount)
    return review(tx, "reference_ambiguous_amount", candidates.ranked(tx, state));
  return booked(tx, "reference", fullBookings(open, state), state);
}

/** Less than owed: a partial payment; more: the invoice is settled and the rest is credit. */
function bookSingleReference(
  tx: IncomingTransaction,
  invoice: IndexedInvoice,
  state: BatchState,
): MatchResult {
  const owed = state.remaining(invoice);
  return booked(
    tx,
    "reference",
    [{ invoice, amount: Math.min(owed, tx.amount) }],
    state,
    tx.amount < owed,
  );
}

// ---------------------------------------------------------------------------------------------
// Rules 2 and 3: the payer's IBAN identifies the customer

function openOfCustomer(
  index: MatchingIndex,
  customerId: string,
  state: BatchState,
  limit: number,
): IndexedInvoice[] {
  const open: IndexedInvoice[] = [];
  for (const invoice of index.byCustomer.open(customerId).slice(0, SCAN_LIMIT)) {
    if (state.remaining(invoice) > 0) open.push(invoice);
    if (open.length === limit) break;
  }
  return open;
}

/** Oldest first: the prefix sums grow strictly, so at most one prefix can fit exactly. */
function oldestPrefixSum(
  open: readonly IndexedInvoice[],
  amount: Cents,
  state: BatchState,
): IndexedInvoice[] | null {
  let sum = 0;
  for (let count = 1; count <= Math.min(MAX_SUM_INVOICES, open.length); count++) {
    sum += state.remaining(open[count - 1] as IndexedInvoice);
    if (sum === amount && count >= 2) return open.slice(0, count);
    if (sum >= amount) return null;
  }
  return null;
}

/**
 * Other combinations of 2…5 of the oldest open invoices; stops at the second hit (one is a
 * booking, two are a question for a person) or when the step budget is spent.
 */
function exactCombinations(
  open: readonly IndexedInvoice[],
  amount: Cents,
  state: BatchState,
): IndexedInvoice[][] {
  const window = open.slice(0, SUM_SEARCH_WINDOW);
  const hits: IndexedInvoice[][] = [];
  let steps = 0;
  const search = (start: number, chosen: IndexedInvoice[], sum: number): void => {
    for (let i = start; i < window.length && hits.length < 2 && steps++ < SUM_SEARCH_BUDGET; i++) {
      const invoice = window[i] as IndexedInvoice;
      const next = sum + state.remaining(invoice);
      if (next > amount) continue;
      const picked = [...chosen, invoice];
      if (next === amount && picked.length >= 2) hits.push(picked);
      else if (next < amount && picked.length < MAX_SUM_INVOICES) search(i + 1, picked, next);
    }
  };
  search(0, [], 0);
  return hits;
}

function fullBookings(invoices: readonly IndexedInvoice[], state: BatchState): Booking[] {
  return invoices.map((invoice) => ({ invoice, amount: state.remaining(invoice) }));
}

function payerRules(
  tx: IncomingTransaction,
  index: MatchingIndex,
  customerId: string,
  state: BatchState,
): MatchResult {
  const candidates = new CandidateList();
  const sameAmount = state.bucket(index, customerId, tx.amount, MAX_CANDIDATES);
  if (sameAmount.length === 1)
    return booked(tx, "iban_amount", fullBookings(sameAmount, state), state);
  sameAmount.forEach((invoice) => candidates.add(invoice, "payer_iban_customer"));
  if (sameAmount.length > 1)
    return review(tx, "same_amount_ambiguous", candidates.ranked(tx, state));

  const open = openOfCustomer(index, customerId, state, SUM_SEARCH_WINDOW);
  const prefix = oldestPrefixSum(open, tx.amount, state);
  if (prefix) return booked(tx, "iban_sum", fullBookings(prefix, state), state);
  const combinations = exactCombinations(open, tx.amount, state);
  if (combinations.length === 1)
    return booked(tx, "iban_sum", fullBookings(combinations[0] ?? [], state), state);
  combinations
    .flat()
    .forEach((invoice) => candidates.add(invoice, "payer_iban_customer", "part_of_exact_sum"));
  open
    .slice(0, MAX_SUM_INVOICES)
    .forEach((invoice) => candidates.add(invoice, "payer_iban_customer", "oldest_open_of_payer"));
  return review(
    tx,
    combinations.length > 1 ? "sum_ambiguous" : "no_rule_matched",
    candidates.ranked(tx, state),
  );
}

// ---------------------------------------------------------------------------------------------
// No rule: suggestions only

function sameAmountAnywhere(
  tx: IncomingTransaction,
  index: MatchingIndex,
  state: BatchState,
  reason: ReviewReason,
): MatchResult {
  const candidates = new CandidateList();
  for (const invoice of index.byAmount.get(tx.amount).slice(0, SCAN_LIMIT)) {
    if (state.remaining(invoice) === tx.amount) candidates.add(invoice);
  }
  return review(tx, reason, candidates.ranked(tx, state));
}

/** What a transaction brings before any invoice is looked at; null payer: an IBAN two customers share. */
interface Prepared {
  scanned: ScannedReferences;
  payer: string | null | undefined;
}

function prepare(
  tx: IncomingTransaction,
  customerByIban: ReadonlyMap<string, string | null>,
): Prepared {
  return {
    scanned: scanTransactionReferences(tx),
    payer: customerByIban.get(normaliseIban(tx.counterpartIban ?? "")),
  };
}

function matchWithState(
  tx: IncomingTransaction,
  index: MatchingIndex,
  state: BatchState,
  { scanned, payer }: Prepared = prepare(tx, index.customerByIban),
): MatchResult {
  if (!Number.isSafeInteger(tx.amount))
    throw new RangeError(`transaction ${tx.id}: amount must be integer cents, got ${tx.amount}`);
  if (tx.amount <= 0) return review(tx, "not_incoming", []);
  const referenced = collectReferenced(scanned, index);
  if (referenced.invoices.length > 0) return referenceRule(tx, referenced, payer ?? null, state);
  if (payer) return payerRules(tx, index, payer, state);
  return sameAmountAnywhere(
    tx,
    index,
    state,
    payer === null ? "payer_iban_ambiguous" : "no_rule_matched",
  );
}

/** One transaction against the index as built (nothing paid yet). */
export function matchPayment(tx: IncomingTransaction, index: MatchingIndex): MatchResult {
  return matchWithState(tx, index, new BatchState());
}

/**
 * Transactions in the given order; what one books is no longer open for the next, so two
 * transfers for one invoice never both settle it. The index itself is not changed.
 */
export function matchBatch(
  transactions: readonly IncomingTransaction[],
  index: MatchingIndex,
): MatchResult[] {
  const state = new BatchState();
  return transactions.map((tx) => matchWithState(tx, index, state));
}

/**
 * matchBatch for one statement against all the merchant's invoices, without indexing what no
 * transaction can look up: the texts are scanned first, and only invoices they name, invoices of
 * their payers and (for unknown payers' suggestions) invoices of their amounts are indexed. The
 * results are those of `matchBatch(transactions, buildMatchingIndex(invoices, customerIbans))`;
 * the index stays small, so 10× the invoices does not cost 10× the cache misses.
 */
export function matchStatement(
  transactions: readonly IncomingTransaction[],
  invoices: readonly InvoiceForMatching[],
  customerIbans: Iterable<readonly [iban: string, customerId: string]>,
): MatchResult[] {
  const customerByIban = indexIbans(customerIbans);
  const prepared = transactions.map((tx) => prepare(tx, customerByIban));
  const index = indexInvoices(invoices, customerByIban, reachOf(transactions, prepared));
  const state = new BatchState();
  return transactions.map((tx, i) => matchWithState(tx, index, state, prepared[i]));
}
