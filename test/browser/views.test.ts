// Browser tests of the read views of <selfservice-portal>: contract list with Intl prices, detail,
// invoice list, loading / empty / error states, contract-id, and the German and English texts.
import { afterEach, describe, expect, test } from "vitest";
import { page, userEvent } from "vitest/browser";
import {
  basicContract,
  byText,
  cleanup,
  installFakePortal,
  invoice,
  mount,
  overview,
  problem,
  shadow,
  text,
  waitFor,
  waitForText,
} from "./fixtures.js";

afterEach(cleanup);

describe("contract list", () => {
  test("shows each contract with its gross price per period formatted by Intl (de-DE)", async () => {
    const portal = installFakePortal();
    const element = await mount();
    const cards = await waitFor(() => {
      const found = shadow(element).querySelectorAll("[part~=contract-card]");
      return found.length === 2 && found;
    });
    expect(text(cards[0])).toContain("Basic");
    expect(text(cards[0])).toContain("47,60 € pro Monat");
    // Intl's own output, non-breaking space included, not a hand-made format.
    expect(cards[0]!.textContent).toContain(
      new Intl.NumberFormat("de-DE", { style: "currency", currency: "EUR" }).format(47.6),
    );
    expect(text(cards[0])).toContain("Nächste Abrechnung");
    expect(text(cards[0])).toContain("01.02.2027");
    expect(text(cards[1])).toContain("1.428,00 € pro Jahr");
    expect(text(cards[1])).toContain("Gekündigt");
    expect(text(cards[1])).toContain("31.12.2027");
    expect(text(shadow(element).querySelector("h2"))).toBe("Ihre Verträge bei Beispiel GmbH");
    const request = portal.calls("GET /portal/v1/contracts")[0]!;
    expect(request.headers.get("authorization")).toBe("Bearer pst_valid");
  });

  test("English texts, en-GB money and dates", async () => {
    installFakePortal();
    const element = await mount({ locale: "en" });
    const cards = await waitFor(
      () =>
        shadow(element).querySelectorAll("[part~=contract-card]").length === 2 &&
        shadow(element).querySelectorAll("[part~=contract-card]"),
    );
    expect(text(shadow(element).querySelector("h2"))).toBe("Your contracts with Beispiel GmbH");
    expect(text(cards[0])).toContain("€47.60 per month");
    expect(text(cards[0])).toContain("incl. VAT");
    expect(text(cards[0])).toContain("1 Feb 2027");
    expect(text(cards[1])).toContain("€1,428.00 per year");
    expect(text(cards[1])).toContain("Cancelled");
    expect(shadow(element).querySelector("[part=base]")!.getAttribute("lang")).toBe("en");
  });

  test("switching the locale attribute re-renders in the other language", async () => {
    installFakePortal();
    const element = await mount({ locale: "de" });
    await waitForText(element, "h2", "Ihre Verträge");
    element.setAttribute("locale", "en");
    await waitForText(element, "h2", "Your contracts");
    expect(byText(element, "button", "View contract")).toBeDefined();
  });

  test("without a locale attribute the customer's stored locale is used", async () => {
    installFakePortal({
      "GET /portal/v1/contracts": () => ({
        body: { ...overview(), customer: { id: "cus_x", name: "Jane", locale: "en-GB" } },
      }),
    });
    const element = await mount();
    await waitForText(element, "h2", "Your contracts");
  });

  test("empty state when the customer has no contracts", async () => {
    installFakePortal({ "GET /portal/v1/contracts": () => ({ body: overview([]) }) });
    const element = await mount();
    const empty = await waitFor(() => shadow(element).querySelector("[part~=empty]"));
    expect(text(empty)).toBe("Sie haben noch keine Verträge.");
  });

  test("loading state until the data arrives", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    installFakePortal({ "GET /portal/v1/contracts": () => ({ body: overview(), gate }) });
    const element = await mount();
    expect(text(shadow(element).querySelector("[part~=loading]"))).toBe("Wird geladen …");
    release();
    await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
    expect(shadow(element).querySelector("[part~=loading]")).toBeNull();
  });

  test("error state with retry; selfservice-error carries the problem", async () => {
    let fail = true;
    installFakePortal({
      "GET /portal/v1/contracts": () =>
        fail ? problem(503, "unavailable", "D1 is down") : { body: overview() },
    });
    const errors: CustomEvent[] = [];
    document.addEventListener("selfservice-error", (event) => errors.push(event));
    const element = await mount();
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toContain("Ihre Verträge konnten nicht geladen werden.");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.detail).toMatchObject({
      operation: "load_contracts",
      status: 503,
      code: "unavailable",
    });
    fail = false;
    await userEvent.click(page.getByRole("button", { name: "Erneut versuchen" }));
    await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
    expect(shadow(element).querySelector("[role=alert]")).toBeNull();
  });

  test("network failure shows the offline message", async () => {
    installFakePortal();
    const element = document.createElement("selfservice-portal");
    element.apiBase = "https://unreachable.invalid";
    element.sessionToken = "pst_valid";
    document.body.append(element);
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"), 5000);
    expect(text(alert)).toContain("Keine Verbindung zum Server");
  });

  test("no token and no fetchSession: asks to sign in, sends nothing", async () => {
    const portal = installFakePortal();
    const element = await mount({ sessionToken: null });
    expect(text(shadow(element).querySelector("[part~=empty]"))).toBe(
      "Bitte melden Sie sich an, um Ihre Verträge zu sehen.",
    );
    expect(portal.requests).toHaveLength(0);
  });
});

