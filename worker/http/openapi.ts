// Route descriptions for the OpenAPI document: a short summary, a tag, the success answer(s) with
// the valibot schema the route's JSON is typed by, and the errors the route itself can raise, so
// the document describes what the code really sends. The errors every route of an API meets
// (401/403 of its authentication, 413/415 of a body, Idempotency-Key's 409/422) are added per
// API in openapi-document.ts; test/workers/openapi-check.ts holds every test response to this.
import { describeRoute, resolver } from "hono-openapi";
import * as v from "valibot";
import type { ErrorCode } from "../domain/errors.ts";
import { PROBLEMS } from "./problem.ts";

const ERROR_CODES = Object.keys(PROBLEMS) as [ErrorCode, ...ErrorCode[]];

/** RFC 9457 problem+json, as problemBody (problem.ts) writes it. */
export const ProblemSchema = v.object({
  type: v.string(),
  title: v.string(),
  status: v.pipe(v.number(), v.integer()),
  detail: v.string(),
  code: v.picklist(ERROR_CODES),
  instance: v.optional(v.string()),
  errors: v.optional(v.array(v.object({ field: v.string(), message: v.string() }))),
});

export const PROBLEM_REF = { $ref: "#/components/schemas/Problem" } as const;

/** What each status means wherever it is documented. */
export const ERROR_DESCRIPTIONS = {
  400: "Invalid request: the problem lists each bad field",
  401: "Missing or invalid credentials",
  403: "Not allowed: role, CSRF token, origin or customer-center settings",
  404: "Not found (or owned by another merchant)",
  409: "Conflicts with the current state (or a request with this Idempotency-Key is in flight)",
  413: "Request body larger than 1 MB",
  415: "Request body is not application/json",
  422: "A business rule refused the request (or Idempotency-Key reused with another body)",
  429: "Too many attempts; wait for Retry-After seconds",
  500: "Internal error, logged as an incident (a stored document failing its SHA-256 check)",
  502: "finAPI is unavailable or refused the request",
} as const;

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

export function problem(status: ErrorStatus, description: string = ERROR_DESCRIPTIONS[status]) {
  return { description, content: { "application/problem+json": { schema: PROBLEM_REF } } };
}

/** A list page: `{data, nextCursor}` of `item`. */
export const PageOf = <T extends v.GenericSchema>(item: T) =>
  v.object({ data: v.array(item), nextCursor: v.nullable(v.string()) });

/** A success answer: JSON by a valibot schema, another media type, or no body (204). */
export type Answer =
  | { status?: 200 | 201 | 202; description?: string; schema: v.GenericSchema }
  | { status?: 200; description?: string; media: string }
  | { status: 204; description?: string };

function answer(success: Answer) {
  const description =
    success.description ??
    ({ 200: "OK", 201: "Created", 202: "Accepted", 204: "No content" } as const)[
      success.status ?? 200
    ];
  if ("schema" in success)
    return { description, content: { "application/json": { schema: resolver(success.schema) } } };
  if ("media" in success)
    return { description, content: { [success.media]: { schema: { type: "string" as const } } } };
  return { description };
}

export interface DocOptions {
  /** The error statuses this route raises itself besides 400 (404 for an id, 409, 422, 502 …). */
  errors?: ErrorStatus[];
  /** The login route needs no credentials. */
  public?: boolean;
}

export function doc(
  tag: string,
  summary: string,
  success: Answer | Answer[],
  { errors = [], public: isPublic = false }: DocOptions = {},
) {
  const answers = Array.isArray(success) ? success : [success];
  return describeRoute({
    tags: [tag],
    summary,
    security: isPublic ? [] : [{ bearerAuth: [] }],
    responses: {
      ...Object.fromEntries(answers.map((success) => [success.status ?? 200, answer(success)])),
      ...Object.fromEntries(
        ([400, ...errors] as ErrorStatus[]).map((status) => [status, problem(status)]),
      ),
    },
  });
}
