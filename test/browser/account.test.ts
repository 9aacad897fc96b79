// The payment view of <selfservice-portal> in real Chromium: the open amount with the dunning
// fees, the blocked mandate and the merchant's account for a transfer; the new-mandate form with
// its own checks, the API's field errors, the success state with the typed
// `selfservice-mandate-created` event and the live region; axe in German and English; 375 px.
import axe from "axe-core";
import { afterEach, describe, expect, test } from "vitest";
import { page, userEvent } from "vitest/browser";
import type { SelfservicePortal } from "../../widget/src/selfservice-portal.js";
import type { SelfserviceMandateCreatedDetail } from "../../widget/src/events.js";
import { blockedAccount, createdMandate } from "./account-fixtures.js";
import { cleanup, installFakePortal, mount, shadow, text, waitFor } from "./fixtures.js";

afterEach(async () => {
  cleanup();
  await page.viewport(1280, 800);
});

const accountRoutes = (overrides = {}) => ({
  "GET /portal/v1/account": () => ({ body: blockedAccount(overrides) }),
  "POST /portal/v1/mandates": () => ({ status: 201, body: createdMandate }),
});

async function openAccount(element: SelfservicePortal, label: string): Promise<void> {
  await waitFor(() => shadow(element).querySelector("nav"));
  await userEvent.click(page.getByRole("button", { name: label, exact: true }));
  await waitFor(() => shadow(element).querySelector("[part~=open-invoice]"));
}

