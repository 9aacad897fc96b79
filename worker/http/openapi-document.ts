// Completes the generated OpenAPI document with what applies to whole groups of operations rather
// than to one route: the Idempotency-Key header of every POST behind the idempotency middleware
// (merchant and portal API) with its 409 and 422 answers, the 401/403 of each API's
// authentication, the 413/415 of every request body, the Problem schema, and `servers` as the
// request reached us.
import { toJsonSchema } from "@valibot/to-json-schema";
import { ERROR_DESCRIPTIONS, problem, ProblemSchema, type ErrorStatus } from "./openapi.ts";
import { PROBLEMS } from "./problem.ts";

type Operation = {
  parameters?: unknown[];
  responses?: Record<string, unknown>;
};
type Document = {
  paths?: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, unknown>>;
  servers?: unknown[];
};

/** The prefixes whose routers run `idempotency` (worker/index.ts, worker/routes/portal.ts). */
const IDEMPOTENT_PREFIXES = ["/api/v1/", "/portal/v1/"];

const IDEMPOTENCY_KEY = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Any 1–255 visible ASCII characters, e.g. a UUID. The same key and body within 24 h replays " +
    "the first response (header `idempotent-replayed: true`); another body gets 422 " +
    "`idempotency_key_reused`; a request still in flight with that key gets 409.",
  schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" },
};

/** The APIs behind an authentication middleware (401 without credentials, 403 by role/origin). */
const AUTHENTICATED_PREFIXES = ["/admin/v1/", "/api/v1/", "/portal/v1/"];
/** Mounted before the merchant API's authentication (worker/index.ts). */
const PUBLIC_PATHS = new Set(["/api/v1/auth/login"]);
const WITH_BODY = new Set(["post", "put", "patch"]);

/** Adds the answers of middleware in front of a route; a route's own description wins. */
function addErrors(operation: Operation, statuses: ErrorStatus[]) {
  operation.responses = {
    ...Object.fromEntries(statuses.map((status) => [status, problem(status)])),
    ...operation.responses,
  };
}

const inFlight = PROBLEMS.idempotency_request_in_progress.title;
const reused = PROBLEMS.idempotency_key_reused.title;

/**
 * valibot's `tuple` converts to a draft-07 `items` array, which OpenAPI 3.1 (JSON Schema 2020-12)
 * spells `prefixItems`; the length is fixed as the tuple's.
 */
function tuplesAsPrefixItems(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(tuplesAsPrefixItems);
  if (typeof node !== "object" || node === null) return;
  const schema = node as Record<string, unknown>;
  if (Array.isArray(schema.items)) {
    const items = schema.items;
    delete schema.items;
    Object.assign(schema, { prefixItems: items, minItems: items.length, maxItems: items.length });
  }
  Object.values(schema).forEach(tuplesAsPrefixItems);
}

export function completeDocument(document: Document, origin: string): Document {
  tuplesAsPrefixItems(document.paths);
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    if (AUTHENTICATED_PREFIXES.some((prefix) => path.startsWith(prefix)))
      for (const [method, operation] of Object.entries(operations)) {
        if (!PUBLIC_PATHS.has(path)) addErrors(operation, [401, 403]);
        if (WITH_BODY.has(method)) addErrors(operation, [413, 415]);
      }
    const post = operations.post;
    if (!post || !IDEMPOTENT_PREFIXES.some((prefix) => path.startsWith(prefix))) continue;
    post.parameters = [
      ...(post.parameters ?? []),
      { $ref: "#/components/parameters/IdempotencyKey" },
    ];
    post.responses = {
      ...post.responses,
      409: problem(409, post.responses?.[409] ? ERROR_DESCRIPTIONS[409] : inFlight),
      422: problem(422, post.responses?.[422] ? ERROR_DESCRIPTIONS[422] : reused),
    };
  }
  const { $schema: _dialect, ...problemSchema } = toJsonSchema(ProblemSchema);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, Problem: problemSchema },
    parameters: { ...document.components?.parameters, IdempotencyKey: IDEMPOTENCY_KEY },
  };
  document.servers = [{ url: origin, description: "This Tarif instance" }];
  return document;
}
