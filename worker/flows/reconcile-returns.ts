// Reconciliation of returned direct debits (Rücklastschriften): find the collection the return
// belongs to (end-to-end id, then mandate + original amount, then invoice number), and book it in
// one batch — the settled payment reversed, the invoice open again, the fee recorded, the mandate
// flagged by the reason class, `payment.returned` and `invoice.reopened` sent. Anything unclear
// goes to review with the collections that came into question.
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
import { freshInvoiceIds, newId } from "../security.ts";
import {
  activeAllocationOfItem,
  reverseItemAllocationStatement,
} from "../store/payment-allocations.ts";
import { returnFeeContext } from "../store/dunning.ts";
import { queueEmailStatement } from "../store/email-outbox.ts";
import { draftInvoice, type InvoiceDraft } from "../domain/invoice-draft.ts";
import { InvoicePartiesIncomplete, type InvoiceParties } from "../domain/invoice-snapshot.ts";
import { TaxRuleError } from "../domain/tax-decision.ts";
import { loadInvoiceParties } from "../store/company.ts";
import { issueInvoiceStatements } from "../store/invoices.ts";
import { returnStatement } from "../store/payment-returns.ts";
import { entryStatement, transactionStatusStatement } from "../store/reconciliation-entries.ts";
import {
  collectionItemsByInvoiceNumbers,
  invoicesByIds,
  type InvoiceState,
  type ReconcilableTransaction,
} from "../store/reconciliation-load.ts";
import type { RunItemRecord } from "../store/sepa-runs.ts";
import {
  findCollectionItemsByEndToEndId,
  findCollectionItemsByMandate,
  returnCollectionItemStatements,
} from "../store/sepa-settlement.ts";
import { eventStatements } from "../store/webhook-events.ts";
import { returnInput, sendToReview, type Outcome, type RunContext } from "./reconcile-common.ts";
import { commit } from "../store/grouped-commits.ts";

/** Every collection the return's identifiers point at, each once. */
async function collectionsNamedBy(
  ctx: RunContext,
  info: ReturnInfo,
): Promise<{ items: RunItemRecord[]; via: Map<string, string> }> {
  const { db, merchantId } = ctx;
  const endToEnd = [
    ...new Set(
      [info.endToEndReference, ...info.referencedPaymentReferences].filter(
        (value): value is string => value !== null,
      ),
    ),
  ];
  const amount = info.originalAmount ?? info.debitedAmount;
  const [byEndToEnd, byMandate, byNumber] = await Promise.all([
    Promise.all(
      endToEnd.map((reference) => findCollectionItemsByEndToEndId(db, merchantId, reference)),
    ),
    info.mandateReference
      ? findCollectionItemsByMandate(db, merchantId, info.mandateReference, amount)
      : Promise.resolve([]),
    collectionItemsByInvoiceNumbers(db, merchantId, info.referencedInvoiceNumbers),
  ]);
  const items = new Map<string, RunItemRecord>();
  const via = new Map<string, string>();
  const note = (list: RunItemRecord[], reason: string) =>
    list.forEach((item) => {
      items.set(item.id, item);
      if (!via.has(item.invoiceId)) via.set(item.invoiceId, reason);
    });
  note(byEndToEnd.flat(), "collection_end_to_end");
  note(byMandate, "collection_mandate_amount");
  note(byNumber, "collection_invoice_number");
  return { items: [...items.values()], via };
}

export async function reconcileReturn(
  ctx: RunContext,
  tx: ReconcilableTransaction,
): Promise<Outcome> {
  const info = detectReturn(returnInput(tx));
  const { items, via } = await collectionsNamedBy(ctx, info);
  const candidates = [...via].map(([invoiceId, reason]) => ({
    invoiceId,
    score: reason === "collection_end_to_end" ? 80 : 50,
    reasons: [reason],
  }));
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
  if (!link) return sendToReview(ctx, tx, "return_not_linked", candidates);
  // The newest attempt that can still come back: an invoice collected again after a return has several.
  const item = items
    .filter(
      (i) => i.invoiceId === link.invoiceId && (i.status === "pending" || i.status === "settled"),
    )
    .sort((a, b) => (a.id < b.id ? 1 : -1))[0];
  if (!item) return sendToReview(ctx, tx, "collection_already_returned", candidates);
  if (
    (info.originalAmount !== null && info.originalAmount !== item.amount) ||
    info.debitedAmount < item.amount
  ) {
    return sendToReview(ctx, tx, "return_amount_mismatch", candidates);
  }
  return bookReturn(ctx, tx, info, item, link.via);
}

