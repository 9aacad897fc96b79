// The finAPI endpoints of the merchant API against the fake finAPI (inside the test isolate):
// settings with the encrypted secret, the finAPI user, bank connections through Web Form 2.0
// (callback and polling), on-demand sync and the bank transaction list — each with its happy
// path, bad input, and another merchant's ids answering 404.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FINAPI_HOSTS } from "../../worker/banking/finapi/client.ts";
import { decryptSecret } from "../../worker/security.ts";
import { expectProblem, json } from "./helpers.ts";
import { finapiWorld, rows } from "./finapi-fixture.ts";

interface SettingsRow {
  client_secret_ciphertext: string;
  user_id: string | null;
  user_password_ciphertext: string | null;
}

describe("PUT/GET /api/v1/finapi/settings", () => {
  it("stores the credentials with the secret encrypted, and never returns the secret", async () => {
    const world = finapiWorld();
    const { id, apiKey } = await world.merchant();
    await expectProblem(
      await world.api("/api/v1/finapi/settings", { key: apiKey }),
      404,
      "not_found",
    );

    const put = await json(
      await world.api("/api/v1/finapi/settings", {
        key: apiKey,
        method: "PUT",
        body: { clientId: "client-1", clientSecret: "s3cret-value", environment: "sandbox" },
      }),
      200,
    );
    expect(put).toMatchObject({
      clientId: "client-1",
      clientSecretSet: true,
      environment: "sandbox",
      baseUrl: FINAPI_HOSTS.sandbox.apiBaseUrl,
      webFormBaseUrl: FINAPI_HOSTS.sandbox.webFormBaseUrl,
      user: null,
    });
    const response = await world.api("/api/v1/finapi/settings", { key: apiKey });
    const text = await response.text();
    expect(text).not.toContain("s3cret-value");
    expect(JSON.parse(text)).toEqual(put);

    const [row] = await rows<SettingsRow>("finapi_settings", id);
    expect(row!.client_secret_ciphertext).not.toContain("s3cret-value");
    expect(
      await decryptSecret(
        row!.client_secret_ciphertext,
        env.ENCRYPTION_KEY,
        `finapi_settings:${id}:client_secret`,
      ),
    ).toBe("s3cret-value");
    // Bound to its row: it does not decrypt as another merchant's secret.
    await expect(
      decryptSecret(
        row!.client_secret_ciphertext,
        env.ENCRYPTION_KEY,
        "finapi_settings:mer_other:client_secret",
      ),
    ).rejects.toThrow();

    const live = await json(
      await world.api("/api/v1/finapi/settings", {
        key: apiKey,
        method: "PUT",
        body: { clientId: "client-1", clientSecret: "x", environment: "live" },
      }),
      200,
    );
    expect(live).toMatchObject({ environment: "live", baseUrl: FINAPI_HOSTS.live.apiBaseUrl });
    const custom = await json(
      await world.api("/api/v1/finapi/settings", {
        key: apiKey,
        method: "PUT",
        body: { clientId: "c", clientSecret: "x", baseUrl: "http://localhost:8788/" },
      }),
      200,
    );
    expect(custom).toMatchObject({
      environment: "custom",
      baseUrl: "http://localhost:8788",
      webFormBaseUrl: "http://localhost:8788",
    });
  });

  it.each([
    [{ clientSecret: "x", environment: "sandbox" }, "clientId"],
    [{ clientId: "c", environment: "sandbox" }, "clientSecret"],
    [{ clientId: "", clientSecret: "x", environment: "sandbox" }, "clientId"],
    [{ clientId: "c", clientSecret: "x", environment: "production" }, "environment"],
    [{ clientId: "c", clientSecret: "x" }, "environment"],
    [
      {
        clientId: "c",
        clientSecret: "x",
        environment: "sandbox",
        baseUrl: "http://localhost:8788",
      },
      "environment",
    ],
    [{ clientId: "c", clientSecret: "x", baseUrl: "ftp://example.com" }, "baseUrl"],
    [{ clientId: "c", clientSecret: "x", webFormBaseUrl: "http://localhost:8788" }, "baseUrl"],
    [{ clientId: "c", clientSecret: "x", environment: "sandbox", apiKey: "nope" }, "apiKey"],
    [{ clientId: 7, clientSecret: "x", environment: "sandbox" }, "clientId"],
  ])("rejects %j naming %s", async (body, field) => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    const problem = await expectProblem(
      await world.api("/api/v1/finapi/settings", { key: apiKey, method: "PUT", body }),
      400,
      "validation_failed",
    );
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it("allows other finAPI hosts only in development", async () => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    const body = { clientId: "c", clientSecret: "x", baseUrl: "http://localhost:8788" };
    const problem = await expectProblem(
      await world.api("/api/v1/finapi/settings", {
        key: apiKey,
        method: "PUT",
        body,
        bindings: { ENVIRONMENT: "production" },
      }),
      400,
      "validation_failed",
    );
    expect(problem.errors).toEqual([
      { field: "baseUrl", message: expect.stringContaining("development") },
    ]);
    await json(
      await world.api("/api/v1/finapi/settings", {
        key: apiKey,
        method: "PUT",
        body,
        bindings: { ENVIRONMENT: "development" },
      }),
      200,
    );
  });

  it("refuses to move to another client or environment while a finAPI user exists", async () => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    await world.configure(apiKey);
    await json(await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }), 201);
    await expectProblem(
      await world.api("/api/v1/finapi/settings", {
        key: apiKey,
        method: "PUT",
        body: { clientId: "other", clientSecret: "x", environment: "live" },
      }),
      409,
      "finapi_user_exists",
    );
    // Rotating the secret of the same client is fine.
    await world.configure(apiKey, { clientSecret: world.control.clientSecret });
  });

  it("answers 404 to another merchant", async () => {
    const world = finapiWorld();
    const first = await world.merchant("A");
    const second = await world.merchant("B");
    await world.configure(first.apiKey);
    await expectProblem(
      await world.api("/api/v1/finapi/settings", { key: second.apiKey }),
      404,
      "not_found",
    );
  });
});

