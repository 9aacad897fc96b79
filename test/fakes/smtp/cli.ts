// `npm run dev`'s mailbox: the SMTP fake on FAKE_SMTP_PORT (2525), its messages as JSON on the
// next port (GET http://localhost:2526/messages), each arrival logged with recipient and subject.
import { startSmtpFake } from "./server.ts";

const portArg = process.argv.indexOf("--port");
const port = Number(portArg > 0 ? process.argv[portArg + 1] : (process.env.FAKE_SMTP_PORT ?? 2525));
const fake = await startSmtpFake(port, port + 1);
console.log(`SMTP fake on 127.0.0.1:${fake.smtpPort}, messages at ${fake.controlUrl}/messages`);
let seen = 0;
setInterval(() => {
  for (const mail of fake.messages.slice(seen))
    console.log(`[smtp] to ${mail.to.join(", ")}: ${mail.subject}`);
  seen = fake.messages.length;
}, 500);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void fake.close().then(() => process.exit(0)));
