// The one error type of everything below worker/http: a stable code from a closed union, a detail
// for people and, for bad input, the fields it is about. worker/http/problem.ts maps each code to
// its HTTP status, so rules, flows, jobs and the store never speak HTTP.
import type { ChangeRuleCode } from "./change-rule-error.ts";
import type { InvoiceRuleCode } from "./invoice.ts";
import type { InvoicePartiesCode } from "./invoice-snapshot.ts";
import type { TaxRuleCode } from "./tax-decision.ts";

/** Failures any request can meet, whatever it is about. */
export type RequestErrorCode =
  | "bad_request"
  | "malformed_json"
  | "validation_failed"
  | "unsupported_media_type"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "idempotency_key_reused"
  | "idempotency_request_in_progress"
  | "unprocessable"
  | "too_many_requests"
  | "internal_error"
  | "upstream_unavailable";

/** Who may use the customer portal, and for what. */
export type PortalAccessCode =
  | "session_missing"
  | "session_invalid"
  | "portal_disabled"
  | "origin_not_allowed"
  | "action_not_allowed";

/** Who may use the back office, and for what. */
export type BackOfficeErrorCode =
  | "session_expired"
  | "csrf_token_invalid"
  | "role_not_allowed"
  | "invalid_credentials"
  | "login_throttled"
  | "not_a_session"
  | "email_taken"
  | "last_owner";

export type ContractErrorCode =
  | "contract_ended"
  | "contract_already_cancelled"
  | "contract_version_conflict"
  | "change_not_scheduled"
  | "external_ref_taken";

export type SepaErrorCode =
  | "mandate_conflict"
  | "mandate_reference_taken"
  | "mandate_data_invalid"
  | "signature_date_mismatch"
  | "creditor_not_configured"
  | "collection_date_not_allowed"
  | "no_collectable_invoices"
  | "collection_data_invalid"
  | "collection_conflict"
  | "run_not_cancellable";

export type BankErrorCode =
  | "finapi_not_configured"
  | "finapi_user_missing"
  | "finapi_user_exists"
  | "finapi_credentials_rejected"
  | "finapi_rejected"
  | "finapi_not_connected"
  | "bank_connection_not_renewable"
  | "sync_in_progress"
  | "transaction_not_assignable"
  | "collection_credit_not_assignable"
  | "invoice_not_open"
  | "currency_mismatch"
  | "amounts_do_not_add_up"
  | "credit_customer_unclear"
  | "bank_transaction_changed"
  | "nothing_to_undo";

export type AfterReturnErrorCode =
  "credit_exceeds_balance" | "hand_over_not_allowed" | "test_mode_only" | "test_clock_out_of_range";

/** The operator's replay of a job that failed all its retries. */
export type JobErrorCode = "dead_job_not_replayable" | "dead_job_replayed";

export type ErrorCode =
  | AfterReturnErrorCode
  | JobErrorCode
  | RequestErrorCode
  | PortalAccessCode
  | BackOfficeErrorCode
  | ContractErrorCode
  | ChangeRuleCode
  | InvoiceRuleCode
  | SepaErrorCode
  | BankErrorCode
  | InvoicePartiesCode
  | TaxRuleCode;

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  override readonly name: string = "DomainError";

  /** Seconds after which a retry may succeed (sent as `Retry-After`), for throttling codes. */
  readonly retryAfter: number | undefined;

  constructor(
    readonly code: ErrorCode,
    detail: string,
    readonly errors?: FieldError[],
    options: { retryAfter?: number } = {},
  ) {
    super(detail);
    this.retryAfter = options.retryAfter;
  }
}

export const notFound = (what: string, id?: string) =>
  new DomainError("not_found", id ? `${what} ${id} does not exist.` : `${what} does not exist.`);

/** Bad input naming every offending field; the detail lists them after an optional prefix. */
export function invalidFields(errors: FieldError[], prefix = ""): DomainError {
  const summary = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  return new DomainError("validation_failed", `${prefix}${summary}`, errors);
}

/** A reference in the request (`customerId`, `templateId`, …) that names nothing of the merchant. */
export function missingReference(field: string, detail: string): DomainError {
  return new DomainError("validation_failed", `${field}: ${detail}`, [
    { field, message: "does not exist" },
  ]);
}
