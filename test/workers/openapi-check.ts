// Holds every response the integration tests see to the OpenAPI document the Worker serves at
// /openapi.json: the operation must be documented for its path and method, the status among its
// responses, the media type among that response's, and a JSON body valid against its schema with
// every object closed (a field the document does not name fails). call() (helpers.ts), the finAPI
// fixture and the round-trip counter run it on every response, so a drift fails the test that
// met it, naming path, method, status and the schema error.
import { SELF } from "cloudflare:test";
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";

interface Content {
  schema?: Schema;
}
interface DocumentedResponse {
  content?: Record<string, Content>;
}
interface Operation {
  responses?: Record<string, DocumentedResponse>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}
interface Route {
  template: string;
  pattern: RegExp;
}

/** The documented APIs; /health, /docs, /widget, /demo, /app and finAPI's callback are not. */
const DOCUMENTED_PREFIX = /^\/(api|portal|admin)\/v1\//;
/** Keywords whose value is data, not a schema. */
const DATA_KEYWORDS = new Set(["enum", "const", "required", "examples", "default", "pattern"]);

export class OpenApiDriftError extends Error {
  override name = "OpenApiDriftError";
}

let loaded: Promise<{ document: OpenApiDocument; routes: Route[] }> | undefined;
const validators = new Map<string, Validator>();

function load() {
  loaded ??= (async () => {
    const response = await SELF.fetch("http://tarif.test/openapi.json");
    if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
    const document = (await response.json()) as OpenApiDocument;
    // Literal segments before parameters, so /bank-transactions/bulk is not taken for /{id}.
    const routes = Object.keys(document.paths)
      .map((template) => ({
        template,
        params: template.split("{").length - 1,
        pattern: new RegExp(
          `^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`,
        ),
      }))
      .sort((a, b) => a.params - b.params);
    return { document, routes };
  })();
  return loaded;
}

/**
 * The schema with the components it refers to put in place, and every object that lists its
 * properties closed: the document leaves them open for clients, the tests hold the code to it.
 */
export function closedSchema(schema: unknown, components: Record<string, Schema> = {}): unknown {
  if (Array.isArray(schema)) return schema.map((entry) => closedSchema(entry, components));
  if (typeof schema !== "object" || schema === null) return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === "string" && ref.startsWith("#/components/schemas/")) {
    const target = components[ref.slice("#/components/schemas/".length)];
    if (!target) throw new OpenApiDriftError(`the document refers to ${ref}, which it lacks`);
    return closedSchema(target, components);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && typeof value === "object" && value !== null)
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, closedSchema(property, components)]),
      );
    else out[key] = DATA_KEYWORDS.has(key) ? value : closedSchema(value, components);
  }
  if (out.type === "object" && out.properties && !("additionalProperties" in out))
    out.additionalProperties = false;
  return out;
}

function describeErrors(errors: OutputUnit[]): string {
  // The innermost errors say what is wrong; the outer ones only that something below is.
  const specific = errors.filter(
    (error) => !["properties", "items", "allOf", "$ref"].includes(error.keyword),
  );
  return (specific.length > 0 ? specific : errors)
    .slice(0, 8)
    .map((error) => `${error.instanceLocation || "#"}: ${error.error} (${error.keywordLocation})`)
    .join("; ");
}

/** Throws OpenApiDriftError when the response is not what the document says. */
export async function checkResponse(
  method: string,
  url: string,
  response: Response,
): Promise<void> {
  const path = new URL(url).pathname;
  const verb = method.toLowerCase();
  if (!DOCUMENTED_PREFIX.test(path) || verb === "options" || verb === "head") return;
  const { document, routes } = await load();
  const route = routes.find(
    ({ template, pattern }) => pattern.test(path) && document.paths[template]?.[verb],
  );
  const status = response.status;
  const where = `${method.toUpperCase()} ${route?.template ?? path} (${path}) answered ${status}`;
  const fail = (problem: string): never => {
    throw new OpenApiDriftError(
      `OpenAPI drift: ${where}: ${problem}. Describe it in the route's doc() (worker/http/openapi.ts).`,
    );
  };
  if (!route) {
    // Unknown paths and methods are answered 404/405 by the app itself, not by an operation.
    if (status === 404 || status === 405) return;
    return fail("no such operation in the document");
  }
  const responses = document.paths[route.template]![verb]!.responses ?? {};
  const documented = responses[String(status)];
  if (!documented)
    return fail(`status not documented (documented: ${Object.keys(responses).join(", ")})`);
  const text = await response.clone().text();
  const media = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!documented.content) {
    if (text.length > 0) fail(`a ${media || "untyped"} body where the document describes none`);
    return;
  }
  if (text.length === 0)
    return fail(`no body; the document describes ${Object.keys(documented.content).join(", ")}`);
  const content = documented.content[media];
  if (!content)
    return fail(
      `${media || "no content-type"}; the document describes ${Object.keys(documented.content).join(", ")}`,
    );
  if (!content.schema || !/[/+]json$/.test(media)) return;
  const key = `${route.template} ${verb} ${status} ${media}`;
  let validator = validators.get(key);
  if (!validator) {
    validator = new Validator(
      closedSchema(content.schema, document.components?.schemas) as Schema,
      "2020-12",
      false,
    );
    validators.set(key, validator);
  }
  const result = validator.validate(JSON.parse(text));
  if (!result.valid) fail(`body does not match the schema: ${describeErrors(result.errors)}`);
}
