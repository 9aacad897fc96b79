// Customer e-mails end to end: queued in the batch of the change (invoice issued, change and
// cancellation confirmed), delivered by the cron over SMTP from the Worker to a real local SMTP
// server, once each, in the customer's language, retried after a refusal, skipped without an
// address, and not queued at all for a kind the merchant switched off. The invoice mail carries
// the invoice's PDF, the same bytes as the stored document.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { WEBHOOK_CRON } from "../../worker/jobs/crons.ts";
import { deliverEmails } from "../../worker/jobs/email-delivery.ts";
import {
  call,
  createCatalogue,
  createMerchant,
  emptyDatabase,
  expectProblem,
  json,
  type Catalogue,
} from "./helpers.ts";
import { BILLING_ADDRESS } from "./company-data.ts";
import { runTick } from "./job-ticks.ts";

const smtp = inject("smtpControlUrl");

interface ReceivedMail {
  messageId: string | null;
  to: string[];
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; contentType: string; size: number; content: string }[];
}

async function mailsTo(address: string): Promise<ReceivedMail[]> {
  const all = (await (await fetch(`${smtp}/messages`)).json()) as ReceivedMail[];
  return all.filter((mail) => mail.to.includes(address));
}

async function runCron(at: string) {
  await runTick(WEBHOOK_CRON, new Date(at));
}

let apiKey: string;
let catalogue: Catalogue;
let counter = 0;

async function customer(
  locale: string,
  email: string | null = `c${++counter}-${Date.now()}@example.com`,
) {
  const body = {
    name: "Erika Muster",
    locale,
    billingAddress: BILLING_ADDRESS,
    ...(email ? { email } : {}),
  };
  const created = await json(await call("/api/v1/customers", { key: apiKey, body }), 201);
  return { id: created.id as string, email };
}

async function contractFor(customerId: string) {
  return json(
    await call("/api/v1/contracts", {
      key: apiKey,
      now: "2027-01-01T08:00:00Z",
      body: { customerId, templateId: catalogue.pro.templateId, startDate: "2027-01-01" },
    }),
    201,
  );
}

beforeEach(async () => {
  await emptyDatabase();
  ({ apiKey } = await createMerchant("Stadtwerke Musterstadt"));
  catalogue = await createCatalogue(apiKey);
});

