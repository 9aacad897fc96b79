// axe-core on every back-office screen in Chromium, German and English, at 1280 px and 375 px
// wide; a screenshot of each goes to dist/screenshots for reviewers.
import axe from "axe-core";
import { afterEach, describe, expect, test } from "vitest";
import { page } from "vitest/browser";
import type { Locale } from "../../../app/src/i18n.js";
import { cleanup, installFakeApi, mountApp, root, waitFor } from "./fake-api.js";

afterEach(cleanup);

const SCREENS = [
  ["start", "tarif-start", "li"],
  ["settings", "tarif-settings", "form"],
  ["settings/company", "tarif-company", "form"],
  ["settings/dunning", "tarif-dunning", "form"],
  ["settings/emails", "tarif-emails", "form"],
  ["catalogue", "tarif-catalogue", "tbody tr"],
  ["customers", "tarif-customers", "tbody tr"],
  ["contracts/ctr_1", "tarif-contract", '[role="tabpanel"]'],
  ["invoices", "tarif-invoices", "tbody tr"],
  ["invoices/inv_1", "tarif-invoices", "a[download]"],
  ["payments", "tarif-payments", "li.line"],
  ["sepa", "tarif-sepa", "tbody tr"],
  ["webhooks", "tarif-webhooks", "tbody tr"],
] as const;

async function violations(element: Element): Promise<string[]> {
  const results = await axe.run(element);
  expect(results.passes.length).toBeGreaterThan(5);
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

describe.each([
  ["de", 1280],
  ["en", 375],
] as [Locale, number][])("in %s at %i px", (locale, width) => {
  test.each(SCREENS)("the %s screen has no axe violations", async (route, tag, ready) => {
    await page.viewport(width, 900);
    installFakeApi();
    location.hash = `#/${route}`;
    const app = await mountApp();
    app.locale = locale;
    const screen = await waitFor(() => root(app).querySelector(tag));
    await waitFor(() => screen.shadowRoot?.querySelector(ready));
    await (screen as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    expect(await violations(app)).toEqual([]);
    // The page must not scroll sideways; wide tables scroll inside their own box.
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(width);
    await page.screenshot({
      path: `../../../dist/screenshots/app-${route.replace("/", "-")}-${locale}-${width}.png`,
    });
  });

  test("the sign-in has no axe violations", async () => {
    await page.viewport(width, 900);
    installFakeApi({
      "GET /api/v1/auth/session": () => ({
        status: 401,
        body: { status: 401, code: "unauthorized", detail: "" },
      }),
    });
    const app = await mountApp();
    app.locale = locale;
    await waitFor(() => root(app).querySelector("form"));
    expect(await violations(app)).toEqual([]);
    await page.screenshot({ path: `../../../dist/screenshots/app-sign-in-${locale}-${width}.png` });
  });
});
