// The finAPI client against the fake finAPI through an injected fetch: token caching and the
// one-time refresh on 401, retries with backoff on 5xx/423 (fake clock and sleep, so nothing
// waits), no retry on other 4xx, every error shape as a FinapiError, paging that returns each
// transaction exactly once, and the Web Form 2.0 import through to a usable bank connection.
import { describe, expect, it } from "vitest";
import { createFakeFinapi } from "../fakes/finapi/app.ts";
import type { FakeFinapiOptions } from "../fakes/finapi/app.ts";
import {
  createFinapiClient,
  FinapiError,
  FINAPI_HOSTS,
  isRetryableStatus,
  retryAfter,
} from "../../worker/banking/finapi/client.ts";
import type { FetchLike, FinapiClientConfig } from "../../worker/banking/finapi/client.ts";
import { parseTransaction } from "../../worker/banking/finapi/types.ts";
import type { UserCredentials } from "../../worker/banking/finapi/types.ts";

const API = "https://sandbox.finapi.test";
const WF = "https://webform-sandbox.finapi.test";
const START = Date.parse("2027-03-01T09:00:00Z");

interface Setup {
  fake: ReturnType<typeof createFakeFinapi>;
  client: ReturnType<typeof createFinapiClient>;
  clock: { now: number };
  sleeps: number[];
  sent: Request[];
}

/** One clock for fake and client; the client's sleep advances it instead of waiting. */
function setup(
  fakeOptions: FakeFinapiOptions = {},
  clientOptions: Partial<FinapiClientConfig> = {},
  wrap?: (inner: FetchLike) => FetchLike,
): Setup {
  const clock = { now: START };
  const sleeps: number[] = [];
  const sent: Request[] = [];
  const fake = createFakeFinapi({ now: () => clock.now, webFormBaseUrl: WF, ...fakeOptions });
  const recording: FetchLike = (request) => {
    sent.push(request.clone());
    return fake.app.fetch(request);
  };
  let ids = 0;
  const client = createFinapiClient({
    apiBaseUrl: API,
    webFormBaseUrl: WF,
    clientId: fake.control.clientId,
    clientSecret: fake.control.clientSecret,
    fetch: wrap ? wrap(recording) : recording,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    random: () => 0.5,
    newRequestId: () => `tarif-${++ids}`,
    ...clientOptions,
  });
  return { fake, client, clock, sleeps, sent };
}

async function withUser(s: Setup): Promise<UserCredentials> {
  const user = await s.client.createUser({ id: "merchant-1", password: "s3cret-pass" });
  return { username: user.id, password: user.password ?? "" };
}

async function withConnection(
  s: Setup,
): Promise<{ user: UserCredentials; connectionId: number; accountId: number }> {
  const user = await withUser(s);
  const connection = s.fake.control.createBankConnection(user.username);
  return { user, connectionId: connection.id, accountId: connection.accountIds[0] ?? 0 };
}

function tokenRequests(s: Setup): number {
  return s.fake.control.requests.filter((r) => r.path === "/api/v2/oauth/token").length;
}

async function failure(promise: Promise<unknown>): Promise<FinapiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FinapiError) return error;
    throw error;
  }
  throw new Error("expected a FinapiError");
}

describe("hosts", () => {
  it("knows sandbox and live, each with its own Web Form host", () => {
    expect(FINAPI_HOSTS.sandbox.apiBaseUrl).toBe("https://sandbox.finapi.io");
    expect(FINAPI_HOSTS.sandbox.webFormBaseUrl).toBe("https://webform-sandbox.finapi.io");
    expect(FINAPI_HOSTS.live.webFormBaseUrl).toBe("https://webform-live.finapi.io");
  });

  it("sends Access calls to the API host and Web Form calls to the WF host", async () => {
    const s = setup();
    const user = await withUser(s);
    await s.client.importBankConnectionWebForm(user, {});
    const urls = s.sent.map((request) => new URL(request.url));
    expect(urls.map((url) => `${url.origin}${url.pathname}`)).toEqual([
      `${API}/api/v2/oauth/token`,
      `${API}/api/v2/users`,
      `${API}/api/v2/oauth/token`,
      `${WF}/api/webForms/bankConnectionImport`,
    ]);
  });
});

