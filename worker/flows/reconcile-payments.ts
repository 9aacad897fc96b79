// Reconciliation of incoming payments: builds the matcher's index from the merchant's open
// invoices (plus the invoices the bank texts name) and the customers behind the payers' IBANs,
// runs the batch through matchStatement, and books each result with its own guards — allocations
// with their rule, overpayment as customer credit, invoice status from the allocations, events —
// or sends it to review with the ranked candidates.
import type { BatchItem } from "drizzle-orm/batch";
import { applyCreditStatements } from "../store/customer-credit.ts";
import {
  matchStatement,
  normaliseIban,
  type IncomingTransaction,
  type InvoiceForMatching,
  type MatchResult,
} from "../domain/payment-matching.ts";
import { invoiceNumberKey, scanTransactionReferences } from "../domain/payment-reference-scan.ts";
import { maskIban } from "../domain/sepa-identifiers.ts";
import { decryptSecret } from "../security.ts";
import { counterpartIbanBinding } from "../banking/transactions.ts";
import { ibanLookupHash } from "./customer-accounts.ts";
import { newId } from "../security.ts";
import {
  allocationStatement,
  creditStatement,
  recomputeInvoicesStatement,
} from "../store/payment-allocations.ts";
import { entryStatement, transactionStatusStatement } from "../store/reconciliation-entries.ts";
import {
  invoicesForMatching,
  payerCandidates,
  type InvoiceState,
  type ReconcilableTransaction,
} from "../store/reconciliation-load.ts";
import { mandateIbanBinding } from "../store/sepa-mandates.ts";
import { eventStatements } from "../store/webhook-events.ts";
import type { GroupedCommits } from "../store/grouped-commits.ts";
import type { Outcome, QuietItem, RunContext } from "./reconcile-common.ts";

function incoming(tx: ReconcilableTransaction, payers: PayerIbans): IncomingTransaction {
  return {
    id: tx.id,
    amount: tx.amount ?? 0,
    purpose: tx.purpose,
    endToEndReference: tx.endToEndReference,
    counterpartIban: payers.get(tx.id) ?? null,
    counterpartName: tx.counterpartName,
    bookingDate: tx.bookingDate ?? tx.valueDate ?? "",
  };
}

function forMatching(invoice: InvoiceState): InvoiceForMatching {
  const creditNote = invoice.kind === "credit_note";
  return {
    id: invoice.id,
    customerId: invoice.customerId,
    number: invoice.number,
    paymentReference: invoice.paymentReference,
    openAmount: creditNote ? 0 : Math.max(0, invoice.grossAmount - invoice.amountPaid),
    issueDate: invoice.issueDate,
    // A credit note pays out; it is indexed only so a transfer naming it is not matched elsewhere.
    status: creditNote ? "credit_note" : invoice.status,
  };
}

/** Transaction id → the payer's IBAN in electronic form, opened from its sealed column. */
type PayerIbans = Map<string, string>;

async function openPayerIbans(
  ctx: RunContext,
  transactions: readonly ReconcilableTransaction[],
): Promise<PayerIbans> {
  const opened: PayerIbans = new Map();
  for (const tx of transactions) {
    if (!tx.counterpartIbanCiphertext) continue;
    try {
      const iban = await decryptSecret(
        tx.counterpartIbanCiphertext,
        ctx.keys.ENCRYPTION_KEY,
        counterpartIbanBinding(tx.providerTransactionId),
      );
      opened.set(tx.id, normaliseIban(iban));
    } catch (error) {
      // An unreadable line is still reconciled, only without knowing its payer.
      console.error("reconciliation: cannot decrypt payer IBAN", tx.id, String(error));
    }
  }
  return opened;
}

/**
 * [IBAN, customerId] for the payers of this batch. Customers' accounts are found by their lookup
 * hash. Mandate IBANs are encrypted, so mandates are picked by their masked IBAN (country, check
 * digits and last four: about one false hit in a million) and only those few are decrypted.
 */
async function payerIbans(ctx: RunContext, payers: PayerIbans): Promise<[string, string][]> {
  const ibans = [...new Set(payers.values())].filter((iban) => iban.length >= 15);
  const byHash = new Map<string, string>();
  for (const iban of ibans) byHash.set(await ibanLookupHash(iban, ctx.keys), iban);
  const found = await payerCandidates(
    ctx.db,
    ctx.merchantId,
    [...byHash.keys()],
    ibans.map(maskIban),
  );
  const wanted = new Set(ibans);
  const pairs: [string, string][] = found.customers.flatMap((customer) => {
    const iban = customer.ibanHash ? byHash.get(customer.ibanHash) : undefined;
    return iban ? [[iban, customer.id] as [string, string]] : [];
  });
  for (const mandate of found.mandates) {
    try {
      const iban = normaliseIban(
        await decryptSecret(
          mandate.ibanCiphertext,
          ctx.keys.ENCRYPTION_KEY,
          mandateIbanBinding(mandate.id),
        ),
      );
      if (wanted.has(iban)) pairs.push([iban, mandate.customerId]);
    } catch (error) {
      // One unreadable mandate must not stop the run; its payer is then just unknown.
      console.error(
        "reconciliation: cannot decrypt mandate IBAN",
        mandate.id,
        error instanceof Error ? error.message : error,
      );
    }
  }
  return pairs;
}

function namedKeys(transactions: readonly ReconcilableTransaction[]): {
  references: string[];
  numbers: string[];
} {
  const references = new Set<string>();
  const numbers = new Set<string>();
  for (const tx of transactions) {
    const scanned = scanTransactionReferences({
      purpose: tx.purpose,
      endToEndReference: tx.endToEndReference,
    });
    scanned.creditorReferences.forEach((key) => references.add(key));
    scanned.invoiceNumbers.forEach((key) => numbers.add(key));
    scanned.wholeKeys.forEach((key) => {
      references.add(key);
      numbers.add(invoiceNumberKey(key));
    });
  }
  return { references: [...references], numbers: [...numbers] };
}

