// Shared set-up of the finAPI benchmarks: local D1 through wrangler's getPlatformProxy with the
// migrations applied, and a merchant with finAPI settings, a finAPI user and one active bank
// connection at an in-process fake finAPI.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { clientSecretBinding, type FinapiRuntime } from "../../worker/banking/finapi/connect.ts";
import type { Bindings } from "../../worker/env.ts";
import { createUser } from "../../worker/flows/finapi.ts";
import { encryptSecret } from "../../worker/security.ts";
import { database } from "../../worker/store/db.ts";
import { insertConnection, upsertSettings } from "../../worker/store/finapi.ts";
import type { createFakeFinapi } from "../fakes/finapi/app.ts";

/** The sync never enqueues; a bench env has no queue, and a send would be a bug. */
export const JOBS = {
  send: () => Promise.reject(new Error("the bank sync does not enqueue")),
  sendBatch: () => Promise.reject(new Error("the bank sync does not enqueue")),
} as unknown as Bindings["JOBS"];

/** Nor does it store documents: the bench env's R2 bucket refuses every call. */
export const DOCUMENTS = new Proxy({} as Bindings["DOCUMENTS"], {
  get: () => () => Promise.reject(new Error("the bank sync stores no documents")),
});

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ENCRYPTION_KEY = "YmVuY2gtb25seS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=";
export const BASE_URL = "https://finapi.bench.test";

export async function migrate(d1: D1Database): Promise<void> {
  const dir = join(ROOT, "schema", "migrations");
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(join(dir, file), "utf8").split(
      "--> statement-breakpoint",
    )) {
      // One statement each: 0010 ends a CREATE TABLE with `;;`, which D1 refuses as a second, empty one.
      const sql = statement.trim().replace(/;+$/, ";");
      if (sql) await d1.prepare(sql).run();
    }
  }
}

/** A merchant with settings, a finAPI user and one active connection holding `count` new transactions. */
export async function seed(
  env: Bindings,
  runtime: FinapiRuntime,
  fake: ReturnType<typeof createFakeFinapi>,
  merchantId: string,
  count: number,
  now: Date,
) {
  await env.DB.prepare(
    "INSERT INTO merchants (id, name, allowed_actions, allowed_origins) VALUES (?, ?, '[]', '[]')",
  )
    .bind(merchantId, `Bench ${merchantId}`)
    .run();
  const db = database(env.DB);
  const clientSecretCiphertext = await encryptSecret(
    fake.control.clientSecret,
    ENCRYPTION_KEY,
    clientSecretBinding(merchantId),
  );
  await upsertSettings(
    db,
    merchantId,
    {
      clientId: fake.control.clientId,
      clientSecretCiphertext,
      environment: "custom",
      baseUrl: BASE_URL,
      webFormBaseUrl: BASE_URL,
    },
    now.toISOString(),
  );
  const user = await createUser(db, env, merchantId, now, runtime);
  const connection = fake.control.createBankConnection(user.id, {
    accounts: [{ accountName: "Girokonto", accountType: "Checking" }],
  });
  const accountId = connection.accountIds[0]!;
  const connectionId = `bcn_${merchantId.slice(4)}`;
  await insertConnection(db, {
    id: connectionId,
    merchantId,
    finapiUserId: user.id,
    status: "active",
    webFormId: `bench-${merchantId}`,
    webFormUrl: `${BASE_URL}/wf/bench`,
    finapiConnectionId: connection.id,
    accounts: [{ id: accountId, iban: null, name: "Girokonto", type: "Checking", currency: "EUR" }],
    createdAt: now.toISOString(),
  });
  if (count > 0) fake.control.addGeneratedTransactions(accountId, count, { seed: 7 });
  return { accountId, connectionId, userId: user.id };
}
