// Reconciliation of incoming payments: builds the matcher's index from the merchant's open
// invoices (plus the invoices the bank texts name) and the customers behind the payers' IBANs,
// runs the batch through matchStatement, and books each result with its own guards — allocations
// with their rule, overpayment as customer credit, invoice status from the allocations, events —
// or sends it to review with the ranked candidates.
import {
  matchStatement,
  normaliseIban,
  statementReach,
  SUGGESTION_SCAN_LIMIT,
  type MatchResult,
} from "../domain/payment-matching.ts";
import { maskIban } from "../domain/sepa-identifiers.ts";
import { incomingPayment, invoiceForMatching } from "../domain/reconciliation-mapping.ts";
import { decryptSecret } from "../security.ts";
import { counterpartIbanBinding } from "../banking/transactions.ts";
import { ibanLookupHash } from "./customer-accounts.ts";
import { newId } from "../security.ts";
import type { PaymentBooking } from "../store/payment-bookings.ts";
import {
  invoicesForMatching,
  payerCandidates,
  type InvoiceState,
  type ReconcilableTransaction,
} from "../store/reconciliation-load.ts";
import { mandateIbanBinding } from "../store/sepa-mandates.ts";
import { buildEventPayload } from "../domain/webhook-retry.ts";
import type { GroupedCommits } from "../store/grouped-commits.ts";
import type { Outcome, QuietItem, RunContext } from "./reconcile-common.ts";

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

/**
 * Matches and books the payments in bank order (grouped into few D1 batches); stops at the first
 * lost race, and the rest waits for the next run.
 */
/** Bookings go through `commits`; reviews are gathered in `quiet` to be written in bulk. */
export async function reconcilePayments(
  ctx: RunContext,
  transactions: readonly ReconcilableTransaction[],
  commits: GroupedCommits<PaymentBooking, Outcome>,
  quiet: QuietItem[],
): Promise<void> {
  if (transactions.length === 0) return;
  const payers = await openPayerIbans(ctx, transactions);
  const ibans = await payerIbans(ctx, payers);
  const incomings = transactions.map((tx) => incomingPayment(tx, payers.get(tx.id) ?? null));
  // Only the invoices the matcher can look at for this statement are loaded, never all open ones.
  const reach = statementReach(incomings, ibans);
  const invoices = await invoicesForMatching(ctx.db, ctx.merchantId, {
    references: reach.references,
    numbers: reach.numbers,
    customerIds: reach.customers,
    amounts: reach.amounts,
    perAmount: SUGGESTION_SCAN_LIMIT,
  });
  const byId = new Map(invoices.map((invoice) => [invoice.id, invoice]));
  const paid = new Map(invoices.map((invoice) => [invoice.id, invoice.amountPaid]));
  for (const currency of new Set(transactions.map((tx) => tx.currency ?? "EUR"))) {
    const picked = transactions.flatMap((tx, i) =>
      (tx.currency ?? "EUR") === currency ? [i] : [],
    );
    const batch = picked.map((i) => transactions[i]!);
    const results = matchStatement(
      picked.map((i) => incomings[i]!),
      invoices.filter((invoice) => invoice.currency === currency).map(invoiceForMatching),
      ibans,
    );
    for (const [i, result] of results.entries()) {
      const tx = batch[i]!;
      if (result.allocations.length > 0)
        await commits.add(paymentBooking(ctx, tx, result, byId, paid), outcomeOf(result));
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
function paymentBooking(
  ctx: RunContext,
  tx: ReconcilableTransaction,
  result: MatchResult,
  invoices: Map<string, InvoiceState>,
  paid: Map<string, number>,
): PaymentBooking {
  const { now } = ctx;
  const at = now.toISOString();
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
  const event = (type: "payment.received" | "invoice.paid", data: Record<string, unknown>) => ({
    id: newId("evt"),
    type,
    payload: buildEventPayload(type, data, now),
  });
  return {
    entryId: newId("rce"),
    bankTransactionId: tx.id,
    expectedStatus: tx.status,
    seq: tx.seq + 1,
    status,
    rule,
    statusReason: credit > 0 ? `Overpaid by ${credit} cents, kept as customer credit.` : null,
    currency,
    paymentDate: tx.bookingDate,
    allocations: allocations.map(({ invoice, amount, expectedPaid }) => ({
      id: newId("pal"),
      invoiceId: invoice.id,
      customerId: invoice.customerId,
      amount,
      expectedPaid,
    })),
    credit: credit > 0 ? { id: newId("ccr"), customerId: first.customerId, amount: credit } : null,
    events: [
      event("payment.received", {
        bankTransactionId: tx.id,
        amount: tx.amount,
        currency,
        bookingDate: tx.bookingDate,
        rule,
        customerId: first.customerId,
        allocations: result.allocations,
        customerCredit: credit,
      }),
      ...allocations
        .filter(({ invoice, amountPaid }) => amountPaid >= invoice.grossAmount)
        .map(({ invoice, amountPaid }) =>
          event("invoice.paid", {
            id: invoice.id,
            number: invoice.number,
            customerId: invoice.customerId,
            currency: invoice.currency,
            grossAmount: invoice.grossAmount,
            amountPaid,
            paidAt: at,
            bankTransactionId: tx.id,
          }),
        ),
    ],
  };
}
