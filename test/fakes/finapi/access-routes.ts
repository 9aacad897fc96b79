// The Access V2 half of the fake (`/api/v2/*`, reference/finapi.md §1–§4, §6): OAuth tokens,
// users, banks, bank connections and their update, accounts, transactions, notification
// rules and the mock batch update, with finAPI's status codes and error bodies.
import type { Hono } from "hono";
import { toCents } from "../../../worker/banking/finapi/amount.ts";
import { berlinDate } from "./errors.ts";
import type { FakeEnv, FakeContext, Runtime } from "./runtime.ts";
import {
  buildTransaction,
  insertTransaction,
  randomToken,
  renderAccount,
  renderBank,
  renderConnection,
  renderRule,
  renderTransaction,
  renderUser,
} from "./state.ts";
import type {
  FakeAccount,
  FakeClientRecord,
  FakeTransactionInput,
  FakeUserRecord,
  NotificationRuleRecord,
  TokenRecord,
} from "./state.ts";
import {
  idList,
  listParam,
  MAX_PER_PAGE,
  QueryError,
  searchTransactions,
} from "./transaction-query.ts";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON object body, or null when it is not one (the caller answers 400). */
async function jsonBody(c: FakeContext): Promise<Json | null> {
  try {
    const value: unknown = await c.req.json();
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

export function registerAccessRoutes(app: Hono<FakeEnv>, rt: Runtime): void {
  registerOauth(app, rt);
  registerUsers(app, rt);
  registerBanks(app, rt);
  registerConnections(app, rt);
  registerAccounts(app, rt);
  registerTransactions(app, rt);
  registerNotificationRules(app, rt);
  registerMockBatchUpdate(app, rt);
}

// ---- OAuth ----

function registerOauth(app: Hono<FakeEnv>, rt: Runtime): void {
  const refreshOf = new Map<string, string>();

  /** Same token while valid (reference §1), with the remaining lifetime. */
  function issue(
    client: FakeClientRecord,
    user: FakeUserRecord | null,
  ): { record: TokenRecord; expiresIn: number } {
    const key = user ? `user:${client.clientId}:${user.id}` : `client:${client.clientId}`;
    const now = rt.now();
    const active = rt.store.tokens.get(rt.store.activeToken.get(key) ?? "");
    if (active && (active.expiresAt === null || now < active.expiresAt)) {
      return {
        record: active,
        expiresIn: active.expiresAt === null ? 0 : Math.ceil((active.expiresAt - now) / 1000),
      };
    }
    const lifetime = user
      ? rt.settings.userTokenLifetimeSeconds
      : rt.settings.clientTokenLifetimeSeconds;
    const record: TokenRecord = {
      token: randomToken(),
      kind: user ? "user" : "client",
      clientId: client.clientId,
      userId: user?.id ?? null,
      expiresAt: lifetime > 0 ? now + lifetime * 1000 : null,
    };
    rt.store.tokens.set(record.token, record);
    rt.store.activeToken.set(key, record.token);
    return { record, expiresIn: lifetime };
  }

  function refreshTokenFor(
    record: TokenRecord,
    client: FakeClientRecord,
    user: FakeUserRecord,
  ): string {
    const existing = refreshOf.get(record.token);
    if (existing && rt.store.refreshTokens.has(existing)) return existing;
    const lifetime = rt.settings.refreshTokenLifetimeSeconds;
    const token = randomToken();
    rt.store.refreshTokens.set(token, {
      token,
      clientId: client.clientId,
      userId: user.id,
      expiresAt: lifetime > 0 ? rt.now() + lifetime * 1000 : null,
    });
    refreshOf.set(record.token, token);
    return token;
  }

  function userGrant(
    c: FakeContext,
    client: FakeClientRecord,
    user: FakeUserRecord | undefined,
  ): Response | FakeUserRecord {
    if (!user || user.clientId !== client.clientId) return rt.badRequest(c, "Bad user credentials");
    if (!user.verified)
      return rt.standardError(c, 403, {
        code: "USER_NOT_VERIFIED",
        message: "The user is not verified",
        type: "BUSINESS",
      });
    if (user.locked)
      return rt.standardError(c, 423, {
        code: "LOCKED",
        message: "The user is locked",
        type: "BUSINESS",
      });
    return user;
  }

  app.post("/api/v2/oauth/token", async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const field = (name: string) => (typeof form[name] === "string" ? form[name] : undefined);
    const client = rt.store.clients.get(field("client_id") ?? "");
    if (!client || client.clientSecret !== field("client_secret"))
      return c.json({ error: "invalid_client", error_description: "Bad client credentials" }, 401);
    const grant = field("grant_type");
    let user: FakeUserRecord | null = null;
    if (grant === "password") {
      const candidate = rt.store.users.get(field("username") ?? "");
      const checked = userGrant(
        c,
        client,
        candidate && candidate.password === field("password") ? candidate : undefined,
      );
      if (checked instanceof Response) return checked;
      user = checked;
    } else if (grant === "refresh_token") {
      const refresh = rt.store.refreshTokens.get(field("refresh_token") ?? "");
      const valid =
        refresh &&
        refresh.clientId === client.clientId &&
        (refresh.expiresAt === null || rt.now() < refresh.expiresAt);
      if (!valid) return rt.badRequest(c, "Invalid refresh token");
      const checked = userGrant(c, client, rt.store.users.get(refresh.userId));
      if (checked instanceof Response) return checked;
      user = checked;
    } else if (grant !== "client_credentials") {
      return rt.badRequest(c, `Unsupported grant type: ${grant ?? "(none)"}`);
    }
    const { record, expiresIn } = issue(client, user);
    const body: Json = {
      access_token: record.token,
      token_type: "bearer",
      expires_in: expiresIn,
      scope: "all",
    };
    if (grant === "password" && user) body.refresh_token = refreshTokenFor(record, client, user);
    return c.json(body, 200);
  });

  app.post("/api/v2/oauth/revoke", (c) => {
    const auth = rt.authenticate(c, "client", "access");
    if (auth instanceof Response) return auth;
    const token = c.req.query("token") ?? "";
    const access = rt.store.tokens.get(token);
    if (access && access.clientId === auth.clientId) rt.store.tokens.delete(token);
    const refresh = rt.store.refreshTokens.get(token);
    if (refresh && refresh.clientId === auth.clientId) {
      rt.store.refreshTokens.delete(token);
      // Revoking a refresh token ends the user's access tokens too.
      for (const [value, record] of rt.store.tokens)
        if (record.userId === refresh.userId) rt.store.tokens.delete(value);
    }
    return c.body(null, 200);
  });
}

// ---- users ----

const USER_ID = /^[0-9A-Za-z\-_.+@]{1,36}$/;

function userFieldProblem(body: Json): string | null {
  if (body.id !== undefined && (typeof body.id !== "string" || !USER_ID.test(body.id)))
    return "id must be 1-36 characters of [0-9A-Za-z-_.+@]";
  if (
    body.password !== undefined &&
    (typeof body.password !== "string" || body.password.length < 6 || body.password.length > 128)
  )
    return "password must be 6-128 characters";
  if (
    body.email !== undefined &&
    body.email !== null &&
    (typeof body.email !== "string" || body.email.length > 320)
  )
    return "email must be at most 320 characters";
  if (
    body.phone !== undefined &&
    body.phone !== null &&
    (typeof body.phone !== "string" || body.phone.length > 50)
  )
    return "phone must be at most 50 characters";
  if (body.isAutoUpdateEnabled !== undefined && typeof body.isAutoUpdateEnabled !== "boolean")
    return "isAutoUpdateEnabled must be a boolean";
  return null;
}

function registerUsers(app: Hono<FakeEnv>, rt: Runtime): void {
  app.post("/api/v2/users", async (c) => {
    const auth = rt.authenticate(c, "client", "access");
    if (auth instanceof Response) return auth;
    const body = await jsonBody(c);
    if (!body) return rt.badRequest(c, "The request body is not a JSON object");
    const problem = userFieldProblem(body);
    if (problem) return rt.badRequest(c, problem);
    if (typeof body.id === "string" && rt.store.users.has(body.id)) {
      return rt.standardError(c, 422, {
        code: "ENTITY_EXISTS",
        message: `A user with id '${body.id}' already exists`,
        type: "BUSINESS",
      });
    }
    if (body.isAutoUpdateEnabled === true && rt.options.autoUpdateEnabledForClient !== true) {
      return rt.standardError(c, 422, {
        code: "ILLEGAL_ENTITY_STATE",
        message: "Automatic updates are disabled for this client",
        type: "BUSINESS",
      });
    }
    const user = rt.addUser({
      id: body.id as string | undefined,
      password: body.password as string | undefined,
      email: (body.email as string | null | undefined) ?? null,
      phone: (body.phone as string | null | undefined) ?? null,
      isAutoUpdateEnabled: body.isAutoUpdateEnabled === true,
      clientId: auth.clientId,
    });
    return c.json(renderUser(user, false), 201);
  });

  app.get("/api/v2/users", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const user = rt.store.users.get(auth.userId ?? "");
    if (!user)
      return rt.standardError(c, 404, {
        code: "UNKNOWN_ENTITY",
        message: "User not found",
        type: "TECHNICAL",
      });
    return c.json(renderUser(user, true), 200);
  });

  app.delete("/api/v2/users", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const user = rt.store.users.get(auth.userId ?? "");
    if (!user)
      return rt.standardError(c, 404, {
        code: "UNKNOWN_ENTITY",
        message: "User not found",
        type: "TECHNICAL",
      });
    rt.store.deleteUser(user.id);
    return c.body(null, 200);
  });
}

