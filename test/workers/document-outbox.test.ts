// The documents job with a document that keeps failing to render: it is tried again later on a
// growing schedule, never holds up the documents behind it, and after its last attempt is left
// to downloads.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { MAX_DELIVERY_ATTEMPTS } from "../../worker/domain/webhook-retry.ts";
import { storePendingDocuments } from "../../worker/jobs/document-outbox.ts";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  emptyDatabase,
  json,
} from "./helpers.ts";

beforeEach(emptyDatabase);

const JAN_1 = "2027-01-01T08:00:00Z";

async function twoInvoices() {
  const { apiKey } = await createMerchant();
  const { basic } = await createCatalogue(apiKey);
  const ids: string[] = [];
  for (const name of ["Erika Mustermann", "Max Mustermann"]) {
    const customerId = await createCustomer(apiKey, name);
    const contract = await json(
      await call("/api/v1/contracts", {
        key: apiKey,
        now: JAN_1,
        body: { customerId, templateId: basic.templateId, startDate: "2027-01-01" },
      }),
      201,
    );
    ids.push(contract.invoiceId as string);
  }
  return { apiKey, broken: ids[0]!, healthy: ids[1]! };
}

interface Row {
  format: string;
  sha256: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

const rowsOf = async (invoiceId: string) =>
  (
    await env.DB.prepare(
      "SELECT format, sha256, attempts, next_attempt_at, last_error FROM invoice_documents WHERE invoice_id = ? ORDER BY format",
    )
      .bind(invoiceId)
      .all<Row>()
  ).results;

describe("documents job with a document that fails to render", () => {
  it("retries it later, renders the documents behind it, and gives up after the last attempt", async () => {
    const { broken, healthy } = await twoInvoices();
    // The first invoice's frozen snapshot is unreadable: rendering it throws every time.
    await env.DB.prepare("UPDATE invoices SET document_snapshot = '{}' WHERE id = ?")
      .bind(broken)
      .run();
    const t0 = new Date("2027-01-01T08:01:00Z");

    const first = await storePendingDocuments(env, t0, { limit: 2 });
    expect(first).toEqual({ stored: 0, failed: 2, more: true });
    for (const row of await rowsOf(broken)) {
      expect(row).toMatchObject({ sha256: null, attempts: 1 });
      expect(row.last_error).toBeTruthy();
      // The first retry after 5 s, ±20 % jitter.
      const delay = new Date(row.next_attempt_at!).getTime() - t0.getTime();
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(6_000);
    }

    // The same minute: the failed page waits, the page behind it is rendered.
    const second = await storePendingDocuments(env, t0, { limit: 2 });
    expect(second).toMatchObject({ stored: 2, failed: 0 });
    expect((await rowsOf(healthy)).every((row) => /^[0-9a-f]{64}$/.test(row.sha256 ?? ""))).toBe(
      true,
    );

    // A minute later its retry is due; the next wait is longer.
    const t1 = new Date("2027-01-01T08:02:00Z");
    expect(await storePendingDocuments(env, t1, { limit: 2 })).toMatchObject({ failed: 2 });
    for (const row of await rowsOf(broken)) {
      expect(row.attempts).toBe(2);
      expect(new Date(row.next_attempt_at!).getTime() - t1.getTime()).toBeGreaterThan(200_000);
    }

    // The last attempt: afterwards the job leaves it, and an empty outbox does not continue.
    await env.DB.prepare("UPDATE invoice_documents SET attempts = ? WHERE invoice_id = ?")
      .bind(MAX_DELIVERY_ATTEMPTS - 1, broken)
      .run();
    const late = new Date("2027-01-03T08:00:00Z");
    expect(await storePendingDocuments(env, late, { limit: 2 })).toMatchObject({ failed: 2 });
    expect(
      (await rowsOf(broken)).map((row) => [row.attempts, row.next_attempt_at, row.sha256]),
    ).toEqual([
      [MAX_DELIVERY_ATTEMPTS, null, null],
      [MAX_DELIVERY_ATTEMPTS, null, null],
    ]);
    expect(await storePendingDocuments(env, new Date("2027-02-01T08:00:00Z"))).toEqual({
      stored: 0,
      failed: 0,
      more: false,
    });
  });
});
