// Matches incoming bank payments to open invoices (DESIGN "Reconciliation"): (1) reference or
// invoice number in the bank text, (2) payer IBAN → customer with exactly one open invoice of
// that amount, (3) that customer's oldest open invoices summing to the amount. Only a unique
// answer is booked; everything else goes to review with ranked candidates. Every lookup goes
// through maps built once, so the work per transaction does not grow with the invoice count.
// The hot paths allocate little (one pass over the invoices, maps keyed by invoice objects and
// amounts, arrays for the short lists): garbage that outlives a young-generation cycle is what
// made 10× the data cost more than 10× the time.
import type { IsoDate } from "./calendar.ts";
import type { Cents } from "./money.ts";
import {
  invoiceNumberKey,
  referenceKey,
  scanForMatching,
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
  /**
   * The customer's open invoices of exactly that amount, in no particular order: rule 2 mostly
   * finds one, and sorting all of the customer's invoices to find it read every one of them.
   */
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

/** Upper-case letters and digits only: the reference key form (most IBANs on file already are). */
export function normaliseIban(iban: string): string {
  return referenceKey(iban);
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

/**
 * Stable, in place, the same order as Array.prototype.sort; most lists here hold one to five
 * invoices, and the built-in sort allocates a work array on every call.
 */
function sortShort<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  if (list.length > 16) return list.sort(compare);
  for (let i = 1; i < list.length; i++) {
    const item = list[i] as T;
    let j = i - 1;
    while (j >= 0 && compare(list[j] as T, item) > 0) {
      list[j + 1] = list[j] as T;
      j--;
    }
    list[j + 1] = item;
  }
  return list;
}

const NONE: readonly IndexedInvoice[] = [];

/**
 * Most keys (references, numbers) hold one invoice, so a lone invoice is stored bare and only a
 * second one makes a list. A list is put in canonical order when it is first read: sorting
 * all 50 000 invoices up front cost n·log n for lists that a batch mostly never reads.
 */
type OneOrMore = IndexedInvoice | IndexedInvoice[];

/** Short lists are copied one longer rather than pushed to. */
const SHORT_LIST = 8;

/**
 * `list` with `item` at the end. A push reserves room for 16 more, so a short list that a run
 * keeps (an index list, a candidate's reasons) would hold four times the memory it uses; a
 * copy one longer (concat) is exactly as long as it needs to be. Items are never arrays.
 */
function appended<T extends object | string>(list: T[], item: T): T[] {
  if (list.length >= SHORT_LIST) {
    list.push(item);
    return list;
  }
  return list.concat(item);
}

function withOneMore(known: OneOrMore | undefined, invoice: IndexedInvoice): OneOrMore {
  if (known === undefined) return invoice;
  if (!Array.isArray(known)) return [known, invoice];
  return appended(known, invoice);
}

/** The lists a map has put in canonical order; owned by the map, so it dies with it. */
type SortedLists = Set<IndexedInvoice[]>;

function inCanonicalOrder(
  known: OneOrMore | undefined,
  sorted: SortedLists,
): readonly IndexedInvoice[] {
  if (known === undefined) return NONE;
  if (!Array.isArray(known)) return [known];
  if (!sorted.has(known)) {
    sortShort(known, canonicalOrder);
    sorted.add(known);
  }
  return known;
}

/**
 * With `expected` keys (a statement's reach), other keys are not kept, and the map holds the
 * expected key objects themselves: the statement's own lookups then find their key by identity
 * rather than by comparing strings stored all over the invoices' memory.
 */
class MultiMap<K> implements InvoiceLookup<K> {
  /** null: an expected key with no invoice (yet). */
  private readonly entries = new Map<K, OneOrMore | null>();
  private readonly sorted: SortedLists = new Set();
  private readonly onlyExpected: boolean;

  /** `onlyExpected`: keeps only the keys it is told to expect before the invoices come. */
  constructor(onlyExpected = false) {
    this.onlyExpected = onlyExpected;
  }

  expect(key: K): void {
    if (!this.entries.has(key)) this.entries.set(key, null);
  }

  /** The keys in the order they were first expected or added. */
  keys(): IterableIterator<K> {
    return this.entries.keys();
  }

  add(key: K, invoice: IndexedInvoice): void {
    const known = this.entries.get(key);
    if (known === undefined && this.onlyExpected) return;
    const next = withOneMore(known ?? undefined, invoice);
    if (next !== known) this.entries.set(key, next);
  }

  get(key: K): readonly IndexedInvoice[] {
    return inCanonicalOrder(this.entries.get(key) ?? undefined, this.sorted);
  }
}

interface CustomerEntry {
  /** undefined: a customer the map was told to expect, with no open invoice (yet). */
  open: OneOrMore | undefined;
  /** Made on the first amount lookup, for customers with many open invoices only. */
  byAmount: Map<Cents, IndexedInvoice[]> | null;
}

/** Up to this many open invoices, a customer's list is scanned for an amount instead of hashed. */
const SMALL_CUSTOMER = 8;

function withOpenAmount(open: readonly IndexedInvoice[], amount: Cents): readonly IndexedInvoice[] {
  let found: IndexedInvoice[] | null = null;
  for (const invoice of open)
    if (invoice.openAmount === amount) found = found ? appended(found, invoice) : [invoice];
  return found ?? NONE;
}

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
  private readonly sorted: SortedLists = new Set();
  private readonly onlyExpected: boolean;

  /**
   * With `expected`, the invoices of other customers are not kept: one lookup per invoice
   * both decides and files it (a set test and then a map lookup cost two).
   */
  constructor(onlyExpected = false) {
    this.onlyExpected = onlyExpected;
  }

  expect(customerId: string): void {
    if (!this.customers.has(customerId))
      this.customers.set(customerId, { open: undefined, byAmount: null });
  }

  keys(): IterableIterator<string> {
    return this.customers.keys();
  }

  add(invoice: IndexedInvoice): void {
    const entry = this.customers.get(invoice.customerId);
    if (entry) entry.open = withOneMore(entry.open, invoice);
    else if (!this.onlyExpected)
      this.customers.set(invoice.customerId, { open: invoice, byAmount: null });
  }

  open(customerId: string): readonly IndexedInvoice[] {
    return inCanonicalOrder(this.customers.get(customerId)?.open, this.sorted);
  }

  withAmount(customerId: string, amount: Cents): readonly IndexedInvoice[] {
    const entry = this.customers.get(customerId);
    if (!entry || entry.open === undefined) return NONE;
    if (!Array.isArray(entry.open)) return entry.open.openAmount === amount ? [entry.open] : NONE;
    if (entry.open.length <= SMALL_CUSTOMER) return withOpenAmount(entry.open, amount);
    const open = inCanonicalOrder(entry.open, this.sorted);
    entry.byAmount ??= groupByAmount(open);
    return entry.byAmount.get(amount) ?? NONE;
  }
}