// ---- banks ----

function registerBanks(app: Hono<FakeEnv>, rt: Runtime): void {
  // Bank search needs a user token; a client token gets 403 UNAUTHORIZED_ACCESS (reference §1).
  app.get("/api/v2/banks", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const search = new URL(c.req.url).searchParams;
    const text = (search.get("search") ?? "").toLowerCase();
    const ids = idList(search, "ids");
    const testOnly = search.get("isTestBank");
    const banks = rt.store.banks.filter(
      (bank) =>
        (!ids || ids.includes(bank.id)) &&
        (testOnly === null || String(bank.isTestBank) === testOnly) &&
        (text === "" ||
          bank.name.toLowerCase().includes(text) ||
          bank.blz === text ||
          (bank.bic ?? "").toLowerCase() === text),
    );
    const perPage = Math.min(Number(search.get("perPage") ?? 20) || 20, MAX_PER_PAGE);
    const page = Math.max(Number(search.get("page") ?? 1) || 1, 1);
    return c.json(
      {
        banks: banks.slice((page - 1) * perPage, page * perPage).map(renderBank),
        paging: {
          page,
          perPage,
          pageCount: Math.ceil(banks.length / perPage),
          totalCount: banks.length,
        },
      },
      200,
    );
  });

  app.get("/api/v2/banks/:id{[0-9]+}", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const bank = rt.store.bank(Number(c.req.param("id")));
    if (!bank)
      return rt.standardError(c, 404, {
        code: "UNKNOWN_ENTITY",
        message: `Bank with id ${c.req.param("id")} not found`,
        type: "TECHNICAL",
      });
    return c.json(renderBank(bank), 200);
  });
}