describe("tokens", () => {
  it("requests the client token with client_credentials and the user token with password, as a form", async () => {
    const s = setup();
    const user = await withUser(s);
    await s.client.getAuthorizedUser(user);
    const forms = await Promise.all(
      s.sent
        .filter((r) => r.url.endsWith("/oauth/token"))
        .map(async (r) => [
          r.headers.get("content-type"),
          Object.fromEntries(new URLSearchParams(await r.text())),
        ]),
    );
    expect(forms).toEqual([
      [
        "application/x-www-form-urlencoded",
        {
          client_id: s.fake.control.clientId,
          client_secret: s.fake.control.clientSecret,
          grant_type: "client_credentials",
        },
      ],
      [
        "application/x-www-form-urlencoded",
        {
          client_id: s.fake.control.clientId,
          client_secret: s.fake.control.clientSecret,
          grant_type: "password",
          username: "merchant-1",
          password: "s3cret-pass",
        },
      ],
    ]);
  });

  it("caches tokens: many calls, one token request per principal", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    for (let i = 0; i < 5; i++) await s.client.listAccounts(user);
    await s.client.createUser({ id: "merchant-2", password: "another-pass" });
    expect(tokenRequests(s)).toBe(2);
    expect(
      s.sent
        .filter((r) => r.url.includes("/api/v2/accounts"))
        .every((r) => r.headers.get("authorization")?.startsWith("Bearer ")),
    ).toBe(true);
  });

  it("shares one token request between concurrent calls", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    await Promise.all([1, 2, 3, 4, 5].map(() => s.client.listAccounts(user)));
    expect(tokenRequests(s)).toBe(2); // client token (createUser) + one user token
  });

  it("renews a token shortly before it expires, so no call runs into a 401", async () => {
    const s = setup({ userTokenLifetimeSeconds: 600 });
    const { user } = await withConnection(s);
    const first = await s.client.userToken(user);
    s.clock.now += 601_000;
    await s.client.listAccounts(user);
    const second = await s.client.userToken(user);
    expect(second).not.toBe(first);
    expect(s.fake.control.requests.some((r) => r.status === 401)).toBe(false);
  });

  it("treats expires_in 0 as a token that never expires", async () => {
    const s = setup({ clientTokenLifetimeSeconds: 0 });
    await s.client.clientToken();
    s.clock.now += 10 * 365 * 86_400_000;
    await s.client.createUser({ id: "late" });
    expect(tokenRequests(s)).toBe(1);
  });

  it("on 401 drops the token, fetches a new one and retries once", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    await s.client.listAccounts(user);
    expect(s.fake.control.expireTokens()).toBe(2);
    const accounts = await s.client.listAccounts(user);
    expect(accounts).toHaveLength(2);
    const tail = s.fake.control.requests.slice(-3).map((r) => `${r.path} ${r.status}`);
    expect(tail).toEqual([
      "/api/v2/accounts 401",
      "/api/v2/oauth/token 200",
      "/api/v2/accounts 200",
    ]);
    expect(s.sleeps).toEqual([]);
  });

  it("refreshes only once: a second 401 becomes the error", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    s.fake.control.failNext(2, 401, { path: "/api/v2/accounts" });
    const error = await failure(s.client.listAccounts(user));
    expect(error).toMatchObject({ status: 401, kind: "oauth", code: "invalid_token" });
    expect(s.fake.control.requests.filter((r) => r.path === "/api/v2/accounts")).toHaveLength(2);
  });

  it("bad client credentials are an OAuth error, not retried", async () => {
    const s = setup({}, { clientSecret: "wrong" });
    const error = await failure(s.client.createUser());
    expect(error).toMatchObject({
      status: 401,
      kind: "oauth",
      code: "invalid_client",
      message: "Bad client credentials",
    });
    expect(s.fake.control.requests).toHaveLength(1);
  });

  it("bad user credentials are a standard 400 error", async () => {
    const s = setup();
    await withUser(s);
    const error = await failure(
      s.client.getAuthorizedUser({ username: "merchant-1", password: "nope-nope" }),
    );
    expect(error).toMatchObject({ status: 400, kind: "standard", code: "BAD_REQUEST" });
  });

  it("a locked user gets 423 LOCKED after bounded retries", async () => {
    const s = setup();
    const user = await withUser(s);
    s.fake.control.lockUser(user.username);
    const error = await failure(s.client.getAuthorizedUser(user));
    expect(error).toMatchObject({ status: 423, code: "LOCKED" });
    expect(tokenRequests(s)).toBe(1 + 4);
  });
});