function indexIbans(
  customerIbans: Iterable<readonly [string, string]>,
): Map<string, string | null> {
  const byIban = new Map<string, string | null>();
  // Indexing the pair, not destructuring it: `[iban, id]` of a tuple walks an array iterator,
  // a few objects per customer.
  for (const pair of customerIbans) {
    const customerId = pair[1];
    const key = normaliseIban(pair[0]);
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
  return indexAll(invoices, indexIbans(customerIbans));
}

/**
 * What a batch can look up (the keys its texts name, its payers and its unplaced amounts), as
 * an index expecting exactly those keys and holding no invoice yet: the keys go straight into
 * the maps that will hold the invoices, not into sets first.
 */
function reachOf(
  transactions: readonly IncomingTransaction[],
  prepared: readonly Prepared[],
  customerByIban: Map<string, string | null>,
): Index {
  const index = emptyIndex(customerByIban, true);
  for (let i = 0; i < transactions.length; i++) {
    const { scanned, payer } = prepared[i] as Prepared;
    const { creditorReferences, invoiceNumbers, wholeKeys } = scanned;
    for (let k = 0; k < creditorReferences.length; k++)
      index.byReference.expect(creditorReferences[k] as string);
    for (let k = 0; k < invoiceNumbers.length; k++)
      index.byNumber.expect(invoiceNumbers[k] as string);
    for (let k = 0; k < wholeKeys.length; k++) {
      const key = wholeKeys[k] as string;
      index.byReference.expect(key);
      index.byNumber.expect(invoiceNumberKey(key));
    }
    if (payer) index.byCustomer.expect(payer);
    else index.byAmount.expect((transactions[i] as IncomingTransaction).amount);
  }
  return index;
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
    customerByIban,
  );
  return {
    references: [...reach.byReference.keys()],
    numbers: [...reach.byNumber.keys()],
    customers: [...reach.byCustomer.keys()],
    amounts: [...reach.byAmount.keys()],
  };
}

