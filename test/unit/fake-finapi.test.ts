// The fake finAPI follows reference/finapi.md: raw HTTP against the Hono app checks status codes,
// the exact error bodies of each host, token rules, paging metadata and filters, web forms and
// tasks, the mock batch update rules, the test hooks and fault injection, and the node:http
// adapter in server.ts.
import { describe, expect, it } from "vitest";
import { createFakeFinapi } from "../fakes/finapi/app.ts";
import type { FakeFinapiOptions } from "../fakes/finapi/app.ts";
import { startFakeFinapiServer } from "../fakes/finapi/server.ts";

const START = Date.parse("2027-03-01T09:00:00Z");
type Json = Record<string, any>;

function setup(options: FakeFinapiOptions = {}) {
  const clock = { now: START };
  const fake = createFakeFinapi({ now: () => clock.now, ...options });
  const { app, control } = fake;

  const tokenRequest = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    app.request("/api/v2/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields),
    });
  const clientFields = { client_id: control.clientId, client_secret: control.clientSecret };

  async function clientToken(): Promise<string> {
    const body = (await (
      await tokenRequest({ ...clientFields, grant_type: "client_credentials" })
    ).json()) as Json;
    return body.access_token as string;
  }

  async function userToken(username: string, password: string): Promise<string> {
    const body = (await (
      await tokenRequest({ ...clientFields, grant_type: "password", username, password })
    ).json()) as Json;
    return body.access_token as string;
  }

  const call = (
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.request(path, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });

  /** A user with a bank connection of two accounts, and their token. */
  async function merchant() {
    const user = control.createUser({ id: "merchant-1", password: "s3cret-pass" });
    const connection = control.createBankConnection(user.id);
    const token = await userToken(user.id, user.password);
    return {
      user,
      token,
      connectionId: connection.id,
      accountIds: connection.accountIds,
      accountId: connection.accountIds[0] ?? 0,
    };
  }

  return {
    fake,
    app,
    control,
    clock,
    tokenRequest,
    clientFields,
    clientToken,
    userToken,
    call,
    merchant,
  };
}

const STANDARD_KEYS = ["authContext", "bank", "date", "endpoint", "errors", "requestId"];

function expectStandardError(body: Json, code: string, requestId?: string) {
  expect(Object.keys(body).sort()).toEqual(STANDARD_KEYS);
  expect(body.errors).toHaveLength(1);
  expect(Object.keys(body.errors[0]).sort()).toEqual([
    "code",
    "message",
    "multiStepAuthentication",
    "type",
  ]);
  expect(body.errors[0].code).toBe(code);
  expect(["BUSINESS", "TECHNICAL"]).toContain(body.errors[0].type);
  expect(body.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);
  if (requestId) expect(body.requestId).toBe(requestId);
}

function expectWebFormError(body: Json, code: string) {
  expect(Object.keys(body).sort()).toEqual(["code", "description", "endpoint", "timestamp"]);
  expect(body.code).toBe(code);
}

describe("request ids", () => {
  it("echoes X-Request-Id, in the header and in error bodies", async () => {
    const { call } = setup();
    const response = await call("GET", "/api/v2/transactions/1", null, undefined, {
      "X-Request-Id": "tarif-42",
    });
    expect(response.headers.get("X-Request-Id")).toBe("tarif-42");
  });

  it("generates selfgen-<uuid> when none (or an over-long one) was sent", async () => {
    const { call, merchant } = setup();
    const { token } = await merchant();
    const variants: Record<string, string>[] = [{}, { "X-Request-Id": "x".repeat(256) }];
    for (const headers of variants) {
      const response = await call("GET", "/api/v2/bankConnections/999", token, undefined, headers);
      const id = response.headers.get("X-Request-Id");
      expect(id).toMatch(/^selfgen-[0-9a-f-]{36}$/);
      expectStandardError((await response.json()) as Json, "UNKNOWN_ENTITY", id ?? "");
    }
  });
});

describe("POST /api/v2/oauth/token", () => {
  it("issues a bearer token; the same one again while it is valid, with the remaining lifetime", async () => {
    const { tokenRequest, clientFields, clock } = setup();
    const first = (await (
      await tokenRequest({ ...clientFields, grant_type: "client_credentials" })
    ).json()) as Json;
    expect(first).toEqual({
      access_token: expect.any(String),
      token_type: "bearer",
      expires_in: 3600,
      scope: "all",
    });
    clock.now += 600_000;
    const second = (await (
      await tokenRequest({ ...clientFields, grant_type: "client_credentials" })
    ).json()) as Json;
    expect(second.access_token).toBe(first.access_token);
    expect(second.expires_in).toBe(3000);
    clock.now += 3000_000;
    const third = (await (
      await tokenRequest({ ...clientFields, grant_type: "client_credentials" })
    ).json()) as Json;
    expect(third.access_token).not.toBe(first.access_token);
  });

  it("password grant returns a refresh token, which the refresh_token grant accepts", async () => {
    const { tokenRequest, clientFields, control } = setup();
    control.createUser({ id: "u1", password: "s3cret-pass" });
    const issued = (await (
      await tokenRequest({
        ...clientFields,
        grant_type: "password",
        username: "u1",
        password: "s3cret-pass",
      })
    ).json()) as Json;
    expect(issued).toMatchObject({
      token_type: "bearer",
      refresh_token: expect.any(String),
      expires_in: 3600,
      scope: "all",
    });
    const refreshed = await tokenRequest({
      ...clientFields,
      grant_type: "refresh_token",
      refresh_token: issued.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    expect((await refreshed.json()) as Json).not.toHaveProperty("refresh_token");
  });

  it("401 {error, error_description} for bad client credentials", async () => {
    const { tokenRequest } = setup();
    const response = await tokenRequest({
      client_id: "nobody",
      client_secret: "x",
      grant_type: "client_credentials",
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: "invalid_client",
      error_description: "Bad client credentials",
    });
  });

  it.each([
    [{ grant_type: "password", username: "u1", password: "wrong-pass" }, "Bad user credentials"],
    [{ grant_type: "refresh_token", refresh_token: "forged" }, "Invalid refresh token"],
    [{ grant_type: "authorization_code" }, "Unsupported grant type: authorization_code"],
  ])("400 ErrorMessage for %o", async (fields, message) => {
    const { tokenRequest, clientFields, control } = setup();
    control.createUser({ id: "u1", password: "s3cret-pass" });
    const response = await tokenRequest({ ...clientFields, ...fields });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expectStandardError(body, "BAD_REQUEST");
    expect(body.errors[0].message).toBe(message);
  });

  it("403 for an unverified user, 423 for a locked one", async () => {
    const { tokenRequest, clientFields, control } = setup();
    control.createUser({ id: "u1", password: "s3cret-pass" });
    control.setUserVerified("u1", false);
    const fields = {
      ...clientFields,
      grant_type: "password",
      username: "u1",
      password: "s3cret-pass",
    };
    const unverified = await tokenRequest(fields);
    expect(unverified.status).toBe(403);
    expectStandardError((await unverified.json()) as Json, "USER_NOT_VERIFIED");
    control.setUserVerified("u1", true);
    control.lockUser("u1");
    const locked = await tokenRequest(fields);
    expect(locked.status).toBe(423);
    expectStandardError((await locked.json()) as Json, "LOCKED");
  });

  it("an expired token is answered with 401 invalid_token", async () => {
    const { call, clock, merchant } = setup({ userTokenLifetimeSeconds: 60 });
    const { token } = await merchant();
    expect((await call("GET", "/api/v2/accounts", token)).status).toBe(200);
    clock.now += 60_000;
    const response = await call("GET", "/api/v2/accounts", token);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: "invalid_token",
      error_description: `Invalid access token: ${token}`,
    });
  });

  it("revoke always answers 200 and ends the token", async () => {
    const { call, clientToken, merchant } = setup();
    const { token } = await merchant();
    const client = await clientToken();
    expect(
      (
        await call(
          "POST",
          `/api/v2/oauth/revoke?token=${token}&token_type_hint=access_token`,
          client,
        )
      ).status,
    ).toBe(200);
    expect((await call("POST", "/api/v2/oauth/revoke?token=unknown", client)).status).toBe(200);
    expect((await call("GET", "/api/v2/accounts", token)).status).toBe(401);
  });
});

