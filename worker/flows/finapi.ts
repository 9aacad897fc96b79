// The merchant's finAPI set-up as use cases: a client built from the stored (encrypted)
// settings, creating the finAPI user, starting a Web Form 2.0 bank connection import and
// settling it from the form's outcome (callback or poll), and finAPI failures as problems.
import type { Bindings } from "../env.ts";
import {
  createFinapiClient,
  createMemoryTokenCache,
  FINAPI_HOSTS,
  FinapiError,
  type FetchLike,
  type FinapiClient,
  type TokenCache,
} from "../finapi/client.ts";
import type { UserCredentials } from "../finapi/types.ts";
import { DomainError } from "../domain/errors.ts";
import { decryptSecret, encryptSecret } from "../security.ts";
import { newId, randomToken, sha256Hex } from "../security.ts";
import type { Db } from "../store/db.ts";
import {
  findSettings,
  insertConnection,
  pendingConnections,
  settleConnection,
  setUser,
  type BankConnectionRecord,
  type FinapiSettingsRecord,
  type FormOutcome,
} from "../store/finapi.ts";

/** How finAPI is reached; tests inject the fake's fetch and a sleep that does not wait. */
export interface FinapiRuntime {
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  tokenCache?: TokenCache;
  maxRetries?: number;
  timeoutMs?: number;
}

/** Tokens live as long as the isolate: finAPI hands out the same token while it is valid anyway. */
const sharedTokens = createMemoryTokenCache();

/**
 * Tokens keyed also by the stored secrets (each PUT and each user encrypts afresh), so new
 * credentials never run on a token obtained with the old ones.
 */
function scopedTokens(cache: TokenCache, settings: FinapiSettingsRecord): TokenCache {
  const scope = `${settings.clientSecretCiphertext.slice(-24)}|${settings.userPasswordCiphertext?.slice(-24) ?? ""}|`;
  return {
    get: (key) => cache.get(scope + key),
    set: (key, token) => cache.set(scope + key, token),
    delete: (key) => cache.delete(scope + key),
  };
}

export function runtimeFromEnv(env: Bindings): FinapiRuntime {
  const fetcher = env.FINAPI_FETCHER;
  return fetcher ? { fetch: (request) => fetcher.fetch(request) } : {};
}

/** Other base URLs than finAPI's own are for the fake finAPI, so only outside production. */
export function allowsCustomHosts(env: Bindings): boolean {
  return env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test";
}

export function hostsOf(settings: FinapiSettingsRecord): {
  apiBaseUrl: string;
  webFormBaseUrl: string;
} {
  if (settings.environment === "live") return FINAPI_HOSTS.live;
  if (settings.environment === "sandbox") return FINAPI_HOSTS.sandbox;
  return {
    apiBaseUrl: settings.baseUrl ?? "",
    webFormBaseUrl: settings.webFormBaseUrl ?? settings.baseUrl ?? "",
  };
}

// Ciphertexts are bound to the row and the purpose, so one cannot stand in for another.
export const clientSecretBinding = (merchantId: string) =>
  `finapi_settings:${merchantId}:client_secret`;
const userPasswordBinding = (merchantId: string, userId: string) =>
  `finapi_settings:${merchantId}:user_password:${userId}`;

export async function clientFor(
  env: Bindings,
  settings: FinapiSettingsRecord,
  runtime: FinapiRuntime = {},
): Promise<FinapiClient> {
  const clientSecret = await decryptSecret(
    settings.clientSecretCiphertext,
    env.ENCRYPTION_KEY,
    clientSecretBinding(settings.merchantId),
  );
  return createFinapiClient({
    ...hostsOf(settings),
    clientId: settings.clientId,
    clientSecret,
    tokenCache: scopedTokens(runtime.tokenCache ?? sharedTokens, settings),
    ...(runtime.fetch ? { fetch: runtime.fetch } : {}),
    ...(runtime.sleep ? { sleep: runtime.sleep } : {}),
    ...(runtime.maxRetries !== undefined ? { maxRetries: runtime.maxRetries } : {}),
    // A request handler must answer well before a person gives up; the cron can afford more.
    timeoutMs: runtime.timeoutMs ?? 20_000,
  });
}

