// A person assigns a bank transaction from the review queue (or corrects an automatic booking):
// the transaction's earlier payment bookings and credit are reversed, then the amount is booked
// onto the chosen invoices in the order given (rule "manual"), any surplus as customer credit or
// ignored as the merchant says — all in one batch, guarded against a concurrent booking.
import {
  applyCreditStatements,
  reverseTransactionCreditUsesStatements,
} from "../store/customer-credit.ts";
import { DomainError, notFound, invalidFields } from "../domain/errors.ts";
import { newId } from "../security.ts";
import type { Db } from "../store/db.ts";
import {
  allocationStatement,
  bookingsOfTransactions,
  creditStatement,
  recomputeInvoicesStatement,
  reverseTransactionAllocationsStatement,
  reverseTransactionCreditsStatement,
} from "../store/payment-allocations.ts";
import {
  entriesOf,
  entryStatement,
  transactionStatusStatement,
} from "../store/reconciliation-entries.ts";
import {
  invoicesByIds,
  transactionForBooking,
  type InvoiceState,
} from "../store/reconciliation-load.ts";
import { eventStatements } from "../store/webhook-events.ts";
import { commit } from "../store/grouped-commits.ts";

export interface Assignment {
  invoiceIds: string[];
  /** What happens to money left after the invoices are paid; without it, none may be left. */
  remainder?: "customer_credit" | "ignore" | undefined;
}

/** Undoing a decision reverses its bookings and puts the line back into the review queue. */
type Decision = Assignment | { undo: true };

interface Share {
  invoice: InvoiceState;
  amount: number;
  /** What the invoice has paid once this transaction's earlier booking is undone. */
  paidBefore: number;
}

/** Pays the invoices in the order given; only the last may stay partly open. */
function distribute(
  amount: number,
  invoices: InvoiceState[],
  ownPaid: Map<string, number>,
): { shares: Share[]; rest: number } {
  let rest = amount;
  const shares: Share[] = [];
  for (const invoice of invoices) {
    const paidBefore = invoice.amountPaid - (ownPaid.get(invoice.id) ?? 0);
    const share = Math.min(invoice.grossAmount - paidBefore, rest);
    if (share <= 0) {
      throw new DomainError(
        "amounts_do_not_add_up",
        `The amount is used up before invoice ${invoice.id}; list only the invoices this payment covers.`,
      );
    }
    shares.push({ invoice, amount: share, paidBefore });
    rest -= share;
  }
  return { shares, rest };
}

function checkInvoice(invoice: InvoiceState, currency: string, ownPaid: Map<string, number>): void {
  const takesMoney =
    ["open", "partially_paid"].includes(invoice.status) ||
    (invoice.status === "paid" && ownPaid.has(invoice.id));
  if (
    invoice.kind === "credit_note" ||
    !takesMoney ||
    invoice.grossAmount - invoice.amountPaid + (ownPaid.get(invoice.id) ?? 0) <= 0
  ) {
    throw new DomainError(
      "invoice_not_open",
      `Invoice ${invoice.id} is ${invoice.kind === "credit_note" ? "a credit note" : invoice.status} and cannot take this payment.`,
    );
  }
  if (invoice.currency !== currency)
    throw new DomainError(
      "currency_mismatch",
      `Invoice ${invoice.id} is in ${invoice.currency}, the payment in ${currency}.`,
    );
}

