// Customer mandates: validate, decide (new, amended, reactivated, replaced) by the domain's
// mandate rules, and store with the IBANs encrypted.
import type { IsoDate } from "../domain/calendar.ts";
import { isUsableSepaName } from "../domain/sepa-creditor.ts";
import { mandateReferenceKey, maskIban } from "../domain/sepa-identifiers.ts";
import { validateMandateInput } from "../domain/sepa-mandate.ts";
import {
  decideMandateChange,
  type PendingAmendment,
  type StoredMandate,
} from "../domain/sepa-mandate-change.ts";
import { DomainError, type FieldError, notFound, invalidFields } from "../domain/errors.ts";
import { decryptSecret, encryptSecret } from "../security.ts";
import { newId } from "../security.ts";
import { isUniqueViolation, type Db } from "../store/db.ts";
import { eventStatements } from "../store/webhook-events.ts";
import {
  amendedFromIbanBinding,
  findLatestMandate,
  insertMandate,
  loadMandateContext,
  mandateIbanBinding,
  revokeMandate,
  updateMandate,
  type MandateRecord,
} from "../store/sepa-mandates.ts";

export interface MandateRequest {
  reference: string;
  signatureDate: string;
  iban: string;
  bic?: string | null | undefined;
  debtorName?: string | null | undefined;
}

const MAX_DEBTOR_NAME = 70;

const invalid = (errors: FieldError[]) => invalidFields(errors, "Invalid mandate: ");

const concurrentChange = () =>
  new DomainError(
    "mandate_conflict",
    "The customer's mandate was changed at the same time; reload it and try again.",
  );

/** The stored mandate with its IBANs decrypted, as the domain's rules see it. */
export async function storedMandate(
  record: MandateRecord,
  keyMaterial: string | undefined,
): Promise<StoredMandate> {
  const iban = await decryptSecret(
    record.ibanCiphertext,
    keyMaterial,
    mandateIbanBinding(record.id),
  );
  return {
    id: record.id,
    customerId: record.customerId,
    reference: record.reference,
    signatureDate: record.signatureDate,
    iban,
    status: record.status as StoredMandate["status"],
    nextSequenceType: record.nextSequenceType as StoredMandate["nextSequenceType"],
    lastCollectionDate: record.lastCollectionDate,
    pendingAmendment: await pendingAmendmentOf(record, keyMaterial),
  };
}

export async function pendingAmendmentOf(
  record: MandateRecord,
  keyMaterial: string | undefined,
): Promise<PendingAmendment | null> {
  if (record.amendedFromReference === null || record.amendedFromIbanCiphertext === null)
    return null;
  return {
    originalReference: record.amendedFromReference,
    originalIban: await decryptSecret(
      record.amendedFromIbanCiphertext,
      keyMaterial,
      amendedFromIbanBinding(record.id),
    ),
    debtorBankChanged: record.amendedBankChanged,
  };
}

function debtorNameOf(
  request: MandateRequest,
  customerName: string,
): { value: string | null; error?: FieldError } {
  const name = request.debtorName?.trim() ?? "";
  if (name === "") {
    // Without a name of its own the mandate uses the customer's, which must then be usable.
    return isUsableSepaName(customerName)
      ? { value: null }
      : {
          value: null,
          error: {
            field: "debtorName",
            message:
              "required: the customer's name has no letters or digits of the SEPA character set",
          },
        };
  }
  if (name.length > MAX_DEBTOR_NAME)
    return {
      value: null,
      error: { field: "debtorName", message: `at most ${MAX_DEBTOR_NAME} characters` },
    };
  if (!isUsableSepaName(name))
    return {
      value: null,
      error: { field: "debtorName", message: "needs letters or digits of the SEPA character set" },
    };
  return { value: name };
}