describe("retries", () => {
  it("retries 5xx with exponential backoff and jitter, then succeeds", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    s.fake.control.failNext(2, 500, { path: "/api/v2/accounts" });
    expect(await s.client.listAccounts(user)).toHaveLength(2);
    // random() = 0.5 with equal jitter: ceil/2 + 0.5·ceil/2, ceil = 500 · 2^n.
    expect(s.sleeps).toEqual([375, 750]);
  });

  it("gives up after maxRetries and reports the last error", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    s.fake.control.failNext(10, 503, { path: "/api/v2/accounts" });
    const error = await failure(s.client.listAccounts(user));
    expect(error).toMatchObject({ status: 503, kind: "unknown", code: "HTTP_503" });
    expect(s.fake.control.requests.filter((r) => r.path === "/api/v2/accounts")).toHaveLength(4);
    expect(s.sleeps).toEqual([375, 750, 1500]);
  });

  it("caps the backoff", async () => {
    const s = setup({}, { maxRetries: 6, backoffBaseMs: 1000, backoffMaxMs: 4000 });
    const { user } = await withConnection(s);
    s.fake.control.failNext(6, 502, { path: "/api/v2/accounts" });
    await s.client.listAccounts(user);
    expect(s.sleeps).toEqual([750, 1500, 3000, 3000, 3000, 3000]);
  });

  it("waits for a running update (423 LOCKED) and then gets through", async () => {
    const s = setup({ updateDurationMs: 1000 });
    const { user, connectionId } = await withConnection(s);
    expect(
      (await s.client.updateBankConnection(user, { bankConnectionId: connectionId })).updateStatus,
    ).toBe("IN_PROGRESS");
    const second = await s.client.updateBankConnection(user, { bankConnectionId: connectionId });
    expect(second.updateStatus).toBe("IN_PROGRESS");
    expect(
      s.fake.control.requests
        .filter((r) => r.path === "/api/v2/bankConnections/update")
        .map((r) => r.status),
    ).toEqual([200, 423, 423, 200]);
  });

  it.each([400, 403, 404, 422])("does not retry %s", async (status) => {
    const s = setup();
    const { user } = await withConnection(s);
    s.fake.control.failNext(1, status, { path: "/api/v2/accounts" });
    const error = await failure(s.client.listAccounts(user));
    expect(error.status).toBe(status);
    expect(s.sleeps).toEqual([]);
  });

  it("does not retry a real 400 (V1 field name `interface`)", async () => {
    const s = setup();
    const { user, connectionId } = await withConnection(s);
    const error = await failure(
      s.client.updateBankConnection(user, {
        bankConnectionId: connectionId,
        bankingInterface: "XS2A",
      }),
    );
    expect(error).toMatchObject({
      status: 400,
      kind: "standard",
      code: "BAD_REQUEST",
      errorType: "TECHNICAL",
    });
    expect(s.sleeps).toEqual([]);
  });

  it("does not retry 510: the bank wants strong customer authentication", async () => {
    const s = setup();
    const { user, connectionId } = await withConnection(s);
    s.fake.control.requireSca(connectionId);
    const error = await failure(
      s.client.updateBankConnection(user, { bankConnectionId: connectionId }),
    );
    expect(error).toMatchObject({
      status: 510,
      code: "ADDITIONAL_AUTHENTICATION_REQUIRED",
      errorType: "BUSINESS",
    });
    expect(error.multiStepAuthentication).toMatchObject({ status: "REDIRECT_REQUIRED" });
    expect(s.sleeps).toEqual([]);
  });

  it("classifies statuses", () => {
    expect([423, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422, 501, 510].some(isRetryableStatus)).toBe(false);
  });

  it("honours Retry-After (bounded)", async () => {
    const s = setup({}, {}, (inner) => {
      let first = true;
      return async (request) => {
        if (first && request.url.includes("/api/v2/accounts")) {
          first = false;
          return new Response("busy", { status: 503, headers: { "Retry-After": "7" } });
        }
        return inner(request);
      };
    });
    const { user } = await withConnection(s);
    await s.client.listAccounts(user);
    expect(s.sleeps).toEqual([7000]);
    expect(
      retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:00 GMT")),
    ).toBe(60_000);
    expect(retryAfter("soon", 0)).toBeNull();
  });
});

describe("timeouts and transport failures", () => {
  const never = () => new Promise<void>(() => undefined);

  it("times out a slow GET and retries it", async () => {
    const s = setup({ sleep: never }, { timeoutMs: 20 });
    const { user } = await withConnection(s);
    s.fake.control.slowNext(1, 60_000, { path: "/api/v2/accounts" });
    expect(await s.client.listAccounts(user)).toHaveLength(2);
    expect(s.sleeps).toHaveLength(1);
  });

  it("does not repeat a POST that timed out: it may have been executed", async () => {
    const s = setup({ sleep: never }, { timeoutMs: 20 });
    s.fake.control.slowNext(1, 60_000, { path: "/api/v2/users" });
    const error = await failure(s.client.createUser({ id: "slow" }));
    expect(error).toMatchObject({ kind: "timeout", status: 0, code: "TIMEOUT" });
    expect(error.requestId).toMatch(/^tarif-/);
    expect(s.sleeps).toEqual([]);
  });

  it("turns a network failure into NETWORK_ERROR, retried for reads", async () => {
    let failures = 1;
    const s = setup({}, {}, (inner) => async (request) => {
      if (request.url.includes("/api/v2/accounts") && failures-- > 0)
        throw new TypeError("fetch failed");
      return inner(request);
    });
    const { user } = await withConnection(s);
    expect(await s.client.listAccounts(user)).toHaveLength(2);
    expect(s.sleeps).toHaveLength(1);
  });

  it("retries a body cut off mid-JSON", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    s.fake.control.truncateNext(1, { path: "/api/v2/accounts" });
    expect(await s.client.listAccounts(user)).toHaveLength(2);
    expect(s.sleeps).toHaveLength(1);
  });

  it("reports a well-formed but wrong body as INVALID_RESPONSE without retrying", async () => {
    const s = setup({}, {}, (inner) => async (request) => {
      if (request.url.includes("/api/v2/accounts"))
        return Response.json({ accounts: [{ id: "x" }] });
      return inner(request);
    });
    const { user } = await withConnection(s);
    const error = await failure(s.client.listAccounts(user));
    expect(error).toMatchObject({
      kind: "invalid_response",
      code: "INVALID_RESPONSE",
      status: 200,
    });
    expect(s.sleeps).toEqual([]);
  });
});

