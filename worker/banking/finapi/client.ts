// The finAPI Access V2 + Web Form 2.0 client: tokens (cached, refreshed once on 401), per-attempt
// timeouts, bounded retries with backoff and jitter on 5xx/423, typed errors and responses
// (reference/finapi.md). `fetch` is injected so tests run it against the fake finAPI server and
// production passes the Workers fetch; nothing here imports node: modules.
import * as v from "valibot";
import { errorFromResponse, FinapiError } from "./errors.ts";
import {
  AccessTokenSchema,
  AccountListSchema,
  BankConnectionListSchema,
  BankConnectionSchema,
  MAX_PER_PAGE,
  MAX_TRANSACTION_IDS,
  parseTransaction,
  TransactionPageSchema,
  UserSchema,
  WebFormSchema,
  describeIssues,
} from "./types.ts";
import type {
  Account,
  AccountQuery,
  BankConnection,
  BankConnectionImportParams,
  BankConnectionUpdateWebFormParams,
  FinapiTransaction,
  FinapiUser,
  RejectedTransaction,
  TransactionList,
  TransactionPage,
  TransactionQuery,
  UpdateBankConnectionParams,
  UserCreateParams,
  UserCredentials,
  WebForm,
} from "./types.ts";

export { FinapiError, isFinapiError } from "./errors.ts";

/** finAPI's hosts. Access and Web Form 2.0 live on different hosts in both environments. */
export const FINAPI_HOSTS = {
  sandbox: {
    apiBaseUrl: "https://sandbox.finapi.io",
    webFormBaseUrl: "https://webform-sandbox.finapi.io",
  },
  live: { apiBaseUrl: "https://live.finapi.io", webFormBaseUrl: "https://webform-live.finapi.io" },
} as const;

/** Both `app.fetch` of a Hono app and the platform fetch fit this. */
export type FetchLike = (request: Request) => Response | Promise<Response>;

export interface CachedToken {
  accessToken: string;
  /** Epoch ms after which the token is not used any more; null = never expires. */
  refreshAt: number | null;
}

