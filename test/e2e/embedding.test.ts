// Embedding the widget as a merchant does: a page on another origin (its own local server, with a
// backend endpoint that asks Tarif for a portal session) loads the bundle from `wrangler dev`
// under its versioned URL with the published SRI hash. The element registers and shows the
// customer's contracts; from an origin the merchant has not allowed it names the cause for the
// merchant and shows the customer a neutral message. Also the bundle's caching and CORS headers,
// and /docs rendering with every request to another host blocked, under its strict CSP.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { chromium, type Browser, type ConsoleMessage } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../bench/local-worker.ts";

interface WidgetManifest {
  version: string;
  url: string;
  integrity: string;
  alias: string;
}

let worker: LocalWorker;
let browser: Browser;
let manifest: WidgetManifest;
let allowedShop: MerchantSite;
let refusedShop: MerchantSite;

interface MerchantSite {
  origin: string;
  close(): Promise<void>;
}

/** The merchant's site: its "my account" page and the backend call that creates a portal session. */
async function startMerchantSite(customerId: string): Promise<MerchantSite> {
  const page = `<!doctype html>
<html lang="de">
  <head>
    <meta charset="utf-8" />
    <title>Mein Konto</title>
    <script type="module" src="${worker.baseUrl}${manifest.url}" integrity="${manifest.integrity}" crossorigin="anonymous"></script>
  </head>
  <body>
    <selfservice-portal api-base="${worker.baseUrl}" locale="de"></selfservice-portal>
    <script type="module">
      const portal = document.querySelector("selfservice-portal");
      window.portalErrors = [];
      portal.addEventListener("selfservice-error", (event) => window.portalErrors.push(event.detail));
      portal.fetchSession = async () =>
        (await (await fetch("/account/portal-token", { method: "POST" })).json()).token;
    </script>
  </body>
</html>`;
  const server: Server = createServer(async (request, response) => {
    if (request.method === "POST" && request.url === "/account/portal-token") {
      const session = await fetch(`${worker.baseUrl}/api/v1/portal-sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${worker.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ customerId }),
      });
      response.writeHead(session.status, { "content-type": "application/json" });
      response.end(await session.text());
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("merchant site has no port");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  worker = await startLocalWorker();
  manifest = (await (
    await fetch(`${worker.baseUrl}/widget/manifest.json`)
  ).json()) as WidgetManifest;
  const customerId = worker.demo.contracts[0]!.customerId;
  allowedShop = await startMerchantSite(customerId);
  refusedShop = await startMerchantSite(customerId);
  const settings = await fetch(`${worker.baseUrl}/api/v1/settings/customer-center`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${worker.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ allowedOrigins: [allowedShop.origin] }),
  });
  expect(settings.status).toBe(200);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await allowedShop?.close();
  await refusedShop?.close();
  await worker?.stop();
});

describe("the widget bundle as served", () => {
  it("has a versioned URL whose bytes match the published SRI hash, cached immutably, for any origin", async () => {
    expect(manifest.url).toMatch(/^\/widget\/v\/[0-9a-f]{16}\/selfservice-portal\.js$/);
    const response = await fetch(`${worker.baseUrl}${manifest.url}`, {
      headers: { origin: "https://any-shop.example" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("javascript");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(`sha384-${createHash("sha384").update(bytes).digest("base64")}`).toBe(
      manifest.integrity,
    );
  });

  it("keeps the unversioned alias, revalidated with an ETag", async () => {
    const response = await fetch(`${worker.baseUrl}${manifest.alias}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const etag = response.headers.get("etag");
    expect(etag).toBeTruthy();
    await response.arrayBuffer();
    const again = await fetch(`${worker.baseUrl}${manifest.alias}`, {
      headers: { "if-none-match": etag! },
    });
    expect(again.status).toBe(304);
  });

  it("publishes the manifest for any origin, revalidated", async () => {
    const response = await fetch(`${worker.baseUrl}/widget/manifest.json`);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("cache-control")).toBe("no-cache");
  });
});

describe("a merchant page on another origin", () => {
  it("loads the bundle with SRI, registers the element and shows the customer's contracts", async () => {
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    page.on("console", (message: ConsoleMessage) => {
      if (message.type() === "error") failures.push(message.text());
    });
    await page.goto(allowedShop.origin);
    await page
      .locator("selfservice-portal")
      .getByRole("button", { name: "Vertrag ansehen" })
      .first()
      .waitFor({ timeout: 15_000 });
    expect(await page.evaluate("customElements.get('selfservice-portal') !== undefined")).toBe(
      true,
    );
    expect(failures).toEqual([]);
    await page.close();
  });

  it("from an origin the merchant has not allowed: a neutral message, the cause in console and event", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (message: ConsoleMessage) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await page.goto(refusedShop.origin);
    const alert = page.locator("selfservice-portal").getByRole("alert");
    await alert.waitFor({ timeout: 15_000 });
    const shown = await alert.innerText();
    expect(shown).toContain("Das Kundenportal ist hier gerade nicht verfügbar.");
    expect(shown).not.toContain("Internetverbindung");
    const errors = (await page.evaluate("window.portalErrors")) as {
      code: string;
      detail: string;
    }[];
    expect(errors[0]).toMatchObject({ code: "origin_not_allowed" });
    expect(errors[0]!.detail).toContain(refusedShop.origin);
    expect(consoleErrors.some((text) => text.includes(`origin ${refusedShop.origin}`))).toBe(true);
    await page.close();
  });
});

describe("the API docs", () => {
  it("render from the Worker alone: other hosts unreachable, no CSP violation", async () => {
    const page = await browser.newPage();
    const external: string[] = [];
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.origin === worker.baseUrl) return route.continue();
      external.push(url.href);
      return route.abort();
    });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message: ConsoleMessage) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`${worker.baseUrl}/docs`);
    await page.getByRole("heading", { name: "Tarif API" }).first().waitFor({ timeout: 30_000 });
    await page.getByText("Contract changes").first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: "dist/screenshots/e2e-docs-offline.png" });
    expect(problems.filter((text) => /Content Security Policy|Refused/i.test(text))).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });
});
