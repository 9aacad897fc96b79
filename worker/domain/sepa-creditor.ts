// The merchant's SEPA creditor settings as typed in: name, IBAN, BIC, creditor identifier and
// lead days, each checked by the SEPA identifier rules so one 4xx can name every bad field.
import { toSepaTextLimited, MAX_NAME_LENGTH } from "./pain008.ts";
import {
  DEFAULT_SEPA_LEAD_DAYS,
  isValidLeadDays,
  MAX_LEAD_DAYS,
  MIN_LEAD_DAYS,
} from "./sepa-calendar.ts";
import {
  bicRequiredFor,
  validateBic,
  validateCreditorId,
  validateSepaIban,
} from "./sepa-identifiers.ts";

export interface CreditorInput {
  creditorName: string;
  iban: string;
  bic?: string | null | undefined;
  creditorId: string;
  /** One number for every sequence type, or per type. */
  leadDays?: number | { FRST?: number | undefined; RCUR?: number | undefined } | undefined;
}

/** Lead days for the sequence types Tarif sends (it never sends OOFF or FNAL). */
export interface CreditorLeadDays {
  FRST: number;
  RCUR: number;
}

export interface ValidCreditor {
  name: string;
  iban: string;
  ibanCountry: string;
  bic: string | null;
  creditorId: string;
  leadDays: CreditorLeadDays;
}

export interface CreditorFieldError {
  field: string;
  reason: string;
  message: string;
}

/**
 * Whether a name survives transliteration into the SEPA character set with something a bank
 * can show: "株式会社" would become "....", which no bank accepts as a name.
 */
export function isUsableSepaName(name: string): boolean {
  return /[A-Za-z0-9]/.test(toSepaTextLimited(name, MAX_NAME_LENGTH));
}

function leadDaysOf(
  input: CreditorInput["leadDays"],
  errors: CreditorFieldError[],
): CreditorLeadDays {
  const outOfRange = (field: string) => ({
    field,
    reason: "out_of_range",
    message: `lead days must be an integer from ${MIN_LEAD_DAYS} to ${MAX_LEAD_DAYS} TARGET2 business days`,
  });
  if (typeof input === "number" && !isValidLeadDays(input)) {
    errors.push(outOfRange("leadDays"));
    return { FRST: DEFAULT_SEPA_LEAD_DAYS.FRST, RCUR: DEFAULT_SEPA_LEAD_DAYS.RCUR };
  }
  const wanted =
    typeof input === "number"
      ? { FRST: input, RCUR: input }
      : { FRST: input?.FRST, RCUR: input?.RCUR };
  const result = { FRST: DEFAULT_SEPA_LEAD_DAYS.FRST, RCUR: DEFAULT_SEPA_LEAD_DAYS.RCUR };
  for (const type of ["FRST", "RCUR"] as const) {
    const days = wanted[type];
    if (days === undefined) continue;
    if (!isValidLeadDays(days)) {
      errors.push(outOfRange(`leadDays.${type}`));
      continue;
    }
    result[type] = days;
  }
  return result;
}

export function validateCreditorInput(
  input: CreditorInput,
): { ok: true; value: ValidCreditor } | { ok: false; errors: CreditorFieldError[] } {
  const errors: CreditorFieldError[] = [];
  const name = input.creditorName.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    errors.push({
      field: "creditorName",
      reason: "length",
      message: `creditor name must have 1 to ${MAX_NAME_LENGTH} characters`,
    });
  } else if (!isUsableSepaName(name)) {
    errors.push({
      field: "creditorName",
      reason: "unusable",
      message: "creditor name needs letters or digits of the SEPA character set",
    });
  }
  const iban = validateSepaIban(input.iban);
  if (!iban.ok) errors.push({ field: "iban", reason: iban.reason, message: iban.message });
  let bic: string | null = null;
  if (input.bic !== undefined && input.bic !== null && input.bic.trim() !== "") {
    const checked = validateBic(input.bic);
    if (checked.ok) bic = checked.value;
    else errors.push({ field: "bic", reason: checked.reason, message: checked.message });
  } else if (iban.ok && bicRequiredFor(iban.value.country)) {
    errors.push({
      field: "bic",
      reason: "required",
      message: `a BIC is required for accounts outside the EEA (${iban.value.country})`,
    });
  }
  const creditorId = validateCreditorId(input.creditorId);
  if (!creditorId.ok)
    errors.push({ field: "creditorId", reason: creditorId.reason, message: creditorId.message });
  const leadDays = leadDaysOf(input.leadDays, errors);
  if (errors.length > 0 || !iban.ok || !creditorId.ok) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name,
      iban: iban.value.iban,
      ibanCountry: iban.value.country,
      bic,
      creditorId: creditorId.value.creditorId,
      leadDays,
    },
  };
}
