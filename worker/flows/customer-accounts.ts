// The account a merchant gives for a customer (the one they pay from), at rest: sealed with
// ENCRYPTION_KEY and bound to the customer, masked for the API, and an HMAC of its electronic form
// under LOOKUP_HASH_KEY so reconciliation can find the customer behind a payer's IBAN by equality.
import { maskIban } from "../domain/sepa-identifiers.ts";
import type { Bindings } from "../env.ts";
import { encryptSecret, lookupHash } from "../security.ts";

export type SecretKeys = Pick<Bindings, "ENCRYPTION_KEY" | "LOOKUP_HASH_KEY">;

export const customerIbanBinding = (customerId: string) => `customer:${customerId}:iban`;

/** The lookup hash of an IBAN in electronic form (upper case, no spaces). */
export const ibanLookupHash = (iban: string, keys: SecretKeys) =>
  lookupHash(`iban:${iban}`, keys.LOOKUP_HASH_KEY);

/** The customer columns for `iban` as sent: a value seals it, null clears it, absent keeps it. */
export async function customerIbanColumns(
  customerId: string,
  iban: string | null | undefined,
  keys: SecretKeys,
) {
  if (iban === undefined) return {};
  if (iban === null) return { ibanCiphertext: null, ibanMasked: null, ibanHash: null };
  return {
    ibanCiphertext: await encryptSecret(iban, keys.ENCRYPTION_KEY, customerIbanBinding(customerId)),
    ibanMasked: maskIban(iban),
    ibanHash: await ibanLookupHash(iban, keys),
  };
}
