// /docs offline and under a strict CSP: the page loads its UI script from this Worker (no CDN),
// names no other host, and sends a nonce-based Content-Security-Policy that its scripts carry.
import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";

describe("/docs", () => {
  it("references no external host, only the Worker's own script and document", async () => {
    const response = await call("/docs");
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page.match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi) ?? []).toEqual([]);
    expect(page).toContain('src="/docs/assets/scalar.js"');
    expect(page).toContain('"url": "/openapi.json"');
  });

  it("sends a strict CSP whose nonce every script tag carries, fresh per request", async () => {
    const [first, second] = [await call("/docs"), await call("/docs")];
    const policy = first.headers.get("content-security-policy")!;
    expect(policy).toContain("default-src 'none'");
    const nonce = /script-src 'nonce-([^']+)'/.exec(policy)![1]!;
    expect(policy).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|https?:/);
    const page = await first.text();
    const scripts = page.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(second.headers.get("content-security-policy")).not.toContain(nonce);
  });
});
