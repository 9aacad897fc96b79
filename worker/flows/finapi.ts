// The merchant's finAPI set-up as use cases: storing the client credentials, creating the finAPI
// user, starting a Web Form 2.0 bank connection import, settling it from the form's outcome
// (callback or poll) and reading connections with their pending forms settled.
import { DomainError, invalidFields, notFound } from "../domain/errors.ts";
import type { Bindings } from "../env.ts";
import { FinapiError, type FinapiClient } from "../banking/finapi/client.ts";
import {
  allowsCustomHosts,
  callbackPath,
  clientFor,
  clientSecretBinding,
  pollingRuntime,
  requireSettings,
  requireUser,
  runtimeFromEnv,
  userOf,
  userPasswordBinding,
  type FinapiRuntime,
} from "../banking/finapi/connect.ts";
import { callFinapi, describeFinapiError } from "../banking/finapi/failures.ts";
import type { UserCredentials } from "../banking/finapi/types.ts";
import { consentExpiryOf, storedAccount } from "../banking/finapi/update.ts";
import { encryptSecret, newId, randomToken, sha256Hex } from "../security.ts";
import type { Db } from "../store/db.ts";
import { settleRenewalForm } from "./finapi-renewal.ts";
import {
  findConnection,
  findConnectionByCallbackHash,
  findSettings,
  insertConnection,
  listConnections,
  pendingConnections,
  settleConnection,
  setUser,
  upsertSettings,
  type BankConnectionRecord,
  type FinapiSettingsRecord,
  type FormOutcome,
} from "../store/finapi.ts";

// ---- the merchant's finAPI client ----

/** PUT /finapi/settings as validated: finAPI's environment, or (development only) other hosts. */
export interface SettingsRequest {
  clientId: string;
  clientSecret: string;
  environment?: "sandbox" | "live" | undefined;
  baseUrl?: string | undefined;
  webFormBaseUrl?: string | undefined;
  consentWarningDays?: number | undefined;
}

/** Either finAPI's environment, or (development only) the hosts of another finAPI such as the fake. */
function target(
  body: SettingsRequest,
  env: Bindings,
): { environment: string; baseUrl: string | null; webFormBaseUrl: string | null } {
  const custom = body.baseUrl !== undefined || body.webFormBaseUrl !== undefined;
  if (custom && !allowsCustomHosts(env)) {
    const field = body.baseUrl !== undefined ? "baseUrl" : "webFormBaseUrl";
    throw invalidFields([
      {
        field,
        message:
          "other finAPI hosts are only allowed in development; use environment sandbox or live",
      },
    ]);
  }
  if (custom && body.environment !== undefined)
    throw invalidFields([
      { field: "environment", message: "give either environment or baseUrl, not both" },
    ]);
  if (!custom && body.environment === undefined)
    throw invalidFields([{ field: "environment", message: "must be sandbox or live" }]);
  if (custom && body.baseUrl === undefined)
    throw invalidFields([{ field: "baseUrl", message: "is required with webFormBaseUrl" }]);
  if (body.environment)
    return { environment: body.environment, baseUrl: null, webFormBaseUrl: null };
  return {
    environment: "custom",
    baseUrl: body.baseUrl!,
    webFormBaseUrl: body.webFormBaseUrl ?? body.baseUrl!,
  };
}

/** Stores the client credentials (the secret sealed); a finAPI user pins client and hosts. */
export async function saveSettings(
  db: Db,
  env: Bindings,
  merchantId: string,
  body: SettingsRequest,
  now: Date,
): Promise<FinapiSettingsRecord> {
  const next = target(body, env);
  const current = await findSettings(db, merchantId);
  const moves =
    current &&
    (current.clientId !== body.clientId ||
      current.environment !== next.environment ||
      current.baseUrl !== next.baseUrl ||
      current.webFormBaseUrl !== next.webFormBaseUrl);
  if (current?.userId && moves) {
    // The finAPI user lives at one client of one finAPI; it cannot follow the credentials.
    throw new DomainError(
      "finapi_user_exists",
      "A finAPI user exists for the current client; remove it first (DELETE /api/v1/finapi/user) to switch client or environment.",
    );
  }
  const clientSecretCiphertext = await encryptSecret(
    body.clientSecret,
    env.ENCRYPTION_KEY,
    clientSecretBinding(merchantId),
  );
  return upsertSettings(
    db,
    merchantId,
    {
      clientId: body.clientId,
      clientSecretCiphertext,
      ...next,
      ...(body.consentWarningDays !== undefined
        ? { consentWarningDays: body.consentWarningDays }
        : {}),
    },
    now.toISOString(),
  );
}

