// What the customer reads in the change and cancel flows: the new price in a downgrade preview,
// one sentence instead of two that repeat each other, a live region that stops saying "sending",
// no raw ids, no "1 bis 1" for an add-on booked once, and API refusals in the customer's language
// instead of the validation library's English.
import { afterEach, describe, expect, test } from "vitest";
import { page, userEvent } from "vitest/browser";
import type { SelfservicePortal } from "../../widget/src/selfservice-portal.js";
import {
  basicContract,
  cleanup,
  installFakePortal,
  mount,
  overview,
  problem,
  shadow,
  text,
  upgradePreview,
  waitFor,
  waitForText,
} from "./fixtures.js";

afterEach(cleanup);

const PREVIEW = "POST /portal/v1/contracts/ctr_basic1/changes/preview";

const downgradePreview = {
  ...upgradePreview,
  kind: "downgrade",
  effectiveDate: "2027-02-01",
  lines: [],
  netAmount: 0,
  taxAmount: 0,
  grossAmount: 0,
  taxBreakdown: [],
  settlement: "none",
  recurringAfter: { billingInterval: "month", netAmount: 2500, taxAmount: 475, grossAmount: 2975 },
};

async function openDetail(locale?: string): Promise<SelfservicePortal> {
  const element = await mount({ contractId: "ctr_basic1", ...(locale ? { locale } : {}) });
  await waitFor(() => shadow(element).querySelector("[part~=facts]"));
  return element;
}

async function previewSwitchTo(element: SelfservicePortal, tariff: RegExp): Promise<void> {
  await userEvent.click(page.getByRole("button", { name: "Tarif wechseln" }));
  await userEvent.click(page.getByRole("radio", { name: tariff }));
  await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
}

describe("preview texts", () => {
  test("a downgrade without prorated lines states the new price once, and nothing twice", async () => {
    installFakePortal({ [PREVIEW]: () => ({ body: downgradePreview }) });
    const element = await openDetail();
    await previewSwitchTo(element, /Mini/);
    await waitForText(element, "h2", "Vorschau Ihrer Änderung");
    const root = shadow(element);
    expect(text(root.querySelector("[part~=new-price]"))).toBe(
      "Ab 01.02.2027 zahlen Sie 29,75 € pro Monat (inkl. MwSt.).",
    );
    expect(text(root).match(/anteilig/g)).toHaveLength(1);
  });

  test("an upgrade preview states the price per period after the change too (English)", async () => {
    installFakePortal();
    const element = await openDetail("en");
    await userEvent.click(page.getByRole("button", { name: "Switch tariff" }));
    await userEvent.click(page.getByRole("radio", { name: /Premium/ }));
    await userEvent.click(page.getByRole("radio", { name: /Immediately/ }));
    await userEvent.click(page.getByRole("button", { name: "Show preview" }));
    const price = await waitFor(() => shadow(element).querySelector("[part~=new-price]"));
    expect(text(price)).toBe("From 11 Jan 2027 you pay €83.30 per month (incl. VAT).");
  });

  test("the live region stops announcing 'sending' once the preview is shown", async () => {
    installFakePortal();
    const element = await openDetail();
    await previewSwitchTo(element, /Premium/);
    await waitForText(element, "h2", "Vorschau Ihrer Änderung");
    const status = shadow(element).querySelector("[role=status]");
    await waitFor(() => !text(status).includes("Wird gesendet"));
    expect(text(status)).toBe("");
  });
});

describe("cancel and add-on texts", () => {
  test("the cancellation page names the tariff and its price, not the contract id", async () => {
    installFakePortal();
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Vertrag kündigen" }));
    const section = await waitForText(element, "h2", "Vertrag kündigen");
    const shown = text(section.closest("section"));
    expect(shown).not.toContain("ctr_basic1");
    expect(shown).toContain("Basic – 47,60 € pro Monat");
  });

  test("an add-on that can be booked once has no quantity field and no '1 bis 1'", async () => {
    const contract = basicContract({
      addonOptions: [
        {
          articleId: "art_once",
          name: "Einmal-Option",
          periodAmount: 300,
          taxRate: 1900,
          maxQuantity: 1,
        },
      ],
    });
    const portal = installFakePortal({
      "GET /portal/v1/contracts": () => ({ body: overview([contract]) }),
    });
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Zusatzoption buchen" }));
    await userEvent.click(page.getByRole("radio", { name: /Einmal-Option/ }));
    const root = shadow(element);
    expect(text(root)).not.toContain("1 bis 1");
    expect(root.querySelector("#quantity")).toBeNull();
    await userEvent.click(page.getByRole("radio", { name: /Sofort/ }));
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    await waitFor(() => portal.calls(PREVIEW).length === 1);
    expect(portal.calls(PREVIEW)[0]!.body).toMatchObject({ articleId: "art_once", quantity: 1 });
  });
});

describe("refusals in the customer's language", () => {
  test("a validation failure shows German text, never the library's English detail", async () => {
    installFakePortal({
      [PREVIEW]: () =>
        problem(
          400,
          "validation_failed",
          "Invalid json: unitAmount: Invalid type: Expected number",
        ),
    });
    const element = await openDetail();
    await previewSwitchTo(element, /Premium/);
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toContain("Einige Angaben sind ungültig.");
    expect(text(alert)).not.toContain("Invalid");
  });

  test("a business rule is worded by its code, in English for English customers", async () => {
    installFakePortal({
      [PREVIEW]: () =>
        problem(422, "effective_date_not_allowed", "2027-01-12 is not one of the change points"),
    });
    const element = await openDetail("en");
    await userEvent.click(page.getByRole("button", { name: "Switch tariff" }));
    await userEvent.click(page.getByRole("radio", { name: /Premium/ }));
    await userEvent.click(page.getByRole("button", { name: "Show preview" }));
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toContain("The change is not possible on this date.");
    expect(text(alert)).not.toContain("change points");
  });
});
