// Integration tests of SEPA direct debit through the merchant API: creditor settings, mandates
// (new, amended, replaced, revoked, reactivated), and collection runs — which invoices a run
// takes, exclusion of invoices in an open run, FRST then RCUR across runs, the stored pain.008
// file, bad dates, idempotency and tenant isolation. (The file's XSD validation is in
// test/unit/sepa-collection-run.test.ts: workerd cannot run xmllint.)
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runBilling } from "../../worker/jobs/billing-run.ts";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  expectProblem,
  json,
} from "./helpers.ts";

const CREDITOR = {
  creditorName: "Stadtwerke Müller & Söhne GmbH",
  iban: "DE02 1203 0000 0000 2020 51",
  creditorId: "DE98ZZZ09999999999",
};
const IBAN_A = "DE89370400440532013000";
const IBAN_ING_1 = "DE02500105170137075030";
const IBAN_ING_2 = "DE12500105170648489890";

const put = (key: string, path: string, body: unknown, now = "2027-01-02T09:00:00Z") =>
  call(path, { key, method: "PUT", body, now });
const mandatePath = (customerId: string) => `/api/v1/customers/${customerId}/mandate`;
const collect = (
  key: string,
  collectionDate: string,
  now: string,
  headers: Record<string, string> = {},
) => call("/api/v1/collection-runs", { key, body: { collectionDate }, now, headers });

async function merchantWithCreditor() {
  const merchant = await createMerchant();
  await json(await put(merchant.apiKey, "/api/v1/settings/creditor", CREDITOR), 200);
  return merchant;
}

async function contract(key: string, customerId: string, templateId: string, startDate: string) {
  return json(
    await call("/api/v1/contracts", {
      key,
      now: `${startDate}T08:00:00Z`,
      body: { customerId, templateId, startDate },
    }),
    201,
  );
}

const invoice = async (key: string, id: string) =>
  json(await call(`/api/v1/invoices/${id}`, { key }), 200);

async function customerWithMandate(
  key: string,
  name: string,
  reference: string,
  extra: Record<string, unknown> = {},
) {
  const customerId = await createCustomer(key, name);
  const mandate = await json(
    await put(key, mandatePath(customerId), {
      reference,
      signatureDate: "2026-12-01",
      iban: IBAN_A,
      ...extra,
    }),
    201,
  );
  return { customerId, mandate };
}