// ---- the finAPI user ----

/** finAPI user ids allow [0-9A-Za-z-_.+@] and at most 36 characters. */
function newUserId(): string {
  return `tarif-${randomToken(26)}`;
}

export async function createUser(
  db: Db,
  env: Bindings,
  merchantId: string,
  now: Date,
  runtime: FinapiRuntime,
): Promise<{ id: string; createdAt: string }> {
  const settings = await requireSettings(db, merchantId);
  if (settings.userId)
    throw new DomainError(
      "finapi_user_exists",
      "The finAPI user exists already; remove it first (DELETE /api/v1/finapi/user).",
    );
  const client = await clientFor(env, settings, runtime);
  // Our own strong password, so it never has to travel back from finAPI.
  const password = randomToken(40);
  const user = await callFinapi(() =>
    client.createUser({ id: newUserId(), password, isAutoUpdateEnabled: false }),
  );
  const ciphertext = await encryptSecret(
    user.password ?? password,
    env.ENCRYPTION_KEY,
    userPasswordBinding(merchantId, user.id),
  );
  const createdAt = now.toISOString();
  if (!(await setUser(db, merchantId, user.id, ciphertext, createdAt))) {
    throw new DomainError(
      "finapi_user_exists",
      "Another request created the finAPI user at the same time.",
    );
  }
  return { id: user.id, createdAt };
}

// ---- bank connections through Web Form 2.0 ----

export interface ImportInput {
  bankId?: number | undefined;
  bankSearch?: string | undefined;
  name?: string | undefined;
}

export async function startBankConnectionImport(
  db: Db,
  env: Bindings,
  merchantId: string,
  input: ImportInput,
  origin: string,
  now: Date,
  runtime: FinapiRuntime,
): Promise<BankConnectionRecord> {
  const settings = await requireSettings(db, merchantId);
  const user = await requireUser(env, settings);
  const client = await clientFor(env, settings, runtime);
  // The URL is the credential of the callback: only its hash is stored, and only until it is used.
  const token = randomToken(40);
  const bank =
    input.bankId !== undefined
      ? { id: input.bankId }
      : input.bankSearch !== undefined
        ? { search: input.bankSearch }
        : undefined;
  const form = await callFinapi(() =>
    client.importBankConnectionWebForm(user, {
      ...(bank ? { bank } : {}),
      ...(input.name ? { bankConnectionName: input.name } : {}),
      callbacks: { finalised: `${origin}${callbackPath(token)}` },
      // Tarif reads transactions only; securities positions are of no use to it.
      skipPositionsDownload: true,
      allowTestBank: settings.environment !== "live",
    }),
  );
  return insertConnection(db, {
    id: newId("bcn", now.getTime()),
    merchantId,
    finapiUserId: user.username,
    status: "pending",
    webFormId: form.id,
    webFormUrl: form.url,
    webFormExpiresAt: instantOrNull(form.expiresAt),
    callbackTokenHash: await sha256Hex(token),
    accounts: [],
    createdAt: now.toISOString(),
  });
}