describe("error shapes", () => {
  it("standard errors[]: code, message, type, endpoint and the X-Request-Id", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    const error = await failure(s.client.getBankConnection(user, 999));
    expect(error).toBeInstanceOf(FinapiError);
    expect(error).toMatchObject({
      kind: "standard",
      status: 404,
      code: "UNKNOWN_ENTITY",
      errorType: "TECHNICAL",
      endpoint: "GET /api/v2/bankConnections/999",
      message: "Bank connection with id 999 not found",
    });
    const sentId = s.sent.at(-1)?.headers.get("x-request-id");
    expect(sentId).toMatch(/^tarif-\d+$/);
    expect(error.requestId).toBe(sentId);
  });

  it("standard 422 with BUSINESS type (ENTITY_EXISTS)", async () => {
    const s = setup();
    await withUser(s);
    const error = await failure(s.client.createUser({ id: "merchant-1" }));
    expect(error).toMatchObject({
      kind: "standard",
      status: 422,
      code: "ENTITY_EXISTS",
      errorType: "BUSINESS",
    });
    expect(error.entries).toEqual([
      {
        code: "ENTITY_EXISTS",
        message: "A user with id 'merchant-1' already exists",
        type: "BUSINESS",
        field: null,
      },
    ]);
  });

  it("OAuth errors in both spellings: error_description (V2) and errorDescription (V1)", async () => {
    const s = setup({}, {}, (inner) => async (request) => {
      if (request.url.includes("/api/v2/users") && request.method === "GET") {
        return Response.json(
          { error: "invalid_token", errorDescription: "Not authenticated or invalid access_token" },
          { status: 401, headers: { "X-Request-Id": "abc" } },
        );
      }
      return inner(request);
    });
    const user = await withUser(s);
    const error = await failure(s.client.getAuthorizedUser(user));
    expect(error).toMatchObject({
      kind: "oauth",
      status: 401,
      code: "invalid_token",
      message: "Not authenticated or invalid access_token",
      requestId: "abc",
    });
  });

  it("web form errors {code, description}: 404 NOT_FOUND and 422 BANK_NOT_SUPPORTED", async () => {
    const s = setup();
    const user = await withUser(s);
    const missing = await failure(
      s.client.getWebForm(user, "00000000-0000-0000-0000-000000000000"),
    );
    expect(missing).toMatchObject({
      kind: "webform",
      status: 404,
      code: "NOT_FOUND",
      endpoint: "GET /api/webForms/00000000-0000-0000-0000-000000000000",
    });
    const unsupported = await failure(
      s.client.importBankConnectionWebForm(user, { bank: { id: 280099 } }),
    );
    expect(unsupported).toMatchObject({ kind: "webform", status: 422, code: "BANK_NOT_SUPPORTED" });
  });

  it("web form validation errors {errors:[{field, message}]}", async () => {
    const s = setup();
    const user = await withUser(s);
    const error = await failure(
      s.client.importBankConnectionWebForm(user, {
        callbacks: { finalised: "http://insecure.example/cb" },
        maxDaysForDownload: -1,
      }),
    );
    expect(error).toMatchObject({
      kind: "webform_validation",
      status: 400,
      code: "INVALID_REQUEST",
    });
    expect(error.entries.map((entry) => entry.field)).toEqual([
      "callbacks.finalised",
      "maxDaysForDownload",
    ]);
    expect(error.message).toContain("callbacks.finalised: must be a valid HTTPS URL");
  });

  it("web form 401 {code: UNAUTHORIZED} is refreshed like an Access 401", async () => {
    const s = setup();
    const user = await withUser(s);
    const form = await s.client.importBankConnectionWebForm(user, {});
    s.fake.control.expireTokens("user");
    expect((await s.client.getWebForm(user, form.id)).id).toBe(form.id);
    expect(
      s.fake.control.requests
        .filter((r) => r.path === `/api/webForms/${form.id}`)
        .map((r) => r.status),
    ).toEqual([401, 200]);
  });

  it("a gateway's HTML error page becomes kind unknown with HTTP_<status>", async () => {
    const s = setup({}, { maxRetries: 0 });
    const { user } = await withConnection(s);
    s.fake.control.failNext(1, 502, { path: "/api/v2/accounts" });
    const error = await failure(s.client.listAccounts(user));
    expect(error).toMatchObject({ kind: "unknown", status: 502, code: "HTTP_502" });
  });
});