// ---- bank connections ----

function registerConnections(app: Hono<FakeEnv>, rt: Runtime): void {
  const notFound = (c: FakeContext, id: unknown) =>
    rt.standardError(c, 404, {
      code: "UNKNOWN_ENTITY",
      message: `Bank connection with id ${String(id)} not found`,
      type: "TECHNICAL",
    });

  app.get("/api/v2/bankConnections", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    let ids: number[] | null;
    try {
      ids = idList(new URL(c.req.url).searchParams, "ids");
    } catch (error) {
      return rt.badRequest(c, (error as Error).message);
    }
    const connections = [...rt.store.connections.values()].filter(
      (connection) => connection.userId === auth.userId && (!ids || ids.includes(connection.id)),
    );
    return c.json(
      { connections: connections.map((connection) => renderConnection(connection, rt.store)) },
      200,
    );
  });

  app.get("/api/v2/bankConnections/:id{[0-9]+}", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const connection = rt.store.connections.get(Number(c.req.param("id")));
    if (!connection || connection.userId !== auth.userId) return notFound(c, c.req.param("id"));
    return c.json(renderConnection(connection, rt.store), 200);
  });

  app.post("/api/v2/bankConnections/update", async (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const body = await jsonBody(c);
    if (!body) return rt.badRequest(c, "The request body is not a JSON object");
    // The V1 name `interface` is rejected: V2 calls it bankingInterface (reference §2, clicktrend).
    if ("interface" in body) return rt.badRequest(c, "Unrecognized field 'interface'");
    if (typeof body.bankConnectionId !== "number" || !Number.isInteger(body.bankConnectionId))
      return rt.badRequest(c, "bankConnectionId: must not be null");
    const connection = rt.store.connections.get(body.bankConnectionId);
    if (!connection || connection.userId !== auth.userId) return notFound(c, body.bankConnectionId);
    if (
      body.bankingInterface !== undefined &&
      body.bankingInterface !== connection.bankingInterface
    ) {
      return rt.badRequest(
        c,
        `Interface '${String(body.bankingInterface)}' is not supported for this operation.`,
      );
    }
    if (connection.updateStatus === "IN_PROGRESS") {
      return rt.standardError(c, 423, {
        code: "LOCKED",
        message: "An update of this bank connection is already running",
        type: "BUSINESS",
      });
    }
    const unattended = !c.req.header("PSU-IP-Address");
    const day = berlinDate(rt.now());
    if (unattended && (connection.unattendedUpdates[day] ?? 0) >= UNATTENDED_UPDATES_PER_DAY) {
      return rt.standardError(c, 422, {
        code: "BANK_SERVER_REJECTION",
        message: `ACCESS_EXCEEDED: the bank allows at most ${UNATTENDED_UPDATES_PER_DAY} unattended accesses per day and consent (PSD2); update with the bank customer present or wait until tomorrow`,
        type: "BUSINESS",
      });
    }
    const lapsed = connection.consentExpiresAt !== null && rt.now() >= connection.consentExpiresAt;
    if (lapsed) connection.userActionRequired = true;
    if (connection.scaRequired > 0 || lapsed) {
      if (!lapsed) connection.scaRequired -= 1;
      return rt.standardError(c, 510, {
        code: "ADDITIONAL_AUTHENTICATION_REQUIRED",
        message: "Es ist eine zusätzliche Authentifizierung erforderlich.",
        type: "BUSINESS",
        multiStepAuthentication: {
          hash: crypto.randomUUID().replace(/-/g, ""),
          status: "REDIRECT_REQUIRED",
          challengeMessage: null,
          answerFieldLabel: null,
          redirectUrl: "https://bank.example/sca",
          redirectContext: null,
          redirectContextField: null,
          twoStepProcedures: null,
          photoTanMimeType: null,
          photoTanData: null,
          opticalData: null,
          opticalDataAsReinerSct: false,
        },
      });
    }
    if (unattended)
      connection.unattendedUpdates[day] = (connection.unattendedUpdates[day] ?? 0) + 1;
    rt.startUpdate(connection, "manual", body.importNewAccounts === true);
    return c.json(renderConnection(connection, rt.store), 200);
  });

  app.delete("/api/v2/bankConnections/:id{[0-9]+}", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const connection = rt.store.connections.get(Number(c.req.param("id")));
    if (!connection || connection.userId !== auth.userId) return notFound(c, c.req.param("id"));
    if (connection.updateStatus === "IN_PROGRESS")
      return rt.standardError(c, 423, {
        code: "LOCKED",
        message: "An update of this bank connection is running",
        type: "BUSINESS",
      });
    rt.store.deleteConnection(connection.id);
    return c.body(null, 200);
  });
}

