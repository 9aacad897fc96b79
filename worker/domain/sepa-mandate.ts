// The SEPA Core mandate lifecycle: whether a mandate may be collected from, which sequence type
// (FRST/RCUR) its next collection carries, and what a returned debit does to it, following the
// reason classes of reference/return-codes.md.
import { addMonthsClamped, isIsoDate } from "./calendar.ts";
import type { IsoDate } from "./calendar.ts";
import type { ReasonClass } from "./return-detection.ts";
import {
  bicRequiredFor,
  validateBic,
  validateMandateReference,
  validateSepaIban,
} from "./sepa-identifiers.ts";

/**
 * active: may be collected. revoked: the debtor withdrew or disputed it (or the merchant ended
 * it). dead: the bank said it can never work (closed account, no mandate, deceased, …).
 * Neither revoked nor dead is ever collected; only an explicit merchant action revives one.
 */
export type MandateStatus = "active" | "revoked" | "dead";

export type MandateSequenceType = "FRST" | "RCUR";

export interface MandateState {
  status: MandateStatus;
  /** The sequence type the next collection under this mandate must carry. */
  nextSequenceType: MandateSequenceType;
}

/**
 * Since the 2016 rulebook (9.0) a first collection may also be sent as RCUR, but banks still
 * reject or mis-route that now and then, and FRST followed by RCUR is valid under both the old and
 * the new rules. So a mandate starts with FRST and switches to RCUR once a FRST was submitted.
 */
export function newMandateState(): MandateState {
  return { status: "active", nextSequenceType: "FRST" };
}

export function canCollect(state: MandateState): boolean {
  return state.status === "active";
}

/** The sequence type for the next collection, or null when the mandate must not be collected. */
export function nextSequenceType(state: MandateState): MandateSequenceType | null {
  return canCollect(state) ? state.nextSequenceType : null;
}

/** A collection under the mandate went into a pain.008 file handed to the bank. */
export function afterCollectionSubmitted(state: MandateState): MandateState {
  return { ...state, nextSequenceType: "RCUR" };
}

/**
 * The collection never settled: the run was discarded before the bank processed it, or the bank
 * rejected/refused it before settlement. Then the debtor bank never booked a first collection,
 * and (pre-2016 rule, still safe) the next one must be FRST again. A settled-then-returned FRST
 * is different: the debtor bank has seen the mandate, so the series goes on with RCUR.
 */
export function afterCollectionUnsettled(
  state: MandateState,
  collectedAs: MandateSequenceType,
): MandateState {
  return collectedAs === "FRST" ? { ...state, nextSequenceType: "FRST" } : state;
}

/**
 * The mandate was amended (IBAN, reference or creditor id changed). A move to another debtor
 * bank restarts the series with FRST, as the pre-2016 rulebook required ("SMNDA") and the current
 * one still allows; a new IBAN at the same bank keeps the sequence.
 */
export function afterMandateAmended(
  state: MandateState,
  change: { debtorBankChanged: boolean },
): MandateState {
  return change.debtorBankChanged ? { ...state, nextSequenceType: "FRST" } : state;
}

export function revokeMandate(state: MandateState): MandateState {
  return { ...state, status: "revoked" };
}

/**
 * The merchant cleared a revoked or dead mandate with the customer (AC06 unblocked, dispute
 * settled). The debtor bank may have dropped the series meanwhile, so it restarts with FRST.
 */
export function reactivateMandate(state: MandateState): MandateState {
  return { ...state, status: "active", nextSequenceType: "FRST" };
}

// ---------------------------------------------------------------------------------------------
// Returns (R-transactions after settlement)

/**
 * What a return means for the mandate:
 * - dead: stop collecting for good; a new mandate (with a new FRST) is needed.
 * - disputed: the debtor objected (refund claim, refusal, blocking); stop and contact them.
 * - retryable: re-present automatically (`autoRetries` times), then dunning.
 * - fix_data: the mandate data was wrong; correct it, then collect again.
 * - resubmit: a technical fault on our side or in the file; fix it and submit again.
 * - review: nothing automatic; a person decides (duplicate, regulatory, unknown code).
 * - none: the mandate is unaffected.
 */
export type ReturnEffect =
  "dead" | "disputed" | "retryable" | "fix_data" | "resubmit" | "review" | "none";

export interface MandateReturnOutcome {
  effect: ReturnEffect;
  /** The mandate's new status; "unchanged" keeps whatever it is. */
  status: MandateStatus | "unchanged";
  /** Automatic re-presentations allowed for the returned collection. */
  autoRetries: 0 | 1;
  /** Whether the next collection must be FRST again. */
  restartSequence: boolean;
}

const outcome = (
  effect: ReturnEffect,
  status: MandateReturnOutcome["status"],
  autoRetries: 0 | 1 = 0,
  restartSequence = false,
): MandateReturnOutcome => ({
  effect,
  status,
  autoRetries,
  restartSequence,
});

