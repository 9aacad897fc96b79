// Reconciliation of returned direct debits (Rücklastschriften), for all returns of a run at once:
// the collections their identifiers name are found with one batch of lookups (end-to-end id,
// mandate + original amount, invoice number), each return is linked in bank order by the
// domain's rules (as if booked one after another: a collection one return took back is taken
// for the next), the matched ones' invoices, allocations, fee terms and parties come in one
// more batch, and the bookings — the settled payment reversed, the invoice open again, the fee
// recorded and passed on, the mandate flagged by the reason class, `payment.returned` and
// `invoice.reopened` sent — go out in grouped commits (worker/store/return-bookings.ts). Anything
// unclear goes to review with the collections that came into question.
import {
  buildReturnLookups,
  detectReturn,
  linkReturn,
  RETURN_REASONS,
  type ReturnInfo,
} from "../domain/return-detection.ts";
import { localDate } from "../domain/calendar.ts";
import { emailLocale } from "../domain/customer-emails.ts";
import { returnFeeLines, returnTreatment } from "../domain/return-handling.ts";
import { mandateStatusAfterReturn } from "../domain/sepa-mandate.ts";
import { buildEventPayload } from "../domain/webhook-retry.ts";
import { freshInvoiceIds, newId } from "../security.ts";
import { draftInvoice, type InvoiceDraft } from "../domain/invoice-draft.ts";
import { InvoicePartiesIncomplete, type InvoiceParties } from "../domain/invoice-snapshot.ts";
import { TaxRuleError } from "../domain/tax-decision.ts";
import type { StoredCandidate } from "../../schema/reconciliation.ts";
import { GroupedCommits } from "../store/grouped-commits.ts";
import type { InvoiceState, ReconcilableTransaction } from "../store/reconciliation-load.ts";
import { returnBookingStatements, type ReturnBooking } from "../store/return-bookings.ts";
import {
  collectionKey,
  collectionsForReturns,
  returnContext,
  type ReturnCollections,
  type ReturnContext,
  type ReturnFeeTerms,
} from "../store/return-lookups.ts";
import type { RunItemRecord } from "../store/sepa-runs.ts";
import {
  affords,
  commitQuiet,
  returnInput,
  type Outcome,
  type QuietItem,
  type RunContext,
} from "./reconcile-common.ts";

/** Returns looked up and booked together; a group of bookings is at most this many. */
const RETURN_CHUNK = 100;
/** The reads of one chunk: three lookups, then six selects of what the bookings need. */
export const RETURN_READS = 9;
/** The most a group of one return writes (fee invoice and credit included). */
const SINGLE_RETURN_WRITES = 22;

export interface ReturnsResult {
  outcomes: Outcome[];
  /** The query budget ran out: the rest waits for the next run. */
  exhausted: boolean;
  /** Some returns were left (budget, or a lost race stopped the chunk) for the next run. */
  left: boolean;
}

export async function reconcileReturns(
  ctx: RunContext,
  transactions: readonly ReconcilableTransaction[],
): Promise<ReturnsResult> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < transactions.length; i += RETURN_CHUNK) {
    if (!affords(ctx, RETURN_READS + SINGLE_RETURN_WRITES))
      return { outcomes, exhausted: true, left: true };
    const chunk = await reconcileChunk(ctx, transactions.slice(i, i + RETURN_CHUNK));
    outcomes.push(...chunk.outcomes);
    if (chunk.exhausted || chunk.left) return { ...chunk, outcomes };
  }
  return { outcomes, exhausted: false, left: false };
}

/** The collections each identifier names, in the order each lookup returned them one by one. */
interface CollectionIndex {
  byEndToEnd: Map<string, RunItemRecord[]>;
  byMandate: Map<string, RunItemRecord[]>;
  byNumber: Map<string, RunItemRecord[]>;
}

const mandateAmount = (reference: string, amount: number) => `${reference}\u0000${amount}`;

function endToEndIdsOf(info: ReturnInfo): string[] {
  return [
    ...new Set(
      [info.endToEndReference, ...info.referencedPaymentReferences].filter(
        (value): value is string => value !== null,
      ),
    ),
  ];
}

