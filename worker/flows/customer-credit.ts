// Customer credit (Guthaben) as the merchant sees and uses it: the customer's balance with every
// booking, application onto an invoice and refund; and a refund by transfer, recorded (the payout
// itself is the merchant's), never more than the balance.
import { checkRefund, refundFrom } from "../domain/customer-credit.ts";
import { DomainError, invalidFields, notFound } from "../domain/errors.ts";
import { maskIban } from "../domain/sepa-identifiers.ts";
import { newId } from "../security.ts";
import {
  creditBalances,
  customerCreditLedger,
  isCreditConflict,
  refundStatements,
  type CustomerCreditLedger,
} from "../store/customer-credit.ts";
import { findCustomer } from "../store/customers.ts";
import { runBatch, type Db } from "../store/db.ts";

export type CreditEntry =
  | {
      type: "booked";
      at: string;
      creditId: string;
      amount: number;
      reason: string;
      reversedAt: string | null;
    }
  | {
      type: "applied";
      at: string;
      creditId: string;
      amount: number;
      invoiceId: string;
      invoiceNumber: string | null;
      reversedAt: string | null;
    }
  | {
      type: "refunded";
      at: string;
      refundId: string;
      amount: number;
      reference: string | null;
      iban: string | null;
    };

export interface CreditView {
  customerId: string;
  currency: string;
  balance: number;
  entries: CreditEntry[];
}

function viewOf(customerId: string, currency: string, ledger: CustomerCreditLedger): CreditView {
  const balance = creditBalances(ledger, currency).reduce((sum, c) => sum + c.remaining, 0);
  const entries: CreditEntry[] = [
    ...ledger.credits
      .filter((c) => c.currency === currency)
      .map((c) => ({
        type: "booked" as const,
        at: c.bookedAt,
        creditId: c.id,
        amount: c.amount,
        reason: c.reason,
        reversedAt: c.reversedAt,
      })),
    ...ledger.uses
      .filter((u) => u.kind === "applied" && u.currency === currency)
      .map((u) => ({
        type: "applied" as const,
        at: u.usedAt,
        creditId: u.creditId,
        amount: u.amount,
        invoiceId: u.invoiceId!,
        invoiceNumber: ledger.invoiceNumbers.get(u.invoiceId!) ?? null,
        reversedAt: u.reversedAt,
      })),
    ...ledger.refunds
      .filter((r) => r.currency === currency)
      .map((r) => ({
        type: "refunded" as const,
        at: r.refundedAt,
        refundId: r.id,
        amount: r.amount,
        reference: r.reference,
        iban: r.ibanMasked?.replaceAll(" ", "") ?? null,
      })),
  ];
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { customerId, currency, balance, entries };
}

async function loadLedger(db: Db, merchantId: string, customerId: string) {
  const customer = await findCustomer(db, merchantId, customerId);
  if (!customer) throw notFound("Customer", customerId);
  return customerCreditLedger(db, merchantId, customerId);
}

export async function customerCredit(
  db: Db,
  merchantId: string,
  customerId: string,
  currency: string,
): Promise<CreditView> {
  return viewOf(customerId, currency, await loadLedger(db, merchantId, customerId));
}

export interface RefundRequest {
  amount: number;
  currency: string;
  iban: string | null;
  reference: string | null;
}

export interface RefundResult {
  id: string;
  customerId: string;
  amount: number;
  currency: string;
  iban: string | null;
  reference: string | null;
  refundedAt: string;
  balance: number;
}

export async function refundCredit(
  db: Db,
  merchantId: string,
  customerId: string,
  request: RefundRequest,
  now: Date,
): Promise<RefundResult> {
  const ledger = await loadLedger(db, merchantId, customerId);
  const credits = creditBalances(ledger, request.currency);
  const balance = credits.reduce((sum, c) => sum + c.remaining, 0);
  const check = checkRefund(request.amount, balance);
  if (!check.ok && check.reason === "not_positive")
    throw invalidFields([{ field: "amount", message: "must be a positive number of cents" }]);
  if (!check.ok)
    throw new DomainError(
      "credit_exceeds_balance",
      `The refund of ${request.amount} cents exceeds the credit balance of ${balance} cents.`,
      [{ field: "amount", message: `must not exceed the balance of ${balance} cents` }],
    );
  const remaining = new Map(credits.map((c) => [c.id, c.remaining]));
  const takes = refundFrom(credits, request.amount).map((take) => ({
    ...take,
    remaining: remaining.get(take.creditId)!,
  }));
  const id = newId("crf");
  const ibanMasked = request.iban ? maskIban(request.iban) : null;
  const statements = refundStatements(db, {
    id,
    owner: { merchantId, customerId, currency: request.currency },
    amount: request.amount,
    ibanMasked,
    reference: request.reference,
    takes,
    balanceAfter: balance - request.amount,
    at: now,
  });
  try {
    await runBatch(db, statements);
  } catch (error) {
    if (!isCreditConflict(error)) throw error;
    throw new DomainError(
      "conflict",
      "The customer's credit changed meanwhile (applied or refunded); reload and try again.",
    );
  }
  return {
    id,
    customerId,
    amount: request.amount,
    currency: request.currency,
    iban: ibanMasked?.replaceAll(" ", "") ?? null,
    reference: request.reference,
    refundedAt: now.toISOString(),
    balance: balance - request.amount,
  };
}