/** Where tokens are kept between calls; may be shared by clients (e.g. module scope in a Worker). */
export interface TokenCache {
  get(key: string): CachedToken | undefined | Promise<CachedToken | undefined>;
  set(key: string, token: CachedToken): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

export function createMemoryTokenCache(): TokenCache {
  const tokens = new Map<string, CachedToken>();
  return {
    get: (key) => tokens.get(key),
    set: (key, token) => void tokens.set(key, token),
    delete: (key) => void tokens.delete(key),
  };
}

/** PSU headers: send them only when a human triggered the call (banks limit unattended access). */
export interface PsuHeaders {
  ipAddress: string;
  deviceOs?: string;
  userAgent?: string;
}

export interface FinapiClientConfig {
  apiBaseUrl: string;
  webFormBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Per attempt, including reading the body. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt on 5xx/423 (and timeouts of idempotent calls). Default 3. */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  tokenCache?: TokenCache;
  newRequestId?: () => string;
  acceptLanguage?: string;
}

export interface FinapiClient {
  createUser(params?: UserCreateParams): Promise<FinapiUser>;
  getAuthorizedUser(user: UserCredentials): Promise<FinapiUser>;
  listBankConnections(user: UserCredentials, query?: { ids?: number[] }): Promise<BankConnection[]>;
  getBankConnection(user: UserCredentials, id: number): Promise<BankConnection>;
  /**
   * A 423 (an update is running) is retried like a 5xx unless `waitIfLocked` is false: the cron
   * waits for the running update across ticks instead of inside one.
   */
  updateBankConnection(
    user: UserCredentials,
    params: UpdateBankConnectionParams,
    psu?: PsuHeaders,
    options?: { waitIfLocked?: boolean },
  ): Promise<BankConnection>;
  /** DELETE /api/v2/bankConnections/{id}: finAPI forgets the connection, its accounts and data. */
  deleteBankConnection(user: UserCredentials, id: number): Promise<void>;
  /** DELETE /api/v2/users: finAPI forgets the user and everything it holds for it. */
  deleteUser(user: UserCredentials): Promise<void>;
  listAccounts(user: UserCredentials, query?: AccountQuery): Promise<Account[]>;
  /** All pages, lazily; throws TOO_MANY_PAGES beyond `maxPages`. Each transaction id once. */
  transactionPages(
    user: UserCredentials,
    query?: TransactionQuery,
  ): AsyncGenerator<TransactionPage>;
  listTransactions(user: UserCredentials, query?: TransactionQuery): Promise<TransactionList>;
  importBankConnectionWebForm(
    user: UserCredentials,
    params?: BankConnectionImportParams,
  ): Promise<WebForm>;
  /** A Web Form 2.0 for updating a connection with the bank customer present (a fresh consent). */
  updateBankConnectionWebForm(
    user: UserCredentials,
    params: BankConnectionUpdateWebFormParams,
  ): Promise<WebForm>;
  getWebForm(user: UserCredentials, id: string): Promise<WebForm>;
  /** Exposed for diagnostics and tests; normal calls fetch tokens themselves. */
  clientToken(): Promise<string>;
  userToken(user: UserCredentials): Promise<string>;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 3,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  /** Refresh this long before expiry (at most a tenth of the lifetime, for short-lived tokens). */
  refreshSkewMs: 60_000,
  /** A Retry-After longer than this is not waited for inside one call. */
  maxRetryAfterMs: 30_000,
  /** A full page of 500 transactions is ~1.5 MB; anything far bigger is not a finAPI answer. */
  maxResponseBytes: 16 * 1024 * 1024,
  maxPages: 100,
} as const;

type Auth = { kind: "none" } | { kind: "client" } | { kind: "user"; user: UserCredentials };

interface Call<T> {
  host: "api" | "webForm";
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: URLSearchParams;
  json?: unknown;
  form?: URLSearchParams;
  headers?: Record<string, string>;
  auth: Auth;
  /** Safe to repeat after a timeout or a cut-off body: nothing changes on the server. */
  idempotent: boolean;
  /** False where 423 (LOCKED) is an answer for the caller rather than a reason to wait here. */
  retryLocked?: boolean;
  expect: number;
  parse: (body: unknown, requestId: string | null, status: number) => T;
}

/** Statuses worth another attempt: 423 LOCKED and 5xx, except 501/505/510 which will not change by waiting. */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 423 ||
    (status >= 500 && status <= 599 && status !== 501 && status !== 505 && status !== 510)
  );
}

function isRetryable(error: FinapiError, call: Call<unknown>): boolean {
  const idempotent = call.idempotent;
  if (error.status === 423 && call.retryLocked === false) return false;
  if (error.kind === "timeout" || error.kind === "network") return idempotent;
  if (error.kind === "invalid_response")
    return idempotent && (error.code === "MALFORMED_JSON" || error.code === "INCOMPLETE_PAGE");
  if (error.kind === "limit") return false;
  return isRetryableStatus(error.status);
}

