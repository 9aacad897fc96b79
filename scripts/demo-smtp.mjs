// The mailbox of `npm run dev`: the SMTP fake (test/fakes/smtp/cli.ts) on FAKE_SMTP_PORT (2525),
// and the SMTP settings wrangler dev gives the Worker to reach it (its test credentials).
import { spawn } from "node:child_process";

export const FAKE_SMTP_PORT = Number(process.env.FAKE_SMTP_PORT ?? 2525);

/** In its own process group, so `kill(signal)` ends npx, tsx and node together. */
export function startFakeSmtp(port = FAKE_SMTP_PORT) {
  const child = spawn("npx", ["tsx", "test/fakes/smtp/cli.ts", "--port", String(port)], {
    stdio: "inherit",
    detached: true,
  });
  return {
    kill(signal = "SIGTERM") {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    },
  };
}

export function smtpVars(port = FAKE_SMTP_PORT) {
  const vars = {
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(port),
    SMTP_SECURITY: "none",
    SMTP_USER: "tarif",
    SMTP_PASSWORD: "smtp-test-password",
    SMTP_FROM: "rechnung@tarif.localhost",
  };
  return Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
}
