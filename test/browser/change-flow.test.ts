// Browser tests of the change flows of <selfservice-portal>: switching tariff with a date picker
// limited to the allowed dates, the preview's exact cent amounts, confirming with one
// Idempotency-Key per confirmation (double clicks and retries included), add-ons, removal,
// quantity, withdrawing a scheduled change, cancelling the contract, and a keyboard-only path.
import { afterEach, describe, expect, test } from "vitest";
import { page, userEvent } from "vitest/browser";
import type { SelfserviceCancelDetail, SelfserviceChangeDetail } from "../../widget/src/events.js";
import type { SelfservicePortal } from "../../widget/src/selfservice-portal.js";
import {
  appliedUpgrade,
  basicContract,
  byText,
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
  type FakePortal,
} from "./fixtures.js";

afterEach(cleanup);

const CHANGES = "POST /portal/v1/contracts/ctr_basic1/changes";
const PREVIEW = "POST /portal/v1/contracts/ctr_basic1/changes/preview";

function listen<T>(type: string): CustomEvent<T>[] {
  const seen: CustomEvent<T>[] = [];
  document.addEventListener(type, (event) => seen.push(event as CustomEvent<T>));
  return seen;
}

async function openDetail(options: { locale?: string } = {}): Promise<SelfservicePortal> {
  const element = await mount({ contractId: "ctr_basic1", ...options });
  await waitFor(() => shadow(element).querySelector("[part~=facts]"));
  return element;
}

function radios(element: SelfservicePortal, name: string): HTMLInputElement[] {
  return [...shadow(element).querySelectorAll<HTMLInputElement>(`input[type=radio][name=${name}]`)];
}

function radioLabels(element: SelfservicePortal, name: string): string[] {
  return radios(element, name).map((radio) => text(radio.closest("label")));
}

async function startSwitchToPremium(element: SelfservicePortal): Promise<void> {
  await userEvent.click(page.getByRole("button", { name: "Tarif wechseln" }));
  await waitForText(element, "h2", "Tarif wechseln");
  await userEvent.click(page.getByRole("radio", { name: /Premium/ }));
}

async function reachPreview(element: SelfservicePortal, portal: FakePortal): Promise<void> {
  const before = portal.calls(PREVIEW).length;
  await startSwitchToPremium(element);
  await userEvent.click(page.getByRole("radio", { name: /Sofort/ }));
  await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
  await waitForText(element, "h2", "Vorschau Ihrer Änderung");
  expect(portal.calls(PREVIEW)).toHaveLength(before + 1);
}