describe("/api/v1/finapi/user", () => {
  it("creates the finAPI user with the client token and stores its password encrypted", async () => {
    const world = finapiWorld();
    const { id, apiKey } = await world.merchant();
    await expectProblem(
      await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }),
      422,
      "finapi_not_configured",
    );
    await world.configure(apiKey);

    const user = await json(await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }), 201);
    expect(Object.keys(user).sort()).toEqual(["createdAt", "id"]);
    expect(user.id).toMatch(/^tarif-[0-9a-z]{26}$/);
    expect(world.control.user(user.id)).toBeDefined();
    const [row] = await rows<SettingsRow>("finapi_settings", id);
    const password = await decryptSecret(
      row!.user_password_ciphertext!,
      env.ENCRYPTION_KEY,
      `finapi_settings:${id}:user_password:${user.id}`,
    );
    expect(world.control.user(user.id)!.password).toBe(password);
    expect(
      (await json(await world.api("/api/v1/finapi/settings", { key: apiKey }), 200)).user,
    ).toEqual(user);

    await expectProblem(
      await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }),
      409,
      "finapi_user_exists",
    );
  });

  it("replays the first answer for the same Idempotency-Key", async () => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    await world.configure(apiKey);
    const headers = { "idempotency-key": "user-1" };
    const first = await json(
      await world.api("/api/v1/finapi/user", { key: apiKey, body: {}, headers }),
      201,
    );
    const again = await world.api("/api/v1/finapi/user", { key: apiKey, body: {}, headers });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(again, 201)).toEqual(first);
  });

  it("rejects bad input, rejected credentials and an unavailable finAPI", async () => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    await world.configure(apiKey, { clientSecret: "wrong" });
    await expectProblem(
      await world.api("/api/v1/finapi/user", { key: apiKey, body: { password: "mine" } }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }),
      422,
      "finapi_credentials_rejected",
    );
    await world.configure(apiKey);
    // 501 is not retried, so this answers at once.
    world.control.failNext(1, 501, { path: "/api/v2/users" });
    const problem = await expectProblem(
      await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }),
      502,
      "upstream_unavailable",
    );
    expect(problem.detail).toContain("501");
  });

  it("forgets the user: its connections stop syncing, and another merchant gets 404", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const other = await world.merchant("Other");
    await expectProblem(
      await world.api("/api/v1/finapi/user", { key: other.apiKey, method: "DELETE" }),
      404,
      "not_found",
    );

    expect(
      await json(await world.api("/api/v1/finapi/user", { key: m.apiKey, method: "DELETE" }), 200),
    ).toEqual({ id: m.userId, deleted: true });
    const connections = (
      await json(await world.api("/api/v1/finapi/bank-connections", { key: m.apiKey }), 200)
    ).data;
    expect(connections.map((c: { status: string }) => c.status)).toEqual(["disconnected"]);
    await expectProblem(
      await world.api("/api/v1/reconciliation/runs", { key: m.apiKey, body: {} }),
      422,
      "finapi_not_connected",
    );
    await expectProblem(
      await world.api("/api/v1/finapi/user", { key: m.apiKey, method: "DELETE" }),
      404,
      "not_found",
    );
    // Now the merchant may move, e.g. from the sandbox to live.
    await json(
      await world.api("/api/v1/finapi/settings", {
        key: m.apiKey,
        method: "PUT",
        body: { clientId: "live-client", clientSecret: "x", environment: "live" },
      }),
      200,
    );
  });
});

