// `npm run dev`: local D1 with migrations, the demo merchant and data, and wrangler dev on
// port 8787. Everything runs offline.
import { spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_API_KEY, DEMO_OWNER, demoMerchantSql, seedDemoData } from "./demo-data.mjs";
import { FAKE_SMTP_PORT, smtpVars, startFakeSmtp } from "./demo-smtp.mjs";
import {
  connectDemoFinapi,
  FAKE_FINAPI_URL,
  startFakeFinapi,
  waitForFakeFinapi,
} from "./demo-finapi.mjs";

const PORT = Number(process.env.PORT ?? 8787);
const BASE_URL = `http://localhost:${PORT}`;
const wrangler = (args, options = {}) =>
  spawn("npx", ["wrangler", ...args], { stdio: "inherit", ...options });
const wranglerSync = (args) => {
  const result = spawnSync("npx", ["wrangler", ...args], {
    stdio: "inherit",
    env: { ...process.env, CI: "1" },
  });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed`);
};

if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
// A .dev.vars from an older checkout gets the variables added since (e.g. LOOKUP_HASH_KEY).
const known = new Set(readFileSync(".dev.vars", "utf8").match(/^[A-Z_]+(?==)/gm) ?? []);
const missing = readFileSync(".dev.vars.example", "utf8")
  .split("\n")
  .filter((line) => /^[A-Z_]+=/.test(line) && !known.has(line.split("=")[0]));
if (missing.length > 0) appendFileSync(".dev.vars", `\n${missing.join("\n")}\n`);
// The worker serves the widget, the back office and the docs from dist/public ([assets]).
if (spawnSync("npm", ["run", "build"], { stdio: "inherit" }).status !== 0)
  throw new Error("the widget, back-office and docs assets build failed");
wranglerSync(["d1", "migrations", "apply", "DB", "--local"]);
const seedFile = join(mkdtempSync(join(tmpdir(), "tarif-")), "demo-merchant.sql");
writeFileSync(seedFile, demoMerchantSql());
wranglerSync(["d1", "execute", "DB", "--local", `--file=${seedFile}`]);

const fakeFinapi = startFakeFinapi();
const fakeSmtp = startFakeSmtp();
const server = wrangler(["dev", "--port", String(PORT), "--test-scheduled", ...smtpVars()]);
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => [server, fakeFinapi, fakeSmtp].forEach((child) => child.kill(signal)));
server.on("exit", (code) => {
  fakeFinapi.kill("SIGTERM");
  fakeSmtp.kill("SIGTERM");
  process.exit(code ?? 0);
});

await waitForHealth();
const demo = await seedDemoData(BASE_URL);
await waitForFakeFinapi();
const finapi = await connectDemoFinapi(BASE_URL, DEMO_API_KEY);
console.log(`
  Tarif is running on ${BASE_URL}
  Back office:     ${BASE_URL}/app   sign in as ${DEMO_OWNER.email} / ${DEMO_OWNER.password}
  Demo portal:     ${BASE_URL}/demo
  API docs:        ${BASE_URL}/docs
  OpenAPI:         ${BASE_URL}/openapi.json
  Demo API key:    ${DEMO_API_KEY}   (development only)
  Demo contracts:  ${demo.contracts.map((c) => c.id).join(", ")}
  Billing run:     curl "${BASE_URL}/__scheduled?cron=15+*+*+*+*"
  Fake finAPI:     ${FAKE_FINAPI_URL} (test hooks: ${FAKE_FINAPI_URL}/__fake/state); demo bank connection ${finapi.connection.id}, ${finapi.sync.imported} transactions imported
  Bank sync:       curl "${BASE_URL}/__scheduled?cron=*/15+*+*+*+*"
  E-mails:         SMTP fake on port ${FAKE_SMTP_PORT}, received mails at http://localhost:${FAKE_SMTP_PORT + 1}/messages
                   (sent every minute, or: curl "${BASE_URL}/__scheduled?cron=*+*+*+*+*")
`);

async function waitForHealth() {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      if ((await fetch(`${BASE_URL}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("wrangler dev did not become healthy within 60 s");
}