describe("switch tariff", () => {
  test("the date picker offers exactly the allowed dates and range", async () => {
    installFakePortal();
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Tarif wechseln" }));
    await waitForText(element, "h2", "Tarif wechseln");
    expect(shadow(element).activeElement?.textContent).toBe("Tarif wechseln");
    expect(radioLabels(element, "target")).toEqual([
      "Premium – 60,00 € pro Monat (netto) Upgrade",
      "Mini – 15,00 € pro Monat (netto) Downgrade",
    ]);
    expect(radioLabels(element, "date")).toEqual([
      "Sofort (11.01.2027)",
      "Zum nächsten Abrechnungszeitraum (01.02.2027)",
      "Wunschtermin",
    ]);
    expect(radios(element, "date").map((radio) => radio.value)).toEqual([
      "2027-01-11",
      "2027-02-01",
      "custom",
    ]);
    const custom = shadow(element).querySelector<HTMLInputElement>("#custom-date")!;
    expect([custom.type, custom.min, custom.max]).toEqual(["date", "2027-01-15", "2027-04-11"]);
    expect(text(shadow(element).querySelector("#range-hint"))).toBe(
      "Möglich vom 15.01.2027 bis 11.04.2027",
    );
  });

  test("a date outside the allowed ones is refused in the widget, an allowed custom date is sent", async () => {
    const portal = installFakePortal();
    const element = await openDetail();
    await startSwitchToPremium(element);
    await userEvent.fill(page.getByLabelText("Datum", { exact: true }), "2027-05-01");
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    const error = await waitFor(() => shadow(element).querySelector("#date-error"));
    expect(text(error)).toBe("Bitte wählen Sie ein Datum aus den angebotenen Terminen.");
    const custom = shadow(element).querySelector<HTMLInputElement>("#custom-date")!;
    expect(custom.getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => shadow(element).activeElement === custom);
    expect(portal.calls(PREVIEW)).toHaveLength(0);
    // A day between the fixed dates but not in the range (13 Jan) is refused too.
    await userEvent.fill(page.getByLabelText("Datum", { exact: true }), "2027-01-13");
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    await waitFor(() => shadow(element).querySelector("#date-error"));
    expect(portal.calls(PREVIEW)).toHaveLength(0);
    await userEvent.fill(page.getByLabelText("Datum", { exact: true }), "2027-01-20");
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    await waitFor(() => portal.calls(PREVIEW).length === 1);
    expect(portal.calls(PREVIEW)[0]!.body).toEqual({
      type: "switch_template",
      templateId: "tpl_premium",
      effectiveDate: "2027-01-20",
    });
  });

  test("no tariff chosen: the form says so and sends nothing", async () => {
    const portal = installFakePortal();
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Tarif wechseln" }));
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    expect(text(await waitFor(() => shadow(element).querySelector("#target-error")))).toBe(
      "Bitte wählen Sie einen Tarif.",
    );
    expect(portal.calls(PREVIEW)).toHaveLength(0);
  });

  test("the preview shows credit, charge, net, VAT and gross to the cent, and the interim invoice", async () => {
    const portal = installFakePortal();
    const element = await openDetail();
    await reachPreview(element, portal);
    expect(portal.calls(PREVIEW)[0]!.body).toEqual({
      type: "switch_template",
      templateId: "tpl_premium",
      effectiveDate: "2027-01-11",
    });
    const root = shadow(element);
    expect(root.activeElement?.textContent).toBe("Vorschau Ihrer Änderung");
    expect(text(root.querySelector("section"))).toContain("Tarifwechsel: Premium");
    expect(text(root.querySelector("section"))).toContain(
      "Wirksam ab 11.01.2027, berechnet am 11.01.2027.",
    );
    expect(text(root.querySelector("[part~=credit-line]"))).toBe(
      "Gutschrift: Basic 11.01.2027 – 31.01.2027 −20,32 €",
    );
    expect(text(root.querySelector("[part~=charge-line]"))).toBe(
      "Berechnung: Premium 11.01.2027 – 31.01.2027 +40,65 €",
    );
    const foot = [...root.querySelectorAll("table[part~=preview-lines] tfoot tr")].map(text);
    expect(foot).toEqual(["Summe netto 20,33 €", "USt. 19 % 3,86 €", "Gesamt 24,19 €"]);
    expect(text(root.querySelector("[part~=settlement]"))).toBe(
      "Sie erhalten sofort eine Zwischenrechnung über 24,19 €.",
    );
    expect(byText(element, "button", "Zahlungspflichtig bestätigen")).toBeDefined();
  });

  test("the preview in English", async () => {
    const portal = installFakePortal();
    const element = await openDetail({ locale: "en" });
    await userEvent.click(page.getByRole("button", { name: "Switch tariff" }));
    await userEvent.click(page.getByRole("radio", { name: /Premium/ }));
    await userEvent.click(page.getByRole("radio", { name: /Immediately/ }));
    await userEvent.click(page.getByRole("button", { name: "Show preview" }));
    await waitForText(element, "h2", "Preview of your change");
    expect(portal.calls(PREVIEW)).toHaveLength(1);
    const root = shadow(element);
    expect(text(root.querySelector("[part~=credit-line]"))).toBe(
      "Credit: Basic 11 Jan 2027 – 31 Jan 2027 −€20.32",
    );
    expect(text(root.querySelector("[part~=charge-line]"))).toBe(
      "Charge: Premium 11 Jan 2027 – 31 Jan 2027 +€40.65",
    );
    const foot = [...root.querySelectorAll("table[part~=preview-lines] tfoot tr")].map(text);
    expect(foot).toEqual(["Net total €20.33", "VAT 19% €3.86", "Total €24.19"]);
    expect(text(root.querySelector("[part~=settlement]"))).toBe(
      "You will receive an interim invoice for €24.19 right away.",
    );
    expect(byText(element, "button", "Confirm with obligation to pay")).toBeDefined();
  });

  test("confirm: a double click sends one request with an Idempotency-Key, fires selfservice-change once, focuses the result", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const portal = installFakePortal({
      [CHANGES]: () => ({ status: 201, body: appliedUpgrade, gate }),
    });
    const changes = listen<SelfserviceChangeDetail>("selfservice-change");
    const element = await openDetail();
    await reachPreview(element, portal);
    const confirm = page.getByRole("button", { name: "Zahlungspflichtig bestätigen" });
    await userEvent.dblClick(confirm);
    // Even clicks the browser delivers back to back in one task change nothing twice.
    byText(element, "button", "Zahlungspflichtig bestätigen")!.click();
    byText(element, "button", "Zahlungspflichtig bestätigen")!.click();
    release();
    const result = await waitFor(() =>
      shadow(element).querySelector<HTMLElement>("[part~=result]"),
    );
    const applies = portal.calls(CHANGES);
    expect(applies).toHaveLength(1);
    expect(applies[0]!.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(applies[0]!.body).toEqual({
      type: "switch_template",
      templateId: "tpl_premium",
      effectiveDate: "2027-01-11",
    });
    expect(changes).toHaveLength(1);
    expect(changes[0]!.bubbles && changes[0]!.composed).toBe(true);
    expect(changes[0]!.detail).toEqual({
      contractId: "ctr_basic1",
      change: appliedUpgrade.change,
      invoice: appliedUpgrade.invoice,
    });
    await waitFor(() => shadow(element).activeElement === result);
    expect(text(result)).toContain("Ihre Änderung ist durchgeführt");
    expect(text(result)).toContain("Tarifwechsel: Premium – wirksam seit 11.01.2027.");
    expect(text(result)).toContain("Zwischenrechnung ZR-2027-000001 über 24,19 € wurde erstellt.");
    expect(text(shadow(element).querySelector("[role=status]"))).toBe(
      "Ihre Änderung ist durchgeführt",
    );
    // The contract list is fetched again so the detail shows the new state.
    await waitFor(() => portal.calls("GET /portal/v1/contracts").length === 2);
  });

  test("a failed confirm is retried with the same Idempotency-Key; a new preview gets a new one", async () => {
    let failures = 1;
    const portal = installFakePortal({
      [CHANGES]: () =>
        failures-- > 0 ? problem(503, "unavailable") : { status: 201, body: appliedUpgrade },
    });
    const errors = listen("selfservice-error");
    const element = await openDetail();
    await reachPreview(element, portal);
    await userEvent.click(page.getByRole("button", { name: "Zahlungspflichtig bestätigen" }));
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toContain("Es ist ein Fehler aufgetreten.");
    expect(errors).toHaveLength(1);
    await userEvent.click(page.getByRole("button", { name: "Zahlungspflichtig bestätigen" }));
    await waitFor(() => shadow(element).querySelector("[part~=result]"));
    const [first, second] = portal.calls(CHANGES);
    expect(second!.headers.get("idempotency-key")).toBe(first!.headers.get("idempotency-key"));
    // Back to the contract and through the flow again: another confirmation, another key.
    await userEvent.click(page.getByRole("button", { name: "Zurück zum Vertrag" }));
    await waitFor(() => shadow(element).querySelector("[part~=facts]"));
    await reachPreview(element, portal);
    await userEvent.click(page.getByRole("button", { name: "Zahlungspflichtig bestätigen" }));
    await waitFor(() => portal.calls(CHANGES).length === 3);
    expect(portal.calls(CHANGES)[2]!.headers.get("idempotency-key")).not.toBe(
      first!.headers.get("idempotency-key"),
    );
  });

  test("a rejected change (409) says the contract changed and fires selfservice-error", async () => {
    const portal = installFakePortal({
      [CHANGES]: () => problem(409, "conflict", "The contract was changed by another request"),
    });
    const errors = listen<{ status: number; code: string }>("selfservice-error");
    const element = await openDetail();
    await reachPreview(element, portal);
    await userEvent.click(page.getByRole("button", { name: "Zahlungspflichtig bestätigen" }));
    const alert = await waitFor(() => shadow(element).querySelector("[role=alert]"));
    expect(text(alert)).toContain("Ihr Vertrag wurde inzwischen geändert.");
    expect(errors[0]!.detail).toMatchObject({
      operation: "apply_change",
      status: 409,
      code: "conflict",
    });
  });

  test("a downgrade moved to the next period is explained and ends scheduled", async () => {
    const portal = installFakePortal({
      [PREVIEW]: () => ({
        body: {
          ...upgradePreview,
          kind: "downgrade",
          effectiveDate: "2027-02-01",
          lines: [],
          netAmount: 0,
          taxAmount: 0,
          grossAmount: 0,
          taxBreakdown: [],
          settlement: "none",
        },
      }),
      [CHANGES]: () => ({
        status: 201,
        body: {
          change: {
            id: "chg_d1",
            status: "scheduled",
            effectiveDate: "2027-02-01",
            kind: "downgrade",
            settlement: "none",
          },
          preview: upgradePreview,
        },
      }),
    });
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Tarif wechseln" }));
    await userEvent.click(page.getByRole("radio", { name: /Mini/ }));
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    await waitForText(element, "h2", "Vorschau Ihrer Änderung");
    const root = shadow(element);
    expect(text(root.querySelector("[part~=notice]"))).toBe(
      "Sie hatten den 11.01.2027 gewählt. Ein Downgrade wird erst zum 01.02.2027 wirksam.",
    );
    expect(text(root.querySelector("[part~=settlement]"))).toBe(
      "Es erfolgt keine anteilige Abrechnung.",
    );
    await userEvent.click(page.getByRole("button", { name: "Änderung bestätigen" }));
    const result = await waitFor(() => root.querySelector("[part~=result]"));
    expect(text(result)).toContain("Ihre Änderung ist vorgemerkt");
    expect(text(result)).toContain("Tarifwechsel: Mini – wird am 01.02.2027 wirksam.");
    expect(portal.calls(CHANGES)).toHaveLength(1);
  });
});

