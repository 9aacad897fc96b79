// E-mail delivery (cron, every minute, beside webhook delivery): leases the due mails of the
// outbox, sends them over one SMTP connection per tick from the Worker (worker-mailer on
// Workers TCP sockets), records each as sent right after the server accepted it, and retries
// failures on the webhook schedule. Each mail carries a Message-ID derived from its outbox id,
// so even the one redelivery a crash between "accepted" and "recorded" can cause is recognisable
// as the same message. The "invoice issued" mail carries the invoice's PDF as stored (rendered
// and sealed first if the document job has not got to it yet), the same bytes as every download.
import { nextAttemptAt, type RandomSource } from "../domain/webhook-retry.ts";
import type { Bindings } from "../env.ts";
import { DomainError } from "../domain/errors.ts";
import { invoiceDocumentFile } from "../flows/invoice-documents.ts";
import { database } from "../store/db.ts";
import { emailLocale, renderEmail, type EmailFacts } from "../domain/customer-emails.ts";
import {
  leaseDueEmails,
  markEmailFailed,
  markEmailSent,
  markEmailSkipped,
  recipientsOf,
  type OutboxRecord,
} from "../store/email-outbox.ts";

export interface SmtpConfig {
  host: string;
  port: number;
  /** "tls": implicit TLS (465); "starttls": upgrade (587); "none": plain (local servers only). */
  security: "tls" | "starttls" | "none";
  username?: string;
  password?: string;
  from: string;
}

/** The SMTP secrets, or null while they are not configured (mails then wait in the outbox). */
export function smtpConfig(env: Bindings): SmtpConfig | null {
  const port = Number(env.SMTP_PORT ?? "587");
  if (!env.SMTP_HOST || !env.SMTP_FROM || !Number.isSafeInteger(port)) return null;
  const security =
    env.SMTP_SECURITY === "tls" || env.SMTP_SECURITY === "none" ? env.SMTP_SECURITY : "starttls";
  return {
    host: env.SMTP_HOST,
    port,
    security,
    from: env.SMTP_FROM,
    ...(env.SMTP_USER ? { username: env.SMTP_USER, password: env.SMTP_PASSWORD ?? "" } : {}),
  };
}

export interface MailAttachment {
  filename: string;
  mimeType: string;
  /** The bytes, base64-encoded (what worker-mailer writes into the MIME part). */
  content: string;
}

export interface OutgoingMail {
  messageId: string;
  fromName: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

export async function connectSmtp(config: SmtpConfig): Promise<MailTransport> {
  // Loaded on first use: worker-mailer needs `cloudflare:sockets`, which only workerd has, and
  // the cron registry (which plain-Node unit tests import) reaches this module.
  const { WorkerMailer } = await import("worker-mailer");
  const mailer = await WorkerMailer.connect({
    host: config.host,
    port: config.port,
    secure: config.security === "tls",
    startTls: config.security === "starttls",
    ...(config.username
      ? { credentials: { username: config.username, password: config.password ?? "" } }
      : {}),
    authType: ["plain", "login"],
    socketTimeoutMs: 20_000,
    responseTimeoutMs: 15_000,
  });
  return {
    send: (mail) =>
      mailer.send({
        from: { name: mail.fromName, email: config.from },
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { "Message-ID": mail.messageId },
        ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
      }),
    close: () => mailer.close(),
  };
}

export interface EmailDeliveryOptions {
  connect?: (config: SmtpConfig) => Promise<MailTransport>;
  limit?: number;
  random?: RandomSource;
  /** Only this merchant's mails (a test clock delivers its own merchant's only). */
  merchantId?: string;
}

export interface EmailDeliveryReport {
  attempted: number;
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
}

/**
 * The most one mail costs in D1 statements: recording it, and for an invoice mail its PDF (the
 * document's source batch of 4, and when still pending the seal and the source read again).
 */
export const EMAIL_STATEMENTS = 10;

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * The stored PDF of an invoice mail's invoice (the outbox's dedupe key is the invoice id); none
 * for an invoice issued before Tarif produced documents.
 */
async function attachmentsOf(env: Bindings, mail: OutboxRecord, now: Date) {
  if (mail.kind !== "invoice_issued") return [];
  try {
    const pdf = await invoiceDocumentFile(env, mail.merchantId, mail.dedupeKey, "pdf", now);
    return [{ filename: pdf.fileName, mimeType: pdf.contentType, content: base64(pdf.bytes) }];
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") return [];
    throw error;
  }
}

/** Longer than a tick can spend on its mails, so a crashed tick's mails come due again. */
const LEASE_MS = 5 * 60_000;

/** A 5xx answer to the recipient or the message is final; anything else may pass next time. */
function isPermanent(error: string): boolean {
  return (
    /^Invalid (RCPT|DATA)[\s\S]*\b5\d\d\b/.test(error) ||
    /Failed send email body: 5\d\d/.test(error)
  );
}

export async function deliverEmails(
  env: Bindings,
  now: Date,
  options: EmailDeliveryOptions = {},
): Promise<EmailDeliveryReport> {
  const report: EmailDeliveryReport = { attempted: 0, sent: 0, retrying: 0, failed: 0, skipped: 0 };
  const config = smtpConfig(env);
  if (!config) return report;
  const db = database(env.DB);
  const { connect = connectSmtp, limit = 50, random = Math.random } = options;
  const leased = await leaseDueEmails(
    db,
    now.toISOString(),
    new Date(now.getTime() + LEASE_MS).toISOString(),
    limit,
    options.merchantId,
  );
  if (leased.length === 0) return report;
  const failAll = async (error: string) => {
    for (const mail of leased) await recordFailure(mail, error);
  };
  const recordFailure = async (mail: OutboxRecord, error: string) => {
    const retry = isPermanent(error)
      ? null
      : nextAttemptAt({ attemptNumber: mail.attempts, now, random });
    await markEmailFailed(db, mail.id, error.slice(0, 500), retry?.toISOString() ?? null);
    report[retry ? "retrying" : "failed"] += 1;
  };
  let transport: MailTransport;
  try {
    transport = await connect(config);
  } catch (error) {
    report.attempted = leased.length;
    await failAll(String(error instanceof Error ? error.message : error));
    return report;
  }
  const recipients = await recipientsOf(db, leased);
  const domain = config.from.split("@").pop() ?? "tarif";
  try {
    for (const mail of leased) {
      report.attempted += 1;
      const recipient = recipients.get(mail.customerId);
      if (!recipient?.email) {
        await markEmailSkipped(db, mail.id, "the customer has no e-mail address");
        report.skipped += 1;
        continue;
      }
      const locale = emailLocale(recipient.locale);
      const facts = mail.data as unknown as EmailFacts;
      const rendered = renderEmail(
        { ...facts, merchantName: recipient.merchantName, customerName: recipient.name },
        locale,
      );
      try {
        const attachments = await attachmentsOf(env, mail, now);
        await transport.send({
          messageId: `<${mail.id}@${domain}>`,
          fromName: recipient.merchantName,
          to: recipient.email,
          ...rendered,
          ...(attachments.length > 0 ? { attachments } : {}),
        });
        await markEmailSent(db, mail.id, now.toISOString(), {
          locale,
          recipient: recipient.email,
          subject: rendered.subject,
          textBody: rendered.text,
          htmlBody: rendered.html,
        });
        report.sent += 1;
      } catch (error) {
        await recordFailure(mail, String(error instanceof Error ? error.message : error));
      }
    }
  } finally {
    await transport.close().catch(() => undefined);
  }
  return report;
}
