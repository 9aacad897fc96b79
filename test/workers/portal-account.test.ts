// The portal's payment view and the new mandate a customer gives there, through the fake finAPI:
// an MD01 return blocks Lena's mandate; her portal shows the open amount (invoice and the fee
// invoice), the blocked mandate with its reason class and the merchant's account; a bad IBAN or
// a missing consent is refused naming the field in her language; her new mandate supersedes the
// blocked one (which stays blocked), is announced by `mandate.created`, and the next collection
// run debits the open invoice with it as FRST. Other customers' and other merchants' data stay apart.
import { describe, expect, it } from "vitest";
import { call, createCustomer, createMerchant, expectProblem, json } from "./helpers.ts";
import { CREDITOR, collectedWorld, returnOf } from "./reconciliation-fixture.ts";

const DAY = 86_400_000;
const NEW_IBAN = "DE75512108001245126199";

async function blockedWorld() {
  const world = await collectedWorld();
  const { r, customers, total } = world;
  r.bank({ amountCents: total, typeCodeZka: "192", purpose: "SAMMLER 3 POSTEN" });
  expect(await r.reconcile()).toMatchObject({ matched: 1 });
  r.world.advance(3 * DAY); // 18 March
  const lena = customers[2]!;
  returnOf(r, lena.invoice, lena.mandate, "MD01");
  expect(await r.reconcile()).toMatchObject({ returns: 1 });
  const session = async (customerId: string) =>
    (
      await json(
        await r.api("/api/v1/portal-sessions", { body: { customerId, ttlMinutes: 1440 } }),
        201,
      )
    ).token as string;
  const portal = (token: string, path: string, options: { body?: unknown } = {}) =>
    r.world.api(`/portal/v1${path}`, { key: token, ...options });
  return { ...world, lena, session, portal };
}

const goodMandate = {
  iban: "de75 5121 0800 1245 1261 99",
  accountHolder: "Lena Beispiel",
  consent: true,
};

describe("GET /portal/v1/account", () => {
  it("shows the open amount with the fee invoice, the blocked mandate and the transfer details", async () => {
    const { r, lena, session, portal, customers } = await blockedWorld();
    const account = await json(await portal(await session(lena.id), "/account"), 200);
    const [returned] = await r.events("payment.returned");
    const fee = await r.invoice(returned.feeInvoiceId);
    expect(account.openInvoices.map((i: { id: string }) => i.id)).toEqual([
      lena.invoice.id,
      fee.id,
    ]);
    expect(account.openInvoices[0]).toMatchObject({
      number: lena.invoice.number,
      status: "open",
      openAmount: lena.invoice.grossAmount,
      dunningFees: 0,
      totalDue: lena.invoice.grossAmount,
      dunningLevel: null,
      paymentReference: lena.invoice.paymentReference,
    });
    expect(account.openInvoices[1]).toMatchObject({ kind: "fee", totalDue: fee.grossAmount });
    expect(account.openAmount).toBe(lena.invoice.grossAmount + fee.grossAmount);
    expect(account.currency).toBe("EUR");
    expect(account.paymentMethod).toEqual({
      kind: "sepa_mandate",
      status: "blocked",
      ibanMasked: "DE12 **** **** **** **98 90",
      reference: "M-LENA-1",
      reasonClass: "dead",
      reasonCode: "MD01",
    });
    expect(account.transfer).toEqual({
      recipient: CREDITOR.creditorName,
      iban: "DE02 5001 0517 0137 0750 30",
      bic: null,
    });
    expect(account.canUpdateMandate).toBe(true);
    expect(account.mandateConsent.text.de).toContain(CREDITOR.creditorName);
    expect(account.mandateConsent.text.de).toContain(CREDITOR.creditorId);
    expect(account.mandateConsent.text.en).toContain("eight weeks");

    // Erika's settled invoice is hers alone, and Lena's invoices never show in her portal.
    const erika = await json(await portal(await session(customers[0]!.id), "/account"), 200);
    expect(erika.openInvoices).toEqual([]);
    expect(erika.openAmount).toBe(0);
    expect(erika.paymentMethod).toMatchObject({ status: "active", reference: "M-ERIKA-1" });
  });

  it("shows another merchant's customer nothing of this merchant", async () => {
    await blockedWorld();
    const { apiKey } = await createMerchant("Andere GmbH");
    const customerId = await createCustomer(apiKey, "Lena");
    const { token } = await json(
      await call("/api/v1/portal-sessions", { key: apiKey, body: { customerId } }),
      201,
    );
    const account = await json(await call("/portal/v1/account", { key: token }), 200);
    expect(account).toMatchObject({
      openAmount: 0,
      openInvoices: [],
      paymentMethod: { kind: "none" },
      transfer: null,
      canUpdateMandate: false,
      mandateConsent: null,
    });
    await expectProblem(
      await call("/portal/v1/mandates", { key: token, body: goodMandate }),
      422,
      "creditor_not_configured",
    );
  });
});

