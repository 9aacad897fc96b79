// Completes the generated OpenAPI document with what applies to whole groups of operations rather
// than to one route: the Idempotency-Key header of every POST behind the idempotency middleware
// (merchant and portal API) with its 409 and 422 answers, and `servers` as the request reached us.
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

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": {} },
});

export function completeDocument(document: Document, origin: string): Document {
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    const post = operations.post;
    if (!post || !IDEMPOTENT_PREFIXES.some((prefix) => path.startsWith(prefix))) continue;
    post.parameters = [
      ...(post.parameters ?? []),
      { $ref: "#/components/parameters/IdempotencyKey" },
    ];
    post.responses = {
      409: problem(PROBLEMS.idempotency_request_in_progress.title),
      422: problem(`${PROBLEMS.idempotency_key_reused.title}, or a business rule refused it`),
      ...post.responses,
    };
  }
  document.components = {
    ...document.components,
    parameters: { ...document.components?.parameters, IdempotencyKey: IDEMPOTENCY_KEY },
  };
  document.servers = [{ url: origin, description: "This Tarif instance" }];
  return document;
}