export async function userOf(
  env: Bindings,
  settings: FinapiSettingsRecord,
): Promise<UserCredentials | null> {
  if (!settings.userId || !settings.userPasswordCiphertext) return null;
  const password = await decryptSecret(
    settings.userPasswordCiphertext,
    env.ENCRYPTION_KEY,
    userPasswordBinding(settings.merchantId, settings.userId),
  );
  return { username: settings.userId, password };
}

export async function requireSettings(db: Db, merchantId: string): Promise<FinapiSettingsRecord> {
  const settings = await findSettings(db, merchantId);
  if (!settings)
    throw new DomainError(
      "finapi_not_configured",
      "Store the finAPI client credentials first (PUT /api/v1/finapi/settings).",
    );
  return settings;
}

async function requireUser(
  env: Bindings,
  settings: FinapiSettingsRecord,
): Promise<UserCredentials> {
  const user = await userOf(env, settings);
  if (!user)
    throw new DomainError(
      "finapi_user_missing",
      "Create the finAPI user first (POST /api/v1/finapi/user).",
    );
  return user;
}

// ---- finAPI failures ----

/** A short, bounded description for sync status and events; finAPI's texts are untrusted. */
export function describeFinapiError(error: unknown): { code: string; message: string } {
  if (error instanceof FinapiError) {
    const where = error.status > 0 ? `HTTP ${error.status}` : error.kind;
    return {
      code: error.code.slice(0, 64),
      message: `finAPI: ${where} ${error.code}: ${error.message}`.slice(0, 500),
    };
  }
  if (error instanceof DomainError)
    return { code: error.code, message: error.message.slice(0, 500) };
  return {
    code: "internal_error",
    message: "The sync failed unexpectedly; it is retried on the next run.",
  };
}

export function finapiProblem(error: unknown): unknown {
  if (!(error instanceof FinapiError)) return error;
  const { message } = describeFinapiError(error);
  if (error.kind === "oauth" && error.status === 401) {
    return new DomainError(
      "finapi_credentials_rejected",
      "finAPI rejected the client credentials; check clientId and clientSecret.",
    );
  }
  if (
    error.status === 0 ||
    error.status >= 500 ||
    error.kind === "invalid_response" ||
    error.kind === "limit"
  )
    // finAPI (or the way to it) failed: the fault is upstream and may pass.
    return new DomainError("finapi_unavailable", message);
  return new DomainError("finapi_rejected", message);
}

/** Runs a finAPI call from a request handler, turning its failures into problems. */
export async function callFinapi<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw finapiProblem(error);
  }
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

export const callbackPath = (token: string) => `/finapi/callbacks/web-forms/${token}`;

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

/** Reads the form's outcome from finAPI (never from the callback body) and settles the row. */
export async function settleWebForm(
  db: Db,
  env: Bindings,
  connection: BankConnectionRecord,
  now: Date,
  runtime: FinapiRuntime,
): Promise<boolean> {
  if (connection.status !== "pending") return false;
  const settings = await findSettings(db, connection.merchantId);
  const user = settings ? await userOf(env, settings) : null;
  if (!settings || !user || user.username !== connection.finapiUserId) return false;
  const client = await clientFor(env, settings, runtime);
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
        accounts: accounts.map((account) => ({
          id: account.id,
          iban: account.iban,
          name: account.accountName,
          type: account.accountType,
          currency: account.accountCurrency,
        })),
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

/** Polling is best effort inside a listing: one quick try, the next listing tries again. */
export function pollingRuntime(runtime: FinapiRuntime): FinapiRuntime {
  return { ...runtime, maxRetries: 0, timeoutMs: Math.min(runtime.timeoutMs ?? 5_000, 5_000) };
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