/** PUT /customers/{id}/mandate: `created` says whether a new mandate was made (201) or one was updated (200). */
export async function putMandate(
  db: Db,
  keyMaterial: string | undefined,
  input: {
    merchantId: string;
    customerId: string;
    request: MandateRequest;
    today: IsoDate;
    now: Date;
  },
): Promise<{ mandate: MandateRecord; created: boolean }> {
  const { merchantId, customerId, request, today } = input;
  const checked = validateMandateInput(
    {
      reference: request.reference,
      signatureDate: request.signatureDate,
      iban: request.iban,
      bic: request.bic,
    },
    today,
  );
  const errors: FieldError[] = checked.ok
    ? []
    : checked.errors.map(({ field, message }) => ({ field, message }));
  const referenceKey = mandateReferenceKey(request.reference);
  const context = await loadMandateContext(db, merchantId, customerId, referenceKey);
  if (!context.customer) throw notFound("Customer", customerId);
  const debtorName = debtorNameOf(request, context.customer.name);
  if (debtorName.error) errors.push(debtorName.error);
  if (!checked.ok || errors.length > 0) throw invalid(errors);

  const valid = checked.value;
  const latest = context.latest ? await storedMandate(context.latest, keyMaterial) : null;
  const decision = decideMandateChange({
    customerId,
    latest,
    holderOfReference: context.holder
      ? { id: context.holder.id, customerId: context.holder.customerId }
      : null,
    request: valid,
  });
  const at = input.now.toISOString();
  const fields = async (id: string) => ({
    reference: valid.reference,
    referenceKey: mandateReferenceKey(valid.reference),
    signatureDate: valid.signatureDate,
    ibanCiphertext: await encryptSecret(valid.iban, keyMaterial, mandateIbanBinding(id)),
    ibanMasked: maskIban(valid.iban),
    ibanCountry: valid.ibanCountry,
    bic: valid.bic,
    debtorName: debtorName.value,
  });
  const onUniqueViolation = (error: unknown): never => {
    if (isUniqueViolation(error)) throw concurrentChange();
    throw error;
  };

  switch (decision.kind) {
    case "reject": {
      const errors = [{ field: decision.field, message: decision.message }];
      throw new DomainError(decision.code, decision.message, errors);
    }
    case "create": {
      const id = newId("mdt");
      const row = {
        id,
        merchantId,
        customerId,
        ...(await fields(id)),
        status: "active",
        nextSequenceType: decision.state.nextSequenceType,
        createdAt: at,
      };
      const replaces =
        decision.replaces && context.latest?.id === decision.replaces ? context.latest : null;
      const previous = context.latest;
      const event = eventStatements(db, {
        merchantId,
        type: "mandate.created",
        data: {
          mandateId: id,
          customerId,
          reference: row.reference,
          signatureDate: row.signatureDate,
          ibanMasked: row.ibanMasked,
          sequenceType: decision.state.nextSequenceType,
          source: "merchant",
          replacesMandateId: replaces?.id ?? null,
          supersedesMandateId: previous && previous.status !== "active" ? previous.id : null,
        },
        at: input.now,
      });
      return {
        mandate: await insertMandate(db, row, replaces, at, event).catch(onUniqueViolation),
        created: true,
      };
    }
    case "amend": {
      const current = context.latest!;
      const pending = decision.pendingAmendment;
      const mandate = await updateMandate(db, current, {
        ...(await fields(current.id)),
        nextSequenceType: decision.state.nextSequenceType,
        amendedFromReference: pending?.originalReference ?? null,
        amendedFromIbanCiphertext: pending
          ? await encryptSecret(
              pending.originalIban,
              keyMaterial,
              amendedFromIbanBinding(current.id),
            )
          : null,
        amendedBankChanged: pending?.debtorBankChanged ?? false,
        updatedAt: at,
      }).catch(onUniqueViolation);
      if (!mandate) throw concurrentChange();
      return { mandate, created: false };
    }
    case "reactivate": {
      const current = context.latest!;
      const mandate = await updateMandate(db, current, {
        ...(await fields(current.id)),
        status: "active",
        statusReason: null,
        revokedAt: null,
        nextSequenceType: decision.state.nextSequenceType,
        amendedFromReference: null,
        amendedFromIbanCiphertext: null,
        amendedBankChanged: false,
        updatedAt: at,
      }).catch(onUniqueViolation);
      if (!mandate) throw concurrentChange();
      return { mandate, created: false };
    }
  }
}

/** DELETE /customers/{id}/mandate: revokes the active mandate; a mandate already ended is answered as it is. */
export async function revokeCustomerMandate(
  db: Db,
  merchantId: string,
  customerId: string,
  now: Date,
): Promise<MandateRecord> {
  const { customer, mandate } = await findLatestMandate(db, merchantId, customerId);
  if (!customer) throw notFound("Customer", customerId);
  if (!mandate) throw notFound(`A mandate of customer ${customerId}`);
  if (mandate.status !== "active") return mandate;
  return revokeMandate(db, mandate, "revoked_by_merchant", now.toISOString());
}