function texts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`, "g"))].map(
    (match) => match[1] ?? "",
  );
}

async function fileOf(key: string, runId: string): Promise<string> {
  const response = await call(`/api/v1/collection-runs/${runId}/pain008.xml`, { key });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/xml; charset=utf-8");
  return response.text();
}

describe("creditor settings", () => {
  it("stores the creditor with the IBAN encrypted and answers it masked", async () => {
    const { apiKey, id } = await createMerchant();
    await expectProblem(await call("/api/v1/settings/creditor", { key: apiKey }), 404, "not_found");
    const stored = await json(
      await put(apiKey, "/api/v1/settings/creditor", {
        ...CREDITOR,
        creditorId: "de98 zzz0 9999 9999 99",
        bic: "byladem1001",
        leadDays: { FRST: 5 },
      }),
      200,
    );
    expect(stored).toMatchObject({
      creditorName: CREDITOR.creditorName,
      iban: "DE02 **** **** **** **20 51",
      bic: "BYLADEM1001",
      creditorId: "DE98ZZZ09999999999",
      leadDays: { FRST: 5, RCUR: 2 },
    });
    expect(await json(await call("/api/v1/settings/creditor", { key: apiKey }), 200)).toEqual(
      stored,
    );
    const row = await env.DB.prepare(
      "SELECT iban_ciphertext FROM sepa_creditors WHERE merchant_id = ?",
    )
      .bind(id)
      .first<{ iban_ciphertext: string }>();
    expect(row?.iban_ciphertext).not.toContain("0202051");
    // A second PUT replaces the settings.
    expect(
      await json(await put(apiKey, "/api/v1/settings/creditor", { ...CREDITOR, leadDays: 3 }), 200),
    ).toMatchObject({ bic: null, leadDays: { FRST: 3, RCUR: 3 } });
  });

  it("names each bad field", async () => {
    const { apiKey } = await createMerchant();
    const bad = await expectProblem(
      await put(apiKey, "/api/v1/settings/creditor", {
        creditorName: "株式会社",
        iban: "DE02120300000000202052",
        bic: "XX",
        creditorId: "DE99ZZZ09999999999",
        leadDays: 9,
      }),
      400,
      "validation_failed",
    );
    expect(bad.errors.map((e: any) => e.field)).toEqual([
      "creditorName",
      "iban",
      "bic",
      "creditorId",
      "leadDays",
    ]);
    expect(bad.errors[1].message).toContain("mod 97");
    const swiss = await expectProblem(
      await put(apiKey, "/api/v1/settings/creditor", {
        ...CREDITOR,
        iban: "CH9300762011623852957",
      }),
      400,
      "validation_failed",
    );
    expect(swiss.errors).toEqual([
      { field: "bic", message: expect.stringContaining("outside the EEA") },
    ]);
    const shape = await expectProblem(
      await put(apiKey, "/api/v1/settings/creditor", { ...CREDITOR, iban: 123, extra: true }),
      400,
      "validation_failed",
    );
    expect(shape.errors.map((e: any) => e.field).sort()).toEqual(["extra", "iban"]);
    await expectProblem(
      await put(apiKey, "/api/v1/settings/creditor", { ...CREDITOR, leadDays: 2.5 }),
      400,
      "validation_failed",
    );
    await expectProblem(await call("/api/v1/settings/creditor", { key: apiKey }), 404, "not_found");
  });

  it("is per merchant", async () => {
    const a = await merchantWithCreditor();
    const b = await createMerchant("B");
    await json(await call("/api/v1/settings/creditor", { key: a.apiKey }), 200);
    await expectProblem(
      await call("/api/v1/settings/creditor", { key: b.apiKey }),
      404,
      "not_found",
    );
  });
});

describe("mandates", () => {
  it("creates a mandate with the IBAN encrypted at rest and masked in answers", async () => {
    const { apiKey } = await merchantWithCreditor();
    const customerId = await createCustomer(apiKey);
    await expectProblem(await call(mandatePath(customerId), { key: apiKey }), 404, "not_found");
    const mandate = await json(
      await put(apiKey, mandatePath(customerId), {
        reference: "MANDAT-0001",
        signatureDate: "2026-12-01",
        iban: "de89 3704 0044 0532 0130 00",
      }),
      201,
    );
    expect(mandate).toMatchObject({
      customerId,
      reference: "MANDAT-0001",
      signatureDate: "2026-12-01",
      iban: "DE89 **** **** **** **30 00",
      ibanCountry: "DE",
      bic: null,
      status: "active",
      sequenceType: "FRST",
      lastCollectionDate: null,
      expiresOn: "2029-12-01",
      pendingAmendment: null,
    });
    expect(mandate.id).toMatch(/^mdt_/);
    expect(await json(await call(mandatePath(customerId), { key: apiKey }), 200)).toEqual(mandate);
    const row = await env.DB.prepare("SELECT * FROM sepa_mandates WHERE id = ?")
      .bind(mandate.id)
      .first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain("0532013000");
  });

  it("rejects bad mandates naming each field", async () => {
    const { apiKey } = await merchantWithCreditor();
    const customerId = await createCustomer(apiKey);
    const bad = await expectProblem(
      await put(apiKey, mandatePath(customerId), {
        reference: "MANDAT 1",
        signatureDate: "2027-02-01",
        iban: "DE89370400440532013001",
      }),
      400,
      "validation_failed",
    );
    expect(bad.errors.map((e: any) => e.field)).toEqual(["reference", "signatureDate", "iban"]);
    const swiss = await expectProblem(
      await put(apiKey, mandatePath(customerId), {
        reference: "M-1",
        signatureDate: "2026-12-01",
        iban: "CH9300762011623852957",
      }),
      400,
      "validation_failed",
    );
    expect(swiss.errors.map((e: any) => e.field)).toEqual(["bic"]);
    const notSepa = await expectProblem(
      await put(apiKey, mandatePath(customerId), {
        reference: "M-1",
        signatureDate: "2026-12-01",
        iban: "BR1800360305000010009795493C1",
      }),
      400,
      "validation_failed",
    );
    expect(notSepa.errors[0]).toMatchObject({
      field: "iban",
      message: expect.stringContaining("SEPA"),
    });
    for (const body of [
      { reference: "M-1", signatureDate: "2026-02-30", iban: IBAN_A },
      { reference: "M/1/", signatureDate: "2026-12-01", iban: IBAN_A },
      { reference: "x".repeat(36), signatureDate: "2026-12-01", iban: IBAN_A },
      { reference: "M-1", signatureDate: "2026-12-01", iban: IBAN_A, bic: "NOPE" },
      { reference: "M-1", signatureDate: "2026-12-01", iban: IBAN_A, debtorName: "株式会社" },
      { reference: "M-1", signatureDate: "2026-12-01", iban: IBAN_A, unknown: 1 },
      { reference: "M-1", signatureDate: "2026-12-01" },
    ]) {
      await expectProblem(
        await put(apiKey, mandatePath(customerId), body),
        400,
        "validation_failed",
      );
    }
    await expectProblem(await call(mandatePath(customerId), { key: apiKey }), 404, "not_found");
    await expectProblem(
      await put(apiKey, mandatePath("cus_000000000000000000000000"), {
        reference: "M-1",
        signatureDate: "2026-12-01",
        iban: IBAN_A,
      }),
      404,
      "not_found",
    );
  });

  it("keeps references unique per merchant, case-insensitively, and never reuses them", async () => {
    const { apiKey } = await merchantWithCreditor();
    const first = await customerWithMandate(apiKey, "Erika", "Mandat-ABC");
    const second = await createCustomer(apiKey, "Max");
    const taken = await expectProblem(
      await put(apiKey, mandatePath(second), {
        reference: "MANDAT-abc",
        signatureDate: "2026-12-02",
        iban: IBAN_A,
      }),
      409,
      "mandate_reference_taken",
    );
    expect(taken.errors).toEqual([
      { field: "reference", message: expect.stringContaining("MANDAT-ABC") },
    ]);
    // Another merchant may use the same reference.
    const other = await merchantWithCreditor();
    await customerWithMandate(other.apiKey, "Erika", "Mandat-ABC");
    // The first customer's new mandate needs a new reference; the old one stays taken.
    await json(
      await put(apiKey, mandatePath(first.customerId), {
        reference: "MANDAT-NEU",
        signatureDate: "2027-01-01",
        iban: IBAN_A,
      }),
      201,
    );
    await expectProblem(
      await put(apiKey, mandatePath(first.customerId), {
        reference: "mandat-abc",
        signatureDate: "2026-12-01",
        iban: IBAN_A,
      }),
      409,
      "mandate_reference_taken",
    );
    // Same reference, other signature date: a new signature is a new mandate.
    await expectProblem(
      await put(apiKey, mandatePath(first.customerId), {
        reference: "MANDAT-NEU",
        signatureDate: "2027-01-02",
        iban: IBAN_A,
      }),
      422,
      "signature_date_mismatch",
    );
  });

  it("amends, replaces, revokes and reactivates; at most one mandate is active", async () => {
    const { apiKey } = await merchantWithCreditor();
    const { customerId, mandate } = await customerWithMandate(apiKey, "Erika", "M-1");
    // Same reference: an amendment of the same mandate (200, same id).
    const amended = await json(
      await put(apiKey, mandatePath(customerId), {
        reference: "m-1",
        signatureDate: "2026-12-01",
        iban: IBAN_ING_1,
        debtorName: "Erika Musterfrau",
      }),
      200,
    );
    expect(amended).toMatchObject({
      id: mandate.id,
      reference: "m-1",
      iban: "DE02 **** **** **** **50 30",
      debtorName: "Erika Musterfrau",
      status: "active",
      pendingAmendment: null,
    });
    // New reference and new signature date: a new mandate replaces the old one.
    const replacement = await json(
      await put(apiKey, mandatePath(customerId), {
        reference: "M-2",
        signatureDate: "2027-01-02",
        iban: IBAN_A,
      }),
      201,
    );
    expect(replacement.id).not.toBe(mandate.id);
    const rows = await env.DB.prepare(
      "SELECT id, status, status_reason FROM sepa_mandates WHERE customer_id = ? ORDER BY id",
    )
      .bind(customerId)
      .all();
    expect(rows.results).toEqual([
      { id: mandate.id, status: "revoked", status_reason: "replaced" },
      { id: replacement.id, status: "active", status_reason: null },
    ]);
    const revoked = await json(
      await call(mandatePath(customerId), {
        key: apiKey,
        method: "DELETE",
        now: "2027-01-03T09:00:00Z",
      }),
      200,
    );
    expect(revoked).toMatchObject({
      id: replacement.id,
      status: "revoked",
      statusReason: "revoked_by_merchant",
      revokedAt: "2027-01-03T09:00:00.000Z",
    });
    // Revoking again answers the revoked mandate unchanged.
    expect(
      await json(await call(mandatePath(customerId), { key: apiKey, method: "DELETE" }), 200),
    ).toEqual(revoked);
    expect(await json(await call(mandatePath(customerId), { key: apiKey }), 200)).toEqual(revoked);
    // Given again with its reference and signature date, the revoked mandate is active again, from FRST.
    const revived = await json(
      await put(apiKey, mandatePath(customerId), {
        reference: "M-2",
        signatureDate: "2027-01-02",
        iban: IBAN_A,
      }),
      200,
    );
    expect(revived).toMatchObject({
      id: replacement.id,
      status: "active",
      statusReason: null,
      revokedAt: null,
      sequenceType: "FRST",
    });
    const customerWithout = await createCustomer(apiKey, "Ohne");
    await expectProblem(
      await call(mandatePath(customerWithout), { key: apiKey, method: "DELETE" }),
      404,
      "not_found",
    );
  });

  it("hides mandates from other merchants", async () => {
    const a = await merchantWithCreditor();
    const b = await merchantWithCreditor();
    const { customerId } = await customerWithMandate(a.apiKey, "Erika", "M-1");
    await expectProblem(await call(mandatePath(customerId), { key: b.apiKey }), 404, "not_found");
    await expectProblem(
      await put(b.apiKey, mandatePath(customerId), {
        reference: "M-X",
        signatureDate: "2026-12-01",
        iban: IBAN_A,
      }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(mandatePath(customerId), { key: b.apiKey, method: "DELETE" }),
      404,
      "not_found",
    );
    expect((await json(await call(mandatePath(customerId), { key: a.apiKey }), 200)).status).toBe(
      "active",
    );
  });
});

/** Customers A (two invoices, a credit note), B (no mandate), C (invoice due later), D (revoked mandate), E (special characters). */
async function billedMerchant() {
  const merchant = await merchantWithCreditor();
  const key = merchant.apiKey;
  const catalogue = await createCatalogue(key, { downgradeTiming: "like_upgrade" });
  const a = await customerWithMandate(key, "Erika Mustermann", "MANDAT-A");
  const b = await createCustomer(key, "Ohne Mandat");
  const c = await customerWithMandate(key, "Carla Später", "MANDAT-C");
  const d = await customerWithMandate(key, "Dora Widerruf", "MANDAT-D");
  const e = await customerWithMandate(key, "Jürgen Weiß & Co", "MANDAT-E");
  await json(await call(mandatePath(d.customerId), { key, method: "DELETE" }), 200);

  const contractA = await contract(key, a.customerId, catalogue.basic.templateId, "2027-01-01");
  const upgrade = await json(
    await call(`/api/v1/contracts/${contractA.id}/changes`, {
      key,
      now: "2027-01-02T08:00:00Z",
      body: {
        type: "switch_template",
        templateId: catalogue.pro.templateId,
        effectiveDate: "2027-01-02",
      },
    }),
    201,
  );
  const downgrade = await json(
    await call(`/api/v1/contracts/${contractA.id}/changes`, {
      key,
      now: "2027-01-03T08:00:00Z",
      body: {
        type: "switch_template",
        templateId: catalogue.basic.templateId,
        effectiveDate: "2027-01-03",
      },
    }),
    201,
  );
  expect([upgrade.invoice.kind, downgrade.invoice.kind]).toEqual(["interim", "credit_note"]);
  const contractB = await contract(key, b, catalogue.basic.templateId, "2027-01-01");
  const contractC = await contract(key, c.customerId, catalogue.basic.templateId, "2027-01-10");
  const contractD = await contract(key, d.customerId, catalogue.basic.templateId, "2027-01-01");
  const contractE = await contract(key, e.customerId, catalogue.pro.templateId, "2027-01-01");
  return {
    ...merchant,
    catalogue,
    customers: { a, b, c, d, e },
    invoices: {
      a: await invoice(key, contractA.invoiceId),
      aInterim: upgrade.invoice,
      aCredit: downgrade.invoice,
      b: await invoice(key, contractB.invoiceId),
      c: await invoice(key, contractC.invoiceId),
      d: await invoice(key, contractD.invoiceId),
      e: await invoice(key, contractE.invoiceId),
    },
  };
}

describe("collection runs", () => {
  it("collects exactly the due open invoices of customers with an active mandate, in one pain.008", async () => {
    const m = await billedMerchant();
    // Another merchant's due invoice never shows up.
    const other = await merchantWithCreditor();
    const otherCatalogue = await createCatalogue(other.apiKey);
    const stranger = await customerWithMandate(other.apiKey, "Fremd", "MANDAT-A");
    await contract(
      other.apiKey,
      stranger.customerId,
      otherCatalogue.basic.templateId,
      "2027-01-01",
    );

    expect([m.invoices.a.dueDate, m.invoices.aInterim.dueDate, m.invoices.c.dueDate]).toEqual([
      "2027-01-15",
      "2027-01-16",
      "2027-01-24",
    ]);
    const run = await json(await collect(m.apiKey, "2027-01-18", "2027-01-13T09:00:00Z"), 201);
    const wanted = [m.invoices.a, m.invoices.aInterim, m.invoices.e];
    expect(run.items.map((item: any) => item.invoiceId).sort()).toEqual(
      wanted.map((i) => i.id).sort(),
    );
    expect(run).toMatchObject({
      status: "open",
      collectionDate: "2027-01-18",
      messageId: run.id.replace("_", "-"),
      creationDateTime: "2027-01-13T09:00:00Z",
      numberOfTransactions: 3,
      controlSum: wanted.reduce((sum, i) => sum + i.grossAmount, 0),
      currency: "EUR",
      creditor: {
        creditorName: CREDITOR.creditorName,
        creditorId: "DE98ZZZ09999999999",
        iban: "DE02 **** **** **** **20 51",
      },
      file: `/api/v1/collection-runs/${run.id}/pain008.xml`,
      skipped: [],
      hasMore: false,
    });
    expect(run.paymentInfos).toEqual([
      {
        paymentInfoId: `${run.messageId}-1`,
        sequenceType: "FRST",
        collectionDate: "2027-01-18",
        numberOfTransactions: 3,
        controlSum: run.controlSum,
      },
    ]);
    for (const item of run.items) {
      const source = wanted.find((i) => i.id === item.invoiceId)!;
      expect(item).toMatchObject({
        invoiceNumber: source.number,
        endToEndId: source.paymentReference,
        amount: source.grossAmount,
        sequenceType: "FRST",
        status: "pending",
        paymentInfoId: `${run.messageId}-1`,
      });
    }

    const xml = await fileOf(m.apiKey, run.id);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toContain('xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"');
    expect(texts(xml, "MsgId")).toEqual([run.messageId]);
    expect(texts(xml, "EndToEndId").sort()).toEqual(wanted.map((i) => i.paymentReference).sort());
    expect(texts(xml, "Ustrd").sort()).toEqual(wanted.map((i) => i.number).sort());
    expect(texts(xml, "MndtId").sort()).toEqual(["MANDAT-A", "MANDAT-A", "MANDAT-E"]);
    expect(texts(xml, "SeqTp")).toEqual(["FRST"]);
    expect(texts(xml, "Nm")).toEqual(
      expect.arrayContaining([
        "Stadtwerke Mueller + Soehne GmbH",
        "Juergen Weiss + Co",
        "Erika Mustermann",
      ]),
    );
    expect(texts(xml, "IBAN")).toContain(IBAN_A);
    const sha = [
      ...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(xml))),
    ]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(sha).toBe(run.fileSha256);
    // At rest the file (which lists debtor IBANs) is encrypted.
    const part = await env.DB.prepare(
      "SELECT ciphertext FROM sepa_collection_files WHERE run_id = ?",
    )
      .bind(run.id)
      .first<{ ciphertext: string }>();
    expect(part?.ciphertext).not.toContain("0532013000");

    for (const inv of wanted)
      expect((await invoice(m.apiKey, inv.id)).status).toBe("collection_pending");
    for (const inv of [m.invoices.b, m.invoices.c, m.invoices.d])
      expect((await invoice(m.apiKey, inv.id)).status).toBe("open");
    expect((await invoice(m.apiKey, m.invoices.aCredit.id)).status).toBe("open");
    const pending = await json(
      await call("/api/v1/invoices?status=collection_pending", { key: m.apiKey }),
      200,
    );
    expect(pending.data).toHaveLength(3);
    for (const who of ["a", "e"] as const) {
      expect(
        await json(await call(mandatePath(m.customers[who].customerId), { key: m.apiKey }), 200),
      ).toMatchObject({
        sequenceType: "RCUR",
        lastCollectionDate: "2027-01-18",
        expiresOn: "2030-01-18",
      });
    }
    expect(
      (await json(await call(mandatePath(m.customers.c.customerId), { key: m.apiKey }), 200))
        .sequenceType,
    ).toBe("FRST");

    // Nothing else is due by that date: the invoices already in the open run are not taken again.
    const none = await expectProblem(
      await collect(m.apiKey, "2027-01-18", "2027-01-13T09:00:00Z"),
      422,
      "no_collectable_invoices",
    );
    expect(none.detail).toContain("2027-01-18");
    // A later date takes C's invoice only.
    const second = await json(await collect(m.apiKey, "2027-01-25", "2027-01-20T09:00:00Z"), 201);
    expect(second.items.map((item: any) => [item.invoiceId, item.sequenceType])).toEqual([
      [m.invoices.c.id, "FRST"],
    ]);

    const list = await json(await call("/api/v1/collection-runs", { key: m.apiKey }), 200);
    expect(list.data.map((r: any) => r.id)).toEqual([run.id, second.id]);
    expect(list.data[0].items).toBeUndefined();
    expect(list.nextCursor).toBeNull();
    const paged = await json(await call("/api/v1/collection-runs?limit=1", { key: m.apiKey }), 200);
    expect(paged).toMatchObject({ data: [{ id: run.id }], nextCursor: run.id });
    expect(
      (
        await json(await call(`/api/v1/collection-runs?cursor=${run.id}`, { key: m.apiKey }), 200)
      ).data.map((r: any) => r.id),
    ).toEqual([second.id]);
    expect(
      (await json(await call("/api/v1/collection-runs?status=completed", { key: m.apiKey }), 200))
        .data,
    ).toEqual([]);
    const { skipped: _s, hasMore: _h, ...stored } = run;
    expect(
      await json(await call(`/api/v1/collection-runs/${run.id}`, { key: m.apiKey }), 200),
    ).toEqual(stored);
  });

  it("goes FRST, then RCUR on the next run, and FRST again after a move to another bank", async () => {
    const m = await billedMerchant();
    const first = await json(await collect(m.apiKey, "2027-01-18", "2027-01-13T09:00:00Z"), 201);
    expect(new Set(first.items.map((item: any) => item.sequenceType))).toEqual(new Set(["FRST"]));

    // February is billed in advance on 1 Feb; then E moves to an account at another bank.
    await runBilling(env.DB, new Date("2027-02-01T03:00:00Z"));
    await json(
      await put(
        m.apiKey,
        mandatePath(m.customers.e.customerId),
        { reference: "MANDAT-E", signatureDate: "2026-12-01", iban: IBAN_ING_1 },
        "2027-02-02T09:00:00Z",
      ),
      200,
    );
    const moved = await json(
      await call(mandatePath(m.customers.e.customerId), { key: m.apiKey }),
      200,
    );
    expect(moved).toMatchObject({
      sequenceType: "FRST",
      pendingAmendment: { originalReference: "MANDAT-E", debtorBankChanged: true },
    });

    const february = await json(await collect(m.apiKey, "2027-02-15", "2027-02-10T09:00:00Z"), 201);
    const byCustomer = Object.fromEntries(
      february.items.map((item: any) => [item.customerId, item]),
    );
    // C's January invoice (due 24 Jan) was never collected: it comes along, still as FRST.
    expect(Object.keys(byCustomer).sort()).toEqual(
      [m.customers.a.customerId, m.customers.c.customerId, m.customers.e.customerId].sort(),
    );
    expect(byCustomer[m.customers.a.customerId]).toMatchObject({
      sequenceType: "RCUR",
      amendment: null,
    });
    expect(byCustomer[m.customers.c.customerId]).toMatchObject({
      invoiceId: m.invoices.c.id,
      sequenceType: "FRST",
      amendment: null,
    });
    expect(byCustomer[m.customers.e.customerId]).toMatchObject({
      sequenceType: "FRST",
      amendment: { originalReference: "MANDAT-E", debtorBankChanged: true },
    });
    expect(february.paymentInfos.map((p: any) => [p.sequenceType, p.numberOfTransactions])).toEqual(
      [
        ["FRST", 2],
        ["RCUR", 1],
      ],
    );
    const xml = await fileOf(m.apiKey, february.id);
    expect(texts(xml, "SeqTp")).toEqual(["FRST", "RCUR"]);
    expect(texts(xml, "AmdmntInd")).toEqual(["true"]);
    expect(xml).toContain("<Id>SMNDA</Id>");
    // Reported once: the amendment is gone and the series goes on with RCUR.
    expect(
      await json(await call(mandatePath(m.customers.e.customerId), { key: m.apiKey }), 200),
    ).toMatchObject({
      sequenceType: "RCUR",
      pendingAmendment: null,
      lastCollectionDate: "2027-02-15",
    });
  });

  it("reports a new account at the same bank with its original IBAN, keeping RCUR", async () => {
    const { apiKey } = await merchantWithCreditor();
    const catalogue = await createCatalogue(apiKey);
    const { customerId } = await customerWithMandate(apiKey, "Erika", "M-ING", {
      iban: IBAN_ING_1,
    });
    await contract(apiKey, customerId, catalogue.basic.templateId, "2027-01-01");
    await json(await collect(apiKey, "2027-01-18", "2027-01-13T09:00:00Z"), 201);
    await runBilling(env.DB, new Date("2027-02-01T03:00:00Z"));
    const amended = await json(
      await put(
        apiKey,
        mandatePath(customerId),
        { reference: "M-ING", signatureDate: "2026-12-01", iban: IBAN_ING_2 },
        "2027-02-02T09:00:00Z",
      ),
      200,
    );
    expect(amended).toMatchObject({
      sequenceType: "RCUR",
      pendingAmendment: { originalReference: "M-ING", debtorBankChanged: false },
    });
    const run = await json(await collect(apiKey, "2027-02-15", "2027-02-10T09:00:00Z"), 201);
    expect(run.items[0]).toMatchObject({ sequenceType: "RCUR" });
    const xml = await fileOf(apiKey, run.id);
    expect(xml.match(/<OrgnlDbtrAcct>[\s\S]*?<\/OrgnlDbtrAcct>/)?.[0]).toContain(IBAN_ING_1);
    expect(texts(xml, "IBAN")).toContain(IBAN_ING_2);
  });

  it("refuses collection dates on weekends, TARGET2 holidays, too early or too far ahead, naming collectionDate", async () => {
    const m = await billedMerchant();
    const cases: [string, string, string][] = [
      ["2027-01-16", "2027-01-13T09:00:00Z", "not_target2_business_day"], // Saturday
      ["2027-03-26", "2027-03-22T09:00:00Z", "not_target2_business_day"], // Good Friday
      ["2027-01-14", "2027-01-13T09:00:00Z", "too_early"],
      ["2027-02-01", "2027-01-13T09:00:00Z", "too_far_ahead"],
    ];
    for (const [date, now, reason] of cases) {
      const problem = await expectProblem(
        await collect(m.apiKey, date, now),
        422,
        "collection_date_not_allowed",
      );
      expect(problem.errors).toEqual([
        { field: "collectionDate", message: expect.stringContaining(reason) },
      ]);
    }
    const early = await expectProblem(
      await collect(m.apiKey, "2027-01-14", "2027-01-13T09:00:00Z"),
      422,
      "collection_date_not_allowed",
    );
    expect(early.detail).toContain("2027-01-15");
    // A FRST lead of 5 business days applies when the run holds first collections.
    await json(
      await put(m.apiKey, "/api/v1/settings/creditor", {
        ...CREDITOR,
        leadDays: { FRST: 5, RCUR: 2 },
      }),
      200,
    );
    const frst = await expectProblem(
      await collect(m.apiKey, "2027-01-15", "2027-01-13T09:00:00Z"),
      422,
      "collection_date_not_allowed",
    );
    expect(frst.detail).toContain("2027-01-20");
    for (const body of [
      { collectionDate: "2027-02-30" },
      { collectionDate: "18.01.2027" },
      {},
      { collectionDate: "2027-01-18", extra: 1 },
    ]) {
      const problem = await expectProblem(
        await call("/api/v1/collection-runs", { key: m.apiKey, body, now: "2027-01-13T09:00:00Z" }),
        400,
        "validation_failed",
      );
      expect(problem.errors.map((e: any) => e.field)).toEqual([
        Object.keys(body).includes("extra") ? "extra" : "collectionDate",
      ]);
    }
    expect(
      (await json(await call("/api/v1/collection-runs", { key: m.apiKey }), 200)).data,
    ).toEqual([]);
  });

  it("needs creditor data, and answers 422 when nothing can be collected", async () => {
    const { apiKey } = await createMerchant();
    await expectProblem(
      await collect(apiKey, "2027-01-18", "2027-01-13T09:00:00Z"),
      422,
      "creditor_not_configured",
    );
    await json(await put(apiKey, "/api/v1/settings/creditor", CREDITOR), 200);
    await expectProblem(
      await collect(apiKey, "2027-01-18", "2027-01-13T09:00:00Z"),
      422,
      "no_collectable_invoices",
    );
  });

  it("replays the same run for the same Idempotency-Key", async () => {
    const m = await billedMerchant();
    const headers = { "idempotency-key": "run-2027-01-18" };
    const first = await collect(m.apiKey, "2027-01-18", "2027-01-13T09:00:00Z", headers);
    const body = await json(first, 201);
    const again = await collect(m.apiKey, "2027-01-18", "2027-01-13T09:00:00Z", headers);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(again, 201)).id).toBe(body.id);
    await expectProblem(
      await collect(m.apiKey, "2027-01-19", "2027-01-13T09:00:00Z", headers),
      422,
      "idempotency_key_reused",
    );
    expect(
      (await json(await call("/api/v1/collection-runs", { key: m.apiKey }), 200)).data,
    ).toHaveLength(1);
  });

  it("hides runs and files from other merchants", async () => {
    const m = await billedMerchant();
    const other = await merchantWithCreditor();
    const run = await json(await collect(m.apiKey, "2027-01-18", "2027-01-13T09:00:00Z"), 201);
    for (const path of [
      `/api/v1/collection-runs/${run.id}`,
      `/api/v1/collection-runs/${run.id}/pain008.xml`,
    ]) {
      await expectProblem(await call(path, { key: other.apiKey }), 404, "not_found");
    }
    await expectProblem(
      await call(`/api/v1/collection-runs/${run.id}/cancel`, { key: other.apiKey, method: "POST" }),
      404,
      "not_found",
    );
    expect(
      (await json(await call("/api/v1/collection-runs", { key: other.apiKey }), 200)).data,
    ).toEqual([]);
    await expectProblem(
      await call("/api/v1/collection-runs/col_000000000000000000000000", { key: m.apiKey }),
      404,
      "not_found",
    );
    await expectProblem(
      await call("/api/v1/collection-runs/not-an-id", { key: m.apiKey }),
      400,
      "validation_failed",
    );
  });

  it("takes at most 1000 invoices per run, stores a large file in parts and gives it back byte for byte", async () => {
    const { apiKey, id: merchantId } = await merchantWithCreditor();
    const { customerId } = await customerWithMandate(apiKey, "Großkunde", "MANDAT-GROSS");
    const count = 1001;
    const insert = env.DB.prepare(
      `INSERT INTO invoices (id, merchant_id, customer_id, kind, number, status, issue_date, due_date, currency, net_amount, tax_amount, gross_amount,
        payment_reference, billing_key, tax_breakdown) VALUES (?, ?, ?, 'regular', ?, 'open', '2027-01-01', '2027-01-15', 'EUR', 100, 19, 119, ?, ?, '[]')`,
    );
    const rows = Array.from({ length: count }, (_, i) => {
      const n = String(i + 1).padStart(6, "0");
      return insert.bind(
        `inv_bulk${n}${"0".repeat(16)}`,
        merchantId,
        customerId,
        `RE-2027-${n}`,
        `BULK${n}`,
        `bulk:${n}`,
      );
    });
    await env.DB.batch(rows);
    const run = await json(await collect(apiKey, "2027-01-18", "2027-01-13T09:00:00Z"), 201);
    expect(run).toMatchObject({ numberOfTransactions: 1000, controlSum: 119_000, hasMore: true });
    const parts = await env.DB.prepare(
      "SELECT count(*) AS n FROM sepa_collection_files WHERE run_id = ?",
    )
      .bind(run.id)
      .first<{ n: number }>();
    expect(parts!.n).toBeGreaterThan(1);
    const xml = await fileOf(apiKey, run.id);
    expect(texts(xml, "EndToEndId")).toHaveLength(1000);
    expect(texts(xml, "CtrlSum")).toEqual(["1190.00", "1190.00"]);
    const sha = [
      ...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(xml))),
    ]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(sha).toBe(run.fileSha256);
    // The rest goes into the next run.
    const rest = await json(await collect(apiKey, "2027-01-18", "2027-01-13T09:00:00Z"), 201);
    expect(rest).toMatchObject({ numberOfTransactions: 1, hasMore: false });
    expect(rest.items[0]).toMatchObject({ invoiceNumber: "RE-2027-001001", sequenceType: "RCUR" });
  });

  it("documents the SEPA endpoints in the OpenAPI document", async () => {
    const spec = await json(await call("/openapi.json"), 200);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/settings/creditor",
        "/api/v1/customers/{id}/mandate",
        "/api/v1/collection-runs",
        "/api/v1/collection-runs/{id}",
        "/api/v1/collection-runs/{id}/pain008.xml",
        "/api/v1/collection-runs/{id}/cancel",
      ]),
    );
    expect(JSON.stringify(spec.paths["/api/v1/collection-runs"].post.requestBody)).toContain(
      "collectionDate",
    );
    expect(
      Object.keys(
        spec.paths["/api/v1/collection-runs/{id}/pain008.xml"].get.responses["200"].content,
      ),
    ).toEqual(["application/xml"]);
  });
});
