// Merchant-wide settings as use cases: the customer center (self-service portal), its actions
// and allowed origins stored without duplicates; the dunning settings, a patch checked as a
// whole; which customer e-mails are sent.
import { EMAIL_KINDS, type EmailKind } from "../domain/customer-emails.ts";
import { validateDunningSettings, type DunningSettings } from "../domain/dunning.ts";
import { DomainError } from "../domain/errors.ts";
import { findDunningSettings, saveDunningSettings } from "../store/dunning.ts";
import { findEmailSettings, saveEmailSettings } from "../store/email-outbox.ts";
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

/** Applies the fields the patch names to the stored settings and stores them if all are valid. */
export async function updateDunningSettings(
  db: Db,
  merchantId: string,
  changes: Partial<DunningSettings>,
  now: Date,
): Promise<DunningSettings> {
  const patch = Object.fromEntries(
    Object.entries(changes).filter(([, value]) => value !== undefined),
  );
  const settings = { ...(await findDunningSettings(db, merchantId)), ...patch };
  const errors = validateDunningSettings(settings);
  if (errors.length > 0)
    throw new DomainError(
      "validation_failed",
      `Invalid dunning settings: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`,
      errors,
    );
  // Validated in the order given, so each error names the element the client sent.
  settings.baseRates = [...settings.baseRates].sort((a, b) => (a.validFrom < b.validFrom ? -1 : 1));
  await saveDunningSettings(db, merchantId, settings, now.toISOString());
  return settings;
}

/** Switches e-mail kinds on (true) or off (false); returns the kinds now switched off. */
export async function updateEmailKinds(
  db: Db,
  merchantId: string,
  kinds: Partial<Record<EmailKind, boolean | undefined>>,
  now: Date,
): Promise<EmailKind[]> {
  const current = new Set((await findEmailSettings(db, merchantId))?.disabledKinds ?? []);
  for (const [kind, enabled] of Object.entries(kinds)) {
    if (enabled === undefined) continue;
    if (enabled) current.delete(kind);
    else current.add(kind);
  }
  const disabled = EMAIL_KINDS.filter((kind) => current.has(kind));
  await saveEmailSettings(db, merchantId, disabled, now.toISOString());
  return disabled;
}