describe("contract detail", () => {
  test("shows tariff, items, price per period, next billing date and scheduled changes", async () => {
    installFakePortal();
    const element = await mount();
    await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
    await userEvent.click(page.getByRole("button", { name: "Vertrag ansehen" }).first());
    await waitForText(element, "h2", "Basic");
    const root = shadow(element);
    const facts = text(root.querySelector("[part~=facts]"));
    expect(facts).toContain("Abrechnung monatlich");
    expect(facts).toContain("01.01.2027 – 31.01.2027");
    expect(facts).toContain("Nächste Abrechnung 01.02.2027");
    const rows = [...root.querySelectorAll("table[part~=items] tbody tr")].map(text);
    expect(rows[0]).toBe("Basic 1 30,00 €");
    expect(rows[1]).toBe("Extra storage 2 10,00 € Menge ändern Entfernen");
    const foot = text(root.querySelector("table[part~=items] tfoot"));
    expect(foot).toContain("Summe netto 40,00 €");
    expect(foot).toContain("USt. 7,60 €");
    expect(foot).toContain("Gesamt pro Monat 47,60 €");
    expect(text(root.querySelector("[part~=scheduled-changes]"))).toContain(
      "Mengenänderung: 3 × Extra storage, wirksam ab 01.02.2027",
    );
    // Focus follows the navigation to the new view's heading.
    expect(root.activeElement?.textContent).toContain("Basic");
    for (const label of ["Tarif wechseln", "Zusatzoption buchen", "Vertrag kündigen"])
      expect(byText(element, "button", label)).toBeDefined();
  });

  test("contract-id opens that contract directly; actions the merchant disabled are not offered", async () => {
    installFakePortal({
      "GET /portal/v1/contracts": () => ({
        body: { ...overview(), allowedActions: ["switch_up", "switch_down"] },
      }),
    });
    const element = await mount({ contractId: "ctr_basic1" });
    await waitForText(element, "h2", "Basic");
    expect(byText(element, "button", "Tarif wechseln")).toBeDefined();
    for (const label of ["Zusatzoption buchen", "Vertrag kündigen", "Entfernen", "Menge ändern"])
      expect(byText(element, "button", label)).toBeUndefined();
  });

  test("a cancelled contract shows its end date and offers no changes", async () => {
    installFakePortal();
    const element = await mount({ contractId: "ctr_year2" });
    await waitForText(element, "h2", "Business Jahr");
    expect(text(shadow(element).querySelector("[part~=facts]"))).toContain(
      "Vertragsende 31.12.2027",
    );
    expect(shadow(element).querySelector("[part~=actions]")).toBeNull();
  });

  test("back to the list", async () => {
    installFakePortal();
    const element = await mount({ contractId: "ctr_basic1" });
    await waitForText(element, "h2", "Basic");
    await userEvent.click(page.getByRole("button", { name: "Alle Verträge" }));
    await waitForText(element, "h2", "Ihre Verträge");
  });
});

