// Type-level test of the generated client, checked by `npm run typecheck` (CI): `limit` is an
// integer, list and single responses are typed, and misuse fails to compile (@ts-expect-error
// itself fails when the line below it compiles).
import { createTarifClient } from "../src/index.ts";

const tarif = createTarifClient({ baseUrl: "https://billing.example.com", apiKey: "sk_test" });

export async function firstTwoContracts(): Promise<string[]> {
  const response = await tarif.GET("/api/v1/contracts", { params: { query: { limit: 2 } } });
  if (!response.data) return [];
  const contract = response.data.data[0];
  const status: "active" | "cancellation_pending" | "ended" | undefined = contract?.status;
  const cents: number | undefined = contract?.items[0]?.periodAmount;
  const next: string | null = response.data.nextCursor;
  void [status, cents, next];
  return response.data.data.map((entry) => entry.id);
}

export async function oneContract(id: string): Promise<number | undefined> {
  const { data } = await tarif.GET("/api/v1/contracts/{id}", { params: { path: { id } } });
  // @ts-expect-error -- the response is typed: a field it does not have is an error
  void data?.noSuchField;
  return data?.recurringNetAmount;
}

export async function misuse(): Promise<void> {
  // @ts-expect-error -- limit is an integer, not a string
  await tarif.GET("/api/v1/contracts", { params: { query: { limit: "2" } } });
  // @ts-expect-error -- there is no such path
  await tarif.GET("/api/v1/contract");
}

export async function portalToken(customerId: string): Promise<string | undefined> {
  const { data, error } = await tarif.POST("/api/v1/portal-sessions", {
    body: { customerId },
    params: { header: { "Idempotency-Key": "order-4711" } },
  });
  // Errors are typed too: the problem+json body with its closed `code`.
  if (error) return error.code === "validation_failed" ? error.errors?.[0]?.field : error.detail;
  // @ts-expect-error -- the created session has no such field
  void data.noSuchField;
  return data.token;
}
