// Company settings, the refusal to issue incomplete invoices (contract creation, change, billing
// run), and the documents: XRechnung XML and PDF stored once in R2 with their SHA-256 in D1, the
// same bytes after the company data changes, the portal's PDF, the webhook's links.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { WEBHOOK_CRON } from "../../worker/jobs/crons.ts";
import { runBilling } from "../../worker/jobs/billing-run.ts";
import { BILLING_ADDRESS, COMPANY_SETTINGS } from "./company-data.ts";
import {
  ADMIN_TOKEN,
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  emptyDatabase,
  expectProblem,
  json,
} from "./helpers.ts";
import { runTick } from "./job-ticks.ts";

const JAN_1 = "2027-01-01T08:00:00Z";

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const putCompany = (key: string, body: unknown) =>
  call("/api/v1/settings/company", { method: "PUT", key, body });

async function bareMerchant() {
  return json<{ id: string; apiKey: string }>(
    await call("/admin/v1/merchants", { key: ADMIN_TOKEN, body: { name: "Ohne Daten" } }),
    201,
  );
}

async function contractFor(key: string, customerId: string, templateId: string) {
  return call("/api/v1/contracts", {
    key,
    now: JAN_1,
    body: { customerId, templateId, startDate: "2027-01-01" },
  });
}

async function issued() {
  const { apiKey } = await createMerchant();
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey);
  const contract = await json(
    await contractFor(apiKey, customerId, catalogue.basic.templateId),
    201,
  );
  return { apiKey, catalogue, customerId, contract, invoiceId: contract.invoiceId as string };
}