describe("transactions", () => {
  it("pages through more than 500 transactions and returns each exactly once, in id order", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 1201);
    const list = await s.client.listTransactions(user, {
      accountIds: [accountId],
      minImportDate: "2027-02-27",
    });
    expect(list.pages).toBe(3);
    expect(list.totalCount).toBe(1201);
    const ids = list.transactions.map((t) => t.id);
    expect(new Set(ids).size).toBe(1201);
    expect(ids).toEqual(s.fake.control.transactions({ accountId }).map((t) => t.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const queries = s.sent
      .filter((r) => r.url.includes("/api/v2/transactions"))
      .map((r) => new URL(r.url).searchParams);
    expect(queries.map((q) => q.get("page"))).toEqual(["1", "2", "3"]);
    for (const query of queries) {
      expect(query.get("view")).toBe("bankView");
      expect(query.get("perPage")).toBe("500");
      expect(query.getAll("order")).toEqual(["id,asc"]);
      expect(query.get("accountIds")).toBe(String(accountId));
      expect(query.get("minImportDate")).toBe("2027-02-27");
    }
  });

  it("converts every amount field to exact cents and keeps the reconciliation fields", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addTransactions(accountId, [
      {
        amount: 4111.3,
        purpose: "Rechnung RE-2027-000042",
        counterpartName: "Anna Schmidt",
        counterpartIban: "DE02120300000000202051",
        sepaPurposeCode: "OTHR",
      },
    ]);
    s.fake.control.addReturnedDebit(accountId, {
      originalAmountCents: 4999,
      feeCents: 350,
      endToEndReference: "TARIF-E2E-1",
      mandateReference: "MREF-7",
      creditorId: "DE98ZZZ09999999999",
      reasonCode: "AM04",
      invoiceNumber: "RE-2027-000041",
    });
    const { transactions, rejected } = await s.client.listTransactions(user, {
      accountIds: [accountId],
    });
    expect(rejected).toEqual([]);
    expect(transactions[0]).toMatchObject({
      amount: 411130,
      currency: "EUR",
      purpose: "Rechnung RE-2027-000042",
      counterpartName: "Anna Schmidt",
      sepaPurposeCode: "OTHR",
      isAdjustingEntry: false,
      isPotentialDuplicate: false,
    });
    expect(transactions[1]).toMatchObject({
      amount: -5349,
      originalAmount: -4999,
      compensationAmount: -350,
      typeCodeZka: "109",
      typeCodeSwift: "NRTI",
      bankTransactionCode: "PMNT-IDDT-UPDD",
      endToEndReference: "TARIF-E2E-1",
      counterpartMandateReference: "MREF-7",
      counterpartCreditorId: "DE98ZZZ09999999999",
      bankBookingDate: "2027-03-01",
      valueDate: "2027-03-01",
    });
    expect(transactions[1]?.purpose).toContain("Rueckgabegrund: AM04");
    expect(transactions[1]?.importDate).toMatch(/^2027-03-01T10:00:00\.\d{3}\+01:00$/);
  });

  it("parks a malformed transaction with a reason and returns the rest", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 3);
    const [bad] = s.fake.control.addTransactions(accountId, [
      { amountCents: 100, raw: { amount: 1.005 } },
    ]);
    s.fake.control.addTransactions(accountId, [
      { amountCents: 100, raw: { bankBookingDate: "2027-02-30" } },
    ]);
    const list = await s.client.listTransactions(user, { accountIds: [accountId] });
    expect(list.transactions).toHaveLength(3);
    expect(list.rejected).toEqual([
      {
        id: bad?.id,
        reason: "amount: must be a finite amount with at most 2 decimals",
        raw: expect.objectContaining({ amount: 1.005 }),
      },
      {
        id: expect.any(Number),
        reason: "bankBookingDate: is not a calendar date",
        raw: expect.any(Object),
      },
    ]);
  });

  it("a 500 on page 2 is retried and nothing is lost or doubled", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 1100);
    s.fake.control.injectFault({ path: "/api/v2/transactions", query: { page: "2" }, status: 500 });
    const list = await s.client.listTransactions(user, { accountIds: [accountId] });
    expect(new Set(list.transactions.map((t) => t.id)).size).toBe(1100);
    expect(s.sleeps).toEqual([375]);
  });

  it("a short page (items missing) is refetched", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 1100);
    s.fake.control.shortPageNext(1, 3, { query: { page: "1" } });
    const list = await s.client.listTransactions(user, { accountIds: [accountId] });
    expect(list.transactions).toHaveLength(1100);
    expect(s.sleeps).toHaveLength(1);
  });

  it("a short last page (its totalCount says more) is refetched, not taken as the end", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 22);
    s.fake.control.shortPageNext(1, 1, { query: { page: "4" } });
    const list = await s.client.listTransactions(user, { accountIds: [accountId], perPage: 7 });
    expect(list.transactions).toHaveLength(22);
    expect(s.sleeps).toHaveLength(1);
  });

  it("a last page cut off on every attempt fails as INCOMPLETE_PAGE", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 10);
    s.fake.control.shortPageNext(4, 2, { query: { page: "2" } });
    const error = await failure(
      s.client.listTransactions(user, { accountIds: [accountId], perPage: 7 }),
    );
    expect(error).toMatchObject({ kind: "invalid_response", code: "INCOMPLETE_PAGE" });
  });

  it("transactions imported while paging are neither duplicated nor break the listing", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 1000);
    const seen: number[] = [];
    for await (const page of s.client.transactionPages(user, { accountIds: [accountId] })) {
      seen.push(...page.transactions.map((t) => t.id));
      if (page.page === 1) s.fake.control.addGeneratedTransactions(accountId, 250);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(1250);
  });

  it("bounds the number of pages", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 1001);
    const error = await failure(
      s.client.listTransactions(user, { accountIds: [accountId], maxPages: 2 }),
    );
    expect(error).toMatchObject({ kind: "limit", code: "TOO_MANY_PAGES" });
  });

  it("an empty accountIds list fetches nothing instead of everything", async () => {
    const s = setup();
    const { user } = await withConnection(s);
    const before = s.sent.length;
    expect(await s.client.listTransactions(user, { accountIds: [] })).toEqual({
      transactions: [],
      rejected: [],
      pages: 0,
      totalCount: 0,
    });
    expect(s.sent.length).toBe(before);
  });

  it("filters by import date", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 2, { importDate: "2027-02-20T08:00:00Z" });
    s.fake.control.addGeneratedTransactions(accountId, 3);
    const list = await s.client.listTransactions(user, {
      accountIds: [accountId],
      minImportDate: "2027-02-27",
    });
    expect(list.transactions).toHaveLength(3);
  });

  it("rejects queries the API would refuse before sending them", async () => {
    const s = setup();
    const user = { username: "u", password: "p" };
    await expect(s.client.listTransactions(user, { perPage: 501 })).rejects.toThrow(RangeError);
    await expect(s.client.listTransactions(user, { minImportDate: "1.3.2027" })).rejects.toThrow(
      RangeError,
    );
    await expect(
      s.client.listTransactions(user, { ids: Array.from({ length: 1001 }, (_, i) => i + 1) }),
    ).rejects.toThrow(RangeError);
  });
});

