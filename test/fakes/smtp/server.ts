// A real SMTP server on loopback (smtp-server) that records every message it accepts, parsed
// with mailparser (attachments included), for the integration tests and `npm run dev`. Tests
// inside workerd read what arrived and make it refuse messages over HTTP: GET /messages,
// DELETE /messages, POST /__control {"rejectNext": 1, "code": 451}.
import { createServer as createHttpServer } from "node:http";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  messageId: string | null;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The attached files, their bytes base64-encoded. */
  attachments: { filename: string; contentType: string; size: number; content: string }[];
  receivedAt: string;
}

export interface SmtpFake {
  smtpPort: number;
  controlUrl: string;
  messages: ReceivedMail[];
  close: () => Promise<void>;
}

/** The credentials the fake accepts; vitest.config.ts gives the Worker the same as its secrets. */
export const SMTP_FAKE_USER = "tarif";
export const SMTP_FAKE_PASSWORD = "smtp-test-password";

export async function startSmtpFake(port = 0, controlPort = 0): Promise<SmtpFake> {
  const messages: ReceivedMail[] = [];
  const rejections: number[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_FAKE_USER && auth.password === SMTP_FAKE_PASSWORD)
        callback(null, { user: auth.username });
      else callback(new Error("invalid username or password"));
    },
    onData(stream, session, callback) {
      const code = rejections.shift();
      simpleParser(stream)
        .then((mail) => {
          if (code !== undefined) {
            const error = Object.assign(new Error("refused by the test"), { responseCode: code });
            callback(error);
            return;
          }
          messages.push({
            messageId: mail.messageId ?? null,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: mail.subject ?? "",
            text: mail.text ?? "",
            html: typeof mail.html === "string" ? mail.html : "",
            attachments: mail.attachments.map((file) => ({
              filename: file.filename ?? "",
              contentType: file.contentType,
              size: file.size,
              content: file.content.toString("base64"),
            })),
            receivedAt: new Date().toISOString(),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(port, "127.0.0.1", resolve));
  const smtpAddress = smtp.server.address();
  if (!smtpAddress || typeof smtpAddress === "string") throw new Error("SMTP server has no port");
  const control = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = new URL(request.url ?? "/", "http://smtp").pathname;
      if (path === "/__control" && request.method === "POST") {
        const { rejectNext = 0, code = 451 } = JSON.parse(Buffer.concat(chunks).toString() || "{}");
        for (let i = 0; i < rejectNext; i++) rejections.push(code);
      } else if (path === "/messages" && request.method === "DELETE") messages.length = 0;
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(messages));
    });
  });
  await new Promise<void>((resolve) => control.listen(controlPort, "127.0.0.1", resolve));
  const controlAddress = control.address();
  if (!controlAddress || typeof controlAddress === "string") throw new Error("no control port");
  return {
    smtpPort: smtpAddress.port,
    controlUrl: `http://127.0.0.1:${controlAddress.port}`,
    messages,
    close: async () => {
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}