describe("add-ons, removal and quantity", () => {
  test("booking an add-on checks the quantity against its maximum", async () => {
    const portal = installFakePortal();
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Zusatzoption buchen" }));
    await waitForText(element, "h2", "Zusatzoption buchen");
    await userEvent.click(page.getByRole("radio", { name: /Support Plus/ }));
    await userEvent.fill(page.getByRole("spinbutton", { name: "Menge" }), "5");
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    expect(text(await waitFor(() => shadow(element).querySelector("#quantity-error")))).toBe(
      "Bitte geben Sie eine Menge von 1 bis 3 ein.",
    );
    expect(portal.calls(PREVIEW)).toHaveLength(0);
    await userEvent.fill(page.getByRole("spinbutton", { name: "Menge" }), "2");
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    await waitFor(() => portal.calls(PREVIEW).length === 1);
    expect(portal.calls(PREVIEW)[0]!.body).toEqual({
      type: "add_addon",
      articleId: "art_support",
      quantity: 2,
      effectiveDate: "2027-01-11",
    });
  });

  test("removing an item previews a credit note", async () => {
    const portal = installFakePortal({
      [PREVIEW]: () => ({
        body: {
          ...upgradePreview,
          kind: "downgrade",
          lines: [
            {
              description: "Unused time on 2 × Extra storage",
              name: "Extra storage",
              quantity: 2,
              periodStart: "2027-01-11",
              periodEnd: "2027-02-01",
              netAmount: -677,
              taxRate: 1900,
            },
          ],
          netAmount: -677,
          taxAmount: -129,
          grossAmount: -806,
          taxBreakdown: [{ taxRate: 1900, netAmount: -677, taxAmount: -129 }],
          settlement: "credit_note",
        },
      }),
      [CHANGES]: () => ({
        status: 201,
        body: {
          change: {
            id: "chg_r1",
            status: "applied",
            effectiveDate: "2027-01-11",
            kind: "downgrade",
            settlement: "credit_note",
          },
          preview: upgradePreview,
          invoice: {
            ...appliedUpgrade.invoice!,
            id: "inv_gs4",
            number: "GS-2027-000004",
            kind: "credit_note",
            netAmount: -677,
            taxAmount: -129,
            grossAmount: -806,
          },
        },
      }),
    });
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Entfernen" }));
    await waitForText(element, "h2", "Leistung entfernen");
    expect(text(shadow(element).querySelector("form"))).toContain(
      "2 × Extra storage wird aus Ihrem Vertrag entfernt.",
    );
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    await waitForText(element, "h2", "Vorschau Ihrer Änderung");
    expect(portal.calls(PREVIEW)[0]!.body).toEqual({
      type: "remove_item",
      itemId: "itm_storage1",
      effectiveDate: "2027-01-11",
    });
    const root = shadow(element);
    expect(text(root.querySelector("[part~=credit-line]"))).toBe(
      "Gutschrift: 2 × Extra storage 11.01.2027 – 31.01.2027 −6,77 €",
    );
    expect(text(root.querySelector("[data-total=gross]"))).toBe("−8,06 €");
    expect(text(root.querySelector("[part~=settlement]"))).toBe(
      "Sie erhalten sofort eine Gutschrift über 8,06 €.",
    );
    await userEvent.click(page.getByRole("button", { name: "Änderung bestätigen" }));
    const result = await waitFor(() => root.querySelector("[part~=result]"));
    expect(text(result)).toContain("Entfernen: Extra storage – wirksam seit 11.01.2027.");
    expect(text(result)).toContain("Gutschrift GS-2027-000004 über 8,06 € wurde erstellt.");
  });

  test("no allowed date: the form says so and sends nothing", async () => {
    const portal = installFakePortal({
      "GET /portal/v1/contracts": () => ({
        body: overview([basicContract({ changeDates: { dates: [], ranges: [], points: [] } })]),
      }),
    });
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Tarif wechseln" }));
    expect(text(await waitFor(() => shadow(element).querySelector("[part~=notice]")))).toBe(
      "Zurzeit ist keine Änderung möglich.",
    );
    await userEvent.click(page.getByRole("radio", { name: /Premium/ }));
    const submit = byText(element, "button", "Vorschau anzeigen")!;
    await expect.element(page.getByRole("button", { name: "Vorschau anzeigen" })).toBeDisabled();
    submit.click();
    await element.updateComplete;
    expect(portal.calls(PREVIEW)).toHaveLength(0);
  });

  test("changing a quantity refuses the unchanged quantity and sends the new one", async () => {
    const portal = installFakePortal();
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Menge ändern" }));
    await waitForText(element, "h2", "Menge ändern");
    const field = page.getByRole("spinbutton", { name: "Neue Menge für Extra storage" });
    await expect.element(field).toHaveValue(2);
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    expect(text(await waitFor(() => shadow(element).querySelector("#quantity-error")))).toBe(
      "Die Menge ist unverändert.",
    );
    await userEvent.fill(field, "4");
    await userEvent.click(page.getByRole("radio", { name: /Zum nächsten Abrechnungszeitraum/ }));
    await userEvent.click(page.getByRole("button", { name: "Vorschau anzeigen" }));
    await waitFor(() => portal.calls(PREVIEW).length === 1);
    expect(portal.calls(PREVIEW)[0]!.body).toEqual({
      type: "change_quantity",
      itemId: "itm_storage1",
      quantity: 4,
      effectiveDate: "2027-02-01",
    });
  });
});

