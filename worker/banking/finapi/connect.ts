// How Tarif reaches a merchant's finAPI: the client built from the stored (encrypted) settings,
// finAPI's hosts per environment, the finAPI user's credentials, and the token cache the clients
// of one isolate share.
import { DomainError } from "../../domain/errors.ts";
import type { Bindings } from "../../env.ts";
import { decryptSecret } from "../../security.ts";
import type { Db } from "../../store/db.ts";
import { findSettings, type FinapiSettingsRecord } from "../../store/finapi.ts";
import {
  createFinapiClient,
  createMemoryTokenCache,
  FINAPI_HOSTS,
  type FetchLike,
  type FinapiClient,
  type TokenCache,
} from "./client.ts";
import type { UserCredentials } from "./types.ts";

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
export const userPasswordBinding = (merchantId: string, userId: string) =>
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

export async function requireUser(
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

/** The single-use URL finAPI calls when a web form finishes; the token is its only credential. */
export const callbackPath = (token: string) => `/finapi/callbacks/web-forms/${token}`;

/** Polling is best effort inside a listing: one quick try, the next listing tries again. */
export function pollingRuntime(runtime: FinapiRuntime): FinapiRuntime {
  return { ...runtime, maxRetries: 0, timeoutMs: Math.min(runtime.timeoutMs ?? 5_000, 5_000) };
}
