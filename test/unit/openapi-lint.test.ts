// The OpenAPI document the Worker serves passes `@redocly/cli lint` (recommended rules) without an
// error and `@apidevtools/swagger-parser` validates it, so generators and doc tools read it as is.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import app from "../../worker/index.ts";

async function served(): Promise<Record<string, unknown>> {
  const response = await app.fetch(new Request("https://billing.tarif.test/openapi.json"), {
    ENVIRONMENT: "development",
  } as never);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string }[];
}

describe("/openapi.json", () => {
  it("passes redocly lint with 0 errors", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "tarif-openapi-")), "openapi.json");
    writeFileSync(file, JSON.stringify(await served()));
    const redocly = new URL("../../node_modules/@redocly/cli/bin/cli.js", import.meta.url);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [redocly.pathname, "lint", file, "--format=json"],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as LintReport;
    const errors = report.problems.filter((problem) => problem.severity === "error");
    expect(errors.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // Only the missing `info.license`: the project publishes none.
    expect(report.problems.map((problem) => problem.ruleId)).toEqual(["info-license"]);
  }, 60_000);

  it("is a valid OpenAPI document for swagger-parser", async () => {
    const document = await served();
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toMatchObject(
      { openapi: "3.1.0" },
    );
  }, 30_000);
});