async function violations(element: SelfservicePortal): Promise<string[]> {
  await element.updateComplete;
  const results = await axe.run(element);
  expect(results.passes.length).toBeGreaterThan(10);
  return results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`,
  );
}

const liveRegion = (element: SelfservicePortal) =>
  text(shadow(element).querySelector("[role=status]"));

describe("the payment view", () => {
  test("shows the open amount, the open invoices, the blocked mandate and the transfer details", async () => {
    installFakePortal(accountRoutes());
    const element = await mount();
    await openAccount(element, "Zahlung");
    const root = shadow(element);
    expect(text(root.querySelector("h2"))).toBe("Offener Betrag / Zahlungsart");
    expect(text(root.querySelector("[part~=open-amount]"))).toBe("Offener Betrag: 46,20 €");
    const rows = [...root.querySelectorAll<HTMLElement>("[part~=open-invoice]")].map(text);
    expect(rows[0]).toContain("RE-2027-000003");
    expect(rows[0]).toContain("35,70 €");
    expect(rows[0]).toContain("5,00 €");
    expect(rows[0]).toContain("40,70 €");
    expect(rows[0]).toContain("1. Mahnung");
    expect(rows[0]).toContain("RF18539007547034");
    expect(rows[1]).toContain("GB-2027-000001 (Gebührenrechnung)");
    const blocked = text(root.querySelector("[part~=mandate-blocked]"));
    expect(blocked).toContain("DE12 **** **** **** **98 90");
    expect(blocked).toContain("Das Konto ist geschlossen oder ungültig.");
    const transfer = text(root.querySelector("[part~=transfer]"));
    expect(transfer).toContain("Stadtwerke Musterstadt");
    expect(transfer).toContain("DE02 5001 0517 0137 0750 30");
    expect(transfer).toContain("INGDDEFFXXX");
    expect(text(root.querySelector("[part~=consent]"))).toContain("DE98ZZZ09999999999");
    const nav = root.querySelector("nav")!;
    expect(nav.querySelector("[aria-current=page]")?.textContent?.trim()).toBe("Zahlung");
  });

  test("checks the form itself, then shows the API's field errors, then the new mandate", async () => {
    let failNext = true;
    const fake = installFakePortal({
      ...accountRoutes(),
      "POST /portal/v1/mandates": () => {
        if (failNext) {
          failNext = false;
          return {
            status: 422,
            body: {
              type: "https://tarif.test/problems/mandate-data-invalid",
              title: "The request breaks a business rule",
              status: 422,
              code: "mandate_data_invalid",
              detail: "iban: …",
              errors: [
                {
                  field: "iban",
                  message:
                    "Die IBAN ist ungültig: Bitte prüfen Sie die Eingabe (Prüfziffer passt nicht).",
                },
              ],
            },
          };
        }
        return { status: 201, body: createdMandate };
      },
    });
    const element = await mount();
    const events: SelfserviceMandateCreatedDetail[] = [];
    element.addEventListener("selfservice-mandate-created", (event) => events.push(event.detail));
    await openAccount(element, "Zahlung");
    const root = shadow(element);

    await userEvent.click(page.getByRole("button", { name: "Mandat erteilen" }));
    await waitFor(() => root.querySelector("#consent-error"));
    expect(text(root.querySelector("#iban-error"))).toBe("Bitte geben Sie Ihre IBAN ein.");
    expect(text(root.querySelector("#accountHolder-error"))).toBe(
      "Bitte geben Sie den Namen des Kontoinhabers ein.",
    );
    expect(root.querySelector("#iban")!.getAttribute("aria-invalid")).toBe("true");
    expect(root.querySelector("#iban")!.getAttribute("aria-describedby")).toBe(
      "iban-hint iban-error",
    );
    await waitFor(() => root.activeElement === root.querySelector("#iban"));
    expect(fake.calls("POST /portal/v1/mandates")).toHaveLength(0);

    await userEvent.fill(page.getByLabelText("IBAN"), "de75512108001245126198");
    await userEvent.fill(page.getByLabelText("Kontoinhaber"), "Lena Beispiel");
    await userEvent.click(page.getByRole("checkbox"));
    // Leaving the field groups the IBAN in fours, as on a bank card.
    expect(root.querySelector<HTMLInputElement>("#iban")!.value).toBe(
      "DE75 5121 0800 1245 1261 98",
    );
    await userEvent.click(page.getByRole("button", { name: "Mandat erteilen" }));
    await waitFor(() => text(root.querySelector("#iban-error")).includes("Prüfziffer"));
    expect(root.querySelector("[role=alert]")).toBeNull();
    expect(liveRegion(element)).toBe(
      "Das Mandat wurde nicht erteilt. Bitte prüfen Sie Ihre Angaben.",
    );
    expect(events).toEqual([]);

    await userEvent.fill(page.getByLabelText("IBAN"), "DE75 5121 0800 1245 1261 99");
    await userEvent.click(page.getByRole("button", { name: "Mandat erteilen" }));
    await waitFor(() => root.querySelector("[part~=mandate-created]"));
    const [first, second] = fake.calls("POST /portal/v1/mandates");
    expect(second!.body).toEqual({
      iban: "DE75 5121 0800 1245 1261 99",
      accountHolder: "Lena Beispiel",
      consent: true,
    });
    // Another body, another key: the corrected form is a new request, not a replay of the first.
    expect(second!.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(second!.headers.get("idempotency-key")).not.toBe(first!.headers.get("idempotency-key"));
    const created = text(root.querySelector("[part~=mandate-created]"));
    expect(created).toContain("TRF-01M8Y3J7FY0016AS9C9WBV22");
    expect(created).toContain("DE75 **** **** **** **61 99");
    expect(liveRegion(element)).toBe("Ihr Mandat wurde erteilt");
    expect(events).toEqual([{ mandate: createdMandate }]);
    await waitFor(() => root.activeElement === root.querySelector("[part~=mandate-created]"));
  });

  test("offers no form when the merchant does not allow it, and speaks English", async () => {
    installFakePortal(accountRoutes({ canUpdateMandate: false }));
    const element = await mount({ locale: "en" });
    await openAccount(element, "Payment");
    const root = shadow(element);
    expect(text(root.querySelector("h2"))).toBe("Open amount / payment method");
    expect(text(root.querySelector("[part~=open-amount]"))).toBe("Open amount: €46.20");
    expect(text(root.querySelector("[part~=mandate-blocked]"))).toContain(
      "We can no longer debit your account",
    );
    expect(root.querySelector("form")).toBeNull();
  });
});

describe.each(["de", "en"] as const)("axe-core, locale %s", (locale) => {
  const t = {
    de: { nav: "Zahlung", submit: "Mandat erteilen" },
    en: { nav: "Payment", submit: "Give mandate" },
  }[locale];

  test("the payment view, its form with errors and the new mandate", async () => {
    installFakePortal(accountRoutes());
    const element = await mount({ locale });
    await openAccount(element, t.nav);
    const root = shadow(element);
    expect(text(root.querySelector("[part~=consent]"))).toContain(
      locale === "de" ? "Ich ermächtige" : "I authorise",
    );
    expect(await violations(element), "account").toEqual([]);
    await userEvent.click(page.getByRole("button", { name: t.submit }));
    await waitFor(() => root.querySelector("#consent-error"));
    expect(await violations(element), "form with errors").toEqual([]);
    await userEvent.fill(page.getByLabelText("IBAN"), "DE75512108001245126199");
    await userEvent.fill(page.getByRole("textbox", { name: /holder|Kontoinhaber/ }), "Lena");
    await userEvent.click(page.getByRole("checkbox"));
    await userEvent.click(page.getByRole("button", { name: t.submit }));
    await waitFor(() => root.querySelector("[part~=mandate-created]"));
    expect(await violations(element), "created").toEqual([]);
  });
});

test("at 375 px the open invoices and the form fit the width", async () => {
  await page.viewport(375, 700);
  document.body.style.margin = "0";
  installFakePortal(accountRoutes());
  const element = await mount();
  await openAccount(element, "Zahlung");
  const width = document.documentElement.clientWidth;
  expect(width).toBe(375);
  expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(width);
  const root = shadow(element);
  for (const row of root.querySelectorAll<HTMLElement>("[part~=open-invoice]")) {
    for (const cell of row.querySelectorAll<HTMLElement>("th, td")) {
      const box = cell.getBoundingClientRect();
      expect(box.width).toBeGreaterThan(0);
      expect(box.right).toBeLessThanOrEqual(width);
    }
    expect(row.querySelector("td")!.dataset.label).toBeTruthy();
  }
  for (const field of root.querySelectorAll<HTMLElement>("input, button, [part~=consent]")) {
    expect(field.getBoundingClientRect().right).toBeLessThanOrEqual(width);
  }
  const wrap = root.querySelector<HTMLElement>(".table-wrap")!;
  expect(wrap.scrollWidth).toBeLessThanOrEqual(wrap.clientWidth);
  // For reviewers, with the other screenshots in the build output (dist/ is not committed).
  await page.screenshot({ path: "../../dist/screenshots/widget-account-375.png" });
  root.querySelector("form")!.scrollIntoView();
  await page.screenshot({ path: "../../dist/screenshots/widget-account-form-375.png" });
});