describe("POST /portal/v1/mandates", () => {
  it("refuses a bad IBAN and a missing consent, naming the field in the customer's language", async () => {
    const { r, lena, session, portal } = await blockedWorld();
    const token = await session(lena.id);
    const bad = await expectProblem(
      await portal(token, "/mandates", {
        body: { ...goodMandate, iban: "DE75512108001245126198" },
      }),
      422,
      "mandate_data_invalid",
    );
    expect(bad.errors).toEqual([
      { field: "iban", message: expect.stringContaining("Die IBAN ist ungültig") },
    ]);
    const noConsent = await expectProblem(
      await portal(token, "/mandates", { body: { iban: NEW_IBAN, accountHolder: " " } }),
      422,
      "mandate_data_invalid",
    );
    expect(noConsent.errors.map((e: { field: string }) => e.field)).toEqual([
      "accountHolder",
      "consent",
    ]);
    await json(
      await r.api(`/api/v1/customers/${lena.id}`, { method: "PATCH", body: { locale: "en" } }),
      200,
    );
    const english = await expectProblem(
      await portal(token, "/mandates", { body: { ...goodMandate, consent: false } }),
      422,
      "mandate_data_invalid",
    );
    expect(english.errors).toEqual([
      { field: "consent", message: "Please confirm the SEPA direct debit mandate." },
    ]);
    // Nothing was stored: the blocked mandate is still the latest.
    expect(await json(await r.api(`/api/v1/customers/${lena.id}/mandate`), 200)).toMatchObject({
      reference: "M-LENA-1",
      status: "dead",
    });
  });

  it("supersedes the blocked mandate, announces it, and the next run debits the open invoice as FRST", async () => {
    const { r, lena, session, portal } = await blockedWorld();
    const token = await session(lena.id);
    const old = await json(await r.api(`/api/v1/customers/${lena.id}/mandate`), 200);
    const created = await json(await portal(token, "/mandates", { body: goodMandate }), 201);
    expect(created).toMatchObject({
      reference: expect.stringMatching(/^TRF-[0-9A-Z]{24}$/),
      signatureDate: "2027-03-18",
      ibanMasked: "DE75 **** **** **** **61 99",
      accountHolder: "Lena Beispiel",
      status: "active",
      sequenceType: "FRST",
      consentTextVersion: "sepa-core-prenotified-2026-12",
    });
    expect(created.invoicesToCollect).toContain(lena.invoice.id);

    const stored = await r.world.env.DB.prepare(
      "SELECT id, status, source, consent_at, consent_text_version, debtor_name FROM sepa_mandates WHERE customer_id = ? ORDER BY id",
    )
      .bind(lena.id)
      .all();
    expect(stored.results).toEqual([
      expect.objectContaining({ id: old.id, status: "dead", source: "merchant", consent_at: null }),
      expect.objectContaining({
        id: created.id,
        status: "active",
        source: "portal",
        consent_at: created.consentAt,
        consent_text_version: created.consentTextVersion,
        debtor_name: "Lena Beispiel",
      }),
    ]);
    const customer = await json(await r.api(`/api/v1/customers/${lena.id}`), 200);
    expect(customer.iban).toBe("DE75**************6199");

    const events = await r.events("mandate.created");
    expect(events.filter((e) => e.source === "portal")).toEqual([
      expect.objectContaining({
        mandateId: created.id,
        customerId: lena.id,
        reference: created.reference,
        sequenceType: "FRST",
        replacesMandateId: null,
        supersedesMandateId: old.id,
      }),
    ]);
    const account = await json(await portal(token, "/account"), 200);
    expect(account.paymentMethod).toMatchObject({
      status: "active",
      reference: created.reference,
      accountHolder: "Lena Beispiel",
    });

    const run = await json(
      await r.api("/api/v1/collection-runs", { body: { collectionDate: "2027-03-25" } }),
      201,
    );
    expect(run.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          invoiceId: lena.invoice.id,
          mandateId: created.id,
          mandateReference: created.reference,
          sequenceType: "FRST",
          endToEndId: `${lena.invoice.paymentReference}-R1`,
        }),
      ]),
    );
    expect(await json(await r.api(`/api/v1/customers/${lena.id}/mandate`), 200)).toMatchObject({
      id: created.id,
    });
    const oldRow = await r.world.env.DB.prepare("SELECT status FROM sepa_mandates WHERE id = ?")
      .bind(old.id)
      .first();
    expect(oldRow).toEqual({ status: "dead" });
  });

  it("is refused when the merchant's portal does not offer it", async () => {
    const { r, lena, session, portal } = await blockedWorld();
    await json(
      await r.api("/api/v1/settings/customer-center", {
        method: "PATCH",
        body: { allowedActions: ["cancel"] },
      }),
      200,
    );
    const token = await session(lena.id);
    expect((await json(await portal(token, "/account"), 200)).canUpdateMandate).toBe(false);
    await expectProblem(
      await portal(token, "/mandates", { body: goodMandate }),
      403,
      "action_not_allowed",
    );
  });

  it("announces a mandate the merchant API creates with the same event", async () => {
    const { r, customers } = await blockedWorld();
    const created = await r.events("mandate.created");
    expect(created.filter((e) => e.source === "merchant").map((e) => e.reference)).toEqual(
      expect.arrayContaining(["M-ERIKA-1", "M-MAX-1", "M-LENA-1"]),
    );
    expect(created.find((e) => e.customerId === customers[0]!.id)).toMatchObject({
      sequenceType: "FRST",
      replacesMandateId: null,
      supersedesMandateId: null,
    });
  });
});