function indexCollections(found: ReturnCollections): CollectionIndex {
  // One record per item, shared by every key, so a return booked in this chunk is seen by the next.
  const records = new Map<string, RunItemRecord>();
  const shared = (item: RunItemRecord) => {
    const known = records.get(item.id);
    if (known) return known;
    const copy = { ...item };
    records.set(item.id, copy);
    return copy;
  };
  const group = (items: RunItemRecord[], key: (item: RunItemRecord) => string, newest: boolean) => {
    const map = new Map<string, RunItemRecord[]>();
    for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), shared(item)]);
    for (const list of map.values())
      list.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) * (newest ? 1 : -1));
    return map;
  };
  return {
    byEndToEnd: group(found.byEndToEnd, (item) => item.endToEndId, true),
    byMandate: group(
      found.byMandate,
      (item) => mandateAmount(item.mandateReferenceKey, item.amount),
      true,
    ),
    byNumber: group(found.byNumber, (item) => item.invoiceNumber, false),
  };
}

/** Every collection the return's identifiers point at, each once (as three lookups would find them). */
function collectionsNamedBy(index: CollectionIndex, info: ReturnInfo) {
  const amount = info.originalAmount ?? info.debitedAmount;
  const byEndToEnd = endToEndIdsOf(info).flatMap(
    (reference) => index.byEndToEnd.get(collectionKey(reference)) ?? [],
  );
  const byMandate = info.mandateReference
    ? (index.byMandate.get(mandateAmount(collectionKey(info.mandateReference), amount)) ?? [])
    : [];
  const numbers = new Set(info.referencedInvoiceNumbers);
  const byNumber = [...numbers]
    .flatMap((number) => index.byNumber.get(number) ?? [])
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const items = new Map<string, RunItemRecord>();
  const via = new Map<string, string>();
  const note = (list: RunItemRecord[], reason: string) =>
    list.forEach((item) => {
      items.set(item.id, item);
      if (!via.has(item.invoiceId)) via.set(item.invoiceId, reason);
    });
  note(byEndToEnd, "collection_end_to_end");
  note(byMandate, "collection_mandate_amount");
  note(byNumber, "collection_invoice_number");
  return { items: [...items.values()], via };
}

/** A return linked to its collection, to be booked. */
interface Linked {
  position: number;
  tx: ReconcilableTransaction;
  info: ReturnInfo;
  /** The item as it was before this return (its status says whether it had been settled). */
  item: RunItemRecord;
  linkedVia: string;
}

type Decision = Linked | { position: number; review: QuietItem };

function decide(
  position: number,
  tx: ReconcilableTransaction,
  info: ReturnInfo,
  index: CollectionIndex,
): Decision {
  const { items, via } = collectionsNamedBy(index, info);
  const candidates: StoredCandidate[] = [...via].map(([invoiceId, reason]) => ({
    invoiceId,
    score: reason === "collection_end_to_end" ? 80 : 50,
    reasons: [reason],
  }));
  const review = (reason: string) => ({
    position,
    review: { tx, kind: "review" as const, reason, candidates },
  });
  const link = linkReturn(
    info,
    buildReturnLookups(
      items.map((item) => ({
        invoiceId: item.invoiceId,
        invoiceNumber: item.invoiceNumber,
        endToEndReference: item.endToEndId,
        mandateReference: item.mandateReference,
        amount: item.amount,
      })),
    ),
  );
  if (!link) return review("return_not_linked");
  // The newest attempt that can still come back: an invoice collected again after a return has several.
  const item = items
    .filter(
      (i) => i.invoiceId === link.invoiceId && (i.status === "pending" || i.status === "settled"),
    )
    .sort((a, b) => (a.id < b.id ? 1 : -1))[0];
  if (!item) return review("collection_already_returned");
  if (
    (info.originalAmount !== null && info.originalAmount !== item.amount) ||
    info.debitedAmount < item.amount
  )
    return review("return_amount_mismatch");
  const before = { ...item };
  // Booked (if its group commits): the next return naming it finds it returned.
  item.status = "returned";
  return { position, tx, info, item: before, linkedVia: link.via };
}

function lookupKeys(infos: readonly ReturnInfo[]) {
  const endToEndIds = new Set<string>();
  const mandateAmounts = new Map<string, [string, number]>();
  const invoiceNumbers = new Set<string>();
  for (const info of infos) {
    for (const reference of endToEndIdsOf(info)) endToEndIds.add(collectionKey(reference));
    if (info.mandateReference) {
      const key = collectionKey(info.mandateReference);
      const amount = info.originalAmount ?? info.debitedAmount;
      mandateAmounts.set(mandateAmount(key, amount), [key, amount]);
    }
    for (const number of info.referencedInvoiceNumbers) invoiceNumbers.add(number);
  }
  return {
    endToEndIds: [...endToEndIds],
    mandateAmounts: [...mandateAmounts.values()],
    invoiceNumbers: [...invoiceNumbers],
  };
}

