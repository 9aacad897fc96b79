// Customer credit (Guthaben) applied to open invoices: the oldest credit first onto the oldest
// open invoice first, never more than either has, so the ledger always balances to the cent.
// Also what may be refunded.
import type { Cents } from "./money.ts";

export interface CreditBalance {
  id: string;
  /** What is left of this credit after earlier uses and refunds. */
  remaining: Cents;
  bookedAt: string;
}

export interface CreditableInvoice {
  id: string;
  issueDate: string;
  number: string;
  openAmount: Cents;
}

export interface CreditApplication {
  creditId: string;
  invoiceId: string;
  amount: Cents;
}

const byAge =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export function applyCredit(
  credits: readonly CreditBalance[],
  invoices: readonly CreditableInvoice[],
): CreditApplication[] {
  const pool = credits
    .filter((credit) => credit.remaining > 0)
    .map((credit) => ({ ...credit }))
    .sort(byAge((credit) => `${credit.bookedAt}\u0000${credit.id}`));
  const applications: CreditApplication[] = [];
  const open = invoices
    .filter((invoice) => invoice.openAmount > 0)
    .sort(byAge((invoice) => `${invoice.issueDate}\u0000${invoice.number}`));
  for (const invoice of open) {
    let owed = invoice.openAmount;
    for (const credit of pool) {
      if (owed === 0) break;
      const amount = Math.min(owed, credit.remaining);
      if (amount === 0) continue;
      credit.remaining -= amount;
      owed -= amount;
      applications.push({ creditId: credit.id, invoiceId: invoice.id, amount });
    }
  }
  return applications;
}

export type RefundCheck = { ok: true } | { ok: false; reason: "not_positive" | "exceeds_balance" };

export function checkRefund(amount: Cents, balance: Cents): RefundCheck {
  if (!Number.isSafeInteger(amount) || amount <= 0) return { ok: false, reason: "not_positive" };
  return amount > balance ? { ok: false, reason: "exceeds_balance" } : { ok: true };
}

/** Refunds take the newest credit first, so older credit stays for the next invoices' order. */
export function refundFrom(
  credits: readonly CreditBalance[],
  amount: Cents,
): { creditId: string; amount: Cents }[] {
  const takes: { creditId: string; amount: Cents }[] = [];
  let left = amount;
  const newestFirst = [...credits].sort(byAge((c) => `${c.bookedAt}\u0000${c.id}`)).reverse();
  for (const credit of newestFirst) {
    if (left === 0) break;
    const take = Math.min(left, Math.max(0, credit.remaining));
    if (take > 0) takes.push({ creditId: credit.id, amount: take });
    left -= take;
  }
  return takes;
}