export async function assignTransaction(
  db: Db,
  merchantId: string,
  id: string,
  decision: Decision,
  now: Date,
): Promise<void> {
  const undo = "undo" in decision;
  const input: Assignment = undo ? { invoiceIds: [] } : decision;
  const at = now.toISOString();
  const tx = await transactionForBooking(db, merchantId, id);
  if (!tx) throw notFound("Bank transaction", id);
  if (new Set(input.invoiceIds).size !== input.invoiceIds.length)
    throw invalidFields([{ field: "invoiceIds", message: "must not list an invoice twice" }]);
  if (!undo && input.invoiceIds.length === 0 && input.remainder !== "ignore")
    throw invalidFields([
      {
        field: "invoiceIds",
        message: 'must name at least one invoice, unless remainder is "ignore"',
      },
    ]);
  if (undo && ["review", "unmatched"].includes(tx.status))
    throw new DomainError("nothing_to_undo", "This transaction has not been decided yet.");
  if (tx.amount === null || tx.amount <= 0 || tx.status === "parked" || tx.status === "return") {
    throw new DomainError(
      "transaction_not_assignable",
      "Only incoming payments can be assigned to invoices; returned debits and parked records cannot.",
    );
  }
  const booked = await bookingsOfTransactions(db, merchantId, [tx.id]);
  const active = booked.allocations.filter((allocation) => allocation.reversedAt === null);
  if (active.some((allocation) => allocation.collectionItemId !== null)) {
    throw new DomainError(
      "collection_credit_not_assignable",
      "This credit settled SEPA collections; it cannot be reassigned.",
    );
  }
  const ownPaid = new Map(active.map((allocation) => [allocation.invoiceId, allocation.amount]));
  const currency = tx.currency ?? "EUR";
  const found = new Map(
    (
      await invoicesByIds(db, merchantId, [...new Set([...input.invoiceIds, ...ownPaid.keys()])])
    ).map((invoice) => [invoice.id, invoice]),
  );
  const chosen = input.invoiceIds.map((invoiceId) => {
    const invoice = found.get(invoiceId);
    if (!invoice) throw notFound("Invoice", invoiceId);
    checkInvoice(invoice, currency, ownPaid);
    return invoice;
  });
  const { shares, rest } = distribute(tx.amount, chosen, ownPaid);
  if (rest > 0 && !input.remainder && !undo) {
    throw new DomainError(
      "amounts_do_not_add_up",
      `The invoices take ${tx.amount - rest} of ${tx.amount} cents; say what happens to the remaining ${rest} (remainder: "customer_credit" or "ignore").`,
    );
  }
  const customers = new Set(chosen.map((invoice) => invoice.customerId));
  if (rest > 0 && input.remainder === "customer_credit" && customers.size !== 1) {
    throw new DomainError(
      "credit_customer_unclear",
      "A remainder kept as credit needs invoices of exactly one customer.",
    );
  }
  const last = shares.at(-1);
  const partial = last !== undefined && last.paidBefore + last.amount < last.invoice.grossAmount;
  const status = undo
    ? "review"
    : shares.length === 0
      ? "ignored"
      : partial
        ? "partially_matched"
        : "matched";
  // Back in the queue, the line shows the candidates it was last reviewed with.
  const lastReview = undo
    ? (await entriesOf(db, merchantId, [tx.id])).filter((e) => e.kind === "review").at(-1)
    : undefined;
  const credit = rest > 0 && input.remainder === "customer_credit" ? rest : 0;
  const entryId = newId("rce");

  const touched = [...new Set([...ownPaid.keys(), ...input.invoiceIds])];
  const paidAfter = new Map(
    [...ownPaid.keys()].map((invoiceId) => [
      invoiceId,
      found.get(invoiceId)!.amountPaid - ownPaid.get(invoiceId)!,
    ]),
  );
  for (const share of shares) paidAfter.set(share.invoice.id, share.paidBefore + share.amount);
  const events = touched.flatMap((invoiceId) => {
    const invoice = found.get(invoiceId)!;
    const amountPaid = paidAfter.get(invoiceId)!;
    const wasPaid = invoice.status === "paid";
    const isPaid = amountPaid >= invoice.grossAmount;
    const data = {
      id: invoice.id,
      number: invoice.number,
      customerId: invoice.customerId,
      currency: invoice.currency,
      grossAmount: invoice.grossAmount,
      amountPaid,
      bankTransactionId: tx.id,
    };
    if (!wasPaid && isPaid)
      return eventStatements(db, {
        merchantId,
        type: "invoice.paid",
        data: { ...data, paidAt: at },
        at: now,
      });
    if (wasPaid && !isPaid)
      return eventStatements(db, {
        merchantId,
        type: "invoice.reopened",
        data: {
          ...data,
          status: amountPaid > 0 ? "partially_paid" : "open",
          reason: "payment_reassigned",
        },
        at: now,
      });
    return [];
  });

  const statements = [
    entryStatement(db, {
      id: entryId,
      merchantId,
      bankTransactionId: tx.id,
      expectedStatus: tx.status,
      seq: tx.seq + 1,
      kind: undo ? "review" : "manual",
      status,
      rule: undo ? null : "manual",
      ...(undo ? { reason: "undone_by_hand", candidates: lastReview?.candidates ?? [] } : {}),
      ignoredAmount: rest > 0 && input.remainder === "ignore" ? rest : null,
      source: "api",
      at,
    }),
    reverseTransactionAllocationsStatement(db, merchantId, tx.id, entryId, "reassigned", at),
    ...reverseTransactionCreditUsesStatements(db, merchantId, tx.id, at),
    reverseTransactionCreditsStatement(db, merchantId, tx.id, entryId, at),
    ...(ownPaid.size > 0 ? [recomputeInvoicesStatement(db, merchantId, [...ownPaid.keys()])] : []),
    ...shares.map((share) =>
      allocationStatement(db, {
        id: newId("pal"),
        merchantId,
        entryId,
        bankTransactionId: tx.id,
        invoiceId: share.invoice.id,
        customerId: share.invoice.customerId,
        amount: share.amount,
        currency,
        rule: "manual",
        paymentDate: tx.bookingDate,
        expectedPaid: share.paidBefore,
        at,
      }),
    ),
    ...(credit > 0
      ? [
          creditStatement(db, {
            id: newId("ccr"),
            merchantId,
            customerId: [...customers][0]!,
            entryId,
            bankTransactionId: tx.id,
            amount: credit,
            currency,
            reason: "manual_remainder",
            at,
          }),
        ]
      : []),
    ...(shares.length > 0 ? [recomputeInvoicesStatement(db, merchantId, input.invoiceIds)] : []),
    ...(credit > 0
      ? applyCreditStatements(db, { merchantId, customerId: [...customers][0]!, currency }, now)
      : []),
    transactionStatusStatement(db, merchantId, tx.id, {
      status,
      matchedRule: shares.length > 0 ? "manual" : null,
      statusReason: undo ? "Undone by hand." : shares.length === 0 ? "Ignored by hand." : null,
      at,
    }),
    ...(shares.length > 0
      ? eventStatements(db, {
          merchantId,
          type: "payment.received",
          data: {
            bankTransactionId: tx.id,
            amount: tx.amount,
            currency,
            bookingDate: tx.bookingDate,
            rule: "manual",
            customerId: chosen[0]!.customerId,
            allocations: shares.map((share) => ({
              invoiceId: share.invoice.id,
              amount: share.amount,
            })),
            customerCredit: credit,
            reassigned: active.length > 0,
          },
          at: now,
        })
      : []),
    ...events,
  ];
  if (!(await commit(db, statements))) {
    throw new DomainError(
      "bank_transaction_changed",
      "The bank transaction or one of its invoices changed meanwhile; reload and try again.",
    );
  }
}
