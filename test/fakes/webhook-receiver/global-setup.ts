// vitest globalSetup: starts the webhook receiver for the workers project and hands its URL to
// the tests through `inject("webhookReceiverUrl")`.
import type { TestProject } from "vitest/node";
import { startWebhookReceiver } from "./receiver.ts";

declare module "vitest" {
  export interface ProvidedContext {
    webhookReceiverUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const receiver = await startWebhookReceiver();
  project.provide("webhookReceiverUrl", receiver.url);
  return receiver.close;
}
