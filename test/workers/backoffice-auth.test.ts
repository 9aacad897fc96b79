// Back-office sign-in and roles through the merchant API: users per merchant, PBKDF2 passwords,
// the session cookie, CSRF on every state change, throttling, sign-out everywhere, and the role
// table enforced on the server (a viewer's POST is 403 even when sent by hand).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createCatalogue, expectProblem, json } from "./helpers.ts";

const PASSWORD = "correct horse battery";
let sequence = 0;
const uniqueEmail = (who: string) => `${who}.${Date.now()}.${sequence++}@example.com`;

async function merchantWithOwner() {
  const email = uniqueEmail("owner");
  const merchant = await json(
    await call("/admin/v1/merchants", {
      key: ADMIN_TOKEN,
      body: { name: "Stadtwerke Login", owner: { email, password: PASSWORD } },
    }),
    201,
  );
  return { ...merchant, email } as { id: string; apiKey: string; email: string };
}

interface Session {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function signIn(email: string, password = PASSWORD, ip = "198.51.100.7"): Promise<Session> {
  const response = await call("/api/v1/auth/login", {
    body: { email, password },
    headers: { "cf-connecting-ip": ip },
  });
  const body = await json(response, 200);
  const setCookie = response.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0]!, csrf: body.csrfToken, setCookie };
}

/** A request as the app sends it: the cookie, and the CSRF header unless left out. */
function asUser(
  session: Session,
  path: string,
  options: { method?: string; body?: unknown; csrf?: boolean } = {},
) {
  return call(path, {
    method: options.method,
    body: options.body,
    headers: {
      cookie: session.cookie,
      ...(options.csrf === false ? {} : { "x-csrf-token": session.csrf }),
    },
  });
}

async function addUser(apiKey: string, role: string) {
  const email = uniqueEmail(role);
  await json(
    await call("/api/v1/users", { key: apiKey, body: { email, password: PASSWORD, role } }),
    201,
  );
  return signIn(email);
}