/** PSD2: a recurring consent allows at most 4 bank accesses a day without the customer. */
export const UNATTENDED_UPDATES_PER_DAY = 4;

// ---- accounts ----

const ACCOUNT_TYPES = [
  "Checking",
  "Savings",
  "CreditCard",
  "Security",
  "Loan",
  "Membership",
  "Bausparen",
];

function registerAccounts(app: Hono<FakeEnv>, rt: Runtime): void {
  app.get("/api/v2/accounts", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const search = new URL(c.req.url).searchParams;
    let ids: number[] | null;
    let connectionIds: number[] | null;
    try {
      ids = idList(search, "ids");
      connectionIds = idList(search, "bankConnectionIds");
    } catch (error) {
      return rt.badRequest(c, (error as Error).message);
    }
    const types = search.has("accountTypes") ? listParam(search, "accountTypes") : null;
    const badType = types?.find((type) => !ACCOUNT_TYPES.includes(type));
    if (badType) return rt.badRequest(c, `Illegal value '${badType}' for parameter 'accountTypes'`);
    const accounts = [...rt.store.accounts.values()].filter(
      (account) =>
        account.userId === auth.userId &&
        account.visible &&
        (!ids || ids.includes(account.id)) &&
        (!connectionIds || connectionIds.includes(account.bankConnectionId)) &&
        (!types || types.includes(account.accountType)),
    );
    return c.json({ accounts: accounts.map(renderAccount) }, 200);
  });
}

