// The back office's invoice-document and dunning screens in Chromium against the faked API:
// Firmendaten, Mahnwesen, E-Mails and the customers' billing data (what a save sends, a 422 shown
// at its field, a viewer's read-only form), the logo check, the invoice's document links and
// dunning history, and the review queue loading its invoices in one request.
import { afterEach, describe, expect, test } from "vitest";
import {
  byText,
  cleanup,
  dunningStep,
  installFakeApi,
  invoice,
  mountApp,
  mountScreen,
  root,
  text,
  waitFor,
  type Reply,
} from "./fake-api.js";

afterEach(cleanup);

const unprocessable = (field: string, message: string): Reply => ({
  status: 422,
  body: {
    status: 422,
    code: "validation_failed",
    title: "validation_failed",
    detail: `Invalid json: ${field} ${message}`,
    errors: [{ field, message }],
  },
});

const input = (element: Element, name: string) =>
  root(element).querySelector<HTMLInputElement>(`[name="${name}"]`)!;

const saved = (element: Element) =>
  waitFor(() => text(root(element).querySelector('[role="status"]')) === "Gespeichert.");

/** The error text next to a field, found through its aria-describedby. */
const errorAt = (element: Element, name: string) => {
  const field = input(element, name);
  expect(field.getAttribute("aria-invalid")).toBe("true");
  return text(root(element).getElementById(field.getAttribute("aria-describedby")!));
};

describe("Settings → Firmendaten", () => {
  test("saves every field with PUT and keeps the stored logo", async () => {
    const api = installFakeApi({
      "PUT /api/v1/settings/company": (r) => ({
        body: { configured: true, missingForInvoices: [], ...(r.body as object) },
      }),
    });
    const screen = await mountScreen("tarif-company");
    await waitFor(() => root(screen).querySelector("form"));
    input(screen, "legalName").value = "Stadtwerke Neu GmbH";
    input(screen, "address.line2").value = "Hinterhaus";
    input(screen, "phone").value = "+49 89 123456";
    input(screen, "smallBusiness").checked = true;
    input(screen, "iban").value = "de89 3704 0044 0532 0130 00";
    root(screen).querySelector("form")!.requestSubmit();
    await saved(screen);
    expect(api.calls("PUT /api/v1/settings/company")[0]!.body).toEqual({
      legalName: "Stadtwerke Neu GmbH",
      address: {
        line1: "Hauptstr. 1",
        line2: "Hinterhaus",
        postalCode: "80331",
        city: "München",
        country: "DE",
      },
      vatId: "DE123456789",
      taxNumber: null,
      email: "rechnung@stadtwerke.example",
      phone: "+49 89 123456",
      registerEntry: "Amtsgericht München HRB 12345",
      managingDirectors: "Erika Muster",
      smallBusiness: true,
      iban: "DE89370400440532013000",
      bic: null,
    });
  });

  test("shows the server's 422 at the field", async () => {
    installFakeApi({
      "PUT /api/v1/settings/company": () =>
        unprocessable("address.postalCode", "must not be empty"),
    });
    const screen = await mountScreen("tarif-company");
    await waitFor(() => root(screen).querySelector("form"));
    input(screen, "address.postalCode").value = "";
    root(screen).querySelector("form")!.requestSubmit();
    await waitFor(() => root(screen).querySelector('[role="alert"].notice'));
    expect(errorAt(screen, "address.postalCode")).toBe("must not be empty");
    expect(input(screen, "legalName").getAttribute("aria-invalid")).toBe("false");
  });

  test("refuses a logo of the wrong type or over 256 KB before sending, previews a good one", async () => {
    const api = installFakeApi({
      "PUT /api/v1/settings/company": (r) => ({
        body: {
          ...(r.body as object),
          configured: true,
          missingForInvoices: [],
          logo: { sha256: "ab", contentType: "image/png" },
        },
      }),
    });
    const screen = await mountScreen("tarif-company");
    await waitFor(() => root(screen).querySelector("form"));
    const file = input(screen, "logoFile");
    const choose = async (f: File) => {
      const transfer = new DataTransfer();
      transfer.items.add(f);
      file.files = transfer.files;
      file.dispatchEvent(new Event("change"));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await screen.updateComplete;
    };
    await choose(new File(["GIF89a"], "logo.gif", { type: "image/gif" }));
    expect(text(root(screen).getElementById("logo-note"))).toContain("PNG, JPEG oder SVG");
    await choose(new File([new Uint8Array(256 * 1024 + 1)], "big.png", { type: "image/png" }));
    expect(text(root(screen).getElementById("logo-note"))).toContain("257 KB");
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await choose(new File([png], "logo.png", { type: "image/png" }));
    expect(text(root(screen).getElementById("logo-note"))).toBe("");
    await waitFor(() => root(screen).querySelector("img.logo-preview"));
    root(screen).querySelector("form")!.requestSubmit();
    await saved(screen);
    const body = api.calls("PUT /api/v1/settings/company")[0]!.body as {
      logo: { contentType: string; data: string };
    };
    expect(body.logo).toEqual({
      contentType: "image/png",
      data: btoa(String.fromCharCode(...png)),
    });
    expect(text(root(screen).querySelector("form"))).toContain(
      "Ein Logo ist hinterlegt (image/png)",
    );
  });

  test("a viewer sees the data read-only", async () => {
    installFakeApi();
    const screen = await mountScreen("tarif-company", { role: "viewer" });
    await waitFor(() => root(screen).querySelector("form"));
    expect(input(screen, "legalName").value).toBe("Stadtwerke Test GmbH");
    expect(input(screen, "legalName").disabled).toBe(true);
    expect(input(screen, "smallBusiness").disabled).toBe(true);
    expect(root(screen).querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled).toBe(
      true,
    );
    expect(text(root(screen).querySelector("form"))).toContain(
      "Ihre Rolle darf hier nichts ändern.",
    );
  });
});