describe("users, connections, accounts", () => {
  it("creates a user (201, password in plain text) and reads it back masked", async () => {
    const s = setup();
    const created = await s.client.createUser({
      id: "merchant-9",
      password: "s3cret-pass",
      email: "ops@merchant.example",
    });
    expect(created).toEqual({
      id: "merchant-9",
      password: "s3cret-pass",
      email: "ops@merchant.example",
      phone: null,
      isAutoUpdateEnabled: false,
    });
    const read = await s.client.getAuthorizedUser({
      username: "merchant-9",
      password: "s3cret-pass",
    });
    expect(read.password).toBe("XXXXX");
  });

  it("lets finAPI generate id and password", async () => {
    const s = setup();
    const created = await s.client.createUser();
    expect(created.id.length).toBeGreaterThan(0);
    expect(created.password?.length).toBeGreaterThanOrEqual(6);
  });

  it("lists and reads connections and accounts; an update runs IN_PROGRESS → READY", async () => {
    const s = setup({ updateDurationMs: 5000 });
    const { user, connectionId } = await withConnection(s);
    expect((await s.client.listBankConnections(user)).map((c) => c.id)).toEqual([connectionId]);
    expect(await s.client.listBankConnections(user, { ids: [connectionId + 1] })).toEqual([]);
    const accounts = await s.client.listAccounts(user, {
      bankConnectionIds: [connectionId],
      accountTypes: ["Checking"],
    });
    expect(accounts.map((a) => [a.accountType, a.balance, a.accountCurrency])).toEqual([
      ["Checking", 123456, "EUR"],
    ]);
    const psu = { ipAddress: "203.0.113.7", deviceOs: "Linux", userAgent: "Mozilla/5.0" };
    expect(
      (await s.client.updateBankConnection(user, { bankConnectionId: connectionId }, psu))
        .updateStatus,
    ).toBe("IN_PROGRESS");
    const update = s.sent.findLast((r) => r.url.endsWith("/bankConnections/update"));
    expect(update?.headers.get("psu-ip-address")).toBe("203.0.113.7");
    expect(await update?.json()).toEqual({ bankConnectionId: connectionId });
    expect((await s.client.getBankConnection(user, connectionId)).updateStatus).toBe("IN_PROGRESS");
    s.clock.now += 5000;
    const ready = await s.client.getBankConnection(user, connectionId);
    expect(ready.updateStatus).toBe("READY");
    expect(ready.interfaces[0]?.lastManualUpdate?.result).toBe("OK");
  });

  it("sends PSU headers only when asked to (unattended calls must not)", async () => {
    const s = setup();
    const { user, connectionId } = await withConnection(s);
    await s.client.updateBankConnection(user, { bankConnectionId: connectionId });
    const update = s.sent.findLast((r) => r.url.endsWith("/bankConnections/update"));
    expect(update?.headers.has("psu-ip-address")).toBe(false);
  });
});

