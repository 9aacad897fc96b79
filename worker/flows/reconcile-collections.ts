// Reconciliation of the bank's credits for our SEPA collections: a batch credit settles every
// pending item of its run or PmtInf, a single credit with our end-to-end id settles that item.
// The settlement statements raise the invoices' amountPaid themselves; this flow only mirrors
// them as allocations (so a later return can reverse exactly that payment) and reports them.
// The invoices of the pending collections are read once per run, not once per credit.
import {
  matchCollectionCredit,
  type OpenCollectionRun,
  type PendingCollectionItem,
} from "../domain/collection-credit.ts";
import { newId } from "../security.ts";
import { collectionAllocationsStatement } from "../store/payment-allocations.ts";
import { entryStatement, transactionStatusStatement } from "../store/reconciliation-entries.ts";
import {
  invoicesByIds,
  type InvoiceState,
  type OpenCollections,
  type ReconcilableTransaction,
} from "../store/reconciliation-load.ts";
import { settleCollectionStatements } from "../store/sepa-settlement.ts";
import { eventsStatements, eventStatements } from "../store/webhook-events.ts";
import { commit } from "../store/grouped-commits.ts";
import { sendToReview, type Outcome, type RunContext } from "./reconcile-common.ts";

export class CollectionBook {
  private readonly runs: OpenCollectionRun[];
  private pending: PendingCollectionItem[];
  /** The invoices of all pending items, read once when the first credit matches (not per credit). */
  private invoices: Map<string, InvoiceState> | null = null;

  constructor(open: OpenCollections) {
    this.runs = open.runs;
    this.pending = open.items.map((item) => ({
      id: item.id,
      runId: item.runId,
      paymentInfoId: item.paymentInfoId,
      invoiceId: item.invoiceId,
      endToEndId: item.endToEndId,
      amount: item.amount,
    }));
  }

  get isEmpty(): boolean {
    return this.pending.length === 0;
  }

  /** null: the transaction is no credit of ours and goes on to the matcher. */
  async reconcile(ctx: RunContext, tx: ReconcilableTransaction): Promise<Outcome | null> {
    if (this.isEmpty || tx.amount === null) return null;
    const match = matchCollectionCredit({ ...tx, amount: tx.amount }, this.runs, this.pending);
    if (!match) return null;
    if (match.kind === "review") {
      const candidates = match.items.map((item) => ({
        invoiceId: item.invoiceId,
        score: 50,
        reasons: ["pending_collection"],
      }));
      return sendToReview(ctx, tx, match.reason, candidates);
    }
    this.invoices ??= new Map(
      (
        await invoicesByIds(ctx.db, ctx.merchantId, [
          ...new Set(this.pending.map((item) => item.invoiceId)),
        ])
      ).map((invoice) => [invoice.id, invoice]),
    );
    const outcome = await settle(ctx, tx, match.rule, match.scope, match.items, this.invoices);
    if (outcome === "collection") {
      const settled = new Set(match.items.map((item) => item.id));
      this.pending = this.pending.filter((item) => !settled.has(item.id));
    }
    return outcome;
  }
}

async function settle(
  ctx: RunContext,
  tx: ReconcilableTransaction,
  rule: string,
  scope: Parameters<typeof settleCollectionStatements>[2],
  items: PendingCollectionItem[],
  invoices: ReadonlyMap<string, InvoiceState>,
): Promise<Outcome> {
  const { db, merchantId, now } = ctx;
  const at = now.toISOString();
  const entryId = newId("rce");
  const booked = items.filter(
    (item) => invoices.get(item.invoiceId)?.status === "collection_pending",
  );
  // A run's credit pays many invoices: their invoice.paid events go in multi-row statements.
  const paidEvents = booked.flatMap((item) => {
    const invoice = invoices.get(item.invoiceId)!;
    const amountPaid = invoice.amountPaid + item.amount;
    if (amountPaid < invoice.grossAmount) return [];
    const data = {
      id: invoice.id,
      number: invoice.number,
      customerId: invoice.customerId,
      currency: invoice.currency,
      grossAmount: invoice.grossAmount,
      amountPaid,
      paidAt: at,
      bankTransactionId: tx.id,
    };
    return [{ merchantId, type: "invoice.paid" as const, data, at: now }];
  });
  const statements = [
    entryStatement(db, {
      id: entryId,
      merchantId,
      bankTransactionId: tx.id,
      expectedStatus: tx.status,
      seq: tx.seq + 1,
      kind: "collection",
      status: "matched",
      rule,
      source: "reconciliation",
      at,
    }),
    collectionAllocationsStatement(db, {
      merchantId,
      entryId,
      bankTransactionId: tx.id,
      rule,
      currency: tx.currency ?? "EUR",
      paymentDate: tx.bookingDate,
      at,
      items: items.map((item) => ({ id: newId("pal"), itemId: item.id })),
    }),
    ...settleCollectionStatements(db, merchantId, scope, at),
    transactionStatusStatement(db, merchantId, tx.id, { status: "matched", matchedRule: rule, at }),
    ...eventStatements(db, {
      merchantId,
      type: "payment.received",
      data: {
        bankTransactionId: tx.id,
        amount: tx.amount,
        currency: tx.currency,
        bookingDate: tx.bookingDate,
        rule,
        allocations: booked.map((item) => ({
          invoiceId: item.invoiceId,
          amount: item.amount,
          collectionItemId: item.id,
        })),
        customerCredit: 0,
      },
      at: now,
    }),
    ...eventsStatements(db, paidEvents),
  ];
  return (await commit(db, statements)) ? "collection" : "conflict";
}