describe("invoice list", () => {
  test("lists invoices with kind, dates, gross amount and status; loads more by cursor", async () => {
    const portal = installFakePortal({
      "GET /portal/v1/invoices": (request) =>
        request.search.includes("cursor=c2")
          ? {
              body: {
                data: [
                  invoice(1, {
                    kind: "credit_note",
                    number: "GS-2027-000001",
                    grossAmount: -1190,
                    status: "paid",
                  }),
                ],
                nextCursor: null,
              },
            }
          : {
              body: {
                data: [
                  invoice(3, {
                    kind: "interim",
                    number: "ZR-2027-000001",
                    status: "open",
                    grossAmount: 2419,
                  }),
                  invoice(2),
                ],
                nextCursor: "c2",
              },
            },
    });
    const element = await mount();
    await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
    await userEvent.click(page.getByRole("button", { name: "Rechnungen" }));
    await waitForText(element, "h2", "Ihre Rechnungen");
    await waitFor(() => shadow(element).querySelectorAll("[part~=invoice]").length === 2);
    const rows = () => [...shadow(element).querySelectorAll("[part~=invoice]")].map(text);
    expect(rows()[0]).toBe("ZR-2027-000001 Zwischenrechnung 01.01.2027 15.01.2027 24,19 € Offen");
    expect(rows()[1]).toBe("RE-2027-000002 Rechnung 01.01.2027 15.01.2027 47,60 € Bezahlt");
    expect(portal.calls("GET /portal/v1/invoices")[0]!.search).toBe("?limit=20");
    expect(byText(element, "button", "Rechnungen")!.getAttribute("aria-current")).toBe("page");
    await userEvent.click(page.getByRole("button", { name: "Weitere laden" }));
    await waitFor(() => shadow(element).querySelectorAll("[part~=invoice]").length === 3);
    expect(rows()[2]).toBe("GS-2027-000001 Gutschrift 01.01.2027 15.01.2027 −11,90 € Bezahlt");
    expect(portal.calls("GET /portal/v1/invoices")[1]!.search).toBe("?limit=20&cursor=c2");
    expect(byText(element, "button", "Weitere laden")).toBeUndefined();
  });

  test("empty invoice list", async () => {
    installFakePortal({
      "GET /portal/v1/invoices": () => ({ body: { data: [], nextCursor: null } }),
    });
    const element = await mount({ locale: "en" });
    await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
    await userEvent.click(page.getByRole("button", { name: "Invoices" }));
    const empty = await waitFor(() => shadow(element).querySelector("[part~=empty]"));
    expect(text(empty)).toBe("There are no invoices yet.");
  });

  test("invoice list error keeps the navigation and reports it", async () => {
    installFakePortal({ "GET /portal/v1/invoices": () => problem(500, "internal") });
    const element = await mount();
    await waitFor(() => shadow(element).querySelector("[part~=contract-card]"));
    await userEvent.click(page.getByRole("button", { name: "Rechnungen" }));
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toContain("Es ist ein Fehler aufgetreten.");
    expect(byText(element, "button", "Verträge")).toBeDefined();
  });
});

test("the basic contract fixture is internally consistent", () => {
  const contract = basicContract();
  expect(contract.items.reduce((sum, item) => sum + item.periodAmount, 0)).toBe(
    contract.recurringNetAmount,
  );
  expect(contract.recurringNetAmount + contract.recurringTaxAmount).toBe(
    contract.recurringGrossAmount,
  );
});
