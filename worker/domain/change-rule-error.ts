// The typed error every contract-change and cancellation rule reports, with a stable code the
// API turns into a problem+json response naming the offending field.
import { DomainError } from "./errors.ts";

export type ChangeRuleCode =
  | "invalid_date"
  | "effective_date_not_allowed"
  | "effective_date_before_period"
  | "effective_date_after_end"
  | "same_template"
  | "template_not_in_group"
  | "template_not_offered"
  | "not_an_addon"
  | "addon_not_allowed"
  | "addon_already_on_contract"
  | "cannot_remove_plan"
  | "item_not_found"
  | "invalid_quantity"
  | "quantity_unchanged"
  | "interval_change_on_cancelled_contract"
  | "end_date_too_early"
  | "end_date_not_period_end";

/** The request field a code is about, so the API can point at it without a lookup table. */
export type ChangeRuleField =
  "effectiveDate" | "templateId" | "articleId" | "itemId" | "quantity" | "endDate";

export class ChangeRuleError extends DomainError {
  override readonly name = "ChangeRuleError";
  override readonly code: ChangeRuleCode;
  readonly field: ChangeRuleField;

  constructor(code: ChangeRuleCode, field: ChangeRuleField, message: string) {
    super(code, message, [{ field, message }]);
    this.code = code;
    this.field = field;
  }
}

/** Result of a check the caller wants to branch on rather than catch. */
export type RuleCheck = { ok: true } | { ok: false; error: ChangeRuleError };

export function ruleFailure(
  code: ChangeRuleCode,
  field: ChangeRuleField,
  message: string,
): RuleCheck {
  return { ok: false, error: new ChangeRuleError(code, field, message) };
}

export function throwIfFailed(check: RuleCheck): void {
  if (!check.ok) throw check.error;
}
