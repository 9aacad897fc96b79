// SEPA and webhook screens in Chromium: a collection run created, opened with its items, its
// pain.008 download and cancellation; a webhook endpoint whose secret is shown once, rotation,
// an event's attempts and redelivery.
import { afterEach, describe, expect, test } from "vitest";
import { byText, cleanup, installFakeApi, mountScreen, root, text, waitFor } from "./fake-api.js";

afterEach(cleanup);

const run = {
  id: "col_1",
  status: "open",
  collectionDate: "2026-12-08",
  numberOfTransactions: 1,
  controlSum: 3570,
  currency: "EUR",
  items: [
    {
      id: "cit_1",
      invoiceNumber: "RE-2026-1",
      amount: 3570,
      mandateReference: "M-1",
      status: "pending",
    },
  ],
};

describe("SEPA", () => {
  test("creates a collection run, offers its pain.008 file and cancels it", async () => {
    const api = installFakeApi({
      "POST /api/v1/collection-runs": () => ({ status: 201, body: run }),
      "POST /api/v1/collection-runs/col_1/cancel": () => ({
        body: { ...run, status: "cancelled" },
      }),
    });
    const screen = await mountScreen("tarif-sepa", { role: "accountant" });
    const form = await waitFor(() =>
      root(screen).querySelector<HTMLFormElement>('form:has(input[name="collectionDate"])'),
    );
    (form.querySelector("input") as HTMLInputElement).value = "2026-12-08";
    form.requestSubmit();
    await waitFor(() =>
      text(root(screen).querySelector("#runs-heading")?.parentElement).includes("RE-2026-1 · M-1"),
    );
    expect(api.calls("POST /api/v1/collection-runs")[0]!.body).toEqual({
      collectionDate: "2026-12-08",
    });
    const link = byText<HTMLAnchorElement>(screen, "a", "pain.008")!;
    expect(link.getAttribute("href")).toBe(
      "https://tarif.test/api/v1/collection-runs/col_1/pain008.xml",
    );
    await waitFor(() => text(root(screen).querySelector('[role="status"]')) === "Gespeichert.");
    byText(screen, "button", "Einzug stornieren")!.click();
    await waitFor(() => api.calls("POST /api/v1/collection-runs/col_1/cancel").length === 1);
    // The accountant books but does not change the creditor settings.
    expect(root(screen).querySelector<HTMLFieldSetElement>("fieldset")!.disabled).toBe(true);
  });
});

describe("Webhooks", () => {
  test("shows a new endpoint's secret once, rotates it, shows an event's attempts and redelivers", async () => {
    const api = installFakeApi({
      "POST /api/v1/webhook-endpoints": (r) => ({
        status: 201,
        body: {
          id: "whe_2",
          url: (r.body as { url: string }).url,
          status: "enabled",
          secret: "whsec_first",
        },
      }),
      "POST /api/v1/webhook-endpoints/whe_1/rotate-secret": () => ({
        body: { secret: "whsec_rotated" },
      }),
      "POST /api/v1/webhook-events/evt_1/redeliver": () => ({ status: 202, body: {} }),
    });
    const screen = await mountScreen("tarif-webhooks");
    const form = await waitFor(() => root(screen).querySelector<HTMLFormElement>("form"));
    (form.querySelector("input") as HTMLInputElement).value = "https://shop.example.com/hooks";
    form.requestSubmit();
    await waitFor(() => text(root(screen).querySelector(".notice")).includes("whsec_first"));
    expect(api.calls("POST /api/v1/webhook-endpoints")[0]!.body).toEqual({
      url: "https://shop.example.com/hooks",
    });
    await waitFor(() => !screen.busy);
    byText(screen, "button", "Secret erneuern")!.click();
    await waitFor(() => text(root(screen).querySelector(".notice")).includes("whsec_rotated"));
    await waitFor(() => !screen.busy);
    byText(screen, "button", "Zustellversuche")!.click();
    await waitFor(() =>
      text(root(screen).querySelector("#events-heading")?.parentElement).includes("500"),
    );
    await waitFor(() => !screen.busy);
    byText(screen, "button", "Erneut senden")!.click();
    await waitFor(() => api.calls("POST /api/v1/webhook-events/evt_1/redeliver").length === 1);
  });
});