// ---- transactions ----

function registerTransactions(app: Hono<FakeEnv>, rt: Runtime): void {
  app.get("/api/v2/transactions", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    try {
      const result = searchTransactions(
        rt.store.userTransactions(auth.userId ?? ""),
        new URL(c.req.url).searchParams,
      );
      return c.json(
        {
          transactions: result.items.map((transaction) => renderTransaction(transaction)),
          paging: result.paging,
          income: result.incomeCents / 100,
          spending: result.spendingCents / 100,
          balance: (result.incomeCents + result.spendingCents) / 100,
        },
        200,
      );
    } catch (error) {
      if (error instanceof QueryError) return rt.badRequest(c, error.message, error.code);
      throw error;
    }
  });

  app.get("/api/v2/transactions/:id{[0-9]+}", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const transaction = rt.store.transactions.get(Number(c.req.param("id")));
    if (!transaction || transaction.userId !== auth.userId) {
      return rt.standardError(c, 404, {
        code: "UNKNOWN_ENTITY",
        message: `Transaction with id ${c.req.param("id")} not found`,
        type: "TECHNICAL",
      });
    }
    return c.json(renderTransaction(transaction), 200);
  });

  app.patch("/api/v2/transactions", async (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const body = await jsonBody(c);
    if (!body) return rt.badRequest(c, "The request body is not a JSON object");
    const ids = positiveIds(body.ids);
    const accountIds = positiveIds(body.accountIds);
    const labelIds = positiveIds(body.labelIds);
    if (ids === "invalid" || accountIds === "invalid" || labelIds === "invalid")
      return rt.badRequest(c, "ids, accountIds and labelIds must be arrays of positive integers");
    if (ids && ids.length > 100)
      return rt.badRequest(c, "Too many ids: at most 100 are allowed", "TOO_MANY_IDS");
    const unprocessable = (message: string) =>
      rt.standardError(c, 422, { code: "ILLEGAL_FIELD_VALUE", message, type: "BUSINESS" });
    if (body.isPotentialDuplicate === true)
      return unprocessable("isPotentialDuplicate can only be set to false");
    if (body.categoryId !== undefined && body.categoryId !== null)
      return unprocessable(`Category with id ${String(body.categoryId)} not found`);
    const mine = rt.store.userTransactions(auth.userId ?? "");
    const targets = ids
      ? mine.filter((t) => ids.includes(t.id))
      : accountIds
        ? mine.filter((t) => accountIds.includes(t.accountId))
        : mine;
    if (ids && targets.length !== new Set(ids).size)
      return unprocessable("Some of the given transactions do not exist");
    for (const transaction of targets) {
      if (typeof body.isNew === "boolean") transaction.isNew = body.isNew;
      if (body.isPotentialDuplicate === false) transaction.isPotentialDuplicate = false;
      if (labelIds) transaction.labelIds = [...labelIds];
    }
    return c.json({ identifiers: targets.map((t) => t.id) }, 200);
  });
}

function positiveIds(value: unknown): number[] | null | "invalid" {
  if (value === undefined || value === null) return null;
  if (
    !Array.isArray(value) ||
    !value.every((item) => Number.isSafeInteger(item) && (item as number) > 0)
  )
    return "invalid";
  return value as number[];
}

// ---- notification rules ----

const TRIGGER_EVENTS = [
  "NEW_ACCOUNT_BALANCE",
  "NEW_TRANSACTIONS",
  "BANK_LOGIN_ERROR",
  "FOREIGN_MONEY_TRANSFER",
  "LOW_ACCOUNT_BALANCE",
  "HIGH_TRANSACTION_AMOUNT",
  "CATEGORY_CASH_FLOW",
  "NEW_TERMS_AND_CONDITIONS",
];