describe("scheduled changes and cancellation", () => {
  test("withdrawing a scheduled change sends DELETE, fires selfservice-change and refreshes", async () => {
    let withdrawn = false;
    const portal = installFakePortal({
      "GET /portal/v1/contracts": () => ({
        body: overview([basicContract(withdrawn ? { scheduledChanges: [] } : {})]),
      }),
      "DELETE /portal/v1/contracts/ctr_basic1/changes/chg_sched1": () => {
        withdrawn = true;
        return { body: { id: "chg_sched1", status: "cancelled" } };
      },
    });
    const changes = listen<SelfserviceChangeDetail>("selfservice-change");
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Zurücknehmen" }));
    await waitFor(() => !shadow(element).querySelector("[part~=scheduled-changes]"));
    expect(portal.calls("DELETE /portal/v1/contracts/ctr_basic1/changes/chg_sched1")).toHaveLength(
      1,
    );
    expect(changes.map((event) => event.detail)).toEqual([
      { contractId: "ctr_basic1", change: { id: "chg_sched1", status: "cancelled" } },
    ]);
    expect(text(shadow(element).querySelector("[role=status]"))).toBe(
      "Die vorgemerkte Änderung wurde zurückgenommen.",
    );
    expect(shadow(element).activeElement?.textContent).toBe("Basic");
  });

  test("cancelling the contract shows the earliest end, sends a chosen later period end, fires selfservice-cancel", async () => {
    const portal = installFakePortal();
    const cancels = listen<SelfserviceCancelDetail>("selfservice-cancel");
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Vertrag kündigen" }));
    await waitForText(element, "h2", "Vertrag kündigen");
    const root = shadow(element);
    expect(text(root.querySelector("[part~=earliest-end]"))).toBe(
      "Frühestmögliches Vertragsende: 31.03.2027",
    );
    expect(radioLabels(element, "end")).toEqual([
      "31.03.2027 (frühestmöglich)",
      "30.04.2027",
      "31.05.2027",
    ]);
    expect(radios(element, "end")[0]!.checked).toBe(true);
    await userEvent.click(page.getByRole("radio", { name: "30.04.2027" }));
    // What the widget focuses, recorded as it happens: under load the double click's second
    // click may land on the result view after it rendered and move the focus on by itself.
    const focused: EventTarget[] = [];
    root.addEventListener("focusin", (event) => focused.push(event.composedPath()[0]!));
    await userEvent.dblClick(page.getByRole("button", { name: "Jetzt kündigen" }));
    const result = await waitFor(() => root.querySelector<HTMLElement>("[part~=result]"));
    const calls = portal.calls("POST /portal/v1/contracts/ctr_basic1/cancel");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toEqual({ endDate: "2027-04-30" });
    expect(calls[0]!.headers.get("idempotency-key")).toBeTruthy();
    expect(text(result)).toContain("Ihr Vertrag endet am 30.04.2027.");
    await waitFor(() => focused.includes(result));
    expect(cancels).toHaveLength(1);
    expect(cancels[0]!.detail).toMatchObject({
      contractId: "ctr_basic1",
      endDate: "2027-04-30",
      earliestEndDate: "2027-03-31",
    });
  });

  test("a cancellation that drops a later scheduled change warns about it", async () => {
    installFakePortal({
      "GET /portal/v1/contracts": () => ({
        body: overview([
          basicContract({
            scheduledChanges: [
              {
                id: "chg_late",
                type: "switch_template",
                effectiveDate: "2027-05-01",
                kind: "upgrade",
                summary: "Premium",
              },
            ],
          }),
        ]),
      }),
    });
    const element = await openDetail();
    await userEvent.click(page.getByRole("button", { name: "Vertrag kündigen" }));
    await waitForText(element, "h2", "Vertrag kündigen");
    expect(text(shadow(element).querySelector("[part~=notice]"))).toBe(
      "Vorgemerkte Änderungen nach dem Vertragsende entfallen.",
    );
    await userEvent.click(page.getByRole("radio", { name: "31.05.2027" }));
    await waitFor(() => !shadow(element).querySelector("[part~=notice]"));
  });
});