interface Index extends MatchingIndex {
  readonly byReference: MultiMap<string>;
  readonly byNumber: MultiMap<string>;
  readonly byCustomer: CustomerMap;
  readonly byAmount: MultiMap<Cents>;
}

/** `onlyExpected`: the maps keep only the keys they are told to expect (a statement's reach). */
function emptyIndex(customerByIban: Map<string, string | null>, onlyExpected: boolean): Index {
  return {
    byReference: new MultiMap<string>(onlyExpected),
    byNumber: new MultiMap<string>(onlyExpected),
    byCustomer: new CustomerMap(onlyExpected),
    byAmount: new MultiMap<Cents>(onlyExpected),
    customerByIban,
  };
}

/**
 * One pass per map: filling all four full-size maps in one loop touched four large hash tables
 * per invoice, and at 50 000 invoices they no longer share the CPU cache.
 */
function indexAll(
  invoices: readonly InvoiceForMatching[],
  customerByIban: Map<string, string | null>,
): Index {
  const index = emptyIndex(customerByIban, false);
  invoices.forEach(assertInvoice);
  const open = invoices.filter(isOpen);
  for (const invoice of invoices)
    index.byReference.add(referenceKey(invoice.paymentReference), invoice);
  for (const invoice of invoices) index.byNumber.add(invoiceNumberKey(invoice.number), invoice);
  for (const invoice of open) index.byCustomer.add(invoice);
  for (const invoice of open) index.byAmount.add(invoice.openAmount, invoice);
  return index;
}

/**
 * With a reach, only what the batch can look up is indexed, so every lookup answers the same.
 * One pass and one map lookup per invoice and map: the maps already hold the reach's keys
 * (small: what a statement names), so each invoice is read once, rather than 50 000 invoices
 * streaming through the cache six times with a set test before each map lookup.
 */
function indexReachable(invoices: readonly InvoiceForMatching[], index: Index): Index {
  for (const invoice of invoices) {
    assertInvoice(invoice);
    index.byReference.add(referenceKey(invoice.paymentReference), invoice);
    index.byNumber.add(invoiceNumberKey(invoice.number), invoice);
    if (!isOpen(invoice)) continue;
    index.byCustomer.add(invoice);
    index.byAmount.add(invoice.openAmount, invoice);
  }
  return index;
}

// ---------------------------------------------------------------------------------------------
// Batch state: what earlier transactions of the same batch already paid

/**
 * The index stays untouched; a batch records paid amounts beside it. An invoice that is
 * partly paid moves to the bucket of its new open amount, so rule 2 still finds it there.
 */
class BatchState {
  /** By invoice object: invoice ids are unique within a run, and no id string is hashed. */
  private readonly paid = new Map<IndexedInvoice, Cents>();
  /** Customer → new open amount → invoices paid in part down to it. */
  private readonly movedBuckets = new Map<string, Map<Cents, IndexedInvoice[]>>();

  remaining(invoice: IndexedInvoice): Cents {
    return isOpen(invoice) ? invoice.openAmount - (this.paid.get(invoice) ?? 0) : 0;
  }

  /**
   * The customer's invoices with exactly `amount` still open, up to `limit`. Not cut off at
   * SCAN_LIMIT: "exactly one" must mean one in the whole list, or rule 2 could guess.
   */
  bucket(
    index: MatchingIndex,
    customerId: string,
    amount: Cents,
    limit: number,
  ): readonly IndexedInvoice[] {
    let found: IndexedInvoice[] | null = null;
    for (const invoice of index.byCustomer.withAmount(customerId, amount))
      if (this.remaining(invoice) === amount) found = found ? appended(found, invoice) : [invoice];
    const moved = this.movedBuckets.get(customerId)?.get(amount);
    if (!found && !moved) return NONE;
    found ??= [];
    // The first `limit` in canonical order, as if the list had been walked oldest first.
    sortShort(found, canonicalOrder);
    if (found.length > limit) found.length = limit;
    if (moved) this.collect(moved, amount, limit, found);
    return sortShort(found, canonicalOrder);
  }

