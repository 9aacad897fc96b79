// Regenerates clients/typescript/src/schema.d.ts from the OpenAPI document the Worker serves
// (openapi-typescript). `npm run generate:client`; test/unit/typed-client.test.ts fails on drift.
import { writeFileSync } from "node:fs";
import { register } from "node:module";

// The app imports the PDF's fonts as Data modules; the hook loads them before the app is imported.
register("./data-modules-hook.mjs", import.meta.url);
const { clientSchemaSource } = await import("./client-schema.ts");

const target = new URL("../clients/typescript/src/schema.d.ts", import.meta.url);
writeFileSync(target, await clientSchemaSource());
console.log(`wrote ${target.pathname}`);
