// End to end: `wrangler dev` with the demo data serves /demo, a merchant page embedding the
// widget bundle; headless Chromium (playwright-core) opens it as a customer would, switches
// tariff with a preview, confirms, and the change is in the merchant API afterwards.
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../bench/local-worker.ts";

const DEMO_API_KEY = "sk_dev_demo_key_not_for_production";
let worker: LocalWorker;
let browser: Browser;

beforeAll(async () => {
  worker = await startLocalWorker({ ENVIRONMENT: "development", DEMO_API_KEY });
  // The page's origin is this run's port; the merchant allows it like a shop would its own site.
  const settings = await fetch(`${worker.baseUrl}/api/v1/settings/customer-center`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${worker.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ allowedOrigins: [worker.baseUrl] }),
  });
  expect(settings.status).toBe(200);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
});

async function openDemo(): Promise<Page> {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on("pageerror", (error) => failures.push(error.message));
  await page.goto(`${worker.baseUrl}/demo?customer=demo-2`);
  await page.locator("selfservice-portal").getByText("Basic").first().waitFor({ timeout: 15_000 });
  expect(failures).toEqual([]);
  return page;
}

describe("the demo merchant page", () => {
  it("serves the widget bundle as a static asset", async () => {
    const response = await fetch(`${worker.baseUrl}/widget/selfservice-portal.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("javascript");
  });

  it("lets the customer switch tariff after seeing the exact preview", async () => {
    const page = await openDemo();
    const portal = page.locator("selfservice-portal");
    await portal.getByRole("button", { name: /Details|Vertrag/i }).first().click();
    await portal.getByRole("button", { name: /Tarif wechseln/i }).first().click();
    await portal.getByRole("radio", { name: /Pro/ }).first().check();
    await portal.getByRole("button", { name: /Vorschau|weiter/i }).first().click();
    await portal.getByText(/Zwischenrechnung|Gutschrift|nächsten Rechnung/i).first().waitFor();
    await page.screenshot({ path: "dist/screenshots/e2e-preview.png", fullPage: true });
    await portal.getByRole("button", { name: /bestätigen/i }).first().click();
    await portal.locator("[part~=result]").waitFor({ timeout: 15_000 });

    const contracts = (await (await fetch(`${worker.baseUrl}/api/v1/contracts?limit=100`, { headers: { authorization: `Bearer ${worker.apiKey}` } })).json()) as { data: { templateId: string }[] };
    const changed = contracts.data.filter((contract) => contract.templateId === worker.demo.tariffs.Pro!.id);
    expect(changed.length).toBeGreaterThanOrEqual(2);
    await page.close();
  });
});
