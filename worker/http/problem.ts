// RFC 9457 problem+json: the one table that gives every domain error code its HTTP status and
// title, so clients can branch on `code` and every failure looks the same.
import type { Context } from "hono";
import type { DomainError, ErrorCode } from "../domain/errors.ts";

interface ProblemClass {
  status: number;
  title: string;
}

const badRequest = { status: 400, title: "Bad request" };
const unauthorized = { status: 401, title: "Missing or invalid credentials" };
const forbidden = { status: 403, title: "Forbidden" };
const conflict = { status: 409, title: "Conflict" };
const unprocessable = { status: 422, title: "The request breaks a business rule" };
const tooManyRequests = { status: 429, title: "Too many requests" };

export const PROBLEMS: Record<ErrorCode, ProblemClass> = {
  bad_request: badRequest,
  malformed_json: { status: 400, title: "Malformed JSON body" },
  validation_failed: { status: 400, title: "Validation failed" },
  unauthorized,
  forbidden,
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict,
  payload_too_large: { status: 413, title: "Request body too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  idempotency_request_in_progress: {
    status: 409,
    title: "A request with this Idempotency-Key is still in progress",
  },
  idempotency_key_reused: { status: 422, title: "Idempotency-Key reused with a different request" },
  unprocessable,
  too_many_requests: tooManyRequests,
  internal_error: { status: 500, title: "Internal error" },
  upstream_unavailable: { status: 502, title: "An upstream service is unavailable" },

  session_missing: unauthorized,
  session_invalid: unauthorized,
  portal_disabled: forbidden,
  origin_not_allowed: forbidden,
  action_not_allowed: forbidden,

  session_expired: unauthorized,
  csrf_token_invalid: forbidden,
  role_not_allowed: forbidden,
  invalid_credentials: unauthorized,
  login_throttled: tooManyRequests,
  not_a_session: badRequest,
  email_taken: conflict,
  last_owner: unprocessable,

  contract_ended: unprocessable,
  contract_already_cancelled: conflict,
  contract_version_conflict: { status: 409, title: "The contract was changed concurrently" },
  change_not_scheduled: unprocessable,
  external_ref_taken: conflict,

  invalid_date: unprocessable,
  effective_date_not_allowed: unprocessable,
  effective_date_before_period: unprocessable,
  effective_date_after_end: unprocessable,
  same_template: unprocessable,
  template_not_in_group: unprocessable,
  template_not_offered: unprocessable,
  not_an_addon: unprocessable,
  addon_not_allowed: unprocessable,
  addon_already_on_contract: unprocessable,
  cannot_remove_plan: unprocessable,
  item_not_found: unprocessable,
  invalid_quantity: unprocessable,
  quantity_unchanged: unprocessable,
  interval_change_on_cancelled_contract: unprocessable,
  end_date_too_early: unprocessable,
  end_date_not_period_end: unprocessable,

  invalid_kind: unprocessable,
  invalid_sequence_number: unprocessable,
  invalid_payment_token: unprocessable,
  invalid_payment_term: unprocessable,
  invalid_currency: unprocessable,
  no_lines: unprocessable,
  invalid_description: unprocessable,
  invalid_amount: unprocessable,
  invalid_tax_rate: unprocessable,
  invalid_period: unprocessable,
  amount_out_of_range: unprocessable,
  credit_note_positive: unprocessable,
  credit_note_without_original: unprocessable,
  original_invoice_not_allowed: unprocessable,
  invoice_negative: unprocessable,

  mandate_conflict: conflict,
  mandate_reference_taken: conflict,
  mandate_data_invalid: unprocessable,
  signature_date_mismatch: unprocessable,
  creditor_not_configured: unprocessable,
  collection_date_not_allowed: unprocessable,
  no_collectable_invoices: unprocessable,
  collection_data_invalid: unprocessable,
  collection_conflict: conflict,
  run_not_cancellable: unprocessable,

  finapi_not_configured: unprocessable,
  finapi_user_missing: unprocessable,
  finapi_user_exists: conflict,
  finapi_credentials_rejected: unprocessable,
  finapi_rejected: unprocessable,
  finapi_not_connected: unprocessable,
  bank_connection_not_renewable: unprocessable,
  sync_in_progress: conflict,
  transaction_not_assignable: unprocessable,
  collection_credit_not_assignable: unprocessable,
  invoice_not_open: unprocessable,
  currency_mismatch: unprocessable,
  amounts_do_not_add_up: unprocessable,
  credit_customer_unclear: unprocessable,
  bank_transaction_changed: conflict,
  nothing_to_undo: unprocessable,

  company_settings_incomplete: unprocessable,
  customer_incomplete: unprocessable,
  seller_country_unsupported: unprocessable,
  tax_rate_not_allowed: unprocessable,
  seller_vat_id_required: unprocessable,
  credit_exceeds_balance: { status: 422, title: "More than the customer's credit balance" },
  hand_over_not_allowed: { status: 409, title: "The invoice cannot be handed over now" },
  test_mode_only: { status: 403, title: "Only test-mode merchants have a test clock" },
  test_clock_out_of_range: { status: 422, title: "The test clock cannot move there" },
  dead_job_not_replayable: { status: 422, title: "The dead job is no job message" },
  dead_job_replayed: { status: 409, title: "The dead job was replayed already" },
};

export function problemBody(error: DomainError, instance?: string) {
  const { status, title } = PROBLEMS[error.code];
  return {
    type: `https://tarif.dev/problems/${error.code.replaceAll("_", "-")}`,
    title,
    status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

export function problemResponse(
  c: Context,
  error: DomainError,
  headers: Record<string, string> = {},
) {
  return new Response(JSON.stringify(problemBody(error, new URL(c.req.url).pathname)), {
    status: PROBLEMS[error.code].status,
    headers: {
      "content-type": "application/problem+json",
      ...(error.retryAfter === undefined ? {} : { "retry-after": String(error.retryAfter) }),
      ...headers,
    },
  });
}
