// Test projects: `unit` runs the pure domain rules in plain Node (fast); `workers` runs routes,
// store and jobs inside workerd against real D1 with the migrations applied.
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations("schema/migrations");

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          environment: "node",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              cf: false,
              bindings: {
                TEST_MIGRATIONS: migrations,
                ADMIN_TOKEN: "test-admin-token",
                ENVIRONMENT: "test",
                ENCRYPTION_KEY: "dGFyaWYtdGVzdC1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=",
                WEBHOOK_ALLOW_LOCALHOST: "true",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["test/workers/setup.ts"],
          globalSetup: ["test/fakes/webhook-receiver/global-setup.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