const count = async (table: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

describe("company settings", () => {
  it("starts unconfigured, saves complete data and says nothing is missing", async () => {
    const { apiKey } = await bareMerchant();
    const empty = await json(await call("/api/v1/settings/company", { key: apiKey }), 200);
    expect(empty).toMatchObject({ configured: false });
    expect(empty.missingForInvoices).toContain("vatId|taxNumber");
    const saved = await json(
      await putCompany(apiKey, { ...COMPANY_SETTINGS, vatId: "de 123 456 789" }),
      200,
    );
    expect(saved).toMatchObject({ configured: true, vatId: "DE123456789", missingForInvoices: [] });
    const read = await json(await call("/api/v1/settings/company", { key: apiKey }), 200);
    expect(read.legalName).toBe(COMPANY_SETTINGS.legalName);
    expect(read.address).toEqual({ ...COMPANY_SETTINGS.address, line2: null });
  });

  it("names the field of each kind of bad input", async () => {
    const { apiKey } = await bareMerchant();
    const field = async (body: unknown, status = 400) =>
      (await expectProblem(await putCompany(apiKey, body), status, "validation_failed")).errors.map(
        (e: { field: string }) => e.field,
      );
    expect(await field({ ...COMPANY_SETTINGS, vatId: "DE12345" })).toEqual(["vatId"]);
    expect(await field({ ...COMPANY_SETTINGS, vatId: "ATU1234567" })).toEqual(["vatId"]);
    expect(
      await field({
        ...COMPANY_SETTINGS,
        address: { ...COMPANY_SETTINGS.address, country: "Germany" },
      }),
    ).toEqual(["address.country"]);
    expect(
      await field({
        ...COMPANY_SETTINGS,
        address: { ...COMPANY_SETTINGS.address, line1: "x".repeat(101) },
      }),
    ).toEqual(["address.line1"]);
    expect(await field({ ...COMPANY_SETTINGS, vatId: null, taxNumber: null })).toEqual([
      "vatId",
      "taxNumber",
    ]);
    const notAnImage = btoa("definitely not a PNG file");
    expect(
      await field({ ...COMPANY_SETTINGS, logo: { contentType: "image/png", data: notAnImage } }),
    ).toEqual(["logo.data"]);
    const huge = btoa("\x89PNG\r\n\x1a\n" + "x".repeat(300 * 1024));
    expect(
      await field({ ...COMPANY_SETTINGS, logo: { contentType: "image/png", data: huge } }),
    ).toEqual(["logo.data"]);
    expect(
      await field({ ...COMPANY_SETTINGS, logo: { contentType: "image/gif", data: notAnImage } }),
    ).toEqual(["logo.contentType"]);
  });

  it("stores a PNG or SVG logo in R2 by its SHA-256 and keeps it when a PUT omits it", async () => {
    const { apiKey, id } = await bareMerchant();
    const svg =
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>';
    const saved = await json(
      await putCompany(apiKey, {
        ...COMPANY_SETTINGS,
        logo: { contentType: "image/svg+xml", data: btoa(svg) },
      }),
      200,
    );
    expect(saved.logo.contentType).toBe("image/svg+xml");
    const object = await env.DOCUMENTS.get(`logos/${id}/${saved.logo.sha256}`);
    expect(await object?.text()).toBe(svg);
    const again = await json(
      await putCompany(apiKey, { ...COMPANY_SETTINGS, legalName: "Neu GmbH" }),
      200,
    );
    expect(again.logo).toEqual(saved.logo);
  });
});

describe("issuing is refused while data is missing, and nothing is half-issued", () => {
  beforeEach(emptyDatabase);

  it("refuses a contract's first invoice without company settings (422 naming the fields)", async () => {
    const { apiKey } = await bareMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customerId = await createCustomer(apiKey);
    const problem = await expectProblem(
      await contractFor(apiKey, customerId, catalogue.basic.templateId),
      422,
      "company_settings_incomplete",
    );
    expect(problem.errors.map((e: { field: string }) => e.field)).toEqual([
      "company.legalName",
      "company.address",
      "company.vatId|taxNumber",
      "company.email",
      "company.phone",
      "company.iban",
    ]);
    expect(await count("contracts")).toBe(0);
    expect(await count("invoices")).toBe(0);
    expect(await count("invoice_number_series")).toBe(0);
    expect(await count("webhook_events")).toBe(0);
  });

  it("refuses a customer without a billing address", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customer = await json(
      await call("/api/v1/customers", { key: apiKey, body: { name: "Ohne Adresse" } }),
      201,
    );
    const problem = await expectProblem(
      await contractFor(apiKey, customer.id, catalogue.basic.templateId),
      422,
      "customer_incomplete",
    );
    expect(problem.errors[0].field).toBe("customer.billingAddress");
    expect(await count("contracts")).toBe(0);
  });

  it("refuses the interim invoice of a change and leaves the contract as it was", async () => {
    const { apiKey, catalogue, contract } = await issued();
    await json(await putCompany(apiKey, { ...COMPANY_SETTINGS, phone: null }), 200);
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/changes`, {
        key: apiKey,
        now: "2027-01-11T08:00:00Z",
        body: {
          type: "switch_template",
          templateId: catalogue.pro.templateId,
          effectiveDate: "2027-01-11",
        },
      }),
      422,
      "company_settings_incomplete",
    );
    expect(await count("contract_changes")).toBe(0);
    const stored = await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200);
    expect(stored.templateId).toBe(catalogue.basic.templateId);
  });

  it("the billing run leaves a blocked contract due and bills it once the data is complete", async () => {
    const { apiKey, contract } = await issued();
    await json(await putCompany(apiKey, { ...COMPANY_SETTINGS, iban: null }), 200);
    const blocked = await runBilling(env.DB, new Date("2027-02-01T03:00:00Z"));
    expect(blocked).toMatchObject({ invoicesIssued: 0, errors: [] });
    expect(blocked.blocked).toEqual([
      { contractId: contract.id, code: "company_settings_incomplete", fields: ["company.iban"] },
    ]);
    const still = await json(await call(`/api/v1/contracts/${contract.id}`, { key: apiKey }), 200);
    expect(still.currentPeriod ?? { start: still.currentPeriodStart }).toMatchObject({
      start: "2027-01-01",
    });
    expect(await count("invoices")).toBe(1);

    await json(await putCompany(apiKey, COMPANY_SETTINGS), 200);
    const billed = await runBilling(env.DB, new Date("2027-02-01T03:00:00Z"));
    expect(billed).toMatchObject({ invoicesIssued: 1, blocked: [] });
  });
});

describe("invoice documents", () => {
  beforeEach(emptyDatabase);

  it("serves the XRechnung XML and the PDF, stored once in R2 with their SHA-256 in D1", async () => {
    const { apiKey, invoiceId } = await issued();
    const invoice = await json(await call(`/api/v1/invoices/${invoiceId}`, { key: apiKey }), 200);
    expect(invoice.documents).toEqual({
      pdf: `/api/v1/invoices/${invoiceId}/pdf`,
      xml: `/api/v1/invoices/${invoiceId}/xml`,
    });
    expect(invoice).not.toHaveProperty("documentSnapshot");

    const xml = await call(`/api/v1/invoices/${invoiceId}/xml`, { key: apiKey });
    expect(xml.status).toBe(200);
    expect(xml.headers.get("content-type")).toBe("application/xml");
    const xmlBytes = await xml.arrayBuffer();
    const xmlText = new TextDecoder().decode(xmlBytes);
    expect(xmlText).toContain(`<ram:ID>${invoice.number}</ram:ID>`);
    expect(xmlText).toContain("xrechnung_3.0");
    expect(xmlText).toContain("Stadtwerke Test GmbH");
    expect(xmlText).toContain("<ram:CityName>Berlin</ram:CityName>");
    expect(xml.headers.get("x-content-sha256")).toBe(await sha256(xmlBytes));

    const pdf = await call(`/api/v1/invoices/${invoiceId}/pdf`, { key: apiKey });
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const pdfBytes = await pdf.arrayBuffer();
    expect(new TextDecoder().decode(pdfBytes.slice(0, 8))).toBe("%PDF-1.7");
    expect(pdf.headers.get("content-disposition")).toContain(`${invoice.number}.pdf`);

    const rows = await env.DB.prepare(
      "SELECT format, object_key, sha256, size FROM invoice_documents WHERE invoice_id = ? ORDER BY format",
    )
      .bind(invoiceId)
      .all<{ format: string; object_key: string; sha256: string; size: number }>();
    expect(rows.results.map((r) => r.format)).toEqual(["pdf", "xml"]);
    const [pdfRow, xmlRow] = rows.results;
    expect(pdfRow!.sha256).toBe(await sha256(pdfBytes));
    expect(xmlRow!.sha256).toBe(await sha256(xmlBytes));
    const stored = await env.DOCUMENTS.get(pdfRow!.object_key);
    expect(await sha256(await stored!.arrayBuffer())).toBe(pdfRow!.sha256);
  });

  it("returns the same bytes after the company data changes (GoBD)", async () => {
    const { apiKey, invoiceId } = await issued();
    const first = await (
      await call(`/api/v1/invoices/${invoiceId}/pdf`, { key: apiKey })
    ).arrayBuffer();
    const firstXml = await (
      await call(`/api/v1/invoices/${invoiceId}/xml`, { key: apiKey })
    ).text();
    await json(
      await putCompany(apiKey, {
        ...COMPANY_SETTINGS,
        legalName: "Umbenannt AG",
        vatId: "DE999999999",
      }),
      200,
    );
    const later = await (
      await call(`/api/v1/invoices/${invoiceId}/pdf`, { key: apiKey })
    ).arrayBuffer();
    const laterXml = await (
      await call(`/api/v1/invoices/${invoiceId}/xml`, { key: apiKey })
    ).text();
    expect(await sha256(later)).toBe(await sha256(first));
    expect(laterXml).toBe(firstXml);
    expect(laterXml).toContain("Stadtwerke Test GmbH");
    expect(laterXml).not.toContain("Umbenannt");
  });

  it("renders pending documents from the snapshot even when rendered after the data changed", async () => {
    const { apiKey, invoiceId } = await issued();
    await json(await putCompany(apiKey, { ...COMPANY_SETTINGS, legalName: "Später GmbH" }), 200);
    const sealed = () =>
      env.DB.prepare(
        "SELECT format, sha256, stored_at FROM invoice_documents WHERE invoice_id = ? ORDER BY format",
      )
        .bind(invoiceId)
        .all<{ format: string; sha256: string | null; stored_at: string | null }>();
    expect((await sealed()).results.every((row) => row.sha256 === null)).toBe(true);
    // The minute's tick enqueues the document outbox; the consumer renders and seals both.
    const tick = await runTick(WEBHOOK_CRON, new Date("2027-01-01T08:01:00Z"));
    expect(tick.enqueued.map((m) => m.job)).toContain("documents");
    const first = (await sealed()).results;
    expect(first.map((row) => row.format)).toEqual(["pdf", "xml"]);
    expect(first.every((row) => /^[0-9a-f]{64}$/.test(row.sha256 ?? ""))).toBe(true);
    // Every message delivered twice, a tick later: nothing is rendered, put or sealed again.
    await runTick(WEBHOOK_CRON, new Date("2027-01-01T08:02:00Z"), env, { duplicate: true });
    expect((await sealed()).results).toEqual(first);
    const xml = await (await call(`/api/v1/invoices/${invoiceId}/xml`, { key: apiKey })).text();
    expect(xml).toContain("Stadtwerke Test GmbH");
    expect(xml).not.toContain("Später");
  });

  it("refuses to serve a sealed document whose stored bytes were altered", async () => {
    const { apiKey, invoiceId } = await issued();
    await call(`/api/v1/invoices/${invoiceId}/xml`, { key: apiKey });
    const row = await env.DB.prepare(
      "SELECT object_key FROM invoice_documents WHERE invoice_id = ? AND format = 'xml'",
    )
      .bind(invoiceId)
      .first<{ object_key: string }>();
    await env.DOCUMENTS.put(row!.object_key, "<tampered/>");
    await expectProblem(
      await call(`/api/v1/invoices/${invoiceId}/xml`, { key: apiKey }),
      500,
      "internal_error",
    );
  });

  it("issues reverse-charge invoices to EU businesses abroad at 0 % with category AE", async () => {
    const { apiKey } = await createMerchant();
    const catalogue = await createCatalogue(apiKey);
    const customer = await json(
      await call("/api/v1/customers", {
        key: apiKey,
        body: {
          name: "Wiener Software GmbH",
          kind: "business",
          vatId: "ATU12345678",
          locale: "en",
          buyerReference: "PO-4711",
          billingAddress: {
            line1: "Ringstraße 10",
            postalCode: "1010",
            city: "Wien",
            country: "AT",
          },
        },
      }),
      201,
    );
    const contract = await json(
      await contractFor(apiKey, customer.id, catalogue.basic.templateId),
      201,
    );
    const invoice = await json(
      await call(`/api/v1/invoices/${contract.invoiceId}`, { key: apiKey }),
      200,
    );
    expect(invoice).toMatchObject({ netAmount: 3000, taxAmount: 0, grossAmount: 3000 });
    expect(invoice.lines[0].taxRate).toBe(0);
    const xml = await (
      await call(`/api/v1/invoices/${contract.invoiceId}/xml`, { key: apiKey })
    ).text();
    expect(xml).toContain("<ram:CategoryCode>AE</ram:CategoryCode>");
    expect(xml).toContain("<ram:BuyerReference>PO-4711</ram:BuyerReference>");
    expect(xml).toContain("Reverse charge");
  });

  it("validates the customers' invoice data", async () => {
    const { apiKey } = await createMerchant();
    const bad = async (body: Record<string, unknown>) =>
      (
        await expectProblem(
          await call("/api/v1/customers", { key: apiKey, body: { name: "X", ...body } }),
          400,
          "validation_failed",
        )
      ).errors.map((e: { field: string }) => e.field);
    expect(await bad({ vatId: "ATU1" })).toEqual(["vatId"]);
    expect(await bad({ billingAddress: { ...BILLING_ADDRESS, country: "XX" } })).toEqual([
      "billingAddress.country",
    ]);
    expect(await bad({ kind: "alien" })).toEqual(["kind"]);
  });

  it("the invoice.created webhook carries the document links", async () => {
    const { invoiceId } = await issued();
    const event = await env.DB.prepare(
      "SELECT payload FROM webhook_events WHERE type = 'invoice.created'",
    ).first<{ payload: string }>();
    expect(JSON.parse(event!.payload).data.documents).toEqual({
      pdf: `/api/v1/invoices/${invoiceId}/pdf`,
      xml: `/api/v1/invoices/${invoiceId}/xml`,
    });
  });

  it("the portal serves the customer's own PDF and no one else's", async () => {
    const { apiKey, invoiceId, customerId, catalogue } = await issued();
    const otherCustomer = await createCustomer(apiKey, "Jemand Anderes");
    const other = await json(
      await contractFor(apiKey, otherCustomer, catalogue.basic.templateId),
      201,
    );
    const session = await json(
      await call("/api/v1/portal-sessions", { key: apiKey, body: { customerId } }),
      201,
    );
    const list = await json(await call("/portal/v1/invoices", { key: session.token }), 200);
    expect(list.data[0].pdfPath).toBe(`/portal/v1/invoices/${invoiceId}/pdf`);
    const own = await call(`/portal/v1/invoices/${invoiceId}/pdf`, { key: session.token });
    expect(own.status).toBe(200);
    const ownBytes = await own.arrayBuffer();
    const merchantCopy = await (
      await call(`/api/v1/invoices/${invoiceId}/pdf`, { key: apiKey })
    ).arrayBuffer();
    expect(await sha256(ownBytes)).toBe(await sha256(merchantCopy));
    await expectProblem(
      await call(`/portal/v1/invoices/${other.invoiceId}/pdf`, { key: session.token }),
      404,
      "not_found",
    );
  });
});
