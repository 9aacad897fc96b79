// The fake finAPI server as one Hono app: the Access V2 host (`/api/v2/*`) and the Web Form 2.0
// host (`/api/webForms/*`, `/api/tasks/*`, `/wf/*`) following reference/finapi.md §6, plus the
// test hooks. Tests pass `app.fetch` to the client; test/fakes/finapi/server.ts serves it.
import { Hono } from "hono";
import { registerAccessRoutes } from "./access-routes.ts";
import { createControl, FaultQueue, registerControlRoutes } from "./control.ts";
import type { FakeFinapiControl, FaultRule } from "./control.ts";
import { defaultStandardError, defaultWebFormCode } from "./errors.ts";
import { Runtime } from "./runtime.ts";
import type { FakeContext, FakeEnv, FakeFinapiOptions } from "./runtime.ts";
import { registerWebFormRoutes } from "./webform-routes.ts";

export type { FakeFinapiControl, FaultRule } from "./control.ts";
export type {
  FakeFinapiOptions,
  RequestLogEntry,
  CallbackLogEntry,
  WebFormOutcome,
} from "./runtime.ts";
export type { FakeTransactionInput, AccountSpec } from "./state.ts";
export type { ReturnedDebitInput } from "./generators.ts";
export { DEFAULT_CLIENT } from "./runtime.ts";

export interface FakeFinapi {
  app: Hono<FakeEnv>;
  control: FakeFinapiControl;
}

export function createFakeFinapi(options: FakeFinapiOptions = {}): FakeFinapi {
  const rt = new Runtime(options);
  const faults = new FaultQueue();
  const control = createControl(rt, faults);
  const app = new Hono<FakeEnv>();

  app.use("*", (c, next) => frame(rt, faults, c, next));
  registerAccessRoutes(app, rt);
  registerWebFormRoutes(app, rt);
  if (options.controlRoutes !== false) registerControlRoutes(app, control, rt);

  app.notFound((c) => {
    if (isWebFormPath(c.req.path))
      return rt.webFormError(c, 404, `No endpoint ${c.req.method} ${c.req.path}`);
    return rt.standardError(c, 404, {
      code: "UNKNOWN_ENTITY",
      message: `No endpoint ${c.req.method} ${c.req.path}`,
      type: "TECHNICAL",
    });
  });
  app.onError((error, c) => {
    if (c.req.path.startsWith("/__fake/")) return c.json({ error: error.message }, 400);
    if (isWebFormPath(c.req.path)) return rt.webFormError(c, 500, "An unexpected error occurred");
    return rt.standardError(c, 500, {
      code: "UNEXPECTED_ERROR",
      message: "An unexpected error occurred",
      type: "TECHNICAL",
    });
  });
  return { app, control };
}

function isWebFormPath(path: string): boolean {
  return (
    path.startsWith("/api/webForms") || path.startsWith("/api/tasks") || path.startsWith("/wf/")
  );
}

/**
 * Around every request: the X-Request-Id echo (or `selfgen-<uuid>`), finAPI's background work,
 * injected faults, and the request log.
 */
async function frame(
  rt: Runtime,
  faults: FaultQueue,
  c: FakeContext,
  next: () => Promise<void>,
): Promise<Response> {
  const incoming = c.req.header("X-Request-Id");
  const requestId =
    incoming && incoming.length <= 255 ? incoming : `selfgen-${crypto.randomUUID()}`;
  c.set("requestId", requestId);
  c.set("authContext", null);
  c.set("auth", null);
  const url = new URL(c.req.url);
  const isControl = url.pathname.startsWith("/__fake/");
  const fault = isControl
    ? null
    : faults.take({ method: c.req.method, path: url.pathname, search: url.searchParams });
  if (!isControl) await rt.tick();
  if (fault?.delayMs) await rt.sleep(fault.delayMs);
  let response: Response;
  if (fault?.status) {
    response = faultResponse(rt, c, fault);
  } else {
    await next();
    response = await reshape(c.res, fault);
  }
  response.headers.set("X-Request-Id", requestId);
  const auth = c.get("auth") ?? rt.validToken(c);
  rt.requests.push({
    method: c.req.method,
    path: url.pathname,
    search: url.search,
    status: response.status,
    requestId,
    auth: auth?.kind ?? null,
    fault: fault ? describeFault(fault) : null,
  });
  c.res = undefined;
  c.res = response;
  return response;
}

function describeFault(fault: FaultRule): string {
  if (fault.status) return `status ${fault.status}`;
  if (fault.truncate) return "truncated";
  if (fault.dropItems) return `short page (-${fault.dropItems})`;
  return `slow ${fault.delayMs ?? 0} ms`;
}

const GATEWAY_TEXT: Record<number, string> = {
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** An injected error in the shape the host would really send it. */
function faultResponse(rt: Runtime, c: FakeContext, fault: FaultRule): Response {
  const status = fault.status ?? 500;
  const gateway = GATEWAY_TEXT[status];
  // A load balancer, not finAPI, answers 502–504: an HTML page, no JSON error.
  if (gateway)
    return new Response(`<html><body><h1>${status} ${gateway}</h1></body></html>`, {
      status,
      headers: { "Content-Type": "text/html" },
    });
  if (isWebFormPath(c.req.path))
    return rt.webFormError(
      c,
      status,
      fault.message ?? "Injected fault",
      fault.code ?? defaultWebFormCode(status),
    );
  if (status === 401)
    return c.json(
      {
        error: "invalid_token",
        error_description: fault.message ?? "Invalid access token: expired",
      },
      401,
    );
  const error = defaultStandardError(status);
  return rt.standardError(c, status, {
    ...error,
    code: fault.code ?? error.code,
    message: fault.message ?? error.message,
  });
}

/** Truncated bodies and short pages are built from the real answer. */
async function reshape(response: Response, fault: FaultRule | null): Promise<Response> {
  if (!fault || (!fault.truncate && !fault.dropItems)) return response;
  let text = await response.text();
  if (fault.dropItems) {
    const body = JSON.parse(text) as { transactions?: unknown[] };
    if (Array.isArray(body.transactions))
      body.transactions = body.transactions.slice(
        0,
        Math.max(0, body.transactions.length - fault.dropItems),
      );
    text = JSON.stringify(body);
  }
  if (fault.truncate) text = text.slice(0, Math.floor(text.length / 2));
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  return new Response(text, { status: response.status, headers });
}
