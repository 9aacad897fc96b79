// Request validation with valibot through hono-openapi, so the schema that validates a request
// is the one the OpenAPI document shows; failures become one problem+json listing every field.
import type { ValidationTargets } from "hono";
import { validator } from "hono-openapi";
import type { GenericSchema } from "valibot";
import { type FieldError, invalidFields } from "../domain/errors.ts";

interface IssueLike {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined;
}

function fieldOf(target: string, issue: IssueLike): string {
  const keys = (issue.path ?? []).map((segment) =>
    String(typeof segment === "object" ? segment.key : segment),
  );
  return keys.length > 0 ? keys.join(".") : target;
}

export function toFieldErrors(target: string, issues: readonly IssueLike[]): FieldError[] {
  return issues.map((issue) => ({ field: fieldOf(target, issue), message: issue.message }));
}

/** Validates one part of the request; `c.req.valid(target)` then holds the parsed output. */
export function valid<T extends GenericSchema, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return validator(target, schema, (result) => {
    if (!result.success) {
      const errors = toFieldErrors(target, result.error as readonly IssueLike[]);
      throw invalidFields(errors, `Invalid ${target}: `);
    }
  });
}
