// RFC 9457 problem+json errors: one catalogue of stable machine codes mapped to HTTP statuses,
// so clients can branch on `code` and every failure looks the same.
import type { Context } from "hono";

export const PROBLEM_CODES = {
  bad_request: { status: 400, title: "Bad request" },
  malformed_json: { status: 400, title: "Malformed JSON body" },
  validation_failed: { status: 400, title: "Validation failed" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  unauthorized: { status: 401, title: "Missing or invalid credentials" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  contract_version_conflict: { status: 409, title: "The contract was changed concurrently" },
  idempotency_request_in_progress: {
    status: 409,
    title: "A request with this Idempotency-Key is still in progress",
  },
  payload_too_large: { status: 413, title: "Request body too large" },
  idempotency_key_reused: { status: 422, title: "Idempotency-Key reused with a different request" },
  unprocessable: { status: 422, title: "The request breaks a business rule" },
  internal_error: { status: 500, title: "Internal error" },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface FieldError {
  field: string;
  message: string;
}

export class ProblemError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[] | undefined;

  constructor(
    code: ProblemCode,
    detail: string,
    options: { errors?: FieldError[]; ruleCode?: string } = {},
  ) {
    super(detail);
    const entry = PROBLEM_CODES[code];
    // A business-rule failure keeps the rule's own code ("effective_date_not_allowed") so clients
    // can tell rules apart, while the status stays that of its class.
    this.code = options.ruleCode ?? code;
    this.status = entry.status;
    this.title = entry.title;
    this.errors = options.errors;
  }
}

export const notFound = (what: string, id?: string) =>
  new ProblemError("not_found", id ? `${what} ${id} does not exist.` : `${what} does not exist.`);

export const ruleViolation = (ruleCode: string, detail: string) =>
  new ProblemError("unprocessable", detail, { ruleCode });

export function problemBody(problem: ProblemError, instance?: string) {
  return {
    type: `https://tarif.dev/problems/${problem.code.replaceAll("_", "-")}`,
    title: problem.title,
    status: problem.status,
    detail: problem.message,
    code: problem.code,
    ...(instance ? { instance } : {}),
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
}

export function problemResponse(
  c: Context,
  problem: ProblemError,
  headers: Record<string, string> = {},
) {
  return new Response(JSON.stringify(problemBody(problem, new URL(c.req.url).pathname)), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}