test("keyboard only: switch tariff from the detail view to the result", async () => {
  const portal = installFakePortal();
  const element = await openDetail();
  const active = () => shadow(element).activeElement as HTMLElement | null;
  // The name of the focused control: a button's text or the label around a radio.
  const focused = () => {
    const control = active();
    return control instanceof HTMLButtonElement || control instanceof HTMLInputElement
      ? text(control.closest("label") ?? control)
      : "";
  };
  const tabTo = async (label: string) => {
    for (let i = 0; i < 30 && !focused().includes(label); i++) await userEvent.tab();
    expect(focused()).toContain(label);
  };
  await tabTo("Tarif wechseln");
  await userEvent.keyboard("{Enter}");
  await waitForText(element, "h2", "Tarif wechseln");
  await tabTo("Premium");
  await userEvent.keyboard(" ");
  await tabTo("Sofort");
  await userEvent.keyboard(" ");
  await tabTo("Vorschau anzeigen");
  await userEvent.keyboard("{Enter}");
  await waitForText(element, "h2", "Vorschau Ihrer Änderung");
  await tabTo("Zahlungspflichtig bestätigen");
  await userEvent.keyboard("{Enter}");
  const result = await waitFor(() => shadow(element).querySelector("[part~=result]"));
  await waitFor(() => active() === result);
  expect(portal.calls(CHANGES)).toHaveLength(1);
  await tabTo("Zurück zum Vertrag");
  await userEvent.keyboard("{Enter}");
  await waitFor(() => shadow(element).querySelector("[part~=facts]"));
});
