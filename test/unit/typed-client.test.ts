// The typed client is generated from the document the Worker serves: a route or schema change
// without `npm run generate:client` fails here, so clients/typescript never drifts from the API.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { clientSchemaSource } from "../../scripts/client-schema.ts";

describe("clients/typescript", () => {
  it("is generated from the current OpenAPI document (run `npm run generate:client`)", async () => {
    const committed = readFileSync(
      new URL("../../clients/typescript/src/schema.d.ts", import.meta.url),
      "utf8",
    );
    expect(committed === (await clientSchemaSource())).toBe(true);
  }, 30_000);

  it("types limit as an integer and list responses as pages of contracts", () => {
    const schema = readFileSync(
      new URL("../../clients/typescript/src/schema.d.ts", import.meta.url),
      "utf8",
    );
    expect(schema).toMatch(/limit\?: number;/);
    expect(schema).toMatch(/nextCursor: string \| null;/);
  });
});