describe("Settings → Mahnwesen", () => {
  test("saves fees in cents, days, the switches and a new base rate", async () => {
    const api = installFakeApi({
      "PATCH /api/v1/settings/dunning": (r) => ({ body: r.body }),
    });
    const screen = await mountScreen("tarif-dunning");
    await waitFor(() => root(screen).querySelector("form"));
    expect(input(screen, "handlingFee").value).toBe("3,50");
    input(screen, "levelFees.2").value = "12,5";
    input(screen, "reminderDays.0").value = "10";
    input(screen, "b2bFlatFee").checked = true;
    input(screen, "baseRates.1.validFrom").value = "2027-01-01";
    input(screen, "baseRates.1.rateBp").value = "-0,88";
    root(screen).querySelector("form")!.requestSubmit();
    await saved(screen);
    expect(api.calls("PATCH /api/v1/settings/dunning")[0]!.body).toEqual({
      passOnReturnFee: true,
      handlingFee: 350,
      representDebits: true,
      reminderDays: [10, 14, 21],
      levelFees: [0, 500, 1250],
      defaultInterest: true,
      b2bFlatFee: true,
      baseRates: [
        { validFrom: "2026-07-01", rateBp: 127 },
        { validFrom: "2027-01-01", rateBp: -88 },
      ],
    });
    // After the save the two rates stand, with one empty row for the next.
    await waitFor(() => input(screen, "baseRates.2.validFrom"));
    expect(input(screen, "baseRates.1.rateBp").value).toBe("-0,88");
  });

  test("shows the server's 422 at the level's field", async () => {
    installFakeApi({
      "PATCH /api/v1/settings/dunning": () =>
        unprocessable("reminderDays.1", "must come after the reminder"),
    });
    const screen = await mountScreen("tarif-dunning");
    await waitFor(() => root(screen).querySelector("form"));
    input(screen, "reminderDays.1").value = "3";
    root(screen).querySelector("form")!.requestSubmit();
    await waitFor(() => root(screen).querySelector('[role="alert"].notice'));
    expect(errorAt(screen, "reminderDays.1")).toBe("must come after the reminder");
  });

  test("a viewer sees the settings read-only", async () => {
    installFakeApi();
    const screen = await mountScreen("tarif-dunning", { role: "viewer" });
    await waitFor(() => root(screen).querySelector("form"));
    expect(input(screen, "reminderDays.2").value).toBe("21");
    expect(input(screen, "reminderDays.2").disabled).toBe(true);
    expect(input(screen, "passOnReturnFee").disabled).toBe(true);
    expect(byText(screen, "button", "Weiteren Basiszinssatz hinzufügen")).toBeUndefined();
  });
});

