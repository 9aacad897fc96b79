// The portal's account view and the new mandate a customer gives there: GET /portal/v1/account
// (open amount, open invoices, payment method, transfer details, the mandate text) and
// POST /portal/v1/mandates (validated in the customer's language, reference generated, IBAN
// sealed, masked and hashed, the blocked mandate superseded, `mandate.created` in the same batch).
import { eq, and } from "drizzle-orm";
import { customers } from "../../schema/tables.ts";
import type {
  NewMandateRequest,
  NewMandateResult,
  PortalAccount,
} from "../../widget/src/portal-api.ts";
import type { IsoDate } from "../domain/calendar.ts";
import { DomainError } from "../domain/errors.ts";
import {
  isOwed,
  mandateConsent,
  openAmountIn,
  openInvoices,
  paymentMethodOf,
  portalLocale,
  portalMandateReference,
  validatePortalMandate,
} from "../domain/portal-account.ts";
import { SEPA_CURRENCY } from "../domain/sepa-collection-run.ts";
import { mandateReferenceKey, maskIban, normalizeIban } from "../domain/sepa-identifiers.ts";
import { newMandateState } from "../domain/sepa-mandate.ts";
import { decryptSecret, encryptSecret, newId } from "../security.ts";
import { isUniqueViolation, type Db } from "../store/db.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import { loadPortalAccountRows } from "../store/portal.ts";
import { creditorIbanBinding } from "../store/sepa-creditors.ts";
import { insertMandate, mandateIbanBinding } from "../store/sepa-mandates.ts";
import { eventStatements } from "../store/webhook-events.ts";
import { customerIbanColumns, type SecretKeys } from "./customer-accounts.ts";

export interface PortalCustomer {
  id: string;
  name: string;
  locale: string;
}

const mayUpdateMandate = (merchant: MerchantRecord) =>
  merchant.allowedActions.includes("update_mandate");

/** "DE89370400440532013000" → "DE89 3704 0044 0532 0130 00", as printed on an invoice. */
const grouped = (iban: string) => normalizeIban(iban).replace(/(.{4})(?=.)/g, "$1 ");

export async function portalAccount(
  db: Db,
  keys: SecretKeys,
  merchant: MerchantRecord,
  customer: PortalCustomer,
): Promise<PortalAccount> {
  const rows = await loadPortalAccountRows(db, merchant.id, customer.id);
  const owed = openInvoices(
    rows.invoices.map((invoice) => ({ ...invoice, kind: invoice.kind })),
    rows.levels.map((level) => ({
      invoiceId: level.invoiceId,
      level: level.level as "reminder",
      fee: level.fee,
      reachedOn: level.reachedOn,
    })),
  );
  const creditor = rows.creditor;
  const mandate = rows.latestMandate;
  return {
    openAmount: openAmountIn(owed, SEPA_CURRENCY),
    currency: SEPA_CURRENCY,
    openInvoices: owed,
    paymentMethod: paymentMethodOf(mandate ?? null, customer.name),
    transfer: creditor
      ? {
          recipient: creditor.name,
          iban: grouped(
            await decryptSecret(
              creditor.ibanCiphertext,
              keys.ENCRYPTION_KEY,
              creditorIbanBinding(merchant.id),
            ),
          ),
          bic: creditor.bic,
        }
      : null,
    canUpdateMandate: mayUpdateMandate(merchant) && creditor !== undefined,
    mandateConsent: creditor
      ? mandateConsent({ name: creditor.name, creditorId: creditor.creditorId })
      : null,
  };
}

const TEXTS = {
  de: {
    notAllowed: "Die Zahlungsart kann im Kundenportal nicht geändert werden.",
    noCreditor: "Lastschriften sind bei diesem Anbieter nicht eingerichtet.",
    invalid: "Das Mandat wurde nicht erteilt: ",
    concurrent: "Ihr Mandat wurde gleichzeitig geändert; bitte laden Sie die Seite neu.",
  },
  en: {
    notAllowed: "The payment method cannot be changed in the customer portal.",
    noCreditor: "Direct debits are not set up with this merchant.",
    invalid: "The mandate was not given: ",
    concurrent: "Your mandate was changed at the same time; please reload the page.",
  },
} as const;