describe("/api/v1/finapi/bank-connections", () => {
  it("starts a web form import whose finalised callback completes the connection", async () => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    await world.configure(apiKey);
    await expectProblem(
      await world.api("/api/v1/finapi/bank-connections", { key: apiKey, body: {} }),
      422,
      "finapi_user_missing",
    );
    await json(await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }), 201);

    const started = await json(
      await world.api("/api/v1/finapi/bank-connections", {
        key: apiKey,
        body: { bankId: 280001, name: "Geschäftskonto" },
      }),
      201,
    );
    expect(started).toMatchObject({
      id: expect.stringMatching(/^bcn_/),
      status: "pending",
      webFormId: expect.any(String),
      url: `${world.baseUrl}/wf/${started.webFormId}`,
    });
    const form = world.control.webForm(started.webFormId)!;
    expect(form.status).toBe("NOT_YET_OPENED");

    await world.control.completeWebForm(started.webFormId);
    expect(world.control.callbacks.at(-1)).toMatchObject({
      url: expect.stringMatching(
        /^http:\/\/tarif\.test\/finapi\/callbacks\/web-forms\/[0-9a-z]{40}$/,
      ),
      status: 200,
    });
    const listed = await json(
      await world.api("/api/v1/finapi/bank-connections", { key: apiKey }),
      200,
    );
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({
      id: started.id,
      status: "active",
      url: null,
      bankName: "finAPI Test Bank",
      finapiConnectionId: expect.any(Number),
      accounts: [
        expect.objectContaining({
          type: "Checking",
          currency: "EUR",
          iban: expect.stringMatching(/^DE/),
        }),
        expect.objectContaining({ type: "Savings" }),
      ],
      sync: {
        status: "never",
        lastSyncAt: null,
        lastAttemptAt: null,
        consecutiveFailures: 0,
        error: null,
      },
    });

    // The callback URL is single-use.
    const callbackUrl = world.control.callbacks.at(-1)!.url;
    await expectProblem(
      await world.invoke(
        new Request(callbackUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ webFormId: started.webFormId, status: "COMPLETED" }),
        }),
      ),
      404,
      "not_found",
    );
  });

  it("completes by polling when the callback never arrives, and records a failed form", async () => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    await world.configure(apiKey);
    await json(await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }), 201);
    world.dropCallbacks();
    const completed = await json(
      await world.api("/api/v1/finapi/bank-connections", { key: apiKey, body: {} }),
      201,
    );
    const aborted = await json(
      await world.api("/api/v1/finapi/bank-connections", {
        key: apiKey,
        body: { bankSearch: "Testbank" },
      }),
      201,
    );
    const open = await json(
      await world.api("/api/v1/finapi/bank-connections", { key: apiKey, body: {} }),
      201,
    );
    await world.control.completeWebForm(completed.webFormId);
    await world.control.completeWebForm(aborted.webFormId, { status: "ABORTED" });

    const listed = (
      await json(await world.api("/api/v1/finapi/bank-connections", { key: apiKey }), 200)
    ).data;
    expect(listed.map((c: { status: string }) => c.status)).toEqual([
      "active",
      "failed",
      "pending",
    ]);
    expect(listed[1].error).toEqual({ code: "ABORTED", message: "The web form was aborted." });
    expect(listed[2]).toMatchObject({
      id: open.id,
      url: open.url,
      webFormExpiresAt: expect.any(String),
    });

    // finAPI unreachable while polling: the stored state is answered, the form stays pending.
    world.control.failNext(1, 501, { path: /^\/api\/webForms\// });
    expect(
      await json(
        await world.api(`/api/v1/finapi/bank-connections/${open.id}`, { key: apiKey }),
        200,
      ),
    ).toMatchObject({ status: "pending" });
    // An expired form fails too, read through the single-connection endpoint.
    world.advance(21 * 60_000);
    expect(
      await json(
        await world.api(`/api/v1/finapi/bank-connections/${open.id}`, { key: apiKey }),
        200,
      ),
    ).toMatchObject({ status: "failed", error: { code: "EXPIRED" } });
  });

  it.each([
    [{ bankId: "280001" }, "bankId"],
    [{ bankId: 0 }, "bankId"],
    [{ bankId: 280001, bankSearch: "Sparkasse" }, "bankSearch"],
    [{ name: "x".repeat(81) }, "name"],
    [{ callbacks: { finalised: "https://evil.example" } }, "callbacks"],
  ])("rejects %j naming %s", async (body, field) => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    const problem = await expectProblem(
      await world.api("/api/v1/finapi/bank-connections", { key: apiKey, body }),
      400,
      "validation_failed",
    );
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it("passes finAPI's refusal of an unsupported bank on as 422", async () => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    await world.configure(apiKey);
    await json(await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }), 201);
    const problem = await expectProblem(
      await world.api("/api/v1/finapi/bank-connections", { key: apiKey, body: { bankId: 280099 } }),
      422,
      "finapi_rejected",
    );
    expect(problem.detail).toContain("BANK_NOT_SUPPORTED");
    expect(
      (await json(await world.api("/api/v1/finapi/bank-connections", { key: apiKey }), 200)).data,
    ).toEqual([]);
  });

  it("answers 404 to another merchant and for malformed ids", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const other = await world.merchant("Other");
    await expectProblem(
      await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}`, { key: other.apiKey }),
      404,
      "not_found",
    );
    expect(
      (await json(await world.api("/api/v1/finapi/bank-connections", { key: other.apiKey }), 200))
        .data,
    ).toEqual([]);
    await expectProblem(
      await world.api("/api/v1/finapi/bank-connections/bcn_nope", { key: m.apiKey }),
      400,
      "validation_failed",
    );
  });
});

describe("POST /finapi/callbacks/web-forms/{token}", () => {
  it("answers 404 to unknown tokens and to another form's id, 400 to a bad body", async () => {
    const world = finapiWorld();
    const { id, apiKey } = await world.merchant();
    await world.configure(apiKey);
    await json(await world.api("/api/v1/finapi/user", { key: apiKey, body: {} }), 201);
    world.dropCallbacks();
    const started = await json(
      await world.api("/api/v1/finapi/bank-connections", { key: apiKey, body: {} }),
      201,
    );
    await world.control.completeWebForm(started.webFormId);
    const url = world.control.callbacks.at(-1)!.url;
    const post = (target: string, body: string) =>
      world.invoke(
        new Request(target, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }),
      );

    await expectProblem(
      await post(
        "http://tarif.test/finapi/callbacks/web-forms/" + "a".repeat(40),
        JSON.stringify({ webFormId: started.webFormId }),
      ),
      404,
      "not_found",
    );
    await expectProblem(
      await post("http://tarif.test/finapi/callbacks/web-forms/short", "{}"),
      404,
      "not_found",
    );
    await expectProblem(
      await post(url, JSON.stringify({ webFormId: "another-form" })),
      404,
      "not_found",
    );
    await expectProblem(await post(url, "{not json"), 400, "malformed_json");
    await expectProblem(
      await post(url, JSON.stringify({ webFormId: 12 })),
      400,
      "validation_failed",
    );
    // Still pending: none of these settled it. The real callback does.
    expect(
      (await rows<{ status: string }>("finapi_bank_connections", id)).map((row) => row.status),
    ).toEqual(["pending"]);
    expect(
      await json(
        await post(url, JSON.stringify({ webFormId: started.webFormId, status: "COMPLETED" })),
        200,
      ),
    ).toEqual({ received: true });
  });
});

describe("POST /api/v1/reconciliation/runs and GET /api/v1/bank-transactions", () => {
  it("syncs on demand and lists the transactions by status, page by page", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    world.control.addGeneratedTransactions(m.accountId, 5);
    world.control.addReturnedDebit(m.accountId, {
      originalAmountCents: 2990,
      endToEndReference: "RE-2027-000042",
      mandateReference: "MND-7",
    });
    world.control.addTransactions(m.accountId, [{ amountCents: 100, isPotentialDuplicate: true }]);

    const run = await json(
      await world.api("/api/v1/reconciliation/runs", { key: m.apiKey, body: {} }),
      200,
    );
    expect(run).toMatchObject({
      imported: 7,
      review: 1,
      parked: 0,
      duplicates: 0,
      failed: 0,
      connections: [{ bankConnectionId: m.connectionId, status: "succeeded", error: null }],
    });
    const again = await json(
      await world.api("/api/v1/reconciliation/runs", { key: m.apiKey, body: {} }),
      200,
    );
    expect(again).toMatchObject({ imported: 0, duplicates: 7 });

    const firstPage = await json(
      await world.api("/api/v1/bank-transactions?limit=4", { key: m.apiKey }),
      200,
    );
    expect(firstPage.data).toHaveLength(4);
    const secondPage = await json(
      await world.api(`/api/v1/bank-transactions?limit=4&cursor=${firstPage.nextCursor}`, {
        key: m.apiKey,
      }),
      200,
    );
    expect(secondPage).toMatchObject({ nextCursor: null });
    expect(secondPage.data).toHaveLength(3);
    const all = [...firstPage.data, ...secondPage.data];
    expect(all.map((t) => t.finapiId)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const returned = all.find((t) => t.finapiId === 6);
    expect(returned).toMatchObject({
      amount: -3290,
      currency: "EUR",
      typeCodeZka: "109",
      typeCodeSwift: "NRTI",
      bankTransactionCode: "PMNT-IDDT-UPDD",
      originalAmount: -2990,
      compensationAmount: -300,
      endToEndReference: "RE-2027-000042",
      counterpartMandateReference: "MND-7",
      counterpartCreditorId: "DE98ZZZ09999999999",
      // Reconciliation ran after the sync: a return of no collection of ours waits for a person.
      status: "review",
      review: { reason: "return_not_linked", candidates: [] },
      matchedRule: null,
      invoiceIds: [],
      bankConnectionId: m.connectionId,
    });
    expect(returned.purpose).toContain("Rueckgabegrund: AM04");
    expect(
      await json(
        await world.api(`/api/v1/bank-transactions/${returned.id}`, { key: m.apiKey }),
        200,
      ),
    ).toEqual(returned);

    // Nothing is open to pay, so every line waits in the review queue; the duplicate says why.
    const review = await json(
      await world.api("/api/v1/bank-transactions?status=review", { key: m.apiKey }),
      200,
    );
    expect(review.data.map((t: { finapiId: number }) => t.finapiId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(review.data[6].statusReason).toContain("potential duplicate");
    expect(review.data[6].review).toEqual({ reason: "potential_duplicate", candidates: [] });

    const connection = (
      await json(
        await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}`, { key: m.apiKey }),
        200,
      )
    ).sync;
    expect(connection).toMatchObject({
      status: "succeeded",
      lastSyncAt: world.now().toISOString(),
      error: null,
    });
  });

  it("answers 422 before finAPI is set up, 409 while a sync runs, 400 to bad input", async () => {
    const world = finapiWorld();
    const { apiKey } = await world.merchant();
    await expectProblem(
      await world.api("/api/v1/reconciliation/runs", { key: apiKey, body: {} }),
      422,
      "finapi_not_configured",
    );
    await world.configure(apiKey);
    await expectProblem(
      await world.api("/api/v1/reconciliation/runs", { key: apiKey, body: {} }),
      422,
      "finapi_not_connected",
    );

    const m = await world.connectedMerchant("Busy");
    await expectProblem(
      await world.api("/api/v1/reconciliation/runs", { key: m.apiKey, body: { dryRun: true } }),
      400,
      "validation_failed",
    );
    await env.DB.prepare("UPDATE finapi_settings SET sync_lease_until = ? WHERE merchant_id = ?")
      .bind(new Date(world.clock.now + 60_000).toISOString(), m.merchantId)
      .run();
    await expectProblem(
      await world.api("/api/v1/reconciliation/runs", { key: m.apiKey, body: {} }),
      409,
      "sync_in_progress",
    );

    await expectProblem(
      await world.api("/api/v1/bank-transactions?status=booked", { key: m.apiKey }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await world.api("/api/v1/bank-transactions?limit=500", { key: m.apiKey }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await world.api("/api/v1/bank-transactions/btx_1", { key: m.apiKey }),
      400,
      "validation_failed",
    );
  });

  it("shows another merchant nothing: an empty list and 404 for the id", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const other = await world.merchant("Other");
    world.control.addGeneratedTransactions(m.accountId, 2);
    await json(await world.api("/api/v1/reconciliation/runs", { key: m.apiKey, body: {} }), 200);
    const [mine] = (
      await json(await world.api("/api/v1/bank-transactions", { key: m.apiKey }), 200)
    ).data;
    expect(
      (await json(await world.api("/api/v1/bank-transactions", { key: other.apiKey }), 200)).data,
    ).toEqual([]);
    await expectProblem(
      await world.api(`/api/v1/bank-transactions/${mine.id}`, { key: other.apiKey }),
      404,
      "not_found",
    );
  });
});