  private collect(
    list: readonly IndexedInvoice[],
    amount: Cents,
    limit: number,
    found: IndexedInvoice[],
  ): void {
    for (const invoice of list) {
      if (found.length === limit) return;
      if (this.remaining(invoice) === amount && !found.includes(invoice)) found.push(invoice);
    }
  }

  pay(invoice: IndexedInvoice, amount: Cents): void {
    this.paid.set(invoice, (this.paid.get(invoice) ?? 0) + amount);
    const left = this.remaining(invoice);
    if (left <= 0) return;
    let byAmount = this.movedBuckets.get(invoice.customerId);
    if (!byAmount) this.movedBuckets.set(invoice.customerId, (byAmount = new Map()));
    pushTo(byAmount, left, invoice);
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

interface CandidateEntry {
  invoice: IndexedInvoice;
  reasons: CandidateReason[];
}

/** Built only when a transaction goes to review; a handful of entries, so arrays, not maps. */
class CandidateList {
  private readonly entries: CandidateEntry[] = [];

  add(invoice: IndexedInvoice, reason?: CandidateReason, second?: CandidateReason): void {
    let entry = this.entries.find((known) => known.invoice === invoice);
    if (!entry) this.entries.push((entry = { invoice, reasons: [] }));
    if (reason) entry.reasons = withReason(entry.reasons, reason);
    if (second) entry.reasons = withReason(entry.reasons, second);
  }

  /** Scores add up per invoice; ties go to the older invoice so the ranking is stable. */
  ranked(tx: IncomingTransaction, state: BatchState): Candidate[] {
    const scored = this.entries.map((entry) => {
      const { invoice } = entry;
      const remaining = state.remaining(invoice);
      if (remaining === tx.amount) entry.reasons = withReason(entry.reasons, "amount_equal");
      if (remaining === 0) entry.reasons = withReason(entry.reasons, "already_settled");
      if (invoice.issueDate > tx.bookingDate)
        entry.reasons = withReason(entry.reasons, "issued_after_payment");
      const reasons = sortShort(entry.reasons, byWeight);
      let sum = 0;
      for (const reason of reasons) sum += REASON_WEIGHT[reason];
      const score = Math.max(0, Math.min(100, sum));
      return { invoice, candidate: { invoiceId: invoice.id, score, reasons } };
    });
    sortShort(scored, byScore);
    if (scored.length > MAX_CANDIDATES) scored.length = MAX_CANDIDATES;
    // map: a list exactly as long as the ranking, which the result keeps.
    return scored.map(candidateOf);
  }
}

interface Scored {
  invoice: IndexedInvoice;
  candidate: Candidate;
}

function byScore(a: Scored, b: Scored): number {
  return b.candidate.score - a.candidate.score || canonicalOrder(a.invoice, b.invoice);
}

function candidateOf(scored: Scored): Candidate {
  return scored.candidate;
}

function withReason(reasons: CandidateReason[], reason: CandidateReason): CandidateReason[] {
  return reasons.includes(reason) ? reasons : appended(reasons, reason);
}

function byWeight(a: CandidateReason, b: CandidateReason): number {
  return REASON_WEIGHT[b] - REASON_WEIGHT[a];
}

// ---------------------------------------------------------------------------------------------
// Results

/**
 * Books what each invoice still owes, recorded in the batch state at once, so the next
 * transaction sees it; the allocations are the only list made.
 */
function bookedInFull(
  tx: IncomingTransaction,
  rule: MatchRule,
  invoices: readonly IndexedInvoice[],
  state: BatchState,
): MatchResult {
  const allocations: Allocation[] = [];
  let allocated = 0;
  for (const invoice of invoices) {
    const amount = state.remaining(invoice);
    state.pay(invoice, amount);
    allocations.push({ invoiceId: invoice.id, amount });
    allocated += amount;
  }
  return booked(tx, rule, allocations, allocated, false);
}

function booked(
  tx: IncomingTransaction,
  rule: MatchRule,
  allocations: Allocation[],
  allocated: Cents,
  partial: boolean,
): MatchResult {
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

/** The invoices a text names, oldest first, each with how it was named. */
type Referenced = readonly CandidateEntry[];

const NOTHING_REFERENCED: Referenced = [];

function note(
  found: CandidateEntry[] | null,
  list: readonly IndexedInvoice[],
  reason: CandidateReason,
): CandidateEntry[] | null {
  for (const invoice of list) {
    if (found === null) {
      found = [{ invoice, reasons: [reason] }];
      continue;
    }
    let known: CandidateEntry | null = null;
    for (const entry of found) if (entry.invoice === invoice) known = entry;
    if (known) known.reasons = withReason(known.reasons, reason);
    else found = appended(found, { invoice, reasons: [reason] });
  }
  return found;
}

function collectReferenced(scanned: ScannedReferences, index: MatchingIndex): Referenced {
  let found: CandidateEntry[] | null = null;
  for (const key of scanned.creditorReferences)
    found = note(found, index.byReference.get(key), "payment_reference");
  for (const key of scanned.invoiceNumbers)
    found = note(found, index.byNumber.get(key), "invoice_number");
  for (const key of scanned.wholeKeys) {
    found = note(found, index.byReference.get(key), "payment_reference");
    found = note(found, index.byNumber.get(invoiceNumberKey(key)), "invoice_number");
  }
  return found ? sortShort(found, entriesInCanonicalOrder) : NOTHING_REFERENCED;
}

function entriesInCanonicalOrder(a: CandidateEntry, b: CandidateEntry): number {
  return canonicalOrder(a.invoice, b.invoice);
}

function referenceCandidates(
  tx: IncomingTransaction,
  referenced: Referenced,
  payer: string | null,
  state: BatchState,
): Candidate[] {
  const candidates = new CandidateList();
  for (const { invoice, reasons } of referenced) {
    for (const reason of reasons) candidates.add(invoice, reason);
    if (payer !== null && invoice.customerId !== payer)
      candidates.add(invoice, "other_customer_than_payer");
  }
  return candidates.ranked(tx, state);
}

function referenceRule(
  tx: IncomingTransaction,
  referenced: Referenced,
  payer: string | null,
  state: BatchState,
): MatchResult {
  if (referenced.length === 1) return singleReferenceRule(tx, referenced, payer, state);
  const open: IndexedInvoice[] = [];
  for (const { invoice } of referenced) if (state.remaining(invoice) > 0) open.push(invoice);
  if (open.length === 0)
    return review(
      tx,
      "reference_closed_invoice",
      referenceCandidates(tx, referenced, payer, state),
    );
  if (payer !== null && open.some((invoice) => invoice.customerId !== payer)) {
    return review(
      tx,
      "reference_other_customer",
      referenceCandidates(tx, referenced, payer, state),
    );
  }
  if (open.length === 1) return bookSingleReference(tx, open[0] as IndexedInvoice, state);
  let total = 0;
  for (const invoice of open) total += state.remaining(invoice);
  if (total !== tx.amount)
    return review(
      tx,
      "reference_ambiguous_amount",
      referenceCandidates(tx, referenced, payer, state),
    );
  return bookedInFull(tx, "reference", open, state);
}

/** referenceRule when the texts name one invoice (most do): no list of the open ones. */
function singleReferenceRule(
  tx: IncomingTransaction,
  referenced: Referenced,
  payer: string | null,
  state: BatchState,
): MatchResult {
  const { invoice } = referenced[0] as CandidateEntry;
  if (state.remaining(invoice) <= 0)
    return review(
      tx,
      "reference_closed_invoice",
      referenceCandidates(tx, referenced, payer, state),
    );
  if (payer !== null && invoice.customerId !== payer)
    return review(
      tx,
      "reference_other_customer",
      referenceCandidates(tx, referenced, payer, state),
    );
  return bookSingleReference(tx, invoice, state);
}

/** Less than owed: a partial payment; more: the invoice is settled and the rest is credit. */
function bookSingleReference(
  tx: IncomingTransaction,
  invoice: IndexedInvoice,
  state: BatchState,
): MatchResult {
  const owed = state.remaining(invoice);
  const amount = Math.min(owed, tx.amount);
  state.pay(invoice, amount);
  return booked(tx, "reference", [{ invoiceId: invoice.id, amount }], amount, tx.amount < owed);
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
  const all = index.byCustomer.open(customerId);
  for (let i = 0; i < all.length && i < SCAN_LIMIT; i++) {
    const invoice = all[i] as IndexedInvoice;
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
 * booking, two are a question for a person) or when the step budget is spent. One stack of
 * chosen invoices is grown and shrunk in place; only a hit is copied.
 */
function exactCombinations(
  open: readonly IndexedInvoice[],
  amount: Cents,
  state: BatchState,
): IndexedInvoice[][] {
  const window = Math.min(open.length, SUM_SEARCH_WINDOW);
  const hits: IndexedInvoice[][] = [];
  const chosen: IndexedInvoice[] = [];
  let steps = 0;
  const search = (start: number, sum: number): void => {
    for (let i = start; i < window && hits.length < 2 && steps++ < SUM_SEARCH_BUDGET; i++) {
      const invoice = open[i] as IndexedInvoice;
      const next = sum + state.remaining(invoice);
      if (next > amount) continue;
      chosen.push(invoice);
      if (next === amount && chosen.length >= 2) hits.push(chosen.slice());
      else if (next < amount && chosen.length < MAX_SUM_INVOICES) search(i + 1, next);
      chosen.pop();
    }
  };
  search(0, 0);
  return hits;
}

function payerRules(
  tx: IncomingTransaction,
  index: MatchingIndex,
  customerId: string,
  state: BatchState,
): MatchResult {
  const sameAmount = state.bucket(index, customerId, tx.amount, MAX_CANDIDATES);
  if (sameAmount.length === 1) return bookedInFull(tx, "iban_amount", sameAmount, state);
  if (sameAmount.length > 1) {
    const candidates = new CandidateList();
    for (const invoice of sameAmount) candidates.add(invoice, "payer_iban_customer");
    return review(tx, "same_amount_ambiguous", candidates.ranked(tx, state));
  }

  const open = openOfCustomer(index, customerId, state, SUM_SEARCH_WINDOW);
  const prefix = oldestPrefixSum(open, tx.amount, state);
  if (prefix) return bookedInFull(tx, "iban_sum", prefix, state);
  const combinations = exactCombinations(open, tx.amount, state);
  if (combinations.length === 1) return bookedInFull(tx, "iban_sum", combinations[0] ?? [], state);
  const candidates = new CandidateList();
  for (const combination of combinations)
    for (const invoice of combination)
      candidates.add(invoice, "payer_iban_customer", "part_of_exact_sum");
  for (let i = 0; i < open.length && i < MAX_SUM_INVOICES; i++)
    candidates.add(open[i] as IndexedInvoice, "payer_iban_customer", "oldest_open_of_payer");
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
  const sameAmount = index.byAmount.get(tx.amount);
  for (let i = 0; i < sameAmount.length && i < SCAN_LIMIT; i++) {
    const invoice = sameAmount[i] as IndexedInvoice;
    if (state.remaining(invoice) === tx.amount) candidates.add(invoice);
  }
  return review(tx, reason, candidates.ranked(tx, state));
}

/** What a transaction brings before any invoice is looked at; null payer: an IBAN two customers share. */
interface Prepared {
  scanned: ScannedReferences;
  payer: string | null | undefined;
}

const NOTHING_SCANNED: ScannedReferences = Object.freeze({
  creditorReferences: [],
  invoiceNumbers: [],
  wholeKeys: [],
});

/**
 * Kept for the whole batch, so what it holds survives every young-generation collection of the
 * run; most texts name nothing, and then it holds one shared empty scan.
 */
function prepare(
  tx: IncomingTransaction,
  customerByIban: ReadonlyMap<string, string | null>,
): Prepared {
  return {
    scanned: scanForMatching(tx) ?? NOTHING_SCANNED,
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
  if (referenced.length > 0) return referenceRule(tx, referenced, payer ?? null, state);
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
  const index = indexReachable(invoices, reachOf(transactions, prepared, customerByIban));
  const state = new BatchState();
  return transactions.map((tx, i) => matchWithState(tx, index, state, prepared[i]));
}