export async function createPortalMandate(
  db: Db,
  keys: SecretKeys,
  input: {
    merchant: MerchantRecord;
    customer: PortalCustomer;
    request: Partial<NewMandateRequest> & { iban: string; accountHolder: string };
    today: IsoDate;
    now: Date;
  },
): Promise<NewMandateResult> {
  const { merchant, customer, request, today, now } = input;
  const locale = portalLocale(customer.locale);
  const t = TEXTS[locale];
  if (!mayUpdateMandate(merchant)) throw new DomainError("action_not_allowed", t.notAllowed);
  const checked = validatePortalMandate(request, locale);
  if (!checked.ok)
    throw new DomainError(
      "mandate_data_invalid",
      t.invalid + checked.errors.map((e) => `${e.field}: ${e.message}`).join("; "),
      checked.errors,
    );
  const rows = await loadPortalAccountRows(db, merchant.id, customer.id);
  if (!rows.creditor) throw new DomainError("creditor_not_configured", t.noCreditor);

  const { iban, ibanCountry, accountHolder } = checked.value;
  const id = newId("mdt", now.getTime());
  const reference = portalMandateReference(id);
  const at = now.toISOString();
  const state = newMandateState();
  const previous = rows.latestMandate ?? null;
  const replaces = previous?.status === "active" ? previous : null;
  const ibanMasked = maskIban(iban);
  const customerColumns = await customerIbanColumns(customer.id, iban, keys);
  const mandate = await insertMandate(
    db,
    {
      id,
      merchantId: merchant.id,
      customerId: customer.id,
      reference,
      referenceKey: mandateReferenceKey(reference),
      signatureDate: today,
      ibanCiphertext: await encryptSecret(iban, keys.ENCRYPTION_KEY, mandateIbanBinding(id)),
      ibanMasked,
      ibanCountry,
      bic: null,
      debtorName: accountHolder,
      status: state.status,
      nextSequenceType: state.nextSequenceType,
      source: "portal",
      consentAt: at,
      consentTextVersion: mandateConsent({
        name: rows.creditor.name,
        creditorId: rows.creditor.creditorId,
      }).version,
      createdAt: at,
    },
    replaces,
    at,
    [
      // The account the customer pays from is now this one: reconciliation finds their transfers by it.
      db
        .update(customers)
        .set({ ...customerColumns, updatedAt: at })
        .where(and(eq(customers.merchantId, merchant.id), eq(customers.id, customer.id))),
      ...eventStatements(db, {
        merchantId: merchant.id,
        type: "mandate.created",
        data: {
          mandateId: id,
          customerId: customer.id,
          reference,
          signatureDate: today,
          ibanMasked,
          sequenceType: state.nextSequenceType,
          source: "portal",
          replacesMandateId: replaces?.id ?? null,
          supersedesMandateId: previous && previous.status !== "active" ? previous.id : null,
        },
        at: now,
      }),
    ],
  ).catch((error: unknown) => {
    if (isUniqueViolation(error)) throw new DomainError("mandate_conflict", t.concurrent);
    throw error;
  });
  return {
    id: mandate.id,
    reference: mandate.reference,
    signatureDate: mandate.signatureDate,
    ibanMasked: mandate.ibanMasked,
    accountHolder,
    status: "active",
    sequenceType: mandate.nextSequenceType as "FRST" | "RCUR",
    consentAt: at,
    consentTextVersion: mandate.consentTextVersion!,
    // What the next run takes: EUR invoices with something open that no debit is on its way for.
    invoicesToCollect: rows.invoices
      .filter(
        (invoice) =>
          isOwed(invoice) && invoice.status === "open" && invoice.currency === SEPA_CURRENCY,
      )
      .map((invoice) => invoice.id),
  };
}