/**
 * Matches and books the payments in bank order (grouped into few D1 batches); stops at the first
 * lost race, and the rest waits for the next run.
 */
/** Bookings go through `commits`; reviews are gathered in `quiet` to be written in bulk. */
export async function reconcilePayments(
  ctx: RunContext,
  transactions: readonly ReconcilableTransaction[],
  commits: GroupedCommits<Outcome>,
  quiet: QuietItem[],
): Promise<void> {
  if (transactions.length === 0) return;
  const { references, numbers } = namedKeys(transactions);
  const payers = await openPayerIbans(ctx, transactions);
  const [invoices, ibans] = await Promise.all([
    invoicesForMatching(ctx.db, ctx.merchantId, references, numbers),
    payerIbans(ctx, payers),
  ]);
  const byId = new Map(invoices.map((invoice) => [invoice.id, invoice]));
  const paid = new Map(invoices.map((invoice) => [invoice.id, invoice.amountPaid]));
  for (const currency of new Set(transactions.map((tx) => tx.currency ?? "EUR"))) {
    const batch = transactions.filter((tx) => (tx.currency ?? "EUR") === currency);
    const results = matchStatement(
      batch.map((tx) => incoming(tx, payers)),
      invoices.filter((invoice) => invoice.currency === currency).map(forMatching),
      ibans,
    );
    for (const [i, result] of results.entries()) {
      const tx = batch[i]!;
      if (result.allocations.length > 0)
        await commits.add(bookingStatements(ctx, tx, result, byId, paid), outcomeOf(result));
      else
        quiet.push({
          tx,
          kind: "review",
          reason: result.reviewReason ?? "no_rule_matched",
          candidates: result.candidates,
        });
      if (commits.stopped) return;
    }
  }
}

function outcomeOf(result: MatchResult): Outcome {
  return result.outcome === "overpaid"
    ? "overpaid"
    : result.outcome === "partially_matched"
      ? "partially_matched"
      : "matched";
}

/** Also counts the allocations into `paid` at once: the next transaction's guard expects them. */
function bookingStatements(
  ctx: RunContext,
  tx: ReconcilableTransaction,
  result: MatchResult,
  invoices: Map<string, InvoiceState>,
  paid: Map<string, number>,
): BatchItem<"sqlite">[] {
  const { db, merchantId, now } = ctx;
  const at = now.toISOString();
  const entryId = newId("rce");
  const status = result.outcome === "partially_matched" ? "partially_matched" : "matched";
  const rule = result.rule ?? "reference";
  const currency = tx.currency ?? "EUR";
  const first = invoices.get(result.allocations[0]!.invoiceId)!;
  const credit = result.outcome === "overpaid" ? result.remainder : 0;
  const allocations = result.allocations.map(({ invoiceId, amount }) => {
    const invoice = invoices.get(invoiceId)!;
    const expectedPaid = paid.get(invoiceId) ?? 0;
    paid.set(invoiceId, expectedPaid + amount);
    return { invoice, amount, expectedPaid, amountPaid: expectedPaid + amount };
  });
  return [
    entryStatement(db, {
      id: entryId,
      merchantId,
      bankTransactionId: tx.id,
      expectedStatus: tx.status,
      seq: tx.seq + 1,
      kind: "payment",
      status,
      rule,
      source: "reconciliation",
      at,
    }),
    ...allocations.map(({ invoice, amount, expectedPaid }) =>
      allocationStatement(db, {
        id: newId("pal"),
        merchantId,
        entryId,
        bankTransactionId: tx.id,
        invoiceId: invoice.id,
        customerId: invoice.customerId,
        amount,
        currency,
        rule,
        paymentDate: tx.bookingDate,
        expectedPaid,
        at,
      }),
    ),
    ...(credit > 0
      ? [
          creditStatement(db, {
            id: newId("ccr"),
            merchantId,
            customerId: first.customerId,
            entryId,
            bankTransactionId: tx.id,
            amount: credit,
            currency,
            reason: "overpayment",
            at,
          }),
        ]
      : []),
    recomputeInvoicesStatement(
      db,
      merchantId,
      result.allocations.map((allocation) => allocation.invoiceId),
    ),
    // New credit goes onto the customer's other open invoices at once (oldest first).
    ...(credit > 0
      ? applyCreditStatements(db, { merchantId, customerId: first.customerId, currency }, now)
      : []),
    transactionStatusStatement(db, merchantId, tx.id, {
      status,
      matchedRule: rule,
      statusReason: credit > 0 ? `Overpaid by ${credit} cents, kept as customer credit.` : null,
      at,
    }),
    ...eventStatements(db, {
      merchantId,
      type: "payment.received",
      data: {
        bankTransactionId: tx.id,
        amount: tx.amount,
        currency,
        bookingDate: tx.bookingDate,
        rule,
        customerId: first.customerId,
        allocations: result.allocations,
        customerCredit: credit,
      },
      at: now,
    }),
    ...allocations
      .filter(({ invoice, amountPaid }) => amountPaid >= invoice.grossAmount)
      .flatMap(({ invoice, amountPaid }) =>
        eventStatements(db, {
          merchantId,
          type: "invoice.paid",
          data: {
            id: invoice.id,
            number: invoice.number,
            customerId: invoice.customerId,
            currency: invoice.currency,
            grossAmount: invoice.grossAmount,
            amountPaid,
            paidAt: at,
            bankTransactionId: tx.id,
          },
          at: now,
        }),
      ),
  ];
}
