// The JSON APIs take JSON bodies only: a body sent as anything else is answered 415 before any
// route sees it (Hono's validator would otherwise read it as an empty object).
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { DomainError } from "../domain/errors.ts";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;
const WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const jsonBodiesOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (!WITH_BODY.has(c.req.method) || c.req.raw.body === null) return next();
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  // An empty body needs no type: POSTs like rotate-secret or cancel carry none.
  if (JSON_MEDIA_TYPE.test(mediaType) || (await c.req.text()).length === 0) return next();
  throw new DomainError(
    "unsupported_media_type",
    `Send the request body as application/json (Content-Type was ${mediaType || "missing"}).`,
  );
});
