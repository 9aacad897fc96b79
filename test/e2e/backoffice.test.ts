// End to end through a real `wrangler dev` with the demo data: the merchant signs in to /app and
// does the release note's set-up only through the UI — enables the upgrade options, creates a
// template group, puts two templates into it with their change points, chooses the tariffs
// offered on one contract — and the customer's portal on /demo shows exactly those offers; then
// finAPI credentials, the finAPI user, a bank connection through the (fake) web form, a sync with
// one payment matched and one in review, the assignment, and the invoice paid. Screenshots of
// every screen go to dist/screenshots.
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeFinapiServer } from "../fakes/finapi/server.ts";
import { startLocalWorker, type LocalWorker } from "../bench/local-worker.ts";

const DEMO_API_KEY = "sk_dev_demo_key_not_for_production";
const OWNER = { email: "owner@demo.tarif.dev", password: "demo-owner-password" };
let worker: LocalWorker;
let browser: Browser;
let fake: Awaited<ReturnType<typeof startFakeFinapiServer>>;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  fake = await startFakeFinapiServer(port, {
    webFormBaseUrl: `http://localhost:${port}`,
    allowHttpCallbacks: true,
    initialTransactionsPerAccount: 0,
  });
  worker = await startLocalWorker({ ENVIRONMENT: "development", DEMO_API_KEY });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await fake?.close();
});