async function reconcileChunk(
  ctx: RunContext,
  transactions: readonly ReconcilableTransaction[],
): Promise<ReturnsResult> {
  const infos = transactions.map((tx) => detectReturn(returnInput(tx)));
  const index = indexCollections(
    await collectionsForReturns(ctx.db, ctx.merchantId, lookupKeys(infos)),
  );
  const decisions = transactions.map((tx, position) =>
    decide(position, tx, infos[position]!, index),
  );
  const linked = decisions.filter((decision): decision is Linked => !("review" in decision));
  const commits = new GroupedCommits<ReturnBooking, Outcome>(
    ctx.db,
    (bookings) => returnBookingStatements(ctx.db, ctx.merchantId, ctx.now, bookings),
    "conflict",
    RETURN_CHUNK,
    ctx.budget,
  );
  if (linked.length > 0) {
    const context = await returnContext(ctx.db, ctx.merchantId, {
      invoiceIds: [...new Set(linked.map(({ item }) => item.invoiceId))],
      itemIds: linked.flatMap(({ item }) => (item.status === "settled" ? [item.id] : [])),
    });
    await addBookings(ctx, linked, context, commits);
  }
  // A lost race or the budget stopped the bookings: what came after the first unbooked return waits.
  const booked = commits.outcomes.findIndex((outcome) => outcome !== "return");
  const stoppedAt = commits.stopped
    ? (linked[booked === -1 ? commits.outcomes.length : booked]?.position ?? Infinity)
    : Infinity;
  const reviews = decisions.flatMap((decision) =>
    "review" in decision && decision.position < stoppedAt ? [decision.review] : [],
  );
  const written = await commitQuiet(ctx, reviews);
  return {
    outcomes: [...commits.outcomes, ...written],
    exhausted: commits.exhausted || written.length < reviews.length,
    left: commits.stopped || written.length < reviews.length,
  };
}

/** Books in bank order; a group is closed before a second return of the same item, invoice, mandate or customer. */
async function addBookings(
  ctx: RunContext,
  linked: readonly Linked[],
  context: ReturnContext,
  commits: GroupedCommits<ReturnBooking, Outcome>,
): Promise<void> {
  const paid = new Map<string, number>();
  let keys = new Set<string>();
  for (const return_ of linked) {
    const booking = returnBooking(ctx, return_, context, paid);
    const own = [
      `item:${booking.collectionItemId}`,
      `invoice:${booking.invoiceId}`,
      `mandate:${booking.mandateId}`,
      `customer:${booking.customerId}`,
    ];
    if (commits.pendingCount === 0) keys = new Set();
    if (own.some((key) => keys.has(key))) {
      await commits.flush();
      keys = new Set();
    }
    own.forEach((key) => keys.add(key));
    await commits.add(booking, "return");
    if (commits.stopped) return;
  }
  await commits.flush();
}

