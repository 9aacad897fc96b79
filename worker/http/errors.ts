// Turns every failure into problem+json: our DomainErrors, Hono's HTTP exceptions (malformed
// JSON, body too large), D1 concurrency aborts, unknown routes and wrong methods. Nothing else
// leaves the worker: unexpected errors are logged and answered with a bare 500.
import type { Context, ErrorHandler, Hono, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { TrieRouter } from "hono/router/trie-router";
import type { AppEnv } from "../env.ts";
import { isContractVersionConflict } from "../store/db.ts";
import { DomainError } from "../domain/errors.ts";
import { problemResponse } from "./problem.ts";

function fromHttpException(error: HTTPException): DomainError {
  if (error.status === 413)
    return new DomainError("payload_too_large", "The request body is larger than 1 MB.");
  if (error.status === 400 && /json/i.test(error.message)) {
    return new DomainError(
      "malformed_json",
      "The request body is not valid JSON, or Content-Type is not application/json.",
    );
  }
  if (error.status === 401) return new DomainError("unauthorized", error.message || "Unauthorized");
  return new DomainError("bad_request", error.message || "Bad request");
}

export const onError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof DomainError) return problemResponse(c, error);
  if (error instanceof HTTPException) return problemResponse(c, fromHttpException(error));
  if (isContractVersionConflict(error)) {
    return problemResponse(
      c,
      new DomainError(
        "contract_version_conflict",
        "Another change to this contract was saved first; reload it and try again.",
      ),
    );
  }
  console.error("unhandled error", c.req.method, new URL(c.req.url).pathname, error);
  return problemResponse(
    c,
    new DomainError(
      "internal_error",
      "Something went wrong on our side; the request had no effect and can be retried.",
    ),
  );
};

/**
 * 404 for unknown paths, 405 (with Allow) for known paths and another method: the router is
 * built once from the app's own route table so it can never disagree with it.
 */
export function notFoundOrMethodNotAllowed(app: Hono<AppEnv>): NotFoundHandler<AppEnv> {
  let router: TrieRouter<string> | undefined;
  const methodsFor = (path: string): string[] => {
    if (!router) {
      router = new TrieRouter<string>();
      for (const route of app.routes)
        if (route.method !== "ALL") router.add("ALL", route.path, route.method);
    }
    const [matches] = router.match("ALL", path);
    return [...new Set(matches.map(([method]) => method))];
  };
  return (c: Context<AppEnv>) => {
    const allowed = methodsFor(new URL(c.req.url).pathname);
    if (allowed.length > 0) {
      return problemResponse(
        c,
        new DomainError(
          "method_not_allowed",
          `${c.req.method} is not allowed here; use ${allowed.join(", ")}.`,
        ),
        {
          allow: allowed.join(", "),
        },
      );
    }
    return problemResponse(
      c,
      new DomainError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`),
    );
  };
}
