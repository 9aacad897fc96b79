// Test projects: `unit` runs the pure domain rules in plain Node (fast); `workers` runs routes,
// store and jobs inside workerd against real D1 with the migrations applied; `browser` renders
// the <selfservice-portal> widget in headless Chromium (Debian's /usr/bin/chromium); `e2e` drives
// the /demo page of a real `wrangler dev` with the same Chromium.
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { playwright } from "@vitest/browser-playwright";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { defineConfig, type Plugin } from "vitest/config";
import { SMTP_FAKE_PASSWORD, SMTP_FAKE_USER } from "./test/fakes/smtp/server.ts";

const migrations = await readD1Migrations("schema/migrations");

/**
 * A port nobody listens on now; the SMTP fake (global setup) takes it, the Worker's binding names
 * it. Kept in the environment, as vitest evaluates this file more than once.
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}
const smtpPort = Number(process.env.TARIF_TEST_SMTP_PORT) || (await freePort());
process.env.TARIF_TEST_SMTP_PORT = String(smtpPort);

/**
 * wrangler.toml's Data rule (fonts, ICC profile) for plain Node: such an import is the file's
 * bytes as an ArrayBuffer, so unit tests can import modules that reach worker/documents/assets.ts
 * (the PDF tests, and anything that reaches the documents job or the e-mail delivery).
 */
const dataModules: Plugin = {
  name: "wrangler-data-modules",
  enforce: "pre",
  load(id) {
    if (!/\.(ttf|icc)$/.test(id)) return null;
    const base64 = readFileSync(id).toString("base64");
    return `const bytes = Buffer.from(${JSON.stringify(base64)}, "base64");
export default bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);`;
  },
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        plugins: [dataModules],
        test: {
          name: "unit",
          environment: "node",
          include: ["test/unit/**/*.test.ts"],
          // The heaviest properties take ~1.5 s at load 7 on 2 cores; vitest's 5 s default is
          // too close for a machine shared by several runs.
          testTimeout: 20_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              cf: false,
              // A second D1 database: test/workers/shards.test.ts binds it as DB_SHARD_1.
              d1Databases: { SHARD_TEST_DB: "tarif-shard-test" },
              bindings: {
                TEST_MIGRATIONS: migrations,
                ADMIN_TOKEN: "test-admin-token",
                ENVIRONMENT: "test",
                ENCRYPTION_KEY: "dGFyaWYtdGVzdC1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=",
                LOOKUP_HASH_KEY: "dGFyaWYtdGVzdC1sb29rdXAtaGFzaC1rZXktMzJieXQ=",
                WEBHOOK_ALLOW_LOCALHOST: "true",
                SMTP_HOST: "127.0.0.1",
                SMTP_PORT: String(smtpPort),
                SMTP_SECURITY: "none",
                SMTP_USER: SMTP_FAKE_USER,
                SMTP_PASSWORD: SMTP_FAKE_PASSWORD,
                SMTP_FROM: "rechnung@tarif.test",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["test/workers/setup.ts"],
          globalSetup: [
            "test/fakes/webhook-receiver/global-setup.ts",
            "test/fakes/smtp/global-setup.ts",
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          browser: {
            enabled: true,
            provider: playwright({
              launchOptions: {
                executablePath: "/usr/bin/chromium",
                args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
              },
            }),
            instances: [{ browser: "chromium" }],
            headless: true,
          },
        },
      },
    ],
  },
});