describe("Settings → E-Mails", () => {
  test("switches kinds on and off", async () => {
    const api = installFakeApi({
      "PATCH /api/v1/settings/emails": (r) => ({ body: r.body }),
    });
    const screen = await mountScreen("tarif-emails");
    await waitFor(() => root(screen).querySelector("form"));
    root(screen).querySelector<HTMLInputElement>('input[value="debit_returned"]')!.checked = false;
    root(screen).querySelector<HTMLInputElement>('input[value="dunning_level_reached"]')!.checked =
      true;
    root(screen).querySelector("form")!.requestSubmit();
    await saved(screen);
    expect(api.calls("PATCH /api/v1/settings/emails")[0]!.body).toEqual({
      kinds: {
        invoice_issued: true,
        change_confirmed: true,
        cancellation_confirmed: true,
        debit_returned: false,
        dunning_level_reached: true,
      },
    });
  });

  test("shows the server's 422 at the kind and a viewer changes nothing", async () => {
    installFakeApi({
      "PATCH /api/v1/settings/emails": () =>
        unprocessable("kinds.invoice_issued", "must be sent while invoices are e-mailed"),
    });
    const screen = await mountScreen("tarif-emails");
    await waitFor(() => root(screen).querySelector("form"));
    root(screen).querySelector("form")!.requestSubmit();
    await waitFor(() => root(screen).querySelector(".field-error"));
    expect(text(root(screen).querySelector(".field-error"))).toBe(
      "must be sent while invoices are e-mailed",
    );
    cleanup();
    installFakeApi();
    const viewer = await mountScreen("tarif-emails", { role: "viewer" });
    await waitFor(() => root(viewer).querySelector("form"));
    expect(root(viewer).querySelector("fieldset")!.disabled).toBe(true);
  });
});

describe("customers' billing data", () => {
  const billed = {
    id: "cus_1",
    name: "Kunde 1",
    email: null,
    externalRef: null,
    iban: null,
    kind: "consumer",
    billingAddress: null,
    vatId: null,
    buyerReference: null,
  };

  test("saves kind, address, VAT ID and buyer reference; a 422 shows at the field", async () => {
    let fail = true;
    const api = installFakeApi({
      "GET /api/v1/customers": () => ({ body: { data: [billed], nextCursor: null } }),
      "PATCH /api/v1/customers/cus_1": (r) =>
        fail
          ? unprocessable("vatId", "must be a VAT ID in its country's format")
          : { body: { ...billed, ...(r.body as object) } },
    });
    const screen = await mountScreen("tarif-customers");
    const button = await waitFor(() => byText(screen, "button", "Verträge"));
    button.click();
    const form = await waitFor(() => root(screen).querySelector("#billing-heading + form"));
    (form.querySelector('select[name="kind"]') as HTMLSelectElement).value = "business";
    input(screen, "billingAddress.line1").value = "Werkstr. 5";
    input(screen, "billingAddress.postalCode").value = "10115";
    input(screen, "billingAddress.city").value = "Berlin";
    input(screen, "vatId").value = "DE12";
    input(screen, "buyerReference").value = "04011000-12345-34";
    (form as HTMLFormElement).requestSubmit();
    await waitFor(() => input(screen, "vatId").getAttribute("aria-invalid") === "true");
    expect(errorAt(screen, "vatId")).toBe("must be a VAT ID in its country's format");
    fail = false;
    input(screen, "vatId").value = "DE123456789";
    (root(screen).querySelector("#billing-heading + form") as HTMLFormElement).requestSubmit();
    await saved(screen);
    expect(api.calls("PATCH /api/v1/customers/cus_1")[1]!.body).toEqual({
      kind: "business",
      billingAddress: {
        line1: "Werkstr. 5",
        line2: null,
        postalCode: "10115",
        city: "Berlin",
        country: "DE",
      },
      vatId: "DE123456789",
      buyerReference: "04011000-12345-34",
    });
  });

  test("a viewer sees the billing data read-only", async () => {
    installFakeApi({
      "GET /api/v1/customers": () => ({ body: { data: [billed], nextCursor: null } }),
    });
    const screen = await mountScreen("tarif-customers", { role: "viewer" });
    (await waitFor(() => byText(screen, "button", "Verträge"))).click();
    await waitFor(() => root(screen).querySelector("#billing-heading"));
    expect(input(screen, "vatId").disabled).toBe(true);
    expect(root(screen).querySelector<HTMLSelectElement>('select[name="kind"]')!.disabled).toBe(
      true,
    );
  });
});