describe("Web Form 2.0 bank connection import", () => {
  it("creates the form, a person completes it, the callback arrives, the connection is usable", async () => {
    const callbacks: { url: string; body: unknown }[] = [];
    const s = setup({
      callbackFetch: async (request) => {
        callbacks.push({ url: request.url, body: await request.json() });
        return new Response(null, { status: 204 });
      },
    });
    const user = await withUser(s);
    const form = await s.client.importBankConnectionWebForm(user, {
      bank: { id: 280001 },
      bankConnectionName: "Geschäftskonto",
      accountTypes: ["CHECKING"],
      callbacks: { finalised: "https://tarif.example/finapi/callback/wf-token-123" },
    });
    expect(form).toMatchObject({
      type: "BANK_CONNECTION_IMPORT",
      status: "NOT_YET_OPENED",
      payload: { bankConnectionId: null },
    });
    expect(form.id).toHaveLength(36);
    expect(form.url).toBe(`${WF}/wf/${form.id}`);

    // The merchant opens the URL and submits the bank login form.
    const path = new URL(form.url).pathname;
    const opened = await s.fake.app.request(path);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain("<form");
    expect((await s.client.getWebForm(user, form.id)).status).toBe("IN_PROGRESS");
    const submitted = await s.fake.app.request(path, {
      method: "POST",
      body: new URLSearchParams({ action: "complete", userId: "demo", pin: "demo" }),
    });
    expect(submitted.status).toBe(200);

    expect(callbacks).toEqual([
      {
        url: "https://tarif.example/finapi/callback/wf-token-123",
        body: { webFormId: form.id, status: "COMPLETED" },
      },
    ]);
    const done = await s.client.getWebForm(user, form.id);
    expect(done.status).toBe("COMPLETED");
    const connectionId = done.payload.bankConnectionId;
    expect(connectionId).toEqual(expect.any(Number));
    const connection = await s.client.getBankConnection(user, connectionId ?? 0);
    expect(connection).toMatchObject({ name: "Geschäftskonto", updateStatus: "READY" });
    const accounts = await s.client.listAccounts(user, { bankConnectionIds: [connection.id] });
    expect(accounts.map((a) => a.accountType)).toEqual(["Checking"]);
    expect(accounts[0]?.iban).toMatch(/^DE\d{20}$/);
  });

  it("an aborted form reports ABORTED and creates nothing", async () => {
    const s = setup({ callbackFetch: async () => new Response(null, { status: 200 }) });
    const user = await withUser(s);
    const form = await s.client.importBankConnectionWebForm(user, {
      callbacks: { finalised: "https://tarif.example/cb" },
    });
    await s.fake.control.completeWebForm(form.id, { status: "ABORTED" });
    expect((await s.client.getWebForm(user, form.id)).status).toBe("ABORTED");
    expect(await s.client.listBankConnections(user)).toEqual([]);
    expect(s.fake.control.callbacks.map((c) => c.body)).toEqual([
      { webFormId: form.id, status: "ABORTED" },
    ]);
  });

  it("a form that nobody completes expires after about 20 minutes", async () => {
    const s = setup();
    const user = await withUser(s);
    const form = await s.client.importBankConnectionWebForm(user, {});
    s.clock.now += 20 * 60_000 + 1;
    expect((await s.client.getWebForm(user, form.id)).status).toBe("EXPIRED");
  });
});