describe("roles", () => {
  it("a client token cannot read user data, a user token cannot create users: 403 UNAUTHORIZED_ACCESS", async () => {
    const { call, clientToken, merchant } = setup();
    const { token } = await merchant();
    const client = await clientToken();
    for (const response of [
      await call("GET", "/api/v2/transactions?view=bankView", client),
      await call("GET", "/api/v2/banks", client),
      await call("POST", "/api/v2/users", token, {}),
    ]) {
      expect(response.status).toBe(403);
      expectStandardError((await response.json()) as Json, "UNAUTHORIZED_ACCESS");
    }
  });

  it("no token at all is 401 invalid_token", async () => {
    const { call } = setup();
    const response = await call("GET", "/api/v2/users", null);
    expect(response.status).toBe(401);
    expect(((await response.json()) as Json).error).toBe("invalid_token");
  });
});

describe("users", () => {
  it("201 with the plain password, 422 ENTITY_EXISTS, 400 on a short password, GET masks it", async () => {
    const { call, clientToken, userToken } = setup();
    const client = await clientToken();
    const created = await call("POST", "/api/v2/users", client, {
      id: "shop.example+1@x",
      password: "s3cret-pass",
      email: "a@b.example",
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({
      id: "shop.example+1@x",
      password: "s3cret-pass",
      email: "a@b.example",
      phone: null,
      isAutoUpdateEnabled: false,
    });
    const again = await call("POST", "/api/v2/users", client, { id: "shop.example+1@x" });
    expect(again.status).toBe(422);
    expectStandardError((await again.json()) as Json, "ENTITY_EXISTS");
    const short = await call("POST", "/api/v2/users", client, { password: "12345" });
    expect(short.status).toBe(400);
    expectStandardError((await short.json()) as Json, "BAD_REQUEST");
    const badId = await call("POST", "/api/v2/users", client, { id: "has space" });
    expect(badId.status).toBe(400);
    const malformed = await call("POST", "/api/v2/users", client, "{not json");
    expect(malformed.status).toBe(400);
    const token = await userToken("shop.example+1@x", "s3cret-pass");
    expect(((await (await call("GET", "/api/v2/users", token)).json()) as Json).password).toBe(
      "XXXXX",
    );
  });

  it("422 ILLEGAL_ENTITY_STATE when auto-update is disabled for the client", async () => {
    const { call, clientToken } = setup();
    const response = await call("POST", "/api/v2/users", await clientToken(), {
      isAutoUpdateEnabled: true,
    });
    expect(response.status).toBe(422);
    expectStandardError((await response.json()) as Json, "ILLEGAL_ENTITY_STATE");
  });
});

describe("GET /api/v2/transactions", () => {
  it("400 BAD_REQUEST without view, with perPage > 500, bad dates or unknown order fields; 400 TOO_MANY_IDS over 1000 ids", async () => {
    const { call, merchant } = setup();
    const { token } = await merchant();
    const ids = Array.from({ length: 1001 }, (_, i) => i + 1).join(",");
    const cases: [string, string][] = [
      ["/api/v2/transactions", "BAD_REQUEST"],
      ["/api/v2/transactions?view=both", "BAD_REQUEST"],
      ["/api/v2/transactions?view=bankView&perPage=501", "BAD_REQUEST"],
      ["/api/v2/transactions?view=bankView&perPage=0", "BAD_REQUEST"],
      ["/api/v2/transactions?view=bankView&page=0", "BAD_REQUEST"],
      ["/api/v2/transactions?view=bankView&minImportDate=2027-02-30", "BAD_REQUEST"],
      ["/api/v2/transactions?view=bankView&order=secret,asc", "BAD_REQUEST"],
      ["/api/v2/transactions?view=bankView&accountIds=one", "BAD_REQUEST"],
      [`/api/v2/transactions?view=bankView&ids=${ids}`, "TOO_MANY_IDS"],
    ];
    for (const [path, code] of cases) {
      const response = await call("GET", path, token);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as Json;
      expectStandardError(body, code);
      expect(body.endpoint).toBe("GET /api/v2/transactions");
    }
  });

  it("pages with {page, perPage, pageCount, totalCount}; default perPage 20; beyond the last page is empty", async () => {
    const { call, control, merchant } = setup();
    const { token, accountId } = await merchant();
    control.addGeneratedTransactions(accountId, 1201);
    const first = (await (
      await call("GET", "/api/v2/transactions?view=bankView", token)
    ).json()) as Json;
    expect(first.paging).toEqual({ page: 1, perPage: 20, pageCount: 61, totalCount: 1201 });
    expect(first.transactions).toHaveLength(20);
    const third = (await (
      await call("GET", "/api/v2/transactions?view=bankView&perPage=500&page=3&order=id,asc", token)
    ).json()) as Json;
    expect(third.paging).toEqual({ page: 3, perPage: 500, pageCount: 3, totalCount: 1201 });
    expect(third.transactions).toHaveLength(201);
    const beyond = (await (
      await call("GET", "/api/v2/transactions?view=bankView&perPage=500&page=4", token)
    ).json()) as Json;
    expect(beyond.transactions).toEqual([]);
    expect(Object.keys(first).sort()).toEqual([
      "balance",
      "income",
      "paging",
      "spending",
      "transactions",
    ]);
  });

  it("empty result: pageCount 0", async () => {
    const { call, merchant } = setup();
    const { token } = await merchant();
    const body = (await (
      await call("GET", "/api/v2/transactions?view=userView", token)
    ).json()) as Json;
    expect(body).toMatchObject({
      transactions: [],
      paging: { page: 1, perPage: 20, pageCount: 0, totalCount: 0 },
      income: 0,
      spending: 0,
      balance: 0,
    });
  });

  it("accepts arrays exploded and comma-separated", async () => {
    const { call, control, merchant } = setup();
    const { token, accountIds } = await merchant();
    for (const accountId of accountIds) control.addGeneratedTransactions(accountId, 2);
    const [a, b] = accountIds;
    const exploded = (await (
      await call("GET", `/api/v2/transactions?view=bankView&accountIds=${a}&accountIds=${b}`, token)
    ).json()) as Json;
    const comma = (await (
      await call("GET", `/api/v2/transactions?view=bankView&accountIds=${a},${b}`, token)
    ).json()) as Json;
    const one = (await (
      await call("GET", `/api/v2/transactions?view=bankView&accountIds=${a}`, token)
    ).json()) as Json;
    expect(exploded.paging.totalCount).toBe(4);
    expect(comma.transactions).toEqual(exploded.transactions);
    expect(one.paging.totalCount).toBe(2);
  });

  it("orders by repeated order params, ties by id", async () => {
    const { call, control, merchant } = setup();
    const { token, accountId } = await merchant();
    control.addTransactions(accountId, [
      { amountCents: 500 },
      { amountCents: -200 },
      { amountCents: 500, purpose: "b" },
      { amountCents: 100 },
    ]);
    const body = (await (
      await call("GET", "/api/v2/transactions?view=bankView&order=amount,desc&order=id,desc", token)
    ).json()) as Json;
    expect(body.transactions.map((t: Json) => [t.amount, t.id])).toEqual([
      [5, 3],
      [5, 1],
      [1, 4],
      [-2, 2],
    ]);
    expect(body.income).toBe(11);
    expect(body.spending).toBe(-2);
    expect(body.balance).toBe(9);
  });

  it("filters by import date (inclusive, Europe/Berlin day), booking date, direction, text and flags", async () => {
    const { call, control, merchant } = setup();
    const { token, accountId } = await merchant();
    control.addTransactions(accountId, [
      {
        amountCents: 1000,
        importDate: "2027-02-27T23:30:00Z",
        bankBookingDate: "2027-02-27",
        purpose: "Rechnung RE-1",
      }, // 00:30 on 28 Feb in Berlin
      {
        amountCents: -300,
        importDate: "2027-02-26T12:00:00Z",
        bankBookingDate: "2027-02-26",
        counterpartName: "Bank",
      },
      { amountCents: 700, bankBookingDate: "2027-03-01", isAdjustingEntry: true },
    ]);
    const count = async (query: string) =>
      (
        (await (
          await call("GET", `/api/v2/transactions?view=bankView&${query}`, token)
        ).json()) as Json
      ).paging.totalCount;
    expect(await count("minImportDate=2027-02-28")).toBe(2);
    expect(await count("maxImportDate=2027-02-27")).toBe(1);
    expect(await count("minBankBookingDate=2027-02-27&maxBankBookingDate=2027-02-27")).toBe(1);
    expect(await count("direction=income")).toBe(2);
    expect(await count("direction=spending")).toBe(1);
    expect(await count("search=re-1")).toBe(1);
    expect(await count("counterpart=bank")).toBe(1);
    expect(await count("isAdjustingEntry=true")).toBe(1);
    expect(await count("minAmount=5&maxAmount=9.99")).toBe(1);
  });

  it("GET /transactions/{id}: the transaction, or 404 UNKNOWN_ENTITY for another user's", async () => {
    const { call, control, merchant, userToken } = setup();
    const { accountId, token } = await merchant();
    const [created] = control.addTransactions(accountId, [{ amountCents: 4999 }]);
    expect(
      ((await (await call("GET", `/api/v2/transactions/${created?.id}`, token)).json()) as Json)
        .amount,
    ).toBe(49.99);
    control.createUser({ id: "other", password: "s3cret-pass" });
    const response = await call(
      "GET",
      `/api/v2/transactions/${created?.id}`,
      await userToken("other", "s3cret-pass"),
    );
    expect(response.status).toBe(404);
    expectStandardError((await response.json()) as Json, "UNKNOWN_ENTITY");
  });

  it("flags a repeated booking as a potential duplicate but keeps it", async () => {
    const { control, merchant } = setup();
    const { accountId } = await merchant();
    const [first, second] = control.addTransactions(accountId, [
      { amountCents: 4999, purpose: "Rechnung RE-7", bankBookingDate: "2027-03-01" },
      { amountCents: 4999, purpose: "Rechnung RE-7", bankBookingDate: "2027-03-01" },
    ]);
    expect(first?.isPotentialDuplicate).toBe(false);
    expect(second?.isPotentialDuplicate).toBe(true);
  });

  it("PATCH updates isNew and returns identifiers; isPotentialDuplicate=true is 422", async () => {
    const { call, control, merchant } = setup();
    const { token, accountId } = await merchant();
    const created = control.addTransactions(accountId, [{ amountCents: 1 }, { amountCents: 2 }]);
    const ids = created.map((t) => t.id as number);
    const response = await call("PATCH", "/api/v2/transactions", token, { ids, isNew: false });
    expect(await response.json()).toEqual({ identifiers: ids });
    expect(control.transactions({ accountId }).every((t) => t.isNew === false)).toBe(true);
    const refused = await call("PATCH", "/api/v2/transactions", token, {
      ids,
      isPotentialDuplicate: true,
    });
    expect(refused.status).toBe(422);
    expectStandardError((await refused.json()) as Json, "ILLEGAL_FIELD_VALUE");
    const tooMany = await call("PATCH", "/api/v2/transactions", token, {
      ids: Array.from({ length: 101 }, (_, i) => i + 1),
    });
    expect(tooMany.status).toBe(400);
  });
});

describe("transaction JSON", () => {
  it("has every field of the V2 model, amounts as bare JSON numbers", async () => {
    const { call, control, merchant } = setup();
    const { token, accountId } = await merchant();
    control.addTransactions(accountId, [{ amountCents: 411130 }]);
    const text = await (await call("GET", "/api/v2/transactions?view=bankView", token)).text();
    expect(text).toContain('"amount":4111.3');
    const transaction = ((JSON.parse(text) as Json).transactions as Json[])[0] ?? {};
    for (const field of [
      "id",
      "accountId",
      "valueDate",
      "bankBookingDate",
      "finapiBookingDate",
      "amount",
      "labels",
      "isPotentialDuplicate",
      "isAdjustingEntry",
      "isNew",
      "importDate",
    ]) {
      expect(transaction[field], field).not.toBeUndefined();
      expect(transaction[field], field).not.toBeNull();
    }
    for (const field of [
      "parentId",
      "purpose",
      "counterpartName",
      "counterpartIban",
      "counterpartBic",
      "counterpartMandateReference",
      "counterpartCreditorId",
      "typeCodeZka",
      "typeCodeSwift",
      "sepaPurposeCode",
      "bankTransactionCode",
      "endToEndReference",
      "compensationAmount",
      "originalAmount",
      "feeAmount",
    ]) {
      expect(transaction, field).toHaveProperty(field);
    }
    expect(transaction.importDate).toBe("2027-03-01T10:00:00.000+01:00");
  });

  it("finapiBookingDate moves to the import day for bookings dated in the future", async () => {
    const { control, merchant } = setup();
    const { accountId } = await merchant();
    const [future] = control.addTransactions(accountId, [
      { amountCents: 1, bankBookingDate: "2027-03-05" },
    ]);
    expect(future).toMatchObject({
      bankBookingDate: "2027-03-05",
      finapiBookingDate: "2027-03-01",
    });
  });

  it("returned debits come in the three shapes banks use", async () => {
    const { control, merchant } = setup();
    const { accountId } = await merchant();
    const full = control.addReturnedDebit(accountId, {
      originalAmountCents: 130,
      feeCents: 400,
      endToEndReference: "E2E-1",
      reasonCode: "MD06",
    });
    expect(full).toMatchObject({
      amount: -5.3,
      originalAmount: -1.3,
      compensationAmount: -4,
      typeCodeZka: "109",
      typeCodeSwift: "NRTI",
      bankTransactionCode: "PMNT-IDDT-UPDD",
      endToEndReference: "E2E-1",
    });
    expect(full.purpose).toMatch(
      /OAMT\+1,30 COAM\+4,00 SVWZ\+Retoure SEPA Lastschrift vom 01\.03\.2027, Rueckgabegrund: MD06/,
    );
    expect(full.purpose).toContain("?34912");
    const textOnly = control.addReturnedDebit(accountId, {
      originalAmountCents: 1000,
      style: "purposeOnly",
    });
    expect(textOnly).toMatchObject({
      typeCodeZka: null,
      typeCodeSwift: null,
      bankTransactionCode: null,
      originalAmount: null,
      compensationAmount: null,
      amount: -13,
    });
    expect(textOnly.purpose).toContain("RUECKLASTSCHRIFT");
    const sparkasse = control.addReturnedDebit(accountId, {
      originalAmountCents: 12811,
      feeCents: 0,
      style: "nmsc",
    });
    expect(sparkasse).toMatchObject({
      typeCodeZka: "109",
      typeCodeSwift: "NMSC",
      type: "SEPA-LASTSCHR. RETOURE CORE",
      amount: -128.11,
    });
  });
});

describe("bank connections and accounts", () => {
  it("lists {connections}, reads one, 404 UNKNOWN_ENTITY otherwise", async () => {
    const { call, merchant } = setup();
    const { token, connectionId, accountIds } = await merchant();
    const list = (await (await call("GET", "/api/v2/bankConnections", token)).json()) as Json;
    expect(list.connections).toHaveLength(1);
    const connection = list.connections[0] as Json;
    expect(connection).toMatchObject({
      id: connectionId,
      updateStatus: "READY",
      categorizationStatus: "READY",
      accountIds,
    });
    expect(connection.interfaces[0]).toMatchObject({
      bankingInterface: "FINTS_SERVER",
      aisConsent: { status: "PRESENT" },
      lastManualUpdate: { result: "OK" },
      userActionRequired: false,
    });
    const missing = await call("GET", "/api/v2/bankConnections/4711", token);
    expect(missing.status).toBe(404);
    expectStandardError((await missing.json()) as Json, "UNKNOWN_ENTITY");
  });

  it("update: 200 IN_PROGRESS, 423 while it runs, READY afterwards; `interface` is 400; unknown is 404", async () => {
    const { call, clock, merchant } = setup({ updateDurationMs: 10_000 });
    const { token, connectionId } = await merchant();
    const started = await call("POST", "/api/v2/bankConnections/update", token, {
      bankConnectionId: connectionId,
      bankingInterface: "FINTS_SERVER",
      storeSecrets: false,
      importNewAccounts: false,
    });
    expect(started.status).toBe(200);
    expect(((await started.json()) as Json).updateStatus).toBe("IN_PROGRESS");
    const locked = await call("POST", "/api/v2/bankConnections/update", token, {
      bankConnectionId: connectionId,
    });
    expect(locked.status).toBe(423);
    expectStandardError((await locked.json()) as Json, "LOCKED");
    clock.now += 10_000;
    expect(
      ((await (await call("GET", `/api/v2/bankConnections/${connectionId}`, token)).json()) as Json)
        .updateStatus,
    ).toBe("READY");
    const v1Name = await call("POST", "/api/v2/bankConnections/update", token, {
      bankConnectionId: connectionId,
      interface: "XS2A",
    });
    expect(v1Name.status).toBe(400);
    expect(
      (await call("POST", "/api/v2/bankConnections/update", token, { bankConnectionId: 999 }))
        .status,
    ).toBe(404);
  });

  it("update answers 510 with multiStepAuthentication when scripted", async () => {
    const { call, control, merchant } = setup();
    const { token, connectionId } = await merchant();
    control.requireSca(connectionId);
    const response = await call("POST", "/api/v2/bankConnections/update", token, {
      bankConnectionId: connectionId,
    });
    expect(response.status).toBe(510);
    const body = (await response.json()) as Json;
    expectStandardError(body, "ADDITIONAL_AUTHENTICATION_REQUIRED");
    expect(body.errors[0].multiStepAuthentication).toMatchObject({ status: "REDIRECT_REQUIRED" });
    expect(
      (
        await call("POST", "/api/v2/bankConnections/update", token, {
          bankConnectionId: connectionId,
        })
      ).status,
    ).toBe(200);
  });

  it("an update imports the bookings the bank has queued", async () => {
    const { call, control, merchant } = setup();
    const { token, connectionId, accountId } = await merchant();
    control.queueBankTransactions(accountId, [{ amountCents: 2500 }]);
    expect(control.transactions({ accountId })).toHaveLength(0);
    await call("POST", "/api/v2/bankConnections/update", token, { bankConnectionId: connectionId });
    await control.tick();
    expect(control.transactions({ accountId }).map((t) => t.amount)).toEqual([25]);
  });

  it("GET /accounts filters by ids, bankConnectionIds and accountTypes", async () => {
    const { call, merchant } = setup();
    const { token, connectionId, accountIds } = await merchant();
    const all = (await (await call("GET", "/api/v2/accounts", token)).json()) as Json;
    expect(all.accounts.map((a: Json) => a.id)).toEqual(accountIds);
    expect(all.accounts[0]).toMatchObject({
      bankConnectionId: connectionId,
      accountType: "Checking",
      accountCurrency: "EUR",
      balance: 1234.56,
      isNew: true,
    });
    const savings = (await (
      await call(
        "GET",
        `/api/v2/accounts?bankConnectionIds=${connectionId}&accountTypes=Savings`,
        token,
      )
    ).json()) as Json;
    expect(savings.accounts.map((a: Json) => a.accountType)).toEqual(["Savings"]);
    expect((await call("GET", "/api/v2/accounts?accountTypes=Girokonto", token)).status).toBe(400);
  });

  it("banks: generated test banks, searchable with a user token", async () => {
    const { call, merchant } = setup();
    const { token } = await merchant();
    const body = (await (await call("GET", "/api/v2/banks?search=finAPI", token)).json()) as Json;
    expect(body.banks.map((b: Json) => b.id)).toEqual([280001, 280002, 280099]);
    expect(
      ((await (await call("GET", "/api/v2/banks?perPage=100", token)).json()) as Json).paging
        .totalCount,
    ).toBe(9);
  });
});

describe("Web Form 2.0", () => {
  async function form(s: ReturnType<typeof setup>, body: unknown = {}) {
    const { token } = await s.merchant();
    const response = await s.call("POST", "/api/webForms/bankConnectionImport", token, body);
    return { token, response, json: (await response.json()) as Json };
  }

  it("201 WebForm: uuid, url, 20 minutes, NOT_YET_OPENED, empty payload", async () => {
    const s = setup({ webFormBaseUrl: "https://webform-sandbox.finapi.test" });
    const { response, json } = await form(s, {
      bank: { id: 280001 },
      accountTypes: ["CHECKING"],
      callbacks: { finalised: "https://tarif.example/cb" },
    });
    expect(response.status).toBe(201);
    expect(json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: `https://webform-sandbox.finapi.test/wf/${json.id}`,
      createdAt: "2027-03-01T10:00:00.000+01:00",
      expiresAt: "2027-03-01T10:20:00.000+01:00",
      type: "BANK_CONNECTION_IMPORT",
      status: "NOT_YET_OPENED",
      payload: {
        bankConnectionId: null,
        paymentId: null,
        standingOrderId: null,
        errorCode: null,
        errorMessage: null,
      },
    });
  });

  it("400 {errors:[{field, message}], timestamp, endpoint} for invalid fields", async () => {
    const s = setup();
    const { response, json } = await form(s, {
      bank: { id: 1, search: "x" },
      accountTypes: ["Checking"],
      callbacks: { finalised: "http://plain.example" },
      maxDaysForDownload: 1.5,
      profileId: "nope",
    });
    expect(response.status).toBe(400);
    expect(Object.keys(json).sort()).toEqual(["endpoint", "errors", "timestamp"]);
    expect(json.endpoint).toBe("POST /api/webForms/bankConnectionImport");
    expect(json.errors.map((e: Json) => e.field)).toEqual([
      "accountTypes[0]",
      "callbacks.finalised",
      "profileId",
      "bank",
      "maxDaysForDownload",
    ]);
  });

  it("401 UNAUTHORIZED and 403 FORBIDDEN in the web form error shape", async () => {
    const s = setup();
    const noToken = await s.call("POST", "/api/webForms/bankConnectionImport", null, {});
    expect(noToken.status).toBe(401);
    expectWebFormError((await noToken.json()) as Json, "UNAUTHORIZED");
    const clientToken = await s.call(
      "POST",
      "/api/webForms/bankConnectionImport",
      await s.clientToken(),
      {},
    );
    expect(clientToken.status).toBe(403);
    expectWebFormError((await clientToken.json()) as Json, "FORBIDDEN");
  });

  it("422 BANK_NOT_SUPPORTED for unsupported banks and test banks when allowTestBank=false", async () => {
    const s = setup();
    const { token } = await s.merchant();
    for (const body of [
      { bank: { id: 280099 } },
      { bank: { id: 424242 } },
      { bank: { id: 280001 }, allowTestBank: false },
      { bank: { id: 280001 }, allowedInterfaces: ["XS2A"] },
    ]) {
      const response = await s.call("POST", "/api/webForms/bankConnectionImport", token, body);
      expect(response.status).toBe(422);
      expectWebFormError((await response.json()) as Json, "BANK_NOT_SUPPORTED");
    }
  });

  it("redirectUrl is forbidden for unlicensed mandators and required for licensed ones", async () => {
    const unlicensed = await form(setup(), { redirectUrl: "https://tarif.example/back" });
    expect(unlicensed.response.status).toBe(422);
    expectWebFormError(unlicensed.json, "INVALID_REDIRECT_URL");
    const licensed = await form(setup({ licensedMandator: true }), {});
    expect(licensed.response.status).toBe(400);
    expect(licensed.json.errors).toEqual([{ field: "redirectUrl", message: "must not be null" }]);
  });

  it("GET /api/webForms/{id}: 404 NOT_FOUND for unknown or foreign forms", async () => {
    const s = setup();
    const { json } = await form(s);
    s.control.createUser({ id: "other", password: "s3cret-pass" });
    const other = await s.userToken("other", "s3cret-pass");
    const response = await s.call("GET", `/api/webForms/${json.id}`, other);
    expect(response.status).toBe(404);
    expectWebFormError((await response.json()) as Json, "NOT_FOUND");
  });

  it("the page opens once; submitting completes it, creates the connection and POSTs the callback", async () => {
    const received: Json[] = [];
    const s = setup({
      callbackFetch: async (request) => (
        received.push((await request.json()) as Json),
        new Response(null, { status: 200 })
      ),
    });
    const { token, json } = await form(s, {
      bankConnectionName: "Hausbank",
      callbacks: { finalised: "https://tarif.example/cb" },
    });
    const path = `/wf/${json.id}`;
    expect((await s.app.request(path)).status).toBe(200);
    expect((await s.app.request(path)).status).toBe(410);
    const done = await s.app.request(path, {
      method: "POST",
      body: new URLSearchParams({ action: "complete" }),
    });
    expect(await done.text()).toContain("COMPLETED");
    expect(received).toEqual([{ webFormId: json.id, status: "COMPLETED" }]);
    const status = (await (await s.call("GET", `/api/webForms/${json.id}`, token)).json()) as Json;
    expect(status).toMatchObject({
      status: "COMPLETED",
      payload: { bankConnectionId: expect.any(Number) },
    });
    const connection = s.control.bankConnection(status.payload.bankConnectionId as number);
    expect(connection).toMatchObject({
      name: "Hausbank",
      accountIds: [expect.any(Number), expect.any(Number)],
    });
    expect(
      (
        await s.app.request(path, {
          method: "POST",
          body: new URLSearchParams({ action: "complete" }),
        })
      ).status,
    ).toBe(410);
  });

  it("a wrong PIN ends COMPLETED_WITH_ERROR; a redirectUrl (licensed) gets a 303", async () => {
    const s = setup({ licensedMandator: true });
    const { token, json } = await form(s, { redirectUrl: "https://tarif.example/back" });
    const response = await s.app.request(`/wf/${json.id}`, {
      method: "POST",
      body: new URLSearchParams({ action: "complete", pin: "wrong" }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("https://tarif.example/back");
    const status = (await (await s.call("GET", `/api/webForms/${json.id}`, token)).json()) as Json;
    expect(status).toMatchObject({
      status: "COMPLETED_WITH_ERROR",
      payload: { bankConnectionId: null, errorCode: "BANK_SERVER_REJECTION" },
    });
  });

  it("no account of the wanted types: COMPLETED_WITH_ERROR NO_ACCOUNTS_FOR_TYPE_LIST", async () => {
    const s = setup();
    const { json } = await form(s, { accountTypes: ["CREDIT_CARD"] });
    const result = await s.control.completeWebForm(json.id as string);
    expect(result).toMatchObject({
      status: "COMPLETED_WITH_ERROR",
      payload: { errorCode: "NO_ACCOUNTS_FOR_TYPE_LIST" },
    });
  });

  it("expires after 20 minutes and cannot be opened then", async () => {
    const s = setup();
    const { token, json } = await form(s);
    s.clock.now += 20 * 60_000 + 1;
    expect(
      ((await (await s.call("GET", `/api/webForms/${json.id}`, token)).json()) as Json).status,
    ).toBe("EXPIRED");
    expect((await s.app.request(`/wf/${json.id}`)).status).toBe(410);
  });

  it("http callbacks only when allowed (local development)", async () => {
    const { response } = await form(setup({ allowHttpCallbacks: true }), {
      callbacks: { finalised: "http://localhost:8787/cb" },
    });
    expect(response.status).toBe(201);
  });
});

describe("tasks (background update, unlicensed mandator)", () => {
  it("201 NOT_YET_STARTED, then COMPLETED with the finalised callback", async () => {
    const received: Json[] = [];
    const s = setup({
      callbackFetch: async (request) => (
        received.push((await request.json()) as Json),
        new Response(null)
      ),
    });
    const { token, connectionId } = await s.merchant();
    const created = await s.call("POST", "/api/tasks/backgroundUpdate", token, {
      bankConnectionId: connectionId,
      callbacks: { finalised: "https://tarif.example/task" },
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as Json;
    expect(task).toMatchObject({
      type: "BANK_CONNECTION_UPDATE",
      status: "NOT_YET_STARTED",
      payload: { bankConnectionId: connectionId, webForm: null, errorCode: null },
    });
    const read = (await (await s.call("GET", `/api/tasks/${task.id}`, token)).json()) as Json;
    expect(read.status).toBe("COMPLETED");
    expect(received).toEqual([{ taskId: task.id, status: "COMPLETED" }]);
  });

  it("WEB_FORM_REQUIRED carries a web form; 423 LOCKED while a task runs; 404 for unknown tasks", async () => {
    const s = setup({ updateDurationMs: 1000 });
    const { token, connectionId } = await s.merchant();
    s.control.requireWebFormForUpdate(connectionId);
    const task = (await (
      await s.call("POST", "/api/tasks/backgroundUpdate", token, { bankConnectionId: connectionId })
    ).json()) as Json;
    const locked = await s.call("POST", "/api/tasks/backgroundUpdate", token, {
      bankConnectionId: connectionId,
    });
    expect(locked.status).toBe(423);
    expectWebFormError((await locked.json()) as Json, "LOCKED");
    s.clock.now += 1000;
    const read = (await (await s.call("GET", `/api/tasks/${task.id}`, token)).json()) as Json;
    expect(read).toMatchObject({
      status: "WEB_FORM_REQUIRED",
      payload: {
        webForm: {
          id: expect.any(String),
          url: expect.stringContaining("/wf/"),
          status: "NOT_YET_OPENED",
        },
      },
    });
    const missing = await s.call("GET", "/api/tasks/nope", token);
    expect(missing.status).toBe(404);
    expectWebFormError((await missing.json()) as Json, "NOT_FOUND");
  });
});

describe("POST /api/v2/tests/mockBatchUpdate", () => {
  it("ignores old bookings and same-date/same-amount repeats, adds an adjusting entry for a balance gap, answers 200 empty", async () => {
    const s = setup();
    const { token, connectionId, accountId } = await s.merchant();
    const response = await s.call("POST", "/api/v2/tests/mockBatchUpdate", token, {
      mockBankConnectionUpdates: [
        {
          bankConnectionId: connectionId,
          mockAccountsData: [
            {
              accountId,
              accountBalance: 1300,
              newTransactions: [
                {
                  amount: 50,
                  bookingDate: "2027-02-28",
                  purpose: "SVWZ+RE-1",
                  counterpart: "Anna",
                  typeId: 166,
                },
                { amount: 50, bookingDate: "2027-02-28", purpose: "same date and amount" },
                { amount: 20, bookingDate: "2027-02-01", purpose: "older than the update window" },
                { amount: -4.56, bookingDate: "2027-03-01" },
              ],
            },
          ],
        },
      ],
      triggerNotifications: false,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    const rows = s.control.transactions({ accountId });
    expect(rows.map((t) => [t.amount, t.isAdjustingEntry])).toEqual([
      [50, false],
      [-4.56, false],
      [20, true],
    ]);
    expect(rows[0]).toMatchObject({ counterpartName: "Anna", typeCodeZka: "166" });
    expect(rows[2]?.purpose).toBe("Zwischensaldo");
  });

  it("404 for a foreign connection, 422 for more than 1000 transactions or an auto-update user", async () => {
    const s = setup({ autoUpdateEnabledForClient: true });
    const { token, connectionId, accountId } = await s.merchant();
    const unknown = await s.call("POST", "/api/v2/tests/mockBatchUpdate", token, {
      mockBankConnectionUpdates: [{ bankConnectionId: 999, mockAccountsData: [] }],
    });
    expect(unknown.status).toBe(404);
    const many = Array.from({ length: 1001 }, (_, i) => ({
      amount: i + 1,
      bookingDate: "2027-03-01",
    }));
    const tooMany = await s.call("POST", "/api/v2/tests/mockBatchUpdate", token, {
      mockBankConnectionUpdates: [
        {
          bankConnectionId: connectionId,
          mockAccountsData: [{ accountId, accountBalance: 0, newTransactions: many }],
        },
      ],
    });
    expect(tooMany.status).toBe(422);
    s.control.createUser({ id: "auto", password: "s3cret-pass", isAutoUpdateEnabled: true });
    const auto = await s.call(
      "POST",
      "/api/v2/tests/mockBatchUpdate",
      await s.userToken("auto", "s3cret-pass"),
      { mockBankConnectionUpdates: [] },
    );
    expect(auto.status).toBe(422);
    expectStandardError((await auto.json()) as Json, "ILLEGAL_ENTITY_STATE");
  });

  it("sends NEW_TRANSACTIONS to the notification callback when asked", async () => {
    const received: Json[] = [];
    const s = setup({
      notificationCallbackUrl: "https://tarif.example/notify",
      callbackFetch: async (request) => (
        received.push((await request.json()) as Json),
        new Response(null)
      ),
    });
    const { token, connectionId, accountId } = await s.merchant();
    const rule = await s.call("POST", "/api/v2/notificationRules", token, {
      triggerEvent: "NEW_TRANSACTIONS",
      params: { accountIds: String(accountId) },
      callbackHandle: "merchant-1",
      includeDetails: false,
    });
    expect(rule.status).toBe(201);
    await s.call("POST", "/api/v2/tests/mockBatchUpdate", token, {
      mockBankConnectionUpdates: [
        {
          bankConnectionId: connectionId,
          mockAccountsData: [
            {
              accountId,
              accountBalance: 1244.56,
              newTransactions: [{ amount: 10, bookingDate: "2027-03-01" }],
            },
          ],
        },
      ],
      triggerNotifications: true,
    });
    expect(received).toEqual([
      {
        notificationRuleId: 1,
        triggerEvent: "NEW_TRANSACTIONS",
        callbackHandle: "merchant-1",
        newTransactions: [expect.objectContaining({ accountId, newTransactionsCount: 1 })],
      },
    ]);
  });
});

describe("notification rules", () => {
  it("201, list, read, delete; 422 for an unknown trigger event", async () => {
    const s = setup();
    const { token } = await s.merchant();
    const created = (await (
      await s.call("POST", "/api/v2/notificationRules", token, { triggerEvent: "BANK_LOGIN_ERROR" })
    ).json()) as Json;
    expect(created).toEqual({
      id: 1,
      triggerEvent: "BANK_LOGIN_ERROR",
      params: null,
      callbackHandle: null,
      includeDetails: false,
    });
    expect(
      ((await (await s.call("GET", "/api/v2/notificationRules", token)).json()) as Json)
        .notificationRules,
    ).toHaveLength(1);
    expect((await s.call("DELETE", "/api/v2/notificationRules/1", token)).status).toBe(200);
    expect((await s.call("GET", "/api/v2/notificationRules/1", token)).status).toBe(404);
    const bad = await s.call("POST", "/api/v2/notificationRules", token, {
      triggerEvent: "EVERYTHING",
    });
    expect(bad.status).toBe(422);
  });
});

describe("fault injection", () => {
  it("5xx for the next N matching calls, in each host's shape; gateways answer HTML", async () => {
    const s = setup();
    const { token } = await s.merchant();
    s.control.failNext(2, 500, { path: "/api/v2/accounts" });
    const first = await s.call("GET", "/api/v2/accounts", token);
    expect(first.status).toBe(500);
    expectStandardError((await first.json()) as Json, "UNEXPECTED_ERROR");
    expect((await s.call("GET", "/api/v2/accounts", token)).status).toBe(500);
    expect((await s.call("GET", "/api/v2/accounts", token)).status).toBe(200);
    s.control.failNext(1, 500, { path: /^\/api\/webForms/ });
    const wf = await s.call("POST", "/api/webForms/bankConnectionImport", token, {});
    expectWebFormError((await wf.json()) as Json, "INTERNAL_SERVER_ERROR");
    s.control.failNext(1, 503);
    const gateway = await s.call("GET", "/api/v2/accounts", token);
    expect(gateway.status).toBe(503);
    expect(gateway.headers.get("Content-Type")).toBe("text/html");
    expect(s.control.requests.at(-1)).toMatchObject({ status: 503, fault: "status 503" });
  });

  it("skip + query target one page; truncate cuts the body; slow waits on the injected sleep", async () => {
    const waited: number[] = [];
    const s = setup({ sleep: async (ms) => void waited.push(ms) });
    const { token, accountId } = await s.merchant();
    s.control.addGeneratedTransactions(accountId, 30);
    s.control.injectFault({ path: "/api/v2/transactions", skip: 1, status: 423 });
    expect((await s.call("GET", "/api/v2/transactions?view=bankView", token)).status).toBe(200);
    expect((await s.call("GET", "/api/v2/transactions?view=bankView&page=2", token)).status).toBe(
      423,
    );
    s.control.truncateNext(1);
    expect(() => JSON.parse("")).toThrow();
    const cut = await (await s.call("GET", "/api/v2/transactions?view=bankView", token)).text();
    expect(() => JSON.parse(cut)).toThrow();
    s.control.slowNext(1, 2500);
    expect((await s.call("GET", "/api/v2/accounts", token)).status).toBe(200);
    expect(waited).toEqual([2500]);
    s.control.shortPageNext(1, 5);
    const short = (await (
      await s.call("GET", "/api/v2/transactions?view=bankView", token)
    ).json()) as Json;
    expect(short.transactions).toHaveLength(15);
    expect(short.paging.totalCount).toBe(30);
  });

  it("expireTokens turns every token into a 401", async () => {
    const s = setup();
    const { token } = await s.merchant();
    expect(s.control.expireTokens()).toBe(1);
    expect((await s.call("GET", "/api/v2/accounts", token)).status).toBe(401);
  });

  it("unknown endpoints are 404 in finAPI's shape", async () => {
    const s = setup();
    const response = await s.call("GET", "/api/v2/nothing", null);
    expect(response.status).toBe(404);
    expectStandardError((await response.json()) as Json, "UNKNOWN_ENTITY");
  });
});

describe("test hooks over HTTP", () => {
  it("adds transactions, returned debits and faults through /__fake/*", async () => {
    const s = setup();
    const { token, accountId } = await s.merchant();
    const added = await s.call("POST", "/__fake/transactions", null, {
      accountId,
      transactions: [{ amountCents: 1999, purpose: "RE-1" }],
    });
    expect(added.status).toBe(201);
    await s.call("POST", "/__fake/returned-debits", null, {
      accountId,
      originalAmountCents: 1999,
      endToEndReference: "E2E",
    });
    expect(s.control.transactions({ accountId }).map((t) => t.amount)).toEqual([19.99, -22.99]);
    await s.call("POST", "/__fake/faults", null, { status: 423, path: "/api/v2/accounts" });
    expect((await s.call("GET", "/api/v2/accounts", token)).status).toBe(423);
    const state = (await (await s.call("GET", "/__fake/state", null)).json()) as Json;
    expect(state.transactionCount).toBe(2);
    expect(
      (await s.call("POST", "/__fake/transactions", null, { accountId: 999, transactions: [] }))
        .status,
    ).toBe(400);
  });
});

describe("server.ts", () => {
  it("serves the app over node:http, bodies and headers intact", async () => {
    const server = await startFakeFinapiServer(0);
    try {
      const { control } = server.fake;
      const token = await fetch(`${server.url}/api/v2/oauth/token`, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "X-Request-Id": "over-http",
        },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: control.clientId,
          client_secret: control.clientSecret,
        }),
      });
      expect(token.status).toBe(200);
      expect(token.headers.get("x-request-id")).toBe("over-http");
      const { access_token } = (await token.json()) as Json;
      const created = await fetch(`${server.url}/api/v2/users`, {
        method: "POST",
        headers: { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ id: "over-http" }),
      });
      expect(created.status).toBe(201);
      expect(((await created.json()) as Json).id).toBe("over-http");
    } finally {
      await server.close();
    }
  });
});

describe("finAPI in production: updates, consent, accounts, deletion", () => {
  const update = (call: ReturnType<typeof setup>["call"], token: string, body: Json) =>
    call("POST", "/api/v2/bankConnections/update", token, body);

  it("accepts 4 unattended updates a Berlin day and refuses the fifth with a clear error; PSU updates are not counted", async () => {
    const { call, clock, control, merchant, userToken } = setup();
    const { user, token, connectionId } = await merchant();
    for (let i = 0; i < 4; i++) {
      expect((await update(call, token, { bankConnectionId: connectionId })).status).toBe(200);
      await control.tick();
    }
    const fifth = await update(call, token, { bankConnectionId: connectionId });
    expect(fifth.status).toBe(422);
    const body = (await fifth.json()) as Json;
    expectStandardError(body, "BANK_SERVER_REJECTION");
    expect(body.errors[0].message).toMatch(/at most 4 unattended accesses per day/);
    const present = await call(
      "POST",
      "/api/v2/bankConnections/update",
      token,
      { bankConnectionId: connectionId },
      { "PSU-IP-Address": "203.0.113.7" },
    );
    expect(present.status).toBe(200);
    expect(control.unattendedUpdates(connectionId)).toEqual({ "2027-03-01": 4 });
    // The next day in Berlin (UTC+1 in March) the budget is fresh.
    clock.now = Date.parse("2027-03-01T23:00:00Z");
    await control.tick();
    const later = await userToken(user.id, user.password);
    expect((await update(call, later, { bankConnectionId: connectionId })).status).toBe(200);
    expect(control.unattendedUpdates(connectionId)).toEqual({ "2027-03-01": 4, "2027-03-02": 1 });
  });

  it("answers 510 once the consent has lapsed and flags userActionRequired; a renewal form gives 90 days more", async () => {
    const { call, clock, control, merchant } = setup();
    const { token, connectionId } = await merchant();
    control.setConsentExpiry(connectionId, clock.now + 1000);
    clock.now += 2000;
    const lapsed = await update(call, token, { bankConnectionId: connectionId });
    expect(lapsed.status).toBe(510);
    expectStandardError((await lapsed.json()) as Json, "ADDITIONAL_AUTHENTICATION_REQUIRED");
    expect(control.bankConnection(connectionId)).toMatchObject({
      interfaces: [{ userActionRequired: true }],
    });
    const form = (await (
      await call("POST", "/api/webForms/bankConnectionUpdate", token, {
        bank: { bankConnectionId: connectionId },
      })
    ).json()) as Json;
    await control.completeWebForm(form.id as string);
    const renewed = control.bankConnection(connectionId) as Json;
    expect(renewed.interfaces[0].userActionRequired).toBe(false);
    expect(Date.parse(renewed.interfaces[0].aisConsent.expiresAt)).toBe(
      clock.now + 90 * 86_400_000,
    );
    expect((await update(call, token, { bankConnectionId: connectionId })).status).toBe(200);
  });

  it("shows an account opened at the bank only after an update importing new accounts, with its bookings; a closed one goes", async () => {
    const { call, control, merchant } = setup();
    const { token, connectionId, accountIds } = await merchant();
    const opened = control.openBankAccount(connectionId, { accountName: "Tagesgeld" });
    control.queueBankTransactions(opened.id, [{ amountCents: 700 }]);
    const listed = async () =>
      (
        ((await (await call("GET", "/api/v2/accounts", token)).json()) as Json).accounts as Json[]
      ).map((account) => account.id as number);
    expect(await listed()).toEqual(accountIds);
    await update(call, token, { bankConnectionId: connectionId, importNewAccounts: false });
    await control.tick();
    expect(await listed()).toEqual(accountIds);
    await update(call, token, { bankConnectionId: connectionId, importNewAccounts: true });
    await control.tick();
    expect(await listed()).toEqual([...accountIds, opened.id]);
    expect(control.transactions({ accountId: opened.id }).map((t) => t.amount)).toEqual([7]);
    control.closeBankAccount(opened.id);
    await update(call, token, { bankConnectionId: connectionId });
    await control.tick();
    expect(await listed()).toEqual(accountIds);
    expect(control.transactions({ accountId: opened.id })).toEqual([]);
  });

  it("deletes a bank connection and a user with everything they hold", async () => {
    const { call, control, merchant, userToken } = setup();
    const { user, token, connectionId, accountId } = await merchant();
    control.addTransactions(accountId, [{ amountCents: 100 }]);
    const second = control.createBankConnection(user.id);
    expect((await call("DELETE", `/api/v2/bankConnections/${connectionId}`, token)).status).toBe(
      200,
    );
    expect(control.bankConnection(connectionId)).toBeUndefined();
    expect(control.transactions({ accountId })).toEqual([]);
    expect((await call("DELETE", `/api/v2/bankConnections/${connectionId}`, token)).status).toBe(
      404,
    );
    expect((await call("DELETE", "/api/v2/users", token)).status).toBe(200);
    expect(control.user(user.id)).toBeUndefined();
    expect(control.bankConnection(second.id)).toBeUndefined();
    // Its token is gone and its credentials no longer work.
    expect((await call("GET", "/api/v2/users", token)).status).toBe(401);
    expect(await userToken(user.id, user.password)).toBeUndefined();
  });
});