function returnBooking(
  ctx: RunContext,
  { tx, info, item, linkedVia }: Linked,
  context: ReturnContext,
  paid: Map<string, number>,
): ReturnBooking {
  const { now } = ctx;
  const entryId = newId("rce");
  const invoice = context.invoices.get(item.invoiceId);
  if (!invoice) throw new Error(`collection item ${item.id} names a missing invoice`);
  const allocation = item.status === "settled" ? context.allocations.get(item.id) : undefined;
  const fee = info.fee ?? info.debitedAmount - item.amount;
  const feeInvoice = returnFeeInvoice(ctx, context, invoice, fee, entryId);
  const reasonClass = info.reasonClass ?? "unknown";
  const mandate = mandateStatusAfterReturn(reasonClass, info.reasonCode ?? undefined);
  // The settlement had paid the collected amount; the booking takes it off again.
  const paidBefore = paid.get(invoice.id) ?? invoice.amountPaid;
  const amountPaid = item.status === "settled" ? Math.max(0, paidBefore - item.amount) : paidBefore;
  paid.set(invoice.id, amountPaid);
  const status = amountPaid > 0 ? "partially_paid" : "open";
  const reasonLabel = info.reasonCode
    ? `${info.reasonCode}${RETURN_REASONS[info.reasonCode] ? ` (${RETURN_REASONS[info.reasonCode]!.meaning})` : ""}`
    : "no reason code";
  const currency = tx.currency ?? invoice.currency;
  const returned = {
    bankTransactionId: tx.id,
    invoiceId: invoice.id,
    invoiceNumber: invoice.number,
    customerId: invoice.customerId,
    collectionItemId: item.id,
    amount: item.amount,
    fee,
    currency,
    reasonCode: info.reasonCode,
    reasonClass: info.reasonClass,
    mandate: {
      id: item.mandateId,
      reference: item.mandateReference,
      effect: mandate.effect,
      status: mandate.status,
      retries: mandate.autoRetries,
    },
    linkedVia,
    returnDate: tx.bookingDate,
    feeInvoiceId: feeInvoice?.draft.id ?? null,
  };
  const reopened = {
    id: invoice.id,
    number: invoice.number,
    customerId: invoice.customerId,
    status,
    amountPaid,
    grossAmount: invoice.grossAmount,
    currency: invoice.currency,
    reason: "payment_returned",
    bankTransactionId: tx.id,
    returnFee: fee,
  };
  const changesMandate = mandate.status !== "unchanged" || mandate.restartSequence;
  return {
    entryId,
    bankTransactionId: tx.id,
    expectedStatus: tx.status,
    seq: tx.seq + 1,
    rule: linkedVia,
    reasonCode: info.reasonCode,
    reasonClass: info.reasonClass,
    statusReason: `Returned direct debit: ${reasonLabel}.`,
    returnId: newId("prt"),
    collectionItemId: item.id,
    invoiceId: invoice.id,
    customerId: invoice.customerId,
    mandateId: item.mandateId,
    allocationId: allocation?.id ?? null,
    amount: item.amount,
    fee,
    currency,
    mandateEffect: mandate.effect,
    returnDate: tx.bookingDate,
    mandate: changesMandate
      ? {
          status: mandate.status === "unchanged" ? null : mandate.status,
          statusReason:
            mandate.status === "unchanged" ? null : `return:${info.reasonCode ?? mandate.effect}`,
          revoke: mandate.status === "revoked" || mandate.status === "dead",
          restartSequence: mandate.restartSequence,
        }
      : null,
    events: [
      { type: "payment.returned" as const, data: returned },
      { type: "invoice.reopened" as const, data: reopened },
    ].map(({ type, data }) => ({
      id: newId("evt"),
      type,
      payload: buildEventPayload(type, data, now),
    })),
    email: {
      id: newId("eml"),
      kind: "debit_returned",
      data: JSON.stringify({
        kind: "debit_returned",
        currency: invoice.currency,
        invoiceNumber: invoice.number,
        amount: item.amount,
        feeCharged: feeInvoice?.draft.grossAmount ?? 0,
        treatment: returnTreatment(info.reasonClass, info.reasonCode),
        paymentReference: invoice.paymentReference,
      }),
    },
    feeInvoice,
  };
}

/** The bank's fee and the merchant's handling fee on their own invoice, when the merchant wants it. */
function returnFeeInvoice(
  ctx: RunContext,
  context: ReturnContext,
  invoice: InvoiceState,
  bankFee: number,
  entryId: string,
): ReturnBooking["feeInvoice"] {
  const { terms } = context;
  const customer = context.customers.get(invoice.customerId);
  const lines = returnFeeLines({
    passOnReturnFee: terms.settings.passOnReturnFee,
    bankFee: Math.max(0, bankFee),
    handlingFee: terms.settings.handlingFee,
    returnedInvoiceNumber: invoice.number,
    locale: emailLocale(customer?.locale ?? "de"),
  });
  if (lines.length === 0) return null;
  if (!customer?.parties)
    throw new Error(`customer ${invoice.customerId} of invoice ${invoice.id} is missing`);
  try {
    const draft = feeInvoiceDraft(ctx, invoice, lines, terms, entryId, customer.parties);
    return { draft, applyCredit: customer.hasCredit };
  } catch (error) {
    // A fee invoice lacking what § 14 UStG requires is not issued; the return is booked anyway.
    if (error instanceof InvoicePartiesIncomplete || error instanceof TaxRuleError) {
      console.warn("return fee invoice not issued", invoice.id, error.message);
      return null;
    }
    throw error;
  }
}

function feeInvoiceDraft(
  ctx: RunContext,
  invoice: InvoiceState,
  lines: ReturnType<typeof returnFeeLines>,
  terms: ReturnFeeTerms,
  entryId: string,
  parties: InvoiceParties,
): InvoiceDraft {
  return draftInvoice(
    { kind: "fee", currency: invoice.currency, lines },
    {
      merchantId: ctx.merchantId,
      customerId: invoice.customerId,
      contractId: null,
      issueDate: localDate(ctx.now, terms.timeZone),
      paymentTermDays: terms.paymentTermDays,
      periodStart: null,
      periodEnd: null,
      changeId: null,
      billingKey: `return_fee:${entryId}`,
      parties,
    },
    freshInvoiceIds(),
  );
}