const RETURN_OUTCOMES: Readonly<Record<ReasonClass | "unknown", MandateReturnOutcome>> = {
  dead: outcome("dead", "dead"),
  // AC06: blocked until the debtor clarifies; treated as dead so nothing is collected meanwhile.
  dead_until_clarified: outcome("dead", "dead"),
  // AC13: a CORE debit on an account that only takes B2B; this mandate cannot be used.
  wrong_scheme: outcome("dead", "dead"),
  technical: outcome("resubmit", "unchanged"),
  retryable: outcome("retryable", "unchanged", 1),
  // AM05: a duplicate; collecting again would double-charge.
  no_retry: outcome("review", "unchanged"),
  // MD02, RR01–RR03: "correct, new FRST".
  fixable: outcome("fix_data", "unchanged", 0, true),
  // MD06, MS02: the debtor objected; collecting on would only cost more return fees.
  disputed: outcome("disputed", "revoked"),
  // MS03 often hides insufficient funds: one retry, then dunning.
  retry_once: outcome("retryable", "unchanged", 1),
  manual: outcome("review", "unchanged"),
  // SL01: the debtor's bank blocks this creditor at the debtor's request (blocking, whitelist).
  refusal: outcome("disputed", "revoked"),
  // FOCR: about a recalled credit transfer, not the mandate.
  info: outcome("none", "unchanged"),
  unknown: outcome("review", "unchanged"),
};

/**
 * Codes whose class understates them: AG02 is a wrong sequence type (the debtor bank wants FRST),
 * and DNOR means the debtor's bank is not reachable for SEPA debits at all.
 */
const CODE_OVERRIDES: Readonly<Record<string, MandateReturnOutcome>> = {
  AG02: outcome("resubmit", "unchanged", 0, true),
  DNOR: outcome("dead", "dead"),
};

export function mandateStatusAfterReturn(
  reasonClass: ReasonClass | "unknown",
  code?: string,
): MandateReturnOutcome {
  const override = code === undefined ? undefined : CODE_OVERRIDES[code.toUpperCase()];
  return override ?? RETURN_OUTCOMES[reasonClass] ?? RETURN_OUTCOMES.unknown;
}

/** The mandate state after a return; a dead or revoked mandate stays so (only a new one restarts). */
export function afterReturn(
  state: MandateState,
  reasonClass: ReasonClass | "unknown",
  code?: string,
): MandateState {
  const result = mandateStatusAfterReturn(reasonClass, code);
  const status = result.status === "unchanged" ? state.status : result.status;
  return { status, nextSequenceType: result.restartSequence ? "FRST" : state.nextSequenceType };
}

// ---------------------------------------------------------------------------------------------
// Expiry

/**
 * Rulebook: a mandate not used for 36 months (counted from the due date of the last collection
 * presented, even if it was rejected or returned) lapses. An unused mandate counts from its
 * signature, as the Bundesbank explains it. Collections due on or after this date are not allowed.
 */
export function mandateExpiryDate(
  signatureDate: IsoDate,
  lastCollectionDate: IsoDate | null,
): IsoDate {
  return addMonthsClamped(lastCollectionDate ?? signatureDate, 36);
}

export function isMandateExpired(
  signatureDate: IsoDate,
  lastCollectionDate: IsoDate | null,
  collectionDate: IsoDate,
): boolean {
  return collectionDate >= mandateExpiryDate(signatureDate, lastCollectionDate);
}

// ---------------------------------------------------------------------------------------------
// Input

export interface MandateInput {
  reference: string;
  signatureDate: string;
  iban: string;
  bic?: string | null;
}

export interface ValidMandate {
  reference: string;
  signatureDate: IsoDate;
  iban: string;
  ibanCountry: string;
  bic: string | null;
}

export type MandateField = "reference" | "signatureDate" | "iban" | "bic";

export interface MandateFieldError {
  field: MandateField;
  reason: string;
  message: string;
}

/** Every problem with a mandate at once, each naming its field, so one 4xx can list them all. */
export function validateMandateInput(
  input: MandateInput,
  today: IsoDate,
): { ok: true; value: ValidMandate } | { ok: false; errors: MandateFieldError[] } {
  const errors: MandateFieldError[] = [];
  const reference = validateMandateReference(input.reference);
  if (!reference.ok)
    errors.push({ field: "reference", reason: reference.reason, message: reference.message });
  const signatureError = signatureDateError(input.signatureDate, today);
  if (signatureError) errors.push(signatureError);
  const iban = validateSepaIban(input.iban);
  if (!iban.ok) errors.push({ field: "iban", reason: iban.reason, message: iban.message });
  const bic = bicOf(input.bic, iban.ok ? iban.value.country : null, errors);
  if (errors.length > 0 || !reference.ok || !iban.ok) return { ok: false, errors };
  return {
    ok: true,
    value: {
      reference: reference.value,
      signatureDate: input.signatureDate,
      iban: iban.value.iban,
      ibanCountry: iban.value.country,
      bic,
    },
  };
}

function signatureDateError(signatureDate: string, today: IsoDate): MandateFieldError | null {
  if (!isIsoDate(signatureDate))
    return {
      field: "signatureDate",
      reason: "not_a_date",
      message: "signature date must be a calendar date YYYY-MM-DD",
    };
  if (signatureDate > today)
    return {
      field: "signatureDate",
      reason: "in_future",
      message: "a mandate cannot be signed in the future",
    };
  return null;
}

function bicOf(
  input: string | null | undefined,
  ibanCountry: string | null,
  errors: MandateFieldError[],
): string | null {
  if (input === undefined || input === null || input.trim() === "") {
    if (ibanCountry !== null && bicRequiredFor(ibanCountry)) {
      errors.push({
        field: "bic",
        reason: "required",
        message: `a BIC is required for debtor accounts outside the EEA (${ibanCountry})`,
      });
    }
    return null;
  }
  const bic = validateBic(input);
  if (!bic.ok) {
    errors.push({ field: "bic", reason: bic.reason, message: bic.message });
    return null;
  }
  return bic.value;
}
