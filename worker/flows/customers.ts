// The customer use cases of the merchant API: create one and update one (with the billing data
// their invoices show), sealing the account they pay from (worker/flows/customer-accounts.ts) and
// refusing an externalRef another customer of the merchant has already.
import type { PostalAddress } from "../domain/company.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { newId } from "../security.ts";
import {
  insertCustomer,
  updateCustomer as updateCustomerRow,
  type CustomerRecord,
} from "../store/customers.ts";
import { isUniqueViolation } from "../store/db.ts";
import type { Db } from "../store/db.ts";
import { customerIbanColumns, type SecretKeys } from "./customer-accounts.ts";

export interface CustomerInput {
  name?: string | undefined;
  email?: string | null | undefined;
  externalRef?: string | null | undefined;
  locale?: "de" | "en" | undefined;
  /** A value seals it, null clears it, absent keeps it. */
  iban?: string | null | undefined;
  mandateReference?: string | null | undefined;
  /** The billing data invoices show of the buyer. */
  kind?: "consumer" | "business" | undefined;
  billingAddress?: PostalAddress | null | undefined;
  vatId?: string | null | undefined;
  /** BT-10, e.g. a Leitweg-ID of a public buyer. */
  buyerReference?: string | null | undefined;
}

function duplicateExternalRef(error: unknown): never {
  if (isUniqueViolation(error))
    throw new DomainError("external_ref_taken", "Another customer already has this externalRef.");
  throw error;
}

export async function createCustomer(
  db: Db,
  keys: SecretKeys,
  merchantId: string,
  { iban, ...fields }: CustomerInput & { name: string },
): Promise<CustomerRecord> {
  const id = newId("cus");
  return insertCustomer(db, {
    id,
    merchantId,
    ...fields,
    ...(await customerIbanColumns(id, iban, keys)),
  }).catch(duplicateExternalRef);
}

export async function updateCustomer(
  db: Db,
  keys: SecretKeys,
  merchantId: string,
  customerId: string,
  { iban, ...patch }: CustomerInput,
  now: Date,
): Promise<CustomerRecord> {
  const customer = await updateCustomerRow(db, merchantId, customerId, {
    ...patch,
    ...(await customerIbanColumns(customerId, iban, keys)),
    updatedAt: now.toISOString(),
  }).catch(duplicateExternalRef);
  if (!customer) throw notFound("Customer", customerId);
  return customer;
}
