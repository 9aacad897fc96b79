// The OpenAPI document exactly as the Worker serves it at /openapi.json, built in Node from the
// app itself (no server, no database): for the typed client's generator and its drift test.
import app from "../worker/index.ts";

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const response = await app.fetch(new Request("http://localhost/openapi.json"), {
    ENVIRONMENT: "development",
  } as never);
  if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}
