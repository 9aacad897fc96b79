// axe-core checks of <selfservice-portal> in real Chromium: every main view, in German and
// English, must have no violations at all (not only no serious ones).
import axe from "axe-core";
import { afterEach, describe, expect, test } from "vitest";
import { page, userEvent } from "vitest/browser";
import type { SelfservicePortal } from "../../widget/src/selfservice-portal.js";
import {
  cleanup,
  installFakePortal,
  mount,
  problem,
  shadow,
  waitFor,
  waitForText,
} from "./fixtures.js";

afterEach(cleanup);

/** Screenshots for reviewers, kept with the build output (dist/ is not committed). */
async function snapshot(name: string): Promise<void> {
  await page.screenshot({ path: `../../dist/screenshots/widget-${name}.png` });
}

async function violations(element: SelfservicePortal): Promise<string[]> {
  await element.updateComplete;
  const results = await axe.run(element);
  // No violations must mean "checked and fine", not "nothing found to check".
  expect(results.passes.length).toBeGreaterThan(10);
  return results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`,
  );
}

const texts = {
  de: {
    open: "Vertrag ansehen",
    switch: "Tarif wechseln",
    preview: "Vorschau anzeigen",
    previewHeading: "Vorschau Ihrer Änderung",
    confirm: "Zahlungspflichtig bestätigen",
    cancel: "Vertrag kündigen",
    invoices: "Rechnungen",
    immediately: /Sofort/,
  },
  en: {
    open: "View contract",
    switch: "Switch tariff",
    preview: "Show preview",
    previewHeading: "Preview of your change",
    confirm: "Confirm with obligation to pay",
    cancel: "Cancel contract",
    invoices: "Invoices",
    immediately: /Immediately/,
  },
};

describe.each(["de", "en"] as const)("axe-core, locale %s", (locale) => {
  const t = texts[locale];

  test("list, detail, change form (with errors), preview and result", async () => {
    installFakePortal();
    const element = await mount({ locale });
    await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
    expect(await violations(element), "list").toEqual([]);
    await snapshot(`list-${locale}`);

    await userEvent.click(page.getByRole("button", { name: t.open }).first());
    await waitFor(() => shadow(element).querySelector("[part~=facts]"));
    expect(await violations(element), "detail").toEqual([]);
    await snapshot(`detail-${locale}`);

    await userEvent.click(page.getByRole("button", { name: t.switch }));
    await waitFor(() => shadow(element).querySelector("form"));
    expect(await violations(element), "change form").toEqual([]);
    await snapshot(`change-form-${locale}`);
    await userEvent.click(page.getByRole("button", { name: t.preview }));
    await waitFor(() => shadow(element).querySelector("#target-error"));
    expect(await violations(element), "change form with errors").toEqual([]);

    await userEvent.click(page.getByRole("radio", { name: /Premium/ }));
    await userEvent.click(page.getByRole("radio", { name: t.immediately }));
    await userEvent.click(page.getByRole("button", { name: t.preview }));
    await waitForText(element, "h2", t.previewHeading);
    expect(await violations(element), "preview").toEqual([]);
    await snapshot(`preview-${locale}`);

    await userEvent.click(page.getByRole("button", { name: t.confirm }));
    await waitFor(() => shadow(element).querySelector("[part~=result]"));
    expect(await violations(element), "result").toEqual([]);
    await snapshot(`result-${locale}`);
  });

  test("cancel form, invoice list and error state", async () => {
    installFakePortal();
    const element = await mount({ locale, contractId: "ctr_basic1" });
    await waitFor(() => shadow(element).querySelector("[part~=facts]"));
    await userEvent.click(page.getByRole("button", { name: t.cancel }));
    await waitFor(() => shadow(element).querySelector("form"));
    expect(await violations(element), "cancel").toEqual([]);
    await snapshot(`cancel-${locale}`);

    await userEvent.click(page.getByRole("button", { name: t.invoices }));
    await waitFor(() => shadow(element).querySelector("[part~=invoice]"));
    expect(await violations(element), "invoices").toEqual([]);
    await snapshot(`invoices-${locale}`);
  });

  test("load error state", async () => {
    installFakePortal({ "GET /portal/v1/contracts": () => problem(500, "internal") });
    const element = await mount({ locale });
    await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(await violations(element), "error").toEqual([]);
  });
});

test("control: axe sees into the shadow root (an unnamed button there is reported)", async () => {
  const host = document.createElement("div");
  host.attachShadow({ mode: "open" }).innerHTML = "<button></button>";
  document.body.append(host);
  const results = await axe.run(host);
  expect(results.violations.map((violation) => violation.id)).toContain("button-name");
});
