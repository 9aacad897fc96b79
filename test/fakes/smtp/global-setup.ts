// vitest globalSetup: starts the SMTP fake on the port vitest.config.ts gave the Worker and hands
// its control URL to the tests through `inject("smtpControlUrl")`.
import type { TestProject } from "vitest/node";
import { startSmtpFake } from "./server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    smtpControlUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const fake = await startSmtpFake(Number(process.env.TARIF_TEST_SMTP_PORT));
  project.provide("smtpControlUrl", fake.controlUrl);
  return fake.close;
}
