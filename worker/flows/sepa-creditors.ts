// The merchant's SEPA creditor settings as a use case: check the input by the domain's SEPA
// rules (every bad field named), seal the IBAN bound to the merchant, store it.
import { invalidFields } from "../domain/errors.ts";
import { validateCreditorInput, type CreditorInput } from "../domain/sepa-creditor.ts";
import { maskIban } from "../domain/sepa-identifiers.ts";
import { encryptSecret } from "../security.ts";
import type { Db } from "../store/db.ts";
import {
  creditorIbanBinding,
  upsertCreditor,
  type CreditorRecord,
} from "../store/sepa-creditors.ts";

export async function setCreditor(
  db: Db,
  encryptionKey: string | undefined,
  merchantId: string,
  input: CreditorInput,
  now: Date,
): Promise<CreditorRecord> {
  const checked = validateCreditorInput(input);
  if (!checked.ok) {
    const errors = checked.errors.map(({ field, message }) => ({ field, message }));
    throw invalidFields(errors, "Invalid creditor: ");
  }
  const creditor = checked.value;
  return upsertCreditor(db, {
    merchantId,
    name: creditor.name,
    ibanCiphertext: await encryptSecret(
      creditor.iban,
      encryptionKey,
      creditorIbanBinding(merchantId),
    ),
    ibanMasked: maskIban(creditor.iban),
    bic: creditor.bic,
    creditorId: creditor.creditorId,
    leadDays: creditor.leadDays,
    updatedAt: now.toISOString(),
  });
}