function registerNotificationRules(app: Hono<FakeEnv>, rt: Runtime): void {
  const notFound = (c: FakeContext) =>
    rt.standardError(c, 404, {
      code: "UNKNOWN_ENTITY",
      message: `Notification rule with id ${c.req.param("id") ?? ""} not found`,
      type: "TECHNICAL",
    });

  app.post("/api/v2/notificationRules", async (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const body = await jsonBody(c);
    if (!body) return rt.badRequest(c, "The request body is not a JSON object");
    if (typeof body.triggerEvent !== "string")
      return rt.badRequest(c, "triggerEvent: must not be null");
    const unprocessable = (message: string) =>
      rt.standardError(c, 422, { code: "ILLEGAL_FIELD_VALUE", message, type: "BUSINESS" });
    if (!TRIGGER_EVENTS.includes(body.triggerEvent))
      return unprocessable(`Illegal triggerEvent '${body.triggerEvent}'`);
    if (
      body.callbackHandle !== undefined &&
      body.callbackHandle !== null &&
      (typeof body.callbackHandle !== "string" || body.callbackHandle.length > 512)
    ) {
      return unprocessable("callbackHandle must be a string of at most 512 characters");
    }
    if (body.params !== undefined && body.params !== null && !isObject(body.params))
      return unprocessable("params must be an object");
    const rule: NotificationRuleRecord = {
      id: rt.store.next("rule"),
      userId: auth.userId ?? "",
      triggerEvent: body.triggerEvent,
      params: isObject(body.params)
        ? (Object.fromEntries(
            Object.entries(body.params).map(([key, value]) => [key, String(value)]),
          ) as Record<string, string>)
        : null,
      callbackHandle: typeof body.callbackHandle === "string" ? body.callbackHandle : null,
      includeDetails: body.includeDetails === true,
    };
    rt.store.notificationRules.set(rule.id, rule);
    return c.json(renderRule(rule), 201);
  });

  app.get("/api/v2/notificationRules", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const rules = [...rt.store.notificationRules.values()].filter(
      (rule) => rule.userId === auth.userId,
    );
    return c.json({ notificationRules: rules.map(renderRule) }, 200);
  });

  app.get("/api/v2/notificationRules/:id{[0-9]+}", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const rule = rt.store.notificationRules.get(Number(c.req.param("id")));
    if (!rule || rule.userId !== auth.userId) return notFound(c);
    return c.json(renderRule(rule), 200);
  });

  app.delete("/api/v2/notificationRules/:id{[0-9]+}", (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const rule = rt.store.notificationRules.get(Number(c.req.param("id")));
    if (!rule || rule.userId !== auth.userId) return notFound(c);
    rt.store.notificationRules.delete(rule.id);
    return c.json({ id: rule.id }, 200);
  });
}

// ---- mock batch update (reference §4) ----

interface MockAccountData {
  account: FakeAccount;
  balanceCents: number;
  inputs: FakeTransactionInput[];
}

class MockError extends Error {
  constructor(
    readonly status: 400 | 404 | 422,
    message: string,
  ) {
    super(message);
  }
}

function mockCents(value: number, what: string): number {
  try {
    return toCents(value);
  } catch (error) {
    throw new MockError(422, `${what}: ${(error as Error).message}`);
  }
}