describe("parseTransaction (untrusted input)", () => {
  const minimal = {
    id: 7,
    accountId: 1,
    valueDate: "2027-03-01",
    bankBookingDate: "2027-03-01",
    finapiBookingDate: "2027-03-01",
    amount: -99.99,
    isPotentialDuplicate: false,
    isAdjustingEntry: false,
    isNew: true,
    importDate: "2027-03-01T10:00:00.000+01:00",
  };

  it("absent optional fields become null, never undefined", () => {
    const parsed = parseTransaction(minimal);
    if (!parsed.ok) throw new Error(parsed.rejected.reason);
    expect(parsed.transaction).toMatchObject({
      amount: -9999,
      purpose: null,
      counterpartIban: null,
      originalAmount: null,
      compensationAmount: null,
      typeCodeZka: null,
      labels: [],
    });
    expect(Object.values(parsed.transaction).some((value) => value === undefined)).toBe(false);
  });

  it("accepts the V1 date spellings and a numeric GVC", () => {
    const parsed = parseTransaction({
      ...minimal,
      bankBookingDate: "2018-01-01 00.00.00.000",
      valueDate: "2018-01-01 00:00:00.000",
      importDate: "2018-01-01 00:00:00.000",
      typeCodeZka: 109,
    });
    expect(parsed.ok && parsed.transaction).toMatchObject({
      bankBookingDate: "2018-01-01",
      valueDate: "2018-01-01",
      typeCodeZka: "109",
    });
  });

  it.each([
    [{ amount: "12.30" }, "amount"],
    [{ amount: 0.1 + 0.2 }, "amount: must be a finite amount with at most 2 decimals"],
    [{ originalAmount: 1.005 }, "originalAmount"],
    [{ counterpartName: "x".repeat(81) }, "counterpartName"],
    [{ purpose: "x".repeat(2001) }, "purpose"],
    [{ id: -1 }, "id"],
    [{ importDate: "yesterday" }, "importDate"],
    [{ isAdjustingEntry: "no" }, "isAdjustingEntry"],
  ])("rejects %o with a reason naming the field", (override, reason) => {
    const parsed = parseTransaction({ ...minimal, ...override });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rejected.reason).toContain(reason);
  });

  it("rejects non-objects without an id", () => {
    expect(parseTransaction("nope")).toMatchObject({ ok: false, rejected: { id: null } });
  });
});

describe("injected fetch", () => {
  it("app.request works as well as app.fetch", async () => {
    const fake = createFakeFinapi();
    const client = createFinapiClient({
      apiBaseUrl: API,
      webFormBaseUrl: WF,
      clientId: fake.control.clientId,
      clientSecret: fake.control.clientSecret,
      fetch: fake.app.request,
    });
    expect((await client.createUser({ id: "via-request" })).id).toBe("via-request");
  });
});

describe("keeping a connection alive (issue 17)", () => {
  it("leaves a 423 to the caller when asked not to wait, without sleeping", async () => {
    const s = setup({ updateDurationMs: 1000 });
    const { user, connectionId } = await withConnection(s);
    await s.client.updateBankConnection(user, { bankConnectionId: connectionId });
    const error = await failure(
      s.client.updateBankConnection(user, { bankConnectionId: connectionId }, undefined, {
        waitIfLocked: false,
      }),
    );
    expect(error).toMatchObject({ status: 423, code: "LOCKED" });
    expect(s.sleeps).toEqual([]);
  });

  it("starts a listing at a given page", async () => {
    const s = setup();
    const { user, accountId } = await withConnection(s);
    s.fake.control.addGeneratedTransactions(accountId, 25);
    const pages = [];
    for await (const page of s.client.transactionPages(user, { perPage: 10, startPage: 2 }))
      pages.push([page.page, page.transactions.length]);
    expect(pages).toEqual([
      [2, 10],
      [3, 5],
    ]);
    await expect(s.client.transactionPages(user, { startPage: 0 }).next()).rejects.toThrow(
      RangeError,
    );
  });

  it("opens an update web form and deletes a connection and the user", async () => {
    const s = setup();
    const { user, connectionId } = await withConnection(s);
    const form = await s.client.updateBankConnectionWebForm(user, {
      bank: { bankConnectionId: connectionId },
      importNewAccounts: true,
    });
    expect(form).toMatchObject({ type: "BANK_CONNECTION_UPDATE", status: "NOT_YET_OPENED" });
    await s.client.deleteBankConnection(user, connectionId);
    expect(s.fake.control.bankConnection(connectionId)).toBeUndefined();
    expect(await failure(s.client.deleteBankConnection(user, connectionId))).toMatchObject({
      status: 404,
    });
    await s.client.deleteUser(user);
    expect(s.fake.control.user(user.username)).toBeUndefined();
  });
});
