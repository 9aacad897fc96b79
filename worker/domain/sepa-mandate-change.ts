// What `PUT /customers/{id}/mandate` does to a customer's mandates. A mandate is identified by
// its reference and signature date: keeping either one means the same mandate was amended
// (new IBAN, new reference), changing both means a new mandate replaced the old one. The bank
// must be told about an amendment once, on the next collection, relative to what it saw last.
import { extractIBAN } from "ibantools";
import type { IsoDate } from "./calendar.ts";
import type { Pain008Transaction } from "./pain008.ts";
import { afterMandateAmended, newMandateState, reactivateMandate } from "./sepa-mandate.ts";
import type {
  MandateSequenceType,
  MandateState,
  MandateStatus,
  ValidMandate,
} from "./sepa-mandate.ts";
import { mandateReferenceKey, sameMandateReference } from "./sepa-identifiers.ts";

/** The reference and IBAN the bank saw on the last collection, and whether the bank changed since. */
export interface PendingAmendment {
  originalReference: string;
  originalIban: string;
  debtorBankChanged: boolean;
}

export interface StoredMandate {
  id: string;
  customerId: string;
  reference: string;
  signatureDate: IsoDate;
  /** Decrypted, electronic format. */
  iban: string;
  status: MandateStatus;
  nextSequenceType: MandateSequenceType;
  lastCollectionDate: IsoDate | null;
  pendingAmendment: PendingAmendment | null;
}

export type MandateDecision =
  /** A new mandate; `replaces` is the customer's active mandate, which is revoked. */
  | { kind: "create"; state: MandateState; replaces: string | null }
  /** The same mandate with new data; `pendingAmendment` is what the next collection reports. */
  | { kind: "amend"; id: string; state: MandateState; pendingAmendment: PendingAmendment | null }
  /** A revoked or dead mandate the merchant cleared with the customer: collected again, from FRST. */
  | { kind: "reactivate"; id: string; state: MandateState }
  | {
      kind: "reject";
      code: "mandate_reference_taken" | "signature_date_mismatch";
      field: "reference" | "signatureDate";
      message: string;
    };

/**
 * Whether two IBANs are held at the same bank (the national bank code inside the IBAN). Where
 * the country's IBAN carries no bank code, only an identical IBAN counts as the same bank, which
 * errs towards a new FRST: always accepted, unlike an RCUR the new bank has never seen.
 */
export function sameDebtorBank(a: string, b: string): boolean {
  if (a === b) return true;
  const left = extractIBAN(a);
  const right = extractIBAN(b);
  if (!left.valid || !right.valid || left.countryCode !== right.countryCode) return false;
  if (!left.bankIdentifier || !right.bankIdentifier) return false;
  return left.bankIdentifier === right.bankIdentifier;
}

function amend(current: StoredMandate, request: ValidMandate): MandateDecision {
  const state: MandateState = {
    status: current.status,
    nextSequenceType: current.nextSequenceType,
  };
  // Never collected: the bank has seen nothing, so there is nothing to report.
  if (current.lastCollectionDate === null)
    return { kind: "amend", id: current.id, state, pendingAmendment: null };
  const seen = current.pendingAmendment ?? {
    originalReference: current.reference,
    originalIban: current.iban,
    debtorBankChanged: false,
  };
  const referenceChanged = !sameMandateReference(seen.originalReference, request.reference);
  const ibanChanged = seen.originalIban !== request.iban;
  const bankChanged = ibanChanged && !sameDebtorBank(seen.originalIban, request.iban);
  // Only a new move to another bank restarts the series; a FRST already due stays due.
  const next = afterMandateAmended(state, {
    debtorBankChanged: bankChanged && !seen.debtorBankChanged,
  });
  const pendingAmendment =
    referenceChanged || ibanChanged ? { ...seen, debtorBankChanged: bankChanged } : null;
  return { kind: "amend", id: current.id, state: next, pendingAmendment };
}

export interface MandateChangeInput {
  customerId: string;
  /** The customer's most recent mandate, whatever its status. */
  latest: StoredMandate | null;
  /** The mandate of this merchant that already uses the requested reference (any customer, any status). */
  holderOfReference: { id: string; customerId: string } | null;
  request: ValidMandate;
}

export function decideMandateChange({
  customerId,
  latest,
  holderOfReference,
  request,
}: MandateChangeInput): MandateDecision {
  if (
    holderOfReference &&
    (holderOfReference.customerId !== customerId || holderOfReference.id !== latest?.id)
  ) {
    return {
      kind: "reject",
      code: "mandate_reference_taken",
      field: "reference",
      message: `mandate reference ${mandateReferenceKey(request.reference)} is already used by another mandate (references are unique per creditor, case-insensitively, and never reused)`,
    };
  }
  if (holderOfReference && latest) {
    if (latest.signatureDate !== request.signatureDate) {
      return {
        kind: "reject",
        code: "signature_date_mismatch",
        field: "signatureDate",
        message: `mandate ${latest.reference} was signed on ${latest.signatureDate}; a newly signed mandate needs a new reference`,
      };
    }
    if (latest.status !== "active")
      return {
        kind: "reactivate",
        id: latest.id,
        state: reactivateMandate({
          status: latest.status,
          nextSequenceType: latest.nextSequenceType,
        }),
      };
    return amend(latest, request);
  }
  if (latest?.status === "active" && latest.signatureDate === request.signatureDate)
    return amend(latest, request);
  return {
    kind: "create",
    state: newMandateState(),
    replaces: latest?.status === "active" ? latest.id : null,
  };
}

/** The amendment details a collection must carry for a pending amendment, or undefined. */
export function amendmentForCollection(
  pending: PendingAmendment | null,
  current: { reference: string; iban: string },
): Pain008Transaction["amendment"] {
  if (!pending) return undefined;
  const amendment: NonNullable<Pain008Transaction["amendment"]> = {};
  if (!sameMandateReference(pending.originalReference, current.reference))
    amendment.originalMandateId = pending.originalReference;
  if (pending.debtorBankChanged) amendment.debtorBankChanged = true;
  else if (pending.originalIban !== current.iban)
    amendment.originalDebtorIban = pending.originalIban;
  return Object.keys(amendment).length > 0 ? amendment : undefined;
}
