// Secrets and personal data at rest (issue 12, item 5): a full scenario through the API — a
// merchant with finAPI credentials, a finAPI user and a bank connection, customers with IBANs,
// mandates, a SEPA creditor, a webhook endpoint and its rotation, a portal session, a bank sync
// with payers' IBANs and reconciliation, idempotent requests replayed — then every text and blob
// column of every table is read straight from D1 and searched for the plain values. Any hit fails.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, json } from "./helpers.ts";
import {
  CREDITOR,
  IBAN_ERIKA,
  IBAN_LENA,
  IBAN_MAX,
  IBAN_STRANGER,
  reconciliationWorld,
} from "./reconciliation-fixture.ts";

/** The forms an IBAN is commonly written in: electronic, lower case, grouped in fours. */
function ibanForms(iban: string): string[] {
  const grouped = iban.replace(/(.{4})(?=.)/g, "$1 ");
  return [iban, iban.toLowerCase(), grouped, iban.slice(4)];
}

interface Hit {
  table: string;
  column: string;
  secret: string;
}

/** Every TEXT or BLOB column of every table (sqlite_master and pragma table_info). */
async function textColumns(): Promise<{ table: string; column: string }[]> {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
  ).all<{ name: string }>();
  const columns: { table: string; column: string }[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{
      name: string;
      type: string;
    }>();
    for (const column of results)
      if (/TEXT|BLOB|CHAR|CLOB|^$/i.test(column.type))
        columns.push({ table: name, column: column.name });
  }
  return columns;
}

async function scan(secrets: readonly string[]): Promise<{ hits: Hit[]; cells: number }> {
  const hits: Hit[] = [];
  let cells = 0;
  for (const { table, column } of await textColumns()) {
    const { results } = await env.DB.prepare(
      `SELECT CAST("${column}" AS TEXT) AS value FROM "${table}" WHERE "${column}" IS NOT NULL`,
    ).all<{ value: string }>();
    for (const { value } of results) {
      cells += 1;
      for (const secret of secrets)
        if (value.toLowerCase().includes(secret.toLowerCase()))
          hits.push({ table, column, secret });
    }
  }
  return { hits, cells };
}

describe("nothing secret or personal lies in D1 in clear text", () => {
  it("after a full scenario, no text column of any table holds a plain value", async () => {
    const r = await reconciliationWorld("Stadtwerke Scan");
    const idempotent = (key: string) => ({ "idempotency-key": key });

    // Customers: one with her account on file, one with a mandate, one with both.
    const erika = await r.customer("Erika", IBAN_ERIKA);
    const max = await r.customer("Max");
    const lena = await r.customer("Lena", IBAN_LENA);
    await json(await r.api("/api/v1/settings/creditor", { method: "PUT", body: CREDITOR }), 200);
    for (const [customerId, iban, reference] of [
      [max, IBAN_MAX, "M-MAX-1"],
      [lena, IBAN_LENA, "M-LENA-1"],
    ] as const)
      await json(
        await r.api(`/api/v1/customers/${customerId}/mandate`, {
          method: "PUT",
          body: { reference, signatureDate: "2027-01-02", iban },
        }),
        201,
      );

    // Webhook endpoint (idempotent, replayed) and its rotation; a portal session (replayed).
    const endpointBody = { url: "https://hooks.example.com/scan" };
    const endpoint = await json(
      await r.api("/api/v1/webhook-endpoints", {
        body: endpointBody,
        headers: idempotent("scan-endpoint"),
      }),
      201,
    );
    const replayed = await r.api("/api/v1/webhook-endpoints", {
      body: endpointBody,
      headers: idempotent("scan-endpoint"),
    });
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(replayed, 201)).secret).toBe(endpoint.secret);
    const rotated = await json(
      await r.api(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
        body: {},
        headers: idempotent("scan-rotate"),
      }),
      200,
    );
    const session = await json(
      await r.api("/api/v1/portal-sessions", {
        body: { customerId: erika },
        headers: idempotent("scan-session"),
      }),
      201,
    );
    await json(
      await r.api("/api/v1/portal-sessions", {
        body: { customerId: erika },
        headers: idempotent("scan-session"),
      }),
      201,
    );

    // Invoices, then the payers' transfers at the bank, synced and reconciled.
    const erikaInvoice = await r.bill(erika);
    await r.bill(max, "pro");
    const [paid] = r.bank(
      { amountCents: erikaInvoice.grossAmount, purpose: "Abschlag", counterpartIban: IBAN_ERIKA },
      { amountCents: 1234, purpose: "Unbekannt", counterpartIban: IBAN_STRANGER },
    );
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect(await r.transaction(paid!)).toMatchObject({
      matchedRule: "iban_amount",
      counterpartIban: "DE89 **** **** **** **30 00",
    });

    const finapiUser = r.world.control.user(r.m.userId) as { password?: string } | undefined;
    const secrets = [
      ...[IBAN_ERIKA, IBAN_MAX, IBAN_LENA, IBAN_STRANGER, CREDITOR.iban].flatMap(ibanForms),
      endpoint.secret,
      rotated.secret,
      session.token,
      r.key,
      ADMIN_TOKEN,
      r.world.control.clientSecret,
      ...(finapiUser?.password ? [finapiUser.password] : []),
    ].map(String);
    expect(finapiUser?.password, "the fake knows the finAPI user's password").toEqual(
      expect.any(String),
    );
    for (const secret of secrets) expect(secret.length).toBeGreaterThanOrEqual(8);

    const { hits, cells } = await scan(secrets);
    expect(cells).toBeGreaterThan(200);
    expect(hits).toEqual([]);
  });

  it("the scan itself finds a plain value where one is stored", async () => {
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (merchant_id, key, request_hash, status, expires_at, response_body) VALUES ('mer_x', 'k', 'h', 'done', '2099-01-01', ?)",
    )
      .bind(`{"iban":"${IBAN_ERIKA}"}`)
      .run();
    const { hits } = await scan(ibanForms(IBAN_ERIKA));
    expect(hits).toContainEqual({
      table: "idempotency_keys",
      column: "response_body",
      secret: IBAN_ERIKA,
    });
  });
});