async function merchantGet<T = any>(path: string): Promise<T> {
  const response = await fetch(`${worker.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${DEMO_API_KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function signIn(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failures: string[] = [];
  page.on("pageerror", (error) => failures.push(error.message));
  await page.goto(`${worker.baseUrl}/app/`);
  await page.getByLabel("E-Mail-Adresse").fill(OWNER.email);
  await page.getByLabel("Passwort").fill(OWNER.password);
  await page.getByRole("button", { name: "Anmelden" }).click();
  await page.getByRole("heading", { name: "Was ansteht" }).waitFor();
  expect(failures).toEqual([]);
  return page;
}

async function go(page: Page, link: string, heading: string | RegExp) {
  await page.getByRole("navigation").getByRole("link", { name: link }).click();
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `dist/screenshots/e2e-app-${name}.png`, fullPage: true });

describe("the back office", () => {
  it("serves the app bundle as a static asset", async () => {
    const response = await fetch(`${worker.baseUrl}/app/app.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("javascript");
  });

  it("sets up the customer center and the offered tariffs, and the portal shows exactly those", async () => {
    const page = await signIn();
    await shot(page, "start");

    await go(page, "Einstellungen", /Kundencenter/);
    await page.getByLabel("Upgrade (Wechsel in einen teureren Tarif)").check();
    await page.getByLabel("Downgrade (Wechsel in einen günstigeren Tarif)").check();
    await page.getByLabel("Erlaubte Websites (eine Adresse je Zeile)").fill(worker.baseUrl);
    await page.getByRole("button", { name: "Speichern" }).click();
    await page.getByText("Gespeichert.").waitFor();
    await shot(page, "settings");

    await go(page, "Katalog", "Katalog");
    await page.getByRole("button", { name: "Vorlage „Pro“ bearbeiten" }).waitFor();
    await page.getByRole("textbox", { name: "Neue Tarifgruppe" }).fill("Premium-Pakete");
    await page
      .getByRole("form", { name: "Neue Tarifgruppe" })
      .getByRole("button", { name: "Anlegen" })
      .click();
    await page.getByText("Premium-Pakete:").waitFor();
    for (const tariff of ["Pro", "Business"]) {
      await page.getByRole("button", { name: `Vorlage „${tariff}“ bearbeiten` }).click();
      const form = page.getByRole("form", { name: `Vorlage „${tariff}“ bearbeiten` });
      await form
        .getByLabel("In welche Pakete darf gewechselt werden? (Tarifgruppe)")
        .selectOption({ label: "Premium-Pakete" });
      await form.getByRole("checkbox", { name: "Sofort", exact: true }).uncheck();
      await form.getByRole("checkbox", { name: "Frei wählbares Datum", exact: true }).uncheck();
      await form
        .getByRole("checkbox", { name: "Zum nächsten Abrechnungszeitraum", exact: true })
        .check();
      await form.getByRole("checkbox", { name: "Zum nächsten Monatsersten", exact: true }).check();
      await form.getByRole("button", { name: "Speichern" }).click();
      await page.getByText("Gespeichert.").waitFor();
    }
    await page.getByText("Premium-Pakete: Pro, Business").waitFor();
    await shot(page, "catalogue");

    // Erika (demo-1) has Pro; she is offered Business only — Basic is in another group now.
    await go(page, "Kunden & Verträge", "Kunden & Verträge");
    await page.getByRole("link", { name: /Öffnen · Erika Mustermann/ }).click();
    await page.getByRole("heading", { name: "Vertrag von Erika Mustermann" }).waitFor();
    await shot(page, "contract");
    await page.getByRole("tab", { name: "Kundencenter" }).click();
    await page.getByLabel("Business").check();
    await page.getByRole("tabpanel").getByRole("button", { name: "Speichern" }).click();
    await page.getByText("Gespeichert.").waitFor();
    await shot(page, "contract-customer-center");

    const portal = await browser.newPage();
    await portal.goto(`${worker.baseUrl}/demo?customer=demo-1`);
    const widget = portal.locator("selfservice-portal");
    await widget.getByRole("button", { name: "Vertrag ansehen" }).first().click();
    await widget.getByRole("button", { name: "Tarif wechseln" }).first().click();
    const tariffs = widget.locator('input[name="target"]');
    await tariffs.first().waitFor();
    const names = await tariffs.evaluateAll((radios) =>
      radios.map((radio) => radio.closest("label")?.textContent?.trim() ?? ""),
    );
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^Business/);
    await widget.getByRole("radio", { name: /^Business/ }).check();
    // The change points set above: the next period (here also the first of next month), not at once.
    await widget
      .getByRole("radio", { name: /^Zum nächsten (Abrechnungszeitraum|Monatsersten)/ })
      .first()
      .waitFor();
    expect(await widget.getByRole("radio", { name: /^Sofort/ }).count()).toBe(0);
    await portal.screenshot({ path: "dist/screenshots/e2e-app-portal-offers.png", fullPage: true });
    await portal.close();

    const contract = (
      await merchantGet<{ data: { offeredTemplateIds: string[] }[] }>(
        `/api/v1/contracts?customerId=${(await merchantGet(`/api/v1/customers?externalRef=demo-1`)).data[0].id}`,
      )
    ).data[0]!;
    expect(contract.offeredTemplateIds).toEqual([worker.demo.tariffs.Business!.id]);
    await page.close();
  });

  it("connects the bank through finAPI, syncs, and a person assigns the payment in review", async () => {
    const page = await signIn();
    await go(page, "Zahlungseingänge", "Zahlungseingänge");
    await page.getByLabel("Client-ID").fill(fake.fake.control.clientId);
    await page.getByLabel("Client-Secret").fill(fake.fake.control.clientSecret);
    await page.getByText("finAPI URL").click();
    await page.getByLabel("URL").fill(fake.url);
    await page.getByRole("button", { name: "Speichern" }).click();
    await page.getByText(/Zugangsdaten gespeichert/).waitFor();
    await page.getByRole("button", { name: "finAPI-Benutzer anlegen" }).click();
    await page.getByText("finAPI-Benutzer angelegt.").first().waitFor();
    await page.getByLabel("Bank (Name oder BLZ)").fill("Sparkasse");
    await page.getByRole("button", { name: "Bankverbindung hinzufügen" }).click();
    const [form] = await Promise.all([
      page.context().waitForEvent("page"),
      page.getByRole("link", { name: "Formular der Bank öffnen" }).click(),
    ]);
    await form.getByRole("button", { name: "Verbinden" }).click();
    await form.getByText("Status").waitFor();
    await form.close();
    await page.getByRole("button", { name: "Status aktualisieren" }).click();
    await page.getByRole("cell", { name: "active" }).waitFor();
    await shot(page, "payments-connected");

    // At the bank: Max pays his invoice with its number; a stranger pays Jana's amount without one.
    const invoiceOf = async (ref: string) => {
      const customer = (await merchantGet(`/api/v1/customers?externalRef=${ref}`)).data[0];
      return (await merchantGet(`/api/v1/invoices?customerId=${customer.id}&status=open`)).data[0];
    };
    const max = await invoiceOf("demo-2");
    const jana = await invoiceOf("demo-3");
    const connections = await merchantGet<{ data: { accounts: { id: number }[] }[] }>(
      "/api/v1/finapi/bank-connections",
    );
    const accountId = connections.data[0]!.accounts[0]!.id;
    const added = await fetch(`${fake.url}/__fake/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        accountId,
        transactions: [
          {
            amountCents: max.grossAmount,
            purpose: `Rechnung ${max.number}`,
            counterpartName: "Max Müller",
          },
          {
            amountCents: jana.grossAmount,
            purpose: "Vielen Dank",
            counterpartName: "J. Schmidt sen.",
          },
        ],
      }),
    });
    expect(added.status).toBe(201);

    await page.getByRole("button", { name: "Jetzt abrufen" }).click();
    await page
      .getByText(/2 Umsätze abgerufen, 1 zugeordnet, 1 zu prüfen/)
      .waitFor({ timeout: 20_000 });
    await shot(page, "payments-review");
    const line = page.locator("li.line", { hasText: "Vielen Dank" });
    await line.getByLabel(new RegExp(jana.number)).check();
    await line.getByRole("button", { name: "Zuordnen" }).click();
    await page.getByText("Gespeichert.").waitFor();

    await page.getByLabel("Status").last().selectOption({ label: "Zugeordnet" });
    await page.locator("li.line", { hasText: "Vielen Dank" }).waitFor();
    await page.locator("li.line", { hasText: `Rechnung ${max.number}` }).waitFor();
    await shot(page, "payments-matched");

    await go(page, "Rechnungen", "Rechnungen");
    await page.getByRole("link", { name: jana.number }).first().click();
    await page.getByRole("heading", { name: new RegExp(jana.number) }).waitFor();
    await page.locator("dl.facts").getByText("Bezahlt").first().waitFor();
    await shot(page, "invoice-paid");
    expect((await merchantGet(`/api/v1/invoices/${jana.id}`)).status).toBe("paid");
    expect((await merchantGet(`/api/v1/invoices/${max.id}`)).status).toBe("paid");
    await page.close();
  });

  it("saves the company data through the UI, and an invoice's PDF downloads with that legal name", async () => {
    const page = await signIn();
    await go(page, "Einstellungen", /Kundencenter/);
    await page.getByRole("link", { name: "Firmendaten" }).click();
    await page.getByRole("heading", { name: /Firmendaten/, level: 1 }).waitFor();
    const legalName = "Stadtwerke Endtoend Prüfhaus GmbH";
    await page.getByLabel("Firmenname (vollständig)").fill(legalName);
    await page.getByLabel("Straße und Hausnummer").fill("Prüfweg 7");
    await page.getByLabel("PLZ").fill("80331");
    await page.getByLabel(/^Ort\b/).fill("München");
    await page.getByLabel(/^Land\b/).fill("DE");
    await page.getByLabel("USt-IdNr.").fill("DE123456789");
    await page
      .locator("tarif-company")
      .getByLabel("E-Mail-Adresse")
      .fill("rechnung@pruefhaus.example");
    await page.getByRole("button", { name: "Speichern" }).click();
    await page.getByText("Gespeichert.").waitFor();
    await shot(page, "settings-company");
    const company = await merchantGet("/api/v1/settings/company");
    expect(company.legalName).toBe(legalName);

    // An invoice issued after the change carries the new seller data.
    const template = (await merchantGet("/api/v1/contract-templates")).data[0];
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${worker.baseUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as any;
    };
    const customer = await post("/api/v1/customers", {
      name: "Paula PDF",
      email: "paula@example.com",
      billingAddress: { line1: "Lindenweg 2", postalCode: "10115", city: "Berlin", country: "DE" },
    });
    const contract = await post("/api/v1/contracts", {
      customerId: customer.id,
      templateId: template.id,
      startDate: new Date().toISOString().slice(0, 10),
    });
    const invoice = (await merchantGet(`/api/v1/invoices?contractId=${contract.id}`)).data[0];
    await page.goto(`${worker.baseUrl}/app/#/invoices/${invoice.id}`);
    const link = page.getByRole("link", { name: "PDF (ZUGFeRD) herunterladen" });
    await link.waitFor();
    await shot(page, "invoice-documents");
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe(`${invoice.number}.pdf`);
    const text = execFileSync("pdftotext", [(await download.path())!, "-"], { encoding: "utf8" });
    expect(text).toContain(legalName);
    await page.close();
  });

  it("refuses a viewer's hand-made POST with the session cookie", async () => {
    const viewer = { email: "viewer@demo.tarif.dev", password: "viewer-password-1" };
    const created = await fetch(`${worker.baseUrl}/api/v1/users`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ ...viewer, role: "viewer" }),
    });
    expect(created.status).toBe(201);
    const page = await browser.newPage();
    await page.goto(`${worker.baseUrl}/app/`);
    await page.getByLabel("E-Mail-Adresse").fill(viewer.email);
    await page.getByLabel("Passwort").fill(viewer.password);
    await page.getByRole("button", { name: "Anmelden" }).click();
    await page.getByRole("heading", { name: "Was ansteht" }).waitFor();
    const answer = await page.evaluate(async () => {
      const session = (await (await fetch("/api/v1/auth/session")).json()) as { csrfToken: string };
      const response = await fetch("/api/v1/articles", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: JSON.stringify({ kind: "addon", name: "Schmuggel", unitAmount: 100 }),
      });
      return { status: response.status, code: ((await response.json()) as { code: string }).code };
    });
    expect(answer).toEqual({ status: 403, code: "role_not_allowed" });
    await page.close();
  });
});