describe("invoice documents and dunning", () => {
  test("links the PDF and XRechnung for download and lists the dunning history", async () => {
    installFakeApi({
      "GET /api/v1/invoices/inv_1": () => ({
        body: invoice("inv_1", {
          dunningLevel: "first_notice",
          dunningHistory: [
            dunningStep("reminder", "2026-12-22"),
            dunningStep("first_notice", "2026-12-29", { fee: 500, interest: 12, total: 4082 }),
          ],
        }),
      }),
    });
    const screen = await mountScreen("tarif-invoices", { attributes: { "invoice-id": "inv_1" } });
    const pdf = await waitFor(() =>
      root(screen).querySelector<HTMLAnchorElement>('a[href="/api/v1/invoices/inv_1/pdf"]'),
    );
    expect(pdf.getAttribute("download")).toBe("RE-2026-1.pdf");
    expect(text(pdf)).toBe("PDF (ZUGFeRD) herunterladen");
    const xml = root(screen).querySelector<HTMLAnchorElement>(
      'a[href="/api/v1/invoices/inv_1/xml"]',
    )!;
    expect(xml.getAttribute("download")).toBe("RE-2026-1.xml");
    const section = text(root(screen).querySelector("section"));
    expect(section).toContain("Aktuelle Mahnstufe: 1. Mahnung");
    expect(section).toContain("Zahlungserinnerung");
    expect(section).toContain("40,82");
  });

  test("says when an invoice has no stored documents and shows no dunning", async () => {
    installFakeApi({
      "GET /api/v1/invoices/inv_1": () => ({ body: invoice("inv_1", { documents: null }) }),
    });
    const screen = await mountScreen("tarif-invoices", { attributes: { "invoice-id": "inv_1" } });
    await waitFor(() => text(root(screen).querySelector("section")).includes("keine Dokumente"));
    expect(text(root(screen).querySelector("section"))).not.toContain("Mahnstufe");
  });
});

describe("review queue", () => {
  test("loads the candidates' invoices in one request with ids", async () => {
    const api = installFakeApi();
    const screen = await mountScreen("tarif-payments", { role: "accountant" });
    const line = await waitFor(() => root(screen).querySelector("li.line"));
    await waitFor(() => text(line).includes("RE-2026-2"));
    const lists = api.calls("GET /api/v1/invoices");
    expect(lists).toHaveLength(1);
    expect(new URLSearchParams(lists[0]!.search).get("ids")!.split(",").sort()).toEqual([
      "inv_1",
      "inv_2",
    ]);
    expect(api.calls("GET /api/v1/invoices/inv_1")).toHaveLength(0);
  });
});

describe("settings navigation", () => {
  test("links the four settings sections and opens the one in the address", async () => {
    installFakeApi();
    location.hash = "#/settings/dunning";
    const app = await mountApp();
    const screen = await waitFor(() => root(app).querySelector("tarif-dunning"));
    await waitFor(() => root(screen).querySelector("form"));
    const links = [...root(app).querySelectorAll<HTMLAnchorElement>("nav.subnav a")];
    expect(links.map((a) => [text(a), a.getAttribute("href")])).toEqual([
      ["Kundencenter", "#/settings"],
      ["Firmendaten", "#/settings/company"],
      ["Mahnwesen", "#/settings/dunning"],
      ["E-Mails", "#/settings/emails"],
    ]);
    expect(links[2]!.getAttribute("aria-current")).toBe("page");
    location.hash = "#/settings/company";
    await waitFor(() => root(app).querySelector("tarif-company"));
  });
});
