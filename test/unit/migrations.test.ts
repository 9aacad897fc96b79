// The SQL migrations on a plain SQLite (node:sqlite, foreign keys enforced as D1 does): the chain
// applies, and rebuilding bank_transactions provider-neutral (0010) keeps every row's values
// and the rows that reference them.
import { readdirSync, readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";

const DIR = new URL("../../schema/migrations/", import.meta.url);
const files = readdirSync(DIR)
  .filter((name) => name.endsWith(".sql"))
  .sort();

/** Applies one migration file as D1 does: its statements in one transaction. */
function apply(db: DatabaseSync, file: string) {
  const statements = readFileSync(new URL(file, DIR), "utf8")
    .split("--> statement-breakpoint")
    .map((statement) => statement.trim())
    .filter(Boolean);
  db.exec("BEGIN");
  for (const statement of statements) db.exec(statement);
  db.exec("COMMIT");
}

function migratedUpTo(last: string): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec("PRAGMA foreign_keys = ON");
  for (const file of files.filter((name) => name <= last)) apply(db, file);
  return db;
}

describe("migrations", () => {
  it("0010 keeps every bank transaction, now under neutral column names", () => {
    const before = files.filter((name) => name < "0010")!.at(-1)!;
    const db = migratedUpTo(before);
    db.exec(`INSERT INTO merchants (id, name, allowed_actions, allowed_origins)
      VALUES ('mer_1', 'M', '[]', '[]')`);
    db.exec(`INSERT INTO finapi_bank_connections (id, merchant_id, finapi_user_id, web_form_id,
      web_form_url, accounts) VALUES ('bcn_1', 'mer_1', 'tarif-user', 'wf', 'https://wf', '[]')`);
    db.exec(`INSERT INTO bank_transactions (id, merchant_id, connection_id, finapi_user_id,
      finapi_key, finapi_id, account_id, amount, currency, booking_date, finapi_booking_date,
      purpose, counterpart_iban_ciphertext, counterpart_iban_masked, status, matched_rule,
      created_at) VALUES
      ('btx_1', 'mer_1', 'bcn_1', 'tarif-user', '42', 42, 7, 12345, 'EUR', '2027-01-02',
       '2027-01-03', 'RE-1', 'v1.sealed', 'DE89 **** **** **** **30 00', 'matched', 'reference',
       '2027-01-03T10:00:00.000Z'),
      ('btx_2', 'mer_1', 'bcn_1', 'tarif-user', 'raw:abc', NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, 'parked', NULL, '2027-01-03T10:00:00.000Z')`);
    db.exec(`INSERT INTO reconciliation_entries (id, merchant_id, bank_transaction_id, seq, kind,
      status, source, created_at) VALUES ('ren_1', 'mer_1', 'btx_1', 1, 'booking', 'matched',
      'auto', '2027-01-03T10:00:00.000Z')`);

    for (const file of files.filter((name) => name > before)) apply(db, file);

    expect(db.prepare("SELECT * FROM bank_transactions ORDER BY id").all()).toMatchObject([
      {
        id: "btx_1",
        provider: "finapi",
        connection_id: "bcn_1",
        provider_scope: "tarif-user",
        provider_transaction_id: "42",
        provider_sequence: 42,
        account_id: 7,
        amount: 12345,
        booking_date: "2027-01-02",
        provider_booking_date: "2027-01-03",
        purpose: "RE-1",
        counterpart_iban_ciphertext: "v1.sealed",
        counterpart_iban_masked: "DE89 **** **** **** **30 00",
        status: "matched",
        matched_rule: "reference",
        created_at: "2027-01-03T10:00:00.000Z",
      },
      {
        id: "btx_2",
        provider_transaction_id: "raw:abc",
        provider_sequence: null,
        status: "parked",
      },
    ]);
    expect(db.prepare("PRAGMA foreign_key_check").all()).toEqual([]);
    // The same record cannot be stored twice for the same provider scope.
    expect(() =>
      db.exec(`INSERT INTO bank_transactions (id, merchant_id, provider, connection_id,
        provider_scope, provider_transaction_id, status) VALUES
        ('btx_3', 'mer_1', 'finapi', 'bcn_1', 'tarif-user', '42', 'unmatched')`),
    ).toThrow(/UNIQUE/);
  });
  it("0016 switches the portal action update_mandate on for merchants created before it", () => {
    const before = files.filter((name) => name < "0016")!.at(-1)!;
    const db = migratedUpTo(before);
    db.exec(`INSERT INTO merchants (id, name, allowed_actions, allowed_origins) VALUES
      ('mer_1', 'M', '["switch_up","cancel"]', '[]'),
      ('mer_2', 'N', '[]', '[]'),
      ('mer_3', 'O', '["update_mandate"]', '[]')`);
    for (const file of files.filter((name) => name > before)) apply(db, file);
    expect(db.prepare("SELECT id, allowed_actions FROM merchants ORDER BY id").all()).toEqual([
      { id: "mer_1", allowed_actions: '["switch_up","cancel","update_mandate"]' },
      { id: "mer_2", allowed_actions: '["update_mandate"]' },
      { id: "mer_3", allowed_actions: '["update_mandate"]' },
    ]);
  });
});