/** V1 NewTransaction → our input: `counterpart` is the name, `typeId` the GVC, `bookingDate` the booking date. */
function mockTransactionInput(raw: unknown): FakeTransactionInput {
  if (!isObject(raw) || typeof raw.amount !== "number")
    throw new MockError(400, "newTransactions: amount must not be null");
  const amountCents = mockCents(raw.amount, "newTransactions.amount");
  const text = (name: string) => (typeof raw[name] === "string" ? raw[name] : null);
  const date = (name: string) => {
    const value = raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value))
      throw new MockError(400, `newTransactions: ${name} must be YYYY-MM-DD`);
    return value;
  };
  const optionalCents = (name: string) =>
    typeof raw[name] === "number" ? mockCents(raw[name], `newTransactions.${name}`) : null;
  return {
    amountCents,
    bankBookingDate: date("bookingDate"),
    valueDate: date("valueDate") ?? date("bookingDate"),
    purpose: text("purpose"),
    counterpartName: text("counterpart"),
    counterpartAccountNumber: text("counterpartAccountNumber"),
    counterpartIban: text("counterpartIban"),
    counterpartBlz: text("counterpartBlz"),
    counterpartBic: text("counterpartBic"),
    counterpartMandateReference: text("counterpartMandateReference"),
    counterpartCustomerReference: text("counterpartCustomerReference"),
    counterpartCreditorId: text("counterpartCreditorId"),
    counterpartDebitorId: text("counterpartDebitorId"),
    endToEndReference: text("endToEndReference"),
    bankTransactionCode: text("bankTransactionCode"),
    type: text("type"),
    typeCodeZka: typeof raw.typeId === "number" ? String(raw.typeId) : null,
    typeCodeSwift: text("typeCodeSwift"),
    sepaPurposeCode: text("sepaPurposeCode"),
    currency: text("currency"),
    originalAmountCents: optionalCents("originalAmount"),
    originalCurrency: text("originalCurrency"),
    compensationAmountCents: optionalCents("compensationAmount"),
  };
}

function registerMockBatchUpdate(app: Hono<FakeEnv>, rt: Runtime): void {
  app.post("/api/v2/tests/mockBatchUpdate", async (c) => {
    const auth = rt.authenticate(c, "user", "access");
    if (auth instanceof Response) return auth;
    const user = rt.store.users.get(auth.userId ?? "");
    if (!user)
      return rt.standardError(c, 404, {
        code: "UNKNOWN_ENTITY",
        message: "User not found",
        type: "TECHNICAL",
      });
    if (user.isAutoUpdateEnabled) {
      return rt.standardError(c, 422, {
        code: "ILLEGAL_ENTITY_STATE",
        message: "Mock batch updates need isAutoUpdateEnabled=false",
        type: "BUSINESS",
      });
    }
    const body = await jsonBody(c);
    if (!body || !Array.isArray(body.mockBankConnectionUpdates))
      return rt.badRequest(c, "mockBankConnectionUpdates: must not be null");
    try {
      const plan = planMockUpdate(rt, user, body.mockBankConnectionUpdates);
      const created = applyMockUpdate(rt, plan);
      if (body.triggerNotifications === true) await notifyNewTransactions(rt, user, created);
    } catch (error) {
      if (!(error instanceof MockError)) throw error;
      const code =
        error.status === 404
          ? "UNKNOWN_ENTITY"
          : error.status === 422
            ? "ILLEGAL_FIELD_VALUE"
            : "BAD_REQUEST";
      return rt.standardError(c, error.status, {
        code,
        message: error.message,
        type: error.status === 400 ? "TECHNICAL" : "BUSINESS",
      });
    }
    return c.body(null, 200);
  });
}

interface MockPlan {
  loginErrors: number[];
  accounts: MockAccountData[];
  connectionIds: number[];
}

/** Validates the whole request before changing anything, so a bad request changes nothing. */
function planMockUpdate(rt: Runtime, user: FakeUserRecord, updates: unknown[]): MockPlan {
  const plan: MockPlan = { loginErrors: [], accounts: [], connectionIds: [] };
  let total = 0;
  for (const update of updates) {
    if (!isObject(update) || typeof update.bankConnectionId !== "number")
      throw new MockError(400, "bankConnectionId: must not be null");
    const connection = rt.store.connections.get(update.bankConnectionId);
    if (!connection || connection.userId !== user.id)
      throw new MockError(404, `Bank connection with id ${update.bankConnectionId} not found`);
    plan.connectionIds.push(connection.id);
    if (update.simulateBankLoginError === true) {
      plan.loginErrors.push(connection.id);
      continue;
    }
    for (const data of Array.isArray(update.mockAccountsData) ? update.mockAccountsData : []) {
      if (
        !isObject(data) ||
        typeof data.accountId !== "number" ||
        typeof data.accountBalance !== "number"
      )
        throw new MockError(400, "mockAccountsData: accountId and accountBalance must not be null");
      const account = rt.store.accounts.get(data.accountId);
      if (!account || account.bankConnectionId !== connection.id)
        throw new MockError(
          404,
          `Account with id ${data.accountId} not found in bank connection ${connection.id}`,
        );
      const inputs = (Array.isArray(data.newTransactions) ? data.newTransactions : []).map(
        mockTransactionInput,
      );
      total += inputs.length;
      plan.accounts.push({
        account,
        balanceCents: mockCents(data.accountBalance, "accountBalance"),
        inputs,
      });
    }
  }
  if (total > 1000) throw new MockError(422, "At most 1000 mock transactions are allowed");
  return plan;
}

