// End to end: `wrangler dev` with the demo data serves /demo, a merchant page embedding the
// widget bundle; headless Chromium (playwright-core) uses it as the demo customers would —
// switch tariff, book and remove an add-on, cancel, English — and the merchant API shows the
// result. Screenshots go to dist/screenshots (test artifacts, not committed).
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
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
});

async function openDemo(customer: string): Promise<Page> {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on("pageerror", (error) => failures.push(error.message));
  await page.goto(`${worker.baseUrl}/demo?customer=${customer}`);
  await page
    .locator("selfservice-portal")
    .getByRole("button", { name: "Vertrag ansehen" })
    .first()
    .waitFor({ timeout: 15_000 });
  expect(failures).toEqual([]);
  return page;
}

async function merchantGet(path: string) {
  const response = await fetch(`${worker.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${worker.apiKey}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { data: { id: string; templateId: string; status: string }[] };
}

async function customerId(externalRef: string): Promise<string> {
  return (await merchantGet(`/api/v1/customers?externalRef=${externalRef}`)).data[0]!.id;
}

describe("the demo merchant page", () => {
  it("serves the widget bundle as a static asset", async () => {
    const response = await fetch(`${worker.baseUrl}/widget/selfservice-portal.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("javascript");
  });

  it("switches tariff on an allowed date after showing the exact preview, and issues the interim invoice", async () => {
    const page = await openDemo("demo-2");
    const portal = page.locator("selfservice-portal");
    await portal.getByRole("button", { name: "Vertrag ansehen" }).first().click();
    await portal.getByRole("button", { name: "Tarif wechseln" }).first().click();
    await portal.getByRole("radio", { name: /^Pro/ }).check();
    await portal.getByRole("radio", { name: /^Sofort/ }).check();
    await portal.getByRole("button", { name: "Vorschau anzeigen" }).click();
    await portal
      .getByText(/Sie erhalten sofort eine Zwischenrechnung über/)
      .first()
      .waitFor();
    const lines = portal.locator("[part~=credit-line], [part~=charge-line]");
    expect(await lines.count()).toBe(2);
    await page.screenshot({ path: "dist/screenshots/e2e-switch-preview.png", fullPage: true });
    await portal.getByRole("button", { name: "Zahlungspflichtig bestätigen" }).click();
    await portal
      .getByText(/Zwischenrechnung ZR-\d{4}-\d{6} über/)
      .first()
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: "dist/screenshots/e2e-switch-result.png", fullPage: true });
    const contract = await merchantGet(
      `/api/v1/contracts?customerId=${await customerId("demo-2")}`,
    );
    expect(contract.data[0]!.templateId).toBe(worker.demo.tariffs.Pro!.id);
    await page.close();
  });

  it("books an add-on and then removes it (a downgrade, scheduled for the next period)", async () => {
    const page = await openDemo("demo-1");
    const portal = page.locator("selfservice-portal");
    await portal.getByRole("button", { name: "Vertrag ansehen" }).first().click();
    await portal.getByRole("button", { name: "Zusatzoption buchen" }).click();
    await portal.getByRole("radio", { name: /Extra-Speicher/ }).check();
    await portal.getByRole("radio", { name: /^Sofort/ }).check();
    await portal.getByRole("button", { name: "Vorschau anzeigen" }).click();
    await portal.getByRole("button", { name: "Zahlungspflichtig bestätigen" }).click();
    await portal.getByText("Ihre Änderung ist durchgeführt").first().waitFor({ timeout: 15_000 });
    await portal.getByRole("button", { name: "Zurück zum Vertrag" }).click();
    await portal
      .getByRole("row", { name: /Extra-Speicher/ })
      .getByRole("button", { name: /Entfernen/ })
      .click();
    await portal.getByRole("radio", { name: /^Sofort/ }).check();
    await portal.getByRole("button", { name: "Vorschau anzeigen" }).click();
    await portal
      .getByText(/Ein Downgrade wird erst zum/)
      .first()
      .waitFor();
    await portal.getByRole("button", { name: "Änderung bestätigen" }).click();
    await portal.getByText("Ihre Änderung ist vorgemerkt").first().waitFor({ timeout: 15_000 });
    await portal
      .getByText(/Entfernen: Extra-Speicher 100 GB – wird am/)
      .first()
      .waitFor();
    await page.screenshot({
      path: "dist/screenshots/e2e-addon-removal-scheduled.png",
      fullPage: true,
    });
    await page.close();
  });

  it("cancels a contract at the earliest end", async () => {
    const page = await openDemo("demo-3");
    const portal = page.locator("selfservice-portal");
    await portal.getByRole("button", { name: "Vertrag ansehen" }).first().click();
    await portal.getByRole("button", { name: "Vertrag kündigen" }).click();
    await portal.getByRole("button", { name: "Jetzt kündigen" }).click();
    await portal.getByText("Ihre Kündigung ist eingegangen").first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: "dist/screenshots/e2e-cancelled.png", fullPage: true });
    const contracts = await merchantGet(
      `/api/v1/contracts?customerId=${await customerId("demo-3")}`,
    );
    expect(contracts.data[0]!.status).toBe("cancellation_pending");
    await page.close();
  });

  it("speaks English when the page asks for it and has no serious accessibility violations", async () => {
    const page = await openDemo("demo-1");
    await page
      .locator("selfservice-portal")
      .evaluate((element) => element.setAttribute("locale", "en"));
    await page
      .locator("selfservice-portal")
      .getByText("Your contracts", { exact: false })
      .first()
      .waitFor();
    await page.addScriptTag({ path: "node_modules/axe-core/axe.min.js" });
    // Runs in the page; axe-core walks into the widget's shadow root by itself.
    const violations = await page.evaluate<string[]>(`axe.run(document).then((result) =>
      result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id + " " + v.nodes.map((n) => JSON.stringify(n.target)).join(",")))`);
    expect(violations).toEqual([]);
    await page.screenshot({ path: "dist/screenshots/e2e-list-en.png", fullPage: true });
    await page.close();
  });
});