export function createFinapiClient(config: FinapiClientConfig): FinapiClient {
  const settings = {
    timeoutMs: config.timeoutMs ?? DEFAULTS.timeoutMs,
    maxRetries: config.maxRetries ?? DEFAULTS.maxRetries,
    backoffBaseMs: config.backoffBaseMs ?? DEFAULTS.backoffBaseMs,
    backoffMaxMs: config.backoffMaxMs ?? DEFAULTS.backoffMaxMs,
  };
  const injected = config.fetch;
  // Called with globalThis as `this`: workerd's fetch throws "Illegal invocation" when detached.
  const fetchImpl: FetchLike = injected
    ? (request) => injected.call(globalThis, request)
    : (request) => fetch(request);
  const sleep =
    config.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = config.now ?? Date.now;
  const random = config.random ?? Math.random;
  const newRequestId = config.newRequestId ?? (() => crypto.randomUUID());
  const cache = config.tokenCache ?? createMemoryTokenCache();
  const pendingTokens = new Map<string, Promise<string>>();
  const bases = { api: trimSlash(config.apiBaseUrl), webForm: trimSlash(config.webFormBaseUrl) };

  // ---- tokens ----

  function tokenKey(auth: Auth): string {
    const prefix = `${bases.api}|${config.clientId}`;
    return auth.kind === "user" ? `${prefix}|user|${auth.user.username}` : `${prefix}|client`;
  }

  function tokenForm(auth: Auth): URLSearchParams {
    const form = new URLSearchParams({
      client_id: config.clientId,
      client_secret: config.clientSecret,
    });
    if (auth.kind === "user") {
      form.set("grant_type", "password");
      form.set("username", auth.user.username);
      form.set("password", auth.user.password);
    } else {
      form.set("grant_type", "client_credentials");
    }
    return form;
  }

  async function requestToken(auth: Auth): Promise<CachedToken> {
    const token = await execute({
      host: "api",
      method: "POST",
      path: "/api/v2/oauth/token",
      form: tokenForm(auth),
      auth: { kind: "none" },
      // While a token is valid finAPI hands out the same one, so asking again is harmless.
      idempotent: true,
      expect: 200,
      parse: (body, requestId, status) => validate(AccessTokenSchema, body, requestId, status),
    });
    const lifetimeMs = token.expires_in * 1000;
    const skew = Math.min(DEFAULTS.refreshSkewMs, lifetimeMs / 10);
    return {
      accessToken: token.access_token,
      refreshAt: lifetimeMs > 0 ? now() + lifetimeMs - skew : null,
    };
  }

  async function accessToken(auth: Auth): Promise<string> {
    const key = tokenKey(auth);
    const cached = await cache.get(key);
    if (cached && (cached.refreshAt === null || now() < cached.refreshAt))
      return cached.accessToken;
    // Concurrent calls share one token request instead of racing for several.
    let pending = pendingTokens.get(key);
    if (!pending) {
      pending = requestToken(auth).then(async (token) => {
        await cache.set(key, token);
        return token.accessToken;
      });
      pendingTokens.set(key, pending);
      pending.then(
        () => pendingTokens.delete(key),
        () => pendingTokens.delete(key),
      );
    }
    return pending;
  }

  /** Drops the cached token after a 401, unless another call already replaced it. */
  async function invalidate(auth: Auth, usedToken: string): Promise<void> {
    const key = tokenKey(auth);
    const cached = await cache.get(key);
    if (cached?.accessToken === usedToken) await cache.delete(key);
  }

  // ---- one call: auth, retries, backoff ----

  async function execute<T>(call: Call<T>): Promise<T> {
    let refreshed = false;
    let retries = 0;
    for (;;) {
      const token = call.auth.kind === "none" ? null : await accessToken(call.auth);
      try {
        return await attempt(call, token);
      } catch (error) {
        if (!(error instanceof FinapiError)) throw error;
        if (error.status === 401 && token !== null && !refreshed) {
          // Expired or revoked token: get a new one and try once more (not counted as a retry).
          refreshed = true;
          await invalidate(call.auth, token);
          continue;
        }
        if (retries >= settings.maxRetries || !isRetryable(error, call)) throw error;
        await sleep(backoffDelay(retries, error.retryAfterMs));
        retries += 1;
      }
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
  function backoffDelay(retry: number, retryAfterMs: number | null): number {
    const ceiling = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** retry);
    const jittered = ceiling / 2 + random() * (ceiling / 2);
    const serverWish = retryAfterMs === null ? 0 : Math.min(retryAfterMs, DEFAULTS.maxRetryAfterMs);
    return Math.max(jittered, serverWish);
  }

  async function attempt<T>(call: Call<T>, token: string | null): Promise<T> {
    const requestId = newRequestId();
    const { status, headers, text } = await withTimeout(
      (signal) => buildRequest(call, token, requestId, signal),
      requestId,
    );
    const answeredId = headers.get("X-Request-Id") ?? requestId;
    const body = parseJson(text);
    if (status !== call.expect) {
      throw errorFromResponse(
        status,
        body.ok ? body.value : null,
        answeredId,
        retryAfter(headers.get("Retry-After"), now()),
      );
    }
    if (!body.ok) {
      throw new FinapiError({
        kind: "invalid_response",
        status,
        code: "MALFORMED_JSON",
        message: "finAPI sent a body that is not JSON",
        requestId: answeredId,
      });
    }
    return call.parse(body.value, answeredId, status);
  }

  function buildRequest(
    call: Call<unknown>,
    token: string | null,
    requestId: string,
    signal: AbortSignal,
  ): Request {
    const url = new URL(`${bases[call.host]}${call.path}`);
    if (call.query) url.search = call.query.toString();
    const headers = new Headers({
      Accept: "application/json",
      "X-Request-Id": requestId,
      ...call.headers,
    });
    if (config.acceptLanguage) headers.set("Accept-Language", config.acceptLanguage);
    if (token !== null) headers.set("Authorization", `Bearer ${token}`);
    let body: string | undefined;
    if (call.form) {
      headers.set("Content-Type", "application/x-www-form-urlencoded");
      body = call.form.toString();
    } else if (call.json !== undefined) {
      headers.set("Content-Type", "application/json");
      body = JSON.stringify(call.json);
    }
    return new Request(url, { method: call.method, headers, body, signal });
  }

  /**
   * Fetch and read the body under one deadline. The race matters: an injected fetch (a Hono
   * app's `fetch`) may ignore the abort signal, and the deadline must hold regardless.
   */
  async function withTimeout(
    build: (signal: AbortSignal) => Request,
    requestId: string,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new FinapiError({
            kind: "timeout",
            status: 0,
            code: "TIMEOUT",
            message: `finAPI did not answer within ${settings.timeoutMs} ms`,
            requestId,
          }),
        );
      }, settings.timeoutMs);
    });
    const exchange = (async () => {
      const response = await fetchImpl(build(controller.signal));
      const declared = Number(response.headers.get("Content-Length") ?? 0);
      if (declared > DEFAULTS.maxResponseBytes) {
        await response.body?.cancel();
        throw new FinapiError({
          kind: "invalid_response",
          status: response.status,
          code: "RESPONSE_TOO_LARGE",
          message: `finAPI answered with ${declared} bytes`,
          requestId,
        });
      }
      return { status: response.status, headers: response.headers, text: await response.text() };
    })();
    try {
      return await Promise.race([exchange, deadline]);
    } catch (error) {
      if (error instanceof FinapiError) throw error;
      throw new FinapiError({
        kind: "network",
        status: 0,
        code: "NETWORK_ERROR",
        message: `finAPI request failed: ${errorMessage(error)}`,
        requestId,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      // The losing side of the race must not surface as an unhandled rejection.
      exchange.catch(() => undefined);
    }
  }

  // ---- API ----

  function userCall<T>(user: UserCredentials, call: Omit<Call<T>, "auth">): Promise<T> {
    return execute({ ...call, auth: { kind: "user", user } });
  }

  async function* transactionPages(
    user: UserCredentials,
    query: TransactionQuery = {},
  ): AsyncGenerator<TransactionPage> {
    const perPage = query.perPage ?? MAX_PER_PAGE;
    const maxPages = query.maxPages ?? DEFAULTS.maxPages;
    checkTransactionQuery(query, perPage, maxPages);
    // An empty filter list means "nothing", not "everything": never send it.
    if (query.accountIds?.length === 0 || query.ids?.length === 0) return;
    const seen = new Set<number>();
    for (let page = query.startPage ?? 1; ; page++) {
      const result = await userCall(user, {
        host: "api",
        method: "GET",
        path: "/api/v2/transactions",
        query: transactionSearch(query, page, perPage),
        idempotent: true,
        expect: 200,
        parse: (body, requestId, status) => parsePage(body, requestId, status, page, perPage),
      });
      if (result.paging.pageCount > maxPages) {
        throw new FinapiError({
          kind: "limit",
          status: 200,
          code: "TOO_MANY_PAGES",
          message: `${result.paging.pageCount} pages exceed the limit of ${maxPages}`,
          requestId: result.requestId,
        });
      }
      yield {
        page,
        pageCount: result.paging.pageCount,
        totalCount: result.paging.totalCount,
        ...splitOnce(result.items, seen),
      };
      if (page >= result.paging.pageCount || result.items.length === 0) return;
    }
  }

  return {
    createUser: (params = {}) =>
      execute({
        host: "api",
        method: "POST",
        path: "/api/v2/users",
        json: params,
        auth: { kind: "client" },
        idempotent: false,
        expect: 201,
        parse: parser(UserSchema),
      }),
    getAuthorizedUser: (user) =>
      userCall(user, {
        host: "api",
        method: "GET",
        path: "/api/v2/users",
        idempotent: true,
        expect: 200,
        parse: parser(UserSchema),
      }),
    listBankConnections: async (user, query = {}) => {
      const search = listSearch({ ids: query.ids });
      const list = await userCall(user, {
        host: "api",
        method: "GET",
        path: "/api/v2/bankConnections",
        query: search,
        idempotent: true,
        expect: 200,
        parse: parser(BankConnectionListSchema),
      });
      return list.connections;
    },
    getBankConnection: (user, id) =>
      userCall(user, {
        host: "api",
        method: "GET",
        path: `/api/v2/bankConnections/${positiveId(id)}`,
        idempotent: true,
        expect: 200,
        parse: parser(BankConnectionSchema),
      }),
    updateBankConnection: (user, params, psu, options = {}) =>
      userCall(user, {
        host: "api",
        method: "POST",
        path: "/api/v2/bankConnections/update",
        json: params,
        headers: psuHeaders(psu),
        idempotent: false,
        retryLocked: options.waitIfLocked ?? true,
        expect: 200,
        parse: parser(BankConnectionSchema),
      }),
    deleteBankConnection: (user, id) =>
      userCall(user, {
        host: "api",
        method: "DELETE",
        path: `/api/v2/bankConnections/${positiveId(id)}`,
        // Deleting twice ends in the same state (the second answers 404, which callers accept).
        idempotent: true,
        expect: 200,
        parse: () => undefined,
      }),
    deleteUser: (user) =>
      userCall(user, {
        host: "api",
        method: "DELETE",
        path: "/api/v2/users",
        idempotent: true,
        expect: 200,
        parse: () => undefined,
      }),
    listAccounts: async (user, query = {}) => {
      const search = listSearch({
        ids: query.ids,
        bankConnectionIds: query.bankConnectionIds,
        accountTypes: query.accountTypes,
      });
      const list = await userCall(user, {
        host: "api",
        method: "GET",
        path: "/api/v2/accounts",
        query: search,
        idempotent: true,
        expect: 200,
        parse: parser(AccountListSchema),
      });
      return list.accounts;
    },
    transactionPages,
    listTransactions: async (user, query) => {
      const list: TransactionList = { transactions: [], rejected: [], pages: 0, totalCount: 0 };
      for await (const page of transactionPages(user, query)) {
        list.transactions.push(...page.transactions);
        list.rejected.push(...page.rejected);
        list.pages += 1;
        list.totalCount = page.totalCount;
      }
      return list;
    },
    importBankConnectionWebForm: (user, params = {}) =>
      userCall(user, {
        host: "webForm",
        method: "POST",
        path: "/api/webForms/bankConnectionImport",
        json: params,
        idempotent: false,
        expect: 201,
        parse: parser(WebFormSchema),
      }),
    updateBankConnectionWebForm: (user, params) =>
      userCall(user, {
        host: "webForm",
        method: "POST",
        path: "/api/webForms/bankConnectionUpdate",
        json: params,
        idempotent: false,
        expect: 201,
        parse: parser(WebFormSchema),
      }),
    getWebForm: (user, id) =>
      userCall(user, {
        host: "webForm",
        method: "GET",
        path: `/api/webForms/${encodeURIComponent(id)}`,
        idempotent: true,
        expect: 200,
        parse: parser(WebFormSchema),
      }),
    clientToken: () => accessToken({ kind: "client" }),
    userToken: (user) => accessToken({ kind: "user", user }),
  };
}

