// Regenerates clients/typescript/src/schema.d.ts from the OpenAPI document the Worker serves
// (openapi-typescript). `npm run generate:client`; test/unit/typed-client.test.ts fails on drift.
import { writeFileSync } from "node:fs";
import { clientSchemaSource } from "./client-schema.ts";

const target = new URL("../clients/typescript/src/schema.d.ts", import.meta.url);
writeFileSync(target, await clientSchemaSource());
console.log(`wrote ${target.pathname}`);
