// /docs: the interactive API reference (Scalar) for /openapi.json. Its script is served from this
// Worker's static assets (scripts/docs-assets.mjs copies it from the npm package), so the page
// needs no CDN, works offline and runs under a strict, nonce-based Content Security Policy.
import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { randomToken } from "../security.ts";

export const DOCS_SCRIPT = "/docs/assets/scalar.js";

/** Scalar renders inline style attributes, which a nonce cannot cover: styles stay 'unsafe-inline'. */
function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export const docsRouter = new Hono<AppEnv>().get(
  "/",
  Scalar((c) => {
    const nonce = randomToken(24);
    c.header("content-security-policy", contentSecurityPolicy(nonce));
    return {
      url: "/openapi.json",
      pageTitle: "Tarif API",
      cdn: DOCS_SCRIPT,
      nonce,
      // The default fonts come from fonts.scalar.com; the system fonts need no request.
      withDefaultFonts: false,
      // The "open in Scalar's web client" button and the telemetry leave this origin.
      hideClientButton: true,
      telemetry: false,
    };
  }),
);
