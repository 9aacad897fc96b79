// Applies the D1 migrations before the integration tests (each test file has its own storage).
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
