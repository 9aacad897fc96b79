// drizzle-kit: generates flat SQL migrations from schema/tables.ts for wrangler and the tests.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./schema/*.ts",
  out: "./schema/migrations",
});
