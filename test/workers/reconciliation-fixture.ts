// Test fixture for reconciliation: a merchant connected to the fake finAPI with a catalogue,
// helpers to bill customers (contracts issue their invoices on the fake's clock), to book lines
// at the bank, to run sync + reconciliation through the API, and to read transactions, invoices
// and events back.
import { expect } from "vitest";
import type { FakeTransactionInput } from "../fakes/finapi/state.ts";
import { createCatalogue, json, type Catalogue } from "./helpers.ts";
import { BILLING_ADDRESS } from "./company-data.ts";
import { finapiWorld } from "./finapi-fixture.ts";

export const IBAN_ERIKA = "DE89370400440532013000";
export const IBAN_MAX = "DE02120300000000202051";
const DAY = 86_400_000;

export const IBAN_LENA = "DE12500105170648489890";
export const IBAN_STRANGER = "DE75512108001245126199";
export const CREDITOR = {
  creditorName: "Stadtwerke Musterstadt",
  iban: "DE02500105170137075030",
  creditorId: "DE98ZZZ09999999999",
};

export type ReconciliationWorld = Awaited<ReturnType<typeof reconciliationWorld>>;

export async function reconciliationWorld(name?: string, mode?: "test") {
  const world = finapiWorld();
  const m = await world.connectedMerchant(name, mode);
  const key = m.apiKey;
  const catalogue: Catalogue = await createCatalogue(key);
  let lines = 0;

  const api = (path: string, options: Parameters<typeof world.api>[1] = {}) =>
    world.api(path, { key, ...options });

  async function customer(customerName: string, iban?: string): Promise<string> {
    return (
      await json(
        await api("/api/v1/customers", {
          body: { name: customerName, billingAddress: BILLING_ADDRESS, ...(iban ? { iban } : {}) },
        }),
        201,
      )
    ).id;
  }

  /** A monthly contract starting today: its first invoice (Basic 35.70, Pro 71.40 gross). */
  async function bill(
    customerId: string,
    plan: "basic" | "pro" = "basic",
    startDate = world.now().toISOString().slice(0, 10),
  ) {
    const contract = await json(
      await api("/api/v1/contracts", {
        body: { customerId, templateId: catalogue[plan].templateId, startDate },
      }),
      201,
    );
    return invoice(contract.invoiceId);
  }

  async function invoice(id: string) {
    return json(await api(`/api/v1/invoices/${id}`), 200);
  }

  /** Lines booked at the bank; a distinct purpose each, so finAPI does not flag duplicates. */
  function bank(...inputs: FakeTransactionInput[]) {
    return world.control.addTransactions(
      m.accountId,
      inputs.map((input) => ({
        isPotentialDuplicate: false,
        typeCodeZka: (input.amountCents ?? 0) > 0 ? "166" : null,
        ...input,
        purpose: input.purpose ?? `Zahlung ${++lines}`,
      })),
    );
  }

  async function reconcile(status = 200) {
    return json(await api("/api/v1/reconciliation/runs", { body: {} }), status);
  }

  async function transactions(status?: string): Promise<any[]> {
    return (
      await json(
        await api(`/api/v1/bank-transactions?limit=100${status ? `&status=${status}` : ""}`),
        200,
      )
    ).data;
  }

  /** The stored transaction of a line given to the fake. */
  async function transaction(finapiTransaction: Record<string, unknown>) {
    const found = (await transactions()).find((t) => t.finapiId === finapiTransaction.id);
    expect(found, `transaction ${String(finapiTransaction.id)} stored`).toBeDefined();
    return found;
  }

  async function events(type: string): Promise<any[]> {
    return (await json(await api(`/api/v1/webhook-events?limit=100&type=${type}`), 200)).data.map(
      (event: any) => event.payload.data,
    );
  }

  return {
    world,
    m,
    key,
    catalogue,
    api,
    customer,
    bill,
    invoice,
    bank,
    reconcile,
    transactions,
    transaction,
    events,
  };
}

/** Three customers with mandates, billed on 1 March and collected in one FRST run on 15 March. */
export async function collectedWorld() {
  const r = await reconciliationWorld();
  await json(await r.api("/api/v1/settings/creditor", { method: "PUT", body: CREDITOR }), 200);
  const people = [
    ["Erika", "M-ERIKA-1", IBAN_ERIKA, "basic"],
    ["Max", "M-MAX-1", IBAN_MAX, "pro"],
    ["Lena", "M-LENA-1", IBAN_LENA, "basic"],
  ] as const;
  const customers: { id: string; mandate: string; invoice: any }[] = [];
  for (const [name, mandate, iban, plan] of people) {
    const id = await r.customer(name);
    await json(
      await r.api(`/api/v1/customers/${id}/mandate`, {
        method: "PUT",
        body: { reference: mandate, signatureDate: "2027-02-15", iban },
      }),
      201,
    );
    customers.push({ id, mandate, invoice: await r.bill(id, plan) });
  }
  r.world.advance(9 * DAY); // 10 March
  const run = await json(
    await r.api("/api/v1/collection-runs", { body: { collectionDate: "2027-03-15" } }),
    201,
  );
  expect(run.items).toHaveLength(3);
  for (const c of customers)
    expect((await r.invoice(c.invoice.id)).status).toBe("collection_pending");
  r.world.advance(5 * DAY); // 15 March
  return { r, customers, run, total: customers.reduce((sum, c) => sum + c.invoice.grossAmount, 0) };
}

export function returnOf(
  r: ReconciliationWorld,
  invoice: any,
  mandate: string,
  reasonCode: string,
  feeCents = 300,
  extra: Record<string, unknown> = {},
) {
  return r.world.control.addReturnedDebit(r.m.accountId, {
    originalAmountCents: invoice.grossAmount,
    feeCents,
    endToEndReference: invoice.paymentReference,
    mandateReference: mandate,
    creditorId: CREDITOR.creditorId,
    reasonCode,
    invoiceNumber: invoice.number,
    collectionDate: "2027-03-15",
    ...extra,
  });
}
