// The /demo page exists only in development: elsewhere it is an ordinary 404.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";
import { call, expectProblem } from "./helpers.ts";

describe("/demo", () => {
  it("is not there outside development", async () => {
    await expectProblem(await call("/demo"), 404, "not_found");
    await expectProblem(await call("/demo/session", { method: "POST" }), 404, "not_found");
  });

  it("serves a merchant page embedding the widget in development", async () => {
    const development = {
      ...env,
      ENVIRONMENT: "development",
      DEMO_API_KEY: "sk_dev_demo_key_not_for_production",
    };
    const response = await worker.fetch(
      new Request("http://localhost:8787/demo"),
      development,
      createExecutionContext(),
    );
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<script type="module" src="/widget/selfservice-portal.js"></script>');
    expect(page).toContain("<selfservice-portal");
    expect(page).toContain("/demo/session?customer=demo-1");
    const bad = await worker.fetch(
      new Request("http://localhost:8787/demo?customer=%3Cscript%3E"),
      development,
      createExecutionContext(),
    );
    expect(bad.status).toBe(400);
  });
});