describe("back-office users", () => {
  it("creates the first owner with the merchant and signs in with a secure session cookie", async () => {
    const merchant = await merchantWithOwner();
    const session = await signIn(merchant.email.toUpperCase());
    expect(session.setCookie).toMatch(/^tarif_session=ses_[0-9a-z]{40};/);
    for (const attribute of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1"])
      expect(session.setCookie).toContain(attribute);
    const me = await json(await asUser(session, "/api/v1/auth/session"), 200);
    expect(me.user).toMatchObject({ email: merchant.email, role: "owner" });
    expect(me.merchant).toEqual({ id: merchant.id, name: "Stadtwerke Login" });
    expect(me.csrfToken).toBe(session.csrf);
    const articles = await json(await asUser(session, "/api/v1/articles"), 200);
    expect(articles.data).toEqual([]);
  });

  it("stores PBKDF2-SHA-256 hashes with 100 000 iterations and a salt per user, and only session hashes", async () => {
    const merchant = await merchantWithOwner();
    await addUser(merchant.apiKey, "viewer");
    await signIn(merchant.email);
    const { results } = await env.DB.prepare(
      "SELECT password_hash FROM users WHERE merchant_id = ?",
    )
      .bind(merchant.id)
      .all<{ password_hash: string }>();
    expect(results).toHaveLength(2);
    const salts = results.map((row) => {
      const [scheme, iterations, salt, hash] = row.password_hash.split("$");
      expect(scheme).toBe("pbkdf2-sha256");
      expect(Number(iterations)).toBeGreaterThanOrEqual(100_000);
      expect(atob(hash!)).toHaveLength(32);
      expect(row.password_hash).not.toContain(PASSWORD);
      return salt;
    });
    expect(new Set(salts).size).toBe(2);
    const sessions = await env.DB.prepare(
      "SELECT token_hash FROM user_sessions WHERE merchant_id = ?",
    )
      .bind(merchant.id)
      .all<{ token_hash: string }>();
    for (const row of sessions.results) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("lists and removes users; removing a user ends their sessions; the last owner stays", async () => {
    const merchant = await merchantWithOwner();
    const owner = await signIn(merchant.email);
    const email = uniqueEmail("accountant");
    const created = await json(
      await asUser(owner, "/api/v1/users", {
        body: { email, password: PASSWORD, role: "accountant" },
      }),
      201,
    );
    expect(created).toMatchObject({ email, role: "accountant" });
    expect(created).not.toHaveProperty("passwordHash");
    const accountant = await signIn(email);
    const list = await json(await asUser(owner, "/api/v1/users"), 200);
    expect(list.data.map((user: any) => user.role).sort()).toEqual(["accountant", "owner"]);

    const response = await asUser(owner, `/api/v1/users/${created.id}`, { method: "DELETE" });
    expect(response.status).toBe(204);
    await expectProblem(await asUser(accountant, "/api/v1/articles"), 401, "session_expired");
    const ownerId = list.data.find((user: any) => user.role === "owner").id;
    await expectProblem(
      await asUser(owner, `/api/v1/users/${ownerId}`, { method: "DELETE" }),
      422,
      "last_owner",
    );
  });

  it("refuses bad input naming the field, and a taken e-mail address", async () => {
    const merchant = await merchantWithOwner();
    const bad = await expectProblem(
      await call("/api/v1/users", {
        key: merchant.apiKey,
        body: { email: "not-an-address", password: "short", role: "admin" },
      }),
      400,
      "validation_failed",
    );
    expect(bad.errors.map((error: any) => error.field).sort()).toEqual([
      "email",
      "password",
      "role",
    ]);
    await expectProblem(
      await call("/api/v1/users", {
        key: merchant.apiKey,
        body: { email: merchant.email, password: PASSWORD, role: "viewer" },
      }),
      409,
      "email_taken",
    );
    await expectProblem(
      await call("/admin/v1/merchants", {
        key: ADMIN_TOKEN,
        body: { name: "Zweiter", owner: { email: merchant.email, password: PASSWORD } },
      }),
      409,
      "email_taken",
    );
    await expectProblem(
      await call("/api/v1/auth/login", { body: { email: merchant.email } }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/auth/login", {
        body: { email: merchant.email, password: "wrong password" },
      }),
      401,
      "invalid_credentials",
    );
    await expectProblem(
      await call("/api/v1/articles", { headers: { cookie: "tarif_session=ses_forged" } }),
      401,
      "session_expired",
    );
  });

  it("keeps each merchant's users and data to themselves", async () => {
    const first = await merchantWithOwner();
    const second = await merchantWithOwner();
    const catalogue = await createCatalogue(second.apiKey);
    const session = await signIn(first.email);
    await expectProblem(
      await asUser(session, `/api/v1/template-groups/${catalogue.groupId}`),
      404,
      "not_found",
    );
    const secondUsers = await json(await call("/api/v1/users", { key: second.apiKey }), 200);
    await expectProblem(
      await asUser(session, `/api/v1/users/${secondUsers.data[0].id}`, { method: "DELETE" }),
      404,
      "not_found",
    );
    const list = await json(await asUser(session, "/api/v1/users"), 200);
    expect(list.data.map((user: any) => user.email)).toEqual([first.email]);
  });
});

describe("sessions", () => {
  it("needs the session's CSRF token on every state change made with the cookie, not with an API key", async () => {
    const merchant = await merchantWithOwner();
    const session = await signIn(merchant.email);
    const article = { kind: "addon", name: "Zähler", unitAmount: 500 };
    await expectProblem(
      await asUser(session, "/api/v1/articles", { body: article, csrf: false }),
      403,
      "csrf_token_invalid",
    );
    const other = await signIn(merchant.email);
    await expectProblem(
      await asUser({ ...session, csrf: other.csrf }, "/api/v1/articles", { body: article }),
      403,
      "csrf_token_invalid",
    );
    await json(await asUser(session, "/api/v1/articles", { body: article }), 201);
    await json(await call("/api/v1/articles", { key: merchant.apiKey, body: article }), 201);
    const list = await json(await asUser(session, "/api/v1/articles", { csrf: false }), 200);
    expect(list.data).toHaveLength(2);
  });

  it("signs out of one session, or of every session of the user", async () => {
    const merchant = await merchantWithOwner();
    const laptop = await signIn(merchant.email);
    const phone = await signIn(merchant.email);
    const tablet = await signIn(merchant.email);
    await expectProblem(
      await asUser(laptop, "/api/v1/auth/logout", { body: {}, csrf: false }),
      403,
      "csrf_token_invalid",
    );
    const out = await asUser(laptop, "/api/v1/auth/logout", { body: {} });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/tarif_session=;.*Max-Age=0/);
    await expectProblem(await asUser(laptop, "/api/v1/articles"), 401, "session_expired");
    await json(await asUser(phone, "/api/v1/articles"), 200);
    const everywhere = await json(
      await asUser(phone, "/api/v1/auth/logout-all", { body: {} }),
      200,
    );
    expect(everywhere.endedSessions).toBe(2);
    await expectProblem(await asUser(tablet, "/api/v1/articles"), 401, "session_expired");
    await expectProblem(
      await call("/api/v1/auth/logout", { key: merchant.apiKey, body: {} }),
      400,
      "not_a_session",
    );
  });

  it("ends a session after 12 hours", async () => {
    const merchant = await merchantWithOwner();
    const session = await signIn(merchant.email);
    const later = new Date(Date.now() + 12 * 3600_000 + 1000).toISOString();
    const expired = await call("/api/v1/articles", {
      headers: { cookie: session.cookie },
      now: later,
    });
    expect(expired.headers.get("set-cookie")).toMatch(/^tarif_session=; Max-Age=0; Path=\/api\/v1/);
    await expectProblem(expired, 401, "session_expired");
  });

  it("throttles 10 failed sign-ins in 15 minutes per account and per IP address", async () => {
    const merchant = await merchantWithOwner();
    const attempt = (email: string, password: string, ip: string, now?: string) =>
      call("/api/v1/auth/login", {
        body: { email, password },
        headers: { "cf-connecting-ip": ip },
        ...(now ? { now } : {}),
      });
    for (let i = 0; i < 10; i++)
      await expectProblem(
        await attempt(merchant.email, "wrong password", `203.0.113.${i}`),
        401,
        "invalid_credentials",
      );
    // The right password from a fresh address is refused too: the account is locked for now.
    const locked = await attempt(merchant.email, PASSWORD, "203.0.113.99");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
    await expectProblem(locked, 429, "login_throttled");
    const later = new Date(Date.now() + 15 * 60_000 + 1000).toISOString();
    await json(await attempt(merchant.email, PASSWORD, "203.0.113.99", later), 200);

    const other = await merchantWithOwner();
    for (let i = 0; i < 10; i++)
      await expectProblem(
        await attempt(uniqueEmail("nobody"), "guess", "192.0.2.50"),
        401,
        "invalid_credentials",
      );
    await expectProblem(await attempt(other.email, PASSWORD, "192.0.2.50"), 429, "login_throttled");
    await json(await attempt(other.email, PASSWORD, "192.0.2.51"), 200);
  });
});

describe("roles", () => {
  it("lets a viewer read everything and change nothing, even with a hand-made POST", async () => {
    const merchant = await merchantWithOwner();
    await createCatalogue(merchant.apiKey);
    const viewer = await addUser(merchant.apiKey, "viewer");
    await json(await asUser(viewer, "/api/v1/contract-templates"), 200);
    await json(await asUser(viewer, "/api/v1/bank-transactions"), 200);
    for (const [method, path, body] of [
      ["POST", "/api/v1/articles", { kind: "addon", name: "X", unitAmount: 1 }],
      ["POST", "/api/v1/customers", { name: "Y" }],
      ["PATCH", "/api/v1/settings/customer-center", { portalEnabled: false }],
      ["POST", "/api/v1/reconciliation/runs", {}],
      ["POST", "/api/v1/users", { email: uniqueEmail("x"), password: PASSWORD, role: "owner" }],
    ] as const) {
      await expectProblem(await asUser(viewer, path, { method, body }), 403, "role_not_allowed");
    }
    await expectProblem(await asUser(viewer, "/api/v1/users"), 403, "role_not_allowed");
    const settings = await json(
      await call("/api/v1/settings/customer-center", { key: merchant.apiKey }),
      200,
    );
    expect(settings.portalEnabled).toBe(true);
  });

  it("lets an accountant book payments but not change the catalogue", async () => {
    const merchant = await merchantWithOwner();
    const catalogue = await createCatalogue(merchant.apiKey);
    const accountant = await addUser(merchant.apiKey, "accountant");
    await expectProblem(
      await asUser(accountant, "/api/v1/articles", {
        body: { kind: "addon", name: "X", unitAmount: 1 },
      }),
      403,
      "role_not_allowed",
    );
    await expectProblem(
      await asUser(accountant, `/api/v1/contract-templates/${catalogue.basic.templateId}`, {
        method: "PATCH",
        body: { name: "Basis" },
      }),
      403,
      "role_not_allowed",
    );
    // Booking is allowed: the request passes the role check and reaches the flow, which finds
    // no such transaction.
    await expectProblem(
      await asUser(accountant, "/api/v1/bank-transactions/btx_000000000000000000000000/assign", {
        body: { invoiceIds: [], remainder: "ignore" },
      }),
      404,
      "not_found",
    );
  });
});