describe("customer e-mails", () => {
  it("sends the invoice mail once, in English for an English customer", async () => {
    const erika = await customer("en");
    await contractFor(erika.id);
    await runCron("2027-01-01T08:01:00Z");
    await runCron("2027-01-01T08:02:00Z");
    const mails = await mailsTo(erika.email!);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Your invoice RE-2027-000001");
    expect(mails[0]!.text).toContain("Dear Erika Muster,");
    expect(mails[0]!.text).toContain("€71.40");
    expect(mails[0]!.html).toContain('<html lang="en">');
    expect(mails[0]!.messageId).toMatch(/^<eml_[0-9a-z]+@tarif\.test>$/);
    const row = await env.DB.prepare(
      "SELECT status, locale, recipient, subject FROM email_outbox",
    ).first();
    expect(row).toEqual({
      status: "sent",
      locale: "en",
      recipient: erika.email,
      subject: mails[0]!.subject,
    });
  });

  it("attaches the invoice's PDF, the same bytes as the stored document", async () => {
    const erika = await customer("de");
    const contract = await contractFor(erika.id);
    // The tick enqueues documents before e-mails; the mail attaches the sealed PDF either way.
    await runCron("2027-01-01T08:01:00Z");
    const [mail] = await mailsTo(erika.email!);
    expect(mail!.subject).toBe("Ihre Rechnung RE-2027-000001");
    expect(mail!.attachments).toHaveLength(1);
    const [pdf] = mail!.attachments;
    expect(pdf).toMatchObject({ filename: "RE-2027-000001.pdf", contentType: "application/pdf" });
    const attached = Uint8Array.from(atob(pdf!.content), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(attached.slice(0, 8))).toBe("%PDF-1.7");
    const stored = await call(`/api/v1/invoices/${contract.invoiceId}/pdf`, { key: apiKey });
    expect(pdf!.size).toBe(Number(stored.headers.get("content-length")));
    const digest = await crypto.subtle.digest("SHA-256", attached);
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(hex).toBe(stored.headers.get("x-content-sha256"));
  });

  it("attaches the PDF also when the mail goes out before the documents job ran", async () => {
    const erika = await customer("en");
    const contract = await contractFor(erika.id);
    const report = await deliverEmails(env, new Date("2027-01-01T08:01:00Z"));
    expect(report).toMatchObject({ attempted: 1, sent: 1 });
    const [mail] = await mailsTo(erika.email!);
    expect(mail!.attachments.map((file) => file.filename)).toEqual(["RE-2027-000001.pdf"]);
    // The mail sealed the document: the download returns those bytes.
    const sealed = await env.DB.prepare(
      "SELECT sha256 FROM invoice_documents WHERE invoice_id = ? AND format = 'pdf'",
    )
      .bind(contract.invoiceId)
      .first<{ sha256: string | null }>();
    expect(sealed!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("confirms a cancellation at once in German, with the end date (§ 312k BGB)", async () => {
    const erika = await customer("de");
    const contract = await contractFor(erika.id);
    const cancelled = await json(
      await call(`/api/v1/contracts/${contract.id}/cancel`, {
        key: apiKey,
        body: {},
        now: "2027-01-10T09:30:00Z",
      }),
      200,
    );
    await runCron("2027-01-10T09:31:00Z");
    const mails = await mailsTo(erika.email!);
    const confirmation = mails.find((mail) =>
      mail.subject.startsWith("Bestätigung Ihrer Kündigung"),
    );
    expect(confirmation?.subject).toBe("Bestätigung Ihrer Kündigung: Pro");
    expect(confirmation?.text).toContain("Guten Tag Erika Muster,");
    expect(confirmation?.text).toContain("§ 312k");
    const endDate = new Intl.DateTimeFormat("de-DE", { dateStyle: "long", timeZone: "UTC" }).format(
      new Date(`${cancelled.endDate ?? cancelled.contract?.endDate}T00:00:00Z`),
    );
    expect(confirmation?.text).toContain(`Ablauf des ${endDate}`);
  });

  it("confirms a change once, whether applied now or scheduled", async () => {
    const erika = await customer("de");
    const contract = await contractFor(erika.id);
    await json(
      await call(`/api/v1/contracts/${contract.id}/changes`, {
        key: apiKey,
        now: "2027-01-11T10:00:00Z",
        body: {
          type: "add_addon",
          articleId: catalogue.addonId,
          quantity: 1,
          effectiveDate: "2027-01-11",
        },
      }),
      201,
    );
    await runCron("2027-01-11T10:01:00Z");
    const mails = await mailsTo(erika.email!);
    const change = mails.filter((mail) => mail.subject.startsWith("Ihre Vertragsänderung"));
    expect(change).toHaveLength(1);
    expect(change[0]!.text).toContain("1 × „Ökostrom-Option“ hinzugebucht");
  });

  it("retries a mail the server refused and delivers it once", async () => {
    const erika = await customer("de");
    await fetch(`${smtp}/__control`, {
      method: "POST",
      body: JSON.stringify({ rejectNext: 1, code: 451 }),
    });
    await contractFor(erika.id);
    const first = await deliverEmails(env, new Date("2027-01-01T08:01:00Z"), { random: () => 0.5 });
    expect(first).toMatchObject({ attempted: 1, retrying: 1, sent: 0 });
    expect(await mailsTo(erika.email!)).toHaveLength(0);
    const early = await deliverEmails(env, new Date("2027-01-01T08:01:03Z"), { random: () => 0.5 });
    expect(early.attempted).toBe(0);
    const second = await deliverEmails(env, new Date("2027-01-01T08:01:06Z"), {
      random: () => 0.5,
    });
    expect(second).toMatchObject({ attempted: 1, sent: 1 });
    expect(await mailsTo(erika.email!)).toHaveLength(1);
  });

  it("skips a customer without an address and queues nothing for a kind switched off", async () => {
    const settings = await json(
      await call("/api/v1/settings/emails", {
        key: apiKey,
        method: "PATCH",
        body: { kinds: { invoice_issued: false } },
      }),
      200,
    );
    expect(settings.kinds).toMatchObject({ invoice_issued: false, cancellation_confirmed: true });
    const erika = await customer("de");
    await contractFor(erika.id);
    const silent = await customer("de", null);
    await json(
      await call("/api/v1/settings/emails", {
        key: apiKey,
        method: "PATCH",
        body: { kinds: { invoice_issued: true } },
      }),
      200,
    );
    await contractFor(silent.id);
    const report = await deliverEmails(env, new Date("2027-01-01T08:01:00Z"));
    expect(report).toMatchObject({ attempted: 1, skipped: 1, sent: 0 });
    expect(await mailsTo(erika.email!)).toHaveLength(0);
  });

  it("refuses unknown kinds and wrong types in the settings, naming the field", async () => {
    const patch = (kinds: unknown) =>
      call("/api/v1/settings/emails", { key: apiKey, method: "PATCH", body: { kinds } });
    const unknown = await expectProblem(
      await patch({ newsletter: true }),
      400,
      "validation_failed",
    );
    expect(JSON.stringify(unknown.errors)).toContain("newsletter");
    const wrong = await expectProblem(
      await patch({ invoice_issued: "no" }),
      400,
      "validation_failed",
    );
    expect(JSON.stringify(wrong.errors)).toContain("invoice_issued");
  });
});
