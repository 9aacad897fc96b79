// Merchant-wide settings as use cases: the customer center (self-service portal), its actions
// and allowed origins stored without duplicates.
import {
  customerCenterSettingsOf,
  updateCustomerCenterSettings,
  type CustomerCenterSettings,
} from "../store/merchants.ts";
import type { Db } from "../store/db.ts";

export async function updateCustomerCenter(
  db: Db,
  merchantId: string,
  patch: Partial<CustomerCenterSettings>,
): Promise<CustomerCenterSettings> {
  const deduplicated = {
    ...patch,
    ...(patch.allowedActions ? { allowedActions: [...new Set(patch.allowedActions)] } : {}),
    ...(patch.allowedOrigins ? { allowedOrigins: [...new Set(patch.allowedOrigins)] } : {}),
  };
  return customerCenterSettingsOf(await updateCustomerCenterSettings(db, merchantId, deduplicated));
}
