// The provider-neutral bank transaction: what a provider-specific field of the resource shape
// (finAPI's id) is, derived from the neutral columns, and what the payer's sealed IBAN is bound to.
import type { BankTransactionRecord } from "../store/bank-transactions.ts";

/** The finAPI transaction id of a finAPI booking (DESIGN's `finapiId`); null for other providers. */
export function finapiIdOf(
  transaction: Pick<BankTransactionRecord, "provider" | "providerSequence">,
): number | null {
  return transaction.provider === "finapi" ? transaction.providerSequence : null;
}

/**
 * The payer's IBAN is sealed to the provider's transaction id, which a healed parked row keeps
 * (its row id is the first draft's). Rows from before the provider seam carry the same value.
 */
export const counterpartIbanBinding = (providerTransactionId: string) =>
  `bank_transaction:${providerTransactionId}:counterpart_iban`;