// ---- helpers (pure) ----

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === "") return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Retry-After as delta-seconds or HTTP date, in ms from now. */
export function retryAfter(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (header.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function validate<S extends v.GenericSchema>(
  schema: S,
  body: unknown,
  requestId: string | null,
  status: number,
): v.InferOutput<S> {
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  throw new FinapiError({
    kind: "invalid_response",
    status,
    code: "INVALID_RESPONSE",
    message: `unexpected finAPI response: ${describeIssues(result.issues)}`,
    requestId,
  });
}

function parser<S extends v.GenericSchema>(schema: S) {
  return (body: unknown, requestId: string | null, status: number): v.InferOutput<S> =>
    validate(schema, body, requestId, status);
}

function positiveId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 1)
    throw new RangeError(`finAPI ids are positive integers, got ${id}`);
  return id;
}

function psuHeaders(psu: PsuHeaders | undefined): Record<string, string> {
  if (!psu) return {};
  const headers: Record<string, string> = { "PSU-IP-Address": psu.ipAddress };
  if (psu.deviceOs) headers["PSU-Device-OS"] = psu.deviceOs;
  if (psu.userAgent) headers["PSU-User-Agent"] = psu.userAgent;
  return headers;
}

/** Arrays go comma-separated, as finAPI's prose and its clients do (`ids=1,2`). */
function listSearch(
  lists: Record<string, readonly (string | number)[] | undefined>,
): URLSearchParams {
  const search = new URLSearchParams();
  for (const [name, values] of Object.entries(lists)) {
    if (values && values.length > 0) search.set(name, values.join(","));
  }
  return search;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function checkTransactionQuery(query: TransactionQuery, perPage: number, maxPages: number): void {
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE)
    throw new RangeError(`perPage must be 1..${MAX_PER_PAGE}`);
  if (!Number.isInteger(maxPages) || maxPages < 1)
    throw new RangeError("maxPages must be a positive integer");
  const startPage = query.startPage ?? 1;
  if (!Number.isInteger(startPage) || startPage < 1)
    throw new RangeError("startPage must be a positive integer");
  if ((query.ids?.length ?? 0) > MAX_TRANSACTION_IDS)
    throw new RangeError(`at most ${MAX_TRANSACTION_IDS} ids`);
  for (const bound of [
    "minImportDate",
    "maxImportDate",
    "minBankBookingDate",
    "maxBankBookingDate",
  ] as const) {
    const value = query[bound];
    if (value !== undefined && !DAY.test(value))
      throw new RangeError(`${bound} must be YYYY-MM-DD`);
  }
}