async function bookReturn(
  ctx: RunContext,
  tx: ReconcilableTransaction,
  info: ReturnInfo,
  item: RunItemRecord,
  linkedVia: string,
): Promise<Outcome> {
  const { db, merchantId, now } = ctx;
  const at = now.toISOString();
  const entryId = newId("rce");
  const [invoice] = await invoicesByIds(db, merchantId, [item.invoiceId]);
  const allocation =
    item.status === "settled" ? await activeAllocationOfItem(db, merchantId, item.id) : undefined;
  if (!invoice) throw new Error(`collection item ${item.id} names a missing invoice`);
  const fee = info.fee ?? info.debitedAmount - item.amount;
  const feeInvoice = await returnFeeInvoice(ctx, invoice, fee, entryId);
  const reasonClass = info.reasonClass ?? "unknown";
  const mandate = mandateStatusAfterReturn(reasonClass, info.reasonCode ?? undefined);
  // The settlement had paid the collected amount; returnCollectionItemStatements takes it off again.
  const amountPaid =
    item.status === "settled" ? Math.max(0, invoice.amountPaid - item.amount) : invoice.amountPaid;
  const status = amountPaid > 0 ? "partially_paid" : "open";
  const reasonLabel = info.reasonCode
    ? `${info.reasonCode}${RETURN_REASONS[info.reasonCode] ? ` (${RETURN_REASONS[info.reasonCode]!.meaning})` : ""}`
    : "no reason code";
  const returned = {
    bankTransactionId: tx.id,
    invoiceId: invoice.id,
    invoiceNumber: invoice.number,
    customerId: invoice.customerId,
    collectionItemId: item.id,
    amount: item.amount,
    fee,
    currency: tx.currency ?? invoice.currency,
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
    feeInvoiceId: feeInvoice?.id ?? null,
  };
  const statements = [
    entryStatement(db, {
      id: entryId,
      merchantId,
      bankTransactionId: tx.id,
      expectedStatus: tx.status,
      seq: tx.seq + 1,
      kind: "return",
      status: "return",
      rule: linkedVia,
      reason: info.reasonCode,
      source: "reconciliation",
      at,
    }),
    returnStatement(db, {
      id: newId("prt"),
      merchantId,
      entryId,
      bankTransactionId: tx.id,
      customerId: invoice.customerId,
      collectionItemId: item.id,
      allocationId: allocation?.id ?? null,
      amount: item.amount,
      fee,
      currency: returned.currency,
      reasonCode: info.reasonCode,
      reasonClass: info.reasonClass,
      mandateEffect: mandate.effect,
      linkedVia,
      returnDate: tx.bookingDate,
      at,
    }),
    reverseItemAllocationStatement(db, merchantId, item.id, entryId, at),
    ...returnCollectionItemStatements(db, merchantId, item.id, {
      at,
      reasonCode: info.reasonCode,
      mandate,
    }),
    transactionStatusStatement(db, merchantId, tx.id, {
      status: "return",
      statusReason: `Returned direct debit: ${reasonLabel}.`,
      matchedRule: linkedVia,
      at,
    }),
    ...eventStatements(db, { merchantId, type: "payment.returned", data: returned, at: now }),
    ...eventStatements(db, {
      merchantId,
      type: "invoice.reopened",
      data: {
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
      },
      at: now,
    }),
    queueEmailStatement(db, {
      merchantId,
      customerId: invoice.customerId,
      dedupeKey: entryId,
      at: now,
      facts: {
        kind: "debit_returned",
        currency: invoice.currency,
        invoiceNumber: invoice.number,
        amount: item.amount,
        feeCharged: feeInvoice?.grossAmount ?? 0,
        treatment: returnTreatment(info.reasonClass, info.reasonCode),
        paymentReference: invoice.paymentReference,
      },
    }),
  ];
  if (feeInvoice) statements.push(...issueInvoiceStatements(db, feeInvoice, now));
  return (await commit(db, statements)) ? "return" : "conflict";
}

/** The bank's fee and the merchant's handling fee on their own invoice, when the merchant wants it. */
async function returnFeeInvoice(
  ctx: RunContext,
  invoice: InvoiceState,
  bankFee: number,
  entryId: string,
): Promise<InvoiceDraft | null> {
  const terms = await returnFeeContext(ctx.db, ctx.merchantId, invoice.customerId);
  const lines = returnFeeLines({
    passOnReturnFee: terms.settings.passOnReturnFee,
    bankFee: Math.max(0, bankFee),
    handlingFee: terms.settings.handlingFee,
    returnedInvoiceNumber: invoice.number,
    locale: emailLocale(terms.locale),
  });
  if (lines.length === 0) return null;
  const parties = await loadInvoiceParties(ctx.db, ctx.merchantId, invoice.customerId);
  if (!parties)
    throw new Error(`customer ${invoice.customerId} of invoice ${invoice.id} is missing`);
  try {
    return feeInvoiceDraft(ctx, invoice, lines, terms, entryId, parties);
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
  terms: Awaited<ReturnType<typeof returnFeeContext>>,
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