/** finAPI's V1 timestamps ("2024-05-01 10:00:00.000") carry no zone: better none than a wrong one. */
function instantOrNull(value: string | null): string | null {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * Reads the form's outcome from finAPI (never from the callback body) and settles the row: an
 * import form makes the connection, a consent renewal form brings it back.
 */
export async function settleWebForm(
  db: Db,
  env: Bindings,
  connection: BankConnectionRecord,
  now: Date,
  runtime: FinapiRuntime,
): Promise<boolean> {
  if (connection.callbackTokenHash === null) return false;
  const settings = await findSettings(db, connection.merchantId);
  const user = settings ? await userOf(env, settings) : null;
  if (!settings || !user || user.username !== connection.finapiUserId) return false;
  const client = await clientFor(env, settings, runtime);
  if (connection.status !== "pending") return settleRenewalForm(db, client, user, connection, now);
  const outcome = await formOutcome(client, user, connection);
  if (!outcome) return false;
  return settleConnection(db, connection.merchantId, connection.id, outcome, now.toISOString());
}

async function formOutcome(
  client: FinapiClient,
  user: UserCredentials,
  connection: BankConnectionRecord,
): Promise<FormOutcome | null> {
  let form;
  try {
    form = await client.getWebForm(user, connection.webFormId);
  } catch (error) {
    // finAPI forgets old forms; an unknown one will never complete.
    if (error instanceof FinapiError && error.status === 404)
      return {
        status: "failed",
        errorCode: "WEB_FORM_NOT_FOUND",
        errorMessage: "finAPI no longer knows this web form.",
      };
    throw error;
  }
  switch (form.status) {
    case "COMPLETED": {
      const id = form.payload.bankConnectionId;
      if (id === null)
        return {
          status: "failed",
          errorCode: "NO_BANK_CONNECTION",
          errorMessage: "The web form completed without a bank connection.",
        };
      const [bankConnection, accounts] = await Promise.all([
        client.getBankConnection(user, id),
        client.listAccounts(user, { bankConnectionIds: [id] }),
      ]);
      return {
        status: "active",
        finapiConnectionId: id,
        bankName: bankConnection.bank?.name ?? bankConnection.name,
        accounts: accounts.map(storedAccount),
        consentExpiresAt: consentExpiryOf(bankConnection),
      };
    }
    case "COMPLETED_WITH_ERROR":
      return {
        status: "failed",
        errorCode: form.payload.errorCode ?? "COMPLETED_WITH_ERROR",
        errorMessage: form.payload.errorMessage,
      };
    case "ABORTED":
      return { status: "failed", errorCode: "ABORTED", errorMessage: "The web form was aborted." };
    case "EXPIRED":
      return {
        status: "failed",
        errorCode: "EXPIRED",
        errorMessage: "The web form expired before it was completed.",
      };
    default:
      return null;
  }
}

/**
 * Polls the merchant's pending forms (a lost callback must not leave a connection pending for
 * ever). Bounded per call; a finAPI failure leaves the form pending for the next poll.
 */
export async function pollPendingForms(
  db: Db,
  env: Bindings,
  merchantId: string,
  now: Date,
  runtime: FinapiRuntime,
  limit = 5,
): Promise<number> {
  let settled = 0;
  for (const connection of await pendingConnections(db, merchantId, limit)) {
    try {
      if (await settleWebForm(db, env, connection, now, pollingRuntime(runtime))) settled += 1;
    } catch (error) {
      console.error(
        "finAPI: polling web form failed",
        connection.id,
        describeFinapiError(error).message,
      );
    }
  }
  return settled;
}

/** A page of the merchant's bank connections; the first page polls pending forms first. */
export async function listBankConnections(
  db: Db,
  env: Bindings,
  merchantId: string,
  page: { limit: number; cursor?: string | undefined },
  now: Date,
): Promise<BankConnectionRecord[]> {
  if (!page.cursor) await pollPendingForms(db, env, merchantId, now, runtimeFromEnv(env));
  return listConnections(db, merchantId, page);
}

/** One bank connection; a pending web form is settled first if finAPI has its outcome. */
export async function getBankConnection(
  db: Db,
  env: Bindings,
  merchantId: string,
  connectionId: string,
  now: Date,
): Promise<BankConnectionRecord> {
  const connection = await findConnection(db, merchantId, connectionId);
  if (!connection) throw notFound("Bank connection", connectionId);
  if (connection.status !== "pending") return connection;
  // finAPI being unreachable must not hide the stored state: the form stays pending.
  const settled = await settleWebForm(
    db,
    env,
    connection,
    now,
    pollingRuntime(runtimeFromEnv(env)),
  ).catch((error: unknown) => {
    console.error(
      "finAPI: polling web form failed",
      connection.id,
      describeFinapiError(error).message,
    );
    return false;
  });
  return settled ? (await findConnection(db, merchantId, connectionId))! : connection;
}

const CALLBACK_TOKEN = /^[0-9a-z]{40}$/;

/**
 * finAPI's callback when a web form finishes: only the secret in the URL authenticates it, and
 * the outcome is read back from finAPI, so a forged body can change nothing.
 */
export async function settleWebFormCallback(
  db: Db,
  env: Bindings,
  token: string,
  webFormId: string | undefined,
  now: Date,
): Promise<void> {
  const connection = CALLBACK_TOKEN.test(token)
    ? await findConnectionByCallbackHash(db, await sha256Hex(token))
    : undefined;
  if (!connection || (webFormId !== undefined && webFormId !== connection.webFormId))
    throw notFound("Web form callback");
  await callFinapi(() => settleWebForm(db, env, connection, now, runtimeFromEnv(env)));
}
