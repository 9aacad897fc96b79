// The back-office shell in Chromium: sign-in (wrong password, throttling, success), the CSRF
// token on every state change, a session that ends mid-work, navigation with focus on the new
// screen's heading, the language switch, and sign-out.
import { afterEach, describe, expect, test } from "vitest";
import { userEvent } from "vitest/browser";
import {
  CSRF,
  byText,
  cleanup,
  installFakeApi,
  mountApp,
  problem,
  root,
  session,
  text,
  waitFor,
} from "./fake-api.js";

afterEach(cleanup);

async function signIn(app: HTMLElement, password = "correct horse battery") {
  const form = await waitFor(() => root(app).querySelector("form"));
  (form.querySelector('input[name="email"]') as HTMLInputElement).value = "owner@example.com";
  (form.querySelector('input[name="password"]') as HTMLInputElement).value = password;
  form.requestSubmit();
}

describe("signing in", () => {
  test("shows the sign-in when there is no session, explains a wrong password and throttling", async () => {
    let attempt = 0;
    const api = installFakeApi({
      "GET /api/v1/auth/session": () => problem(401, "unauthorized"),
      "POST /api/v1/auth/login": () =>
        ++attempt === 1
          ? problem(401, "invalid_credentials")
          : attempt === 2
            ? problem(429, "login_throttled")
            : { body: session() },
    });
    const app = await mountApp();
    await signIn(app, "wrong");
    await waitFor(() => text(root(app).querySelector('[role="alert"]')).includes("falsch"));
    await signIn(app, "wrong again");
    await waitFor(() => text(root(app).querySelector('[role="alert"]')).includes("Zu viele"));
    await signIn(app);
    await waitFor(() => root(app).querySelector("tarif-start"));
    expect(api.calls("POST /api/v1/auth/login")[2]!.body).toEqual({
      email: "owner@example.com",
      password: "correct horse battery",
    });
    expect(text(root(app).querySelector("header"))).toContain("Stadtwerke Test");
  });

  test("sends the session's CSRF token with every change and none of the passwords later", async () => {
    const api = installFakeApi({
      "PATCH /api/v1/settings/customer-center": (r) => ({ body: r.body }),
    });
    location.hash = "#/settings";
    const app = await mountApp();
    const screen = await waitFor(() => root(app).querySelector("tarif-settings"));
    const form = await waitFor(() => root(screen).querySelector("form"));
    form.requestSubmit();
    await waitFor(() => api.calls("PATCH /api/v1/settings/customer-center").length === 1);
    expect(api.calls("PATCH /api/v1/settings/customer-center")[0]!.csrf).toBe(CSRF);
    expect(api.calls("GET /api/v1/settings/customer-center")[0]!.csrf).toBeNull();
  });

  test("asks for a new sign-in when the session ends mid-work", async () => {
    installFakeApi({ "GET /api/v1/articles": () => problem(401, "session_expired") });
    location.hash = "#/catalogue";
    const app = await mountApp();
    await waitFor(() => text(root(app).querySelector(".sign-in")).includes("abgelaufen"));
  });
});

describe("navigation", () => {
  test("moves between screens, marks the current one and focuses its heading; switches to English", async () => {
    installFakeApi();
    const app = await mountApp();
    await waitFor(() => root(app).querySelector("tarif-start"));
    const catalogueLink = [...root(app).querySelectorAll("nav a")].find((a) =>
      text(a).includes("Katalog"),
    ) as HTMLAnchorElement;
    await userEvent.click(catalogueLink);
    const screen = await waitFor(() => root(app).querySelector("tarif-catalogue"));
    expect(catalogueLink.getAttribute("aria-current")).toBe("page");
    await waitFor(() => screen.shadowRoot?.activeElement?.tagName === "H1");
    const select = root(app).querySelector("header select") as HTMLSelectElement;
    select.value = "en";
    select.dispatchEvent(new Event("change"));
    await waitFor(() => text(root(screen).querySelector("h1")) === "Catalogue");
    expect(text(root(app).querySelector("nav"))).toContain("Incoming payments");
  });

  test("signs out of this session or everywhere", async () => {
    const api = installFakeApi({
      "POST /api/v1/auth/logout": () => ({ status: 204 }),
      "POST /api/v1/auth/logout-all": () => ({ body: { endedSessions: 3 } }),
    });
    const app = await mountApp();
    await waitFor(() => root(app).querySelector("tarif-start"));
    byText(app, "header button", "Überall abmelden")!.click();
    await waitFor(() => root(app).querySelector(".sign-in"));
    expect(api.calls("POST /api/v1/auth/logout-all")[0]!.csrf).toBe(CSRF);
  });
});
