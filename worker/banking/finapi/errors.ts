// One typed error for everything finAPI can answer with: the standard `errors[]` body, the OAuth
// `{error, error_description}` body, the Web Form 2.0 `{code, description}` and validation
// bodies (reference/finapi.md §1, §2, §6), plus transport failures. Callers branch on `code`
// and `status` instead of parsing bodies themselves.

export type FinapiErrorKind =
  | "standard" // {errors:[{message, code, type, multiStepAuthentication}], date, requestId, endpoint, …}
  | "oauth" // {error, error_description | errorDescription}
  | "webform" // {code, description, timestamp, endpoint}
  | "webform_validation" // {errors:[{field, message}], timestamp, endpoint}
  | "unknown" // an error status whose body matched none of the shapes above
  | "invalid_response" // a success status whose body did not match the expected schema
  | "timeout"
  | "network"
  | "limit"; // a bound of ours (e.g. maximum page count) was reached

export interface FinapiErrorEntry {
  code: string | null;
  message: string;
  type: string | null;
  field: string | null;
}

export interface FinapiErrorInit {
  kind: FinapiErrorKind;
  status: number;
  code: string;
  message: string;
  requestId: string | null;
  endpoint?: string | null;
  errorType?: string | null;
  entries?: FinapiErrorEntry[];
  multiStepAuthentication?: unknown;
  retryAfterMs?: number | null;
  cause?: unknown;
}

export class FinapiError extends Error {
  override readonly name = "FinapiError";
  readonly kind: FinapiErrorKind;
  /** HTTP status; 0 when no response arrived (timeout, network). */
  readonly status: number;
  /** errors[0].code, the OAuth `error`, the web-form `code`, or one of ours (TIMEOUT, …). */
  readonly code: string;
  /** The X-Request-Id finAPI answered with (or the one we sent, if none came back). */
  readonly requestId: string | null;
  readonly endpoint: string | null;
  /** BUSINESS | TECHNICAL for standard errors. */
  readonly errorType: string | null;
  readonly entries: FinapiErrorEntry[];
  /** Present on 510 ADDITIONAL_AUTHENTICATION_REQUIRED: the bank wants SCA. */
  readonly multiStepAuthentication: unknown;
  /** From a Retry-After header, if the response had one. */
  readonly retryAfterMs: number | null;

  constructor(init: FinapiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.endpoint = init.endpoint ?? null;
    this.errorType = init.errorType ?? null;
    this.entries = init.entries ?? [];
    this.multiStepAuthentication = init.multiStepAuthentication ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

export function isFinapiError(error: unknown): error is FinapiError {
  return error instanceof FinapiError;
}

/** Longest error message we keep: bodies are untrusted and end up in logs and events. */
const MAX_MESSAGE = 1000;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value.slice(0, MAX_MESSAGE) : null;
}

/** Maps an error response (status ≥ 400) to a FinapiError; `body` is the parsed JSON or null. */
export function errorFromResponse(
  status: number,
  body: unknown,
  requestId: string | null,
  retryAfterMs: number | null,
): FinapiError {
  const base = { status, requestId, retryAfterMs };
  if (isObject(body)) {
    const shaped =
      standardError(body) ?? webFormValidationError(body) ?? oauthError(body) ?? webFormError(body);
    if (shaped)
      return new FinapiError({ ...shaped, ...base, requestId: requestId ?? str(body.requestId) });
  }
  return new FinapiError({
    ...base,
    kind: "unknown",
    code: `HTTP_${status}`,
    message: `finAPI answered HTTP ${status}`,
  });
}

type Shaped = Omit<FinapiErrorInit, "status" | "requestId" | "retryAfterMs">;

function standardError(body: Json): Shaped | null {
  if (!Array.isArray(body.errors) || body.errors.length === 0) return null;
  const items = body.errors.filter(isObject);
  const first = items[0];
  if (!first || typeof first.code !== "string") return null;
  const entries = items.map((item) => ({
    code: str(item.code),
    message: str(item.message) ?? "",
    type: str(item.type),
    field: null,
  }));
  return {
    kind: "standard",
    code: first.code,
    message: str(first.message) ?? first.code,
    endpoint: str(body.endpoint),
    errorType: str(first.type),
    entries,
    multiStepAuthentication: first.multiStepAuthentication ?? null,
  };
}

function webFormValidationError(body: Json): Shaped | null {
  if (!Array.isArray(body.errors)) return null;
  const items = body.errors.filter(isObject);
  if (items.some((item) => typeof item.code === "string")) return null;
  const entries = items.map((item) => ({
    code: null,
    message: str(item.message) ?? "",
    type: null,
    field: str(item.field),
  }));
  const message = entries
    .map((entry) => (entry.field ? `${entry.field}: ${entry.message}` : entry.message))
    .join("; ");
  // The validation body carries no code; the WF Error example names this case INVALID_REQUEST.
  return {
    kind: "webform_validation",
    code: "INVALID_REQUEST",
    message: message || "Invalid request",
    endpoint: str(body.endpoint),
    entries,
  };
}

function oauthError(body: Json): Shaped | null {
  if (typeof body.error !== "string") return null;
  // V2 spells it error_description, the V1 example errorDescription: accept both.
  const description = str(body.error_description) ?? str(body.errorDescription);
  return { kind: "oauth", code: body.error, message: description ?? body.error };
}

function webFormError(body: Json): Shaped | null {
  if (typeof body.code !== "string") return null;
  return {
    kind: "webform",
    code: body.code,
    message: str(body.description) ?? body.code,
    endpoint: str(body.endpoint),
  };
}