/** finAPI's rules: old bookings outside the window and same-date/same-amount repeats are ignored; a balance gap becomes an adjusting entry. */
function applyMockUpdate(rt: Runtime, plan: MockPlan): Map<number, number> {
  const now = rt.now();
  const created = new Map<number, number>();
  for (const connectionId of plan.loginErrors) {
    const connection = rt.store.connections.get(connectionId);
    if (connection)
      connection.lastAutoUpdate = {
        result: "BANK_SERVER_REJECTION",
        errorMessage: "Simulated bank login error",
        errorType: "BUSINESS",
        timestamp: now,
      };
  }
  for (const { account, balanceCents, inputs } of plan.accounts) {
    const earliest = berlinDate(account.lastSuccessfulUpdate - 10 * 86_400_000);
    const seen = new Set(
      [...rt.store.transactions.values()]
        .filter((t) => t.accountId === account.id)
        .map((t) => `${t.bankBookingDate}|${t.amountCents}`),
    );
    let count = 0;
    for (const input of inputs) {
      const bookingDate = input.bankBookingDate ?? berlinDate(now);
      const key = `${bookingDate}|${input.amountCents ?? 0}`;
      if (bookingDate < earliest || seen.has(key)) continue;
      seen.add(key);
      insertTransaction(
        rt.store,
        buildTransaction(rt.store, account, { ...input, bankBookingDate: bookingDate }, now),
      );
      count++;
    }
    const gap = balanceCents - account.balanceCents;
    if (gap !== 0) {
      insertTransaction(
        rt.store,
        buildTransaction(
          rt.store,
          account,
          {
            amountCents: gap,
            purpose: "Zwischensaldo",
            isAdjustingEntry: true,
            isPotentialDuplicate: false,
          },
          now,
        ),
      );
      count++;
    }
    account.lastSuccessfulUpdate = now;
    created.set(account.id, (created.get(account.id) ?? 0) + count);
  }
  for (const connectionId of plan.connectionIds) {
    const connection = rt.store.connections.get(connectionId);
    if (connection && !plan.loginErrors.includes(connectionId))
      connection.lastAutoUpdate = {
        result: "OK",
        errorMessage: null,
        errorType: null,
        timestamp: now,
      };
  }
  return created;
}

/** NEW_TRANSACTIONS payload (reference §4); the fake sends it unencrypted. */
async function notifyNewTransactions(
  rt: Runtime,
  user: FakeUserRecord,
  created: Map<number, number>,
): Promise<void> {
  const url = rt.options.notificationCallbackUrl;
  if (!url) return;
  for (const rule of rt.store.notificationRules.values()) {
    if (rule.userId !== user.id || rule.triggerEvent !== "NEW_TRANSACTIONS") continue;
    const wanted = rule.params?.accountIds?.split(",").map(Number) ?? null;
    const newTransactions = [...created]
      .filter(([accountId, count]) => count > 0 && (!wanted || wanted.includes(accountId)))
      .map(([accountId, count]) => {
        const account = rt.store.accounts.get(accountId);
        const connection = account ? rt.store.connections.get(account.bankConnectionId) : undefined;
        return {
          accountId,
          accountName: account?.accountName ?? null,
          accountNumber: account?.accountNumber ?? null,
          accountIban: account?.iban ?? null,
          bankName: connection ? (rt.store.bank(connection.bankId)?.name ?? null) : null,
          bankConnectionName: connection?.name ?? null,
          newTransactionsCount: count,
        };
      });
    if (newTransactions.length > 0)
      await rt.deliver(url, {
        notificationRuleId: rule.id,
        triggerEvent: rule.triggerEvent,
        callbackHandle: rule.callbackHandle,
        newTransactions,
      });
  }
}