function transactionSearch(
  query: TransactionQuery,
  page: number,
  perPage: number,
): URLSearchParams {
  const search = listSearch({ accountIds: query.accountIds, ids: query.ids });
  search.set("view", query.view ?? "bankView");
  for (const key of [
    "minImportDate",
    "maxImportDate",
    "minBankBookingDate",
    "maxBankBookingDate",
    "direction",
  ] as const) {
    const value = query[key];
    if (value !== undefined) search.set(key, value);
  }
  for (const key of ["isAdjustingEntry", "isPotentialDuplicate"] as const) {
    const value = query[key];
    if (value !== undefined) search.set(key, String(value));
  }
  search.set("page", String(page));
  search.set("perPage", String(perPage));
  for (const order of query.order ?? ["id,asc"]) search.append("order", order);
  return search;
}

interface RawPage {
  items: unknown[];
  paging: { page: number; perPage: number; pageCount: number; totalCount: number };
  requestId: string | null;
}

function parsePage(
  body: unknown,
  requestId: string | null,
  status: number,
  page: number,
  perPage: number,
): RawPage {
  const envelope = validate(TransactionPageSchema, body, requestId, status);
  const { paging, transactions } = envelope;
  if (paging.page !== page) {
    throw new FinapiError({
      kind: "invalid_response",
      status,
      code: "INVALID_RESPONSE",
      message: `asked for page ${page}, got page ${paging.page}`,
      requestId,
    });
  }
  // Every page holds what the answer's own totalCount leaves for it: perPage on earlier pages,
  // the rest on the last. Fewer means the answer was cut off — on the last page too, where
  // accepting it would move the cursor past the missing transactions for good.
  const expected = Math.min(perPage, Math.max(0, paging.totalCount - (page - 1) * perPage));
  if (transactions.length < expected) {
    throw new FinapiError({
      kind: "invalid_response",
      status,
      code: "INCOMPLETE_PAGE",
      message: `page ${page} of ${paging.pageCount} has ${transactions.length} of ${expected} transactions`,
      requestId,
    });
  }
  return { items: transactions, paging, requestId };
}

/** Validates each item; an id already seen on an earlier page is not returned twice. */
function splitOnce(
  items: unknown[],
  seen: Set<number>,
): { transactions: FinapiTransaction[]; rejected: RejectedTransaction[] } {
  const transactions: FinapiTransaction[] = [];
  const rejected: RejectedTransaction[] = [];
  for (const raw of items) {
    const parsed = parseTransaction(raw);
    const id = parsed.ok ? parsed.transaction.id : parsed.rejected.id;
    if (id !== null && seen.has(id)) continue;
    if (id !== null) seen.add(id);
    if (parsed.ok) transactions.push(parsed.transaction);
    else rejected.push(parsed.rejected);
  }
  return { transactions, rejected };
}
