// Pins the pain.008.001.08 builder: files validate against the official ISO 20022 XSD (xmllint),
// control sums are exact decimal strings of the cents, text is in the SEPA character set.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildPain008,
  escapeXml,
  formatCentsDecimal,
  MAX_AMOUNT_CENTS,
  PAIN008_NAMESPACE,
  Pain008Error,
  sepaMessageId,
  toSepaText,
} from "../../worker/domain/pain008.ts";
import type { Pain008Input, Pain008Transaction } from "../../worker/domain/pain008.ts";

const XSD = fileURLToPath(new URL("../fixtures/xsd/pain.008.001.08.xsd", import.meta.url));

/** Runs xmllint against the official schema; CI must install it (Debian: libxml2-utils). */
function validateAgainstXsd(xml: string): { valid: boolean; output: string } {
  const run = spawnSync("xmllint", ["--noout", "--nonet", "--schema", XSD, "-"], {
    input: xml,
    encoding: "utf8",
  });
  if (run.error)
    throw new Error(
      `xmllint is needed for the XSD tests (apt-get install -y libxml2-utils): ${run.error.message}`,
    );
  return { valid: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

function expectValid(xml: string): void {
  const result = validateAgainstXsd(xml);
  expect(result.output).toContain("validates");
  expect(result.valid, result.output).toBe(true);
}

function tx(overrides: Partial<Pain008Transaction> = {}): Pain008Transaction {
  return {
    endToEndId: "RF18539007547034",
    amount: 2_999,
    mandateId: "MNDT-0001",
    mandateSignatureDate: "2026-11-20",
    debtorName: "Erika Mustermann",
    debtorIban: "DE89 3704 0044 0532 0130 00",
    remittanceInfo: "RE-2027-000001",
    ...overrides,
  };
}

function input(
  transactions: Pain008Transaction[],
  overrides: Partial<Pain008Input> = {},
): Pain008Input {
  return {
    messageId: "RUN-01J9ZK3T5Q",
    creationDateTime: "2027-01-04T09:30:00Z",
    initiatingPartyName: "Tarif Demo GmbH",
    creditor: {
      name: "Tarif Demo GmbH",
      iban: "DE02120300000000202051",
      bic: "BYLADEM1001",
      creditorId: "DE98ZZZ09999999999",
    },
    collectionDate: "2027-01-07",
    sequenceType: "RCUR",
    transactions,
    ...overrides,
  };
}

/** The text of every element called `name`, in document order. */
function texts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`, "g"))].map(
    (match) => match[1] ?? "",
  );
}

function unescape(text: string): string {
  return text
    .replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function sorted(values: bigint[]): bigint[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** "10000.10" → 1000010n: reads the decimal back without ever going through a float. */
function decimalToCents(text: string): bigint {
  expect(text).toMatch(/^\d+\.\d{2}$/);
  return BigInt(text.replace(".", ""));
}

describe("formatCentsDecimal", () => {
  it("writes cents as an exact decimal with two places", () => {
    expect(formatCentsDecimal(0)).toBe("0.00");
    expect(formatCentsDecimal(1)).toBe("0.01");
    expect(formatCentsDecimal(10)).toBe("0.10");
    expect(formatCentsDecimal(100)).toBe("1.00");
    expect(formatCentsDecimal(999_999)).toBe("9999.99");
    expect(formatCentsDecimal(MAX_AMOUNT_CENTS)).toBe("999999999.99");
    expect(formatCentsDecimal(9_007_199_254_740_993n)).toBe("90071992547409.93");
    expect(formatCentsDecimal(-1)).toBe("-0.01");
  });

  it("round-trips any amount exactly", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 17n }), (cents) => {
        expect(decimalToCents(formatCentsDecimal(cents))).toBe(cents);
      }),
    );
  });
});

describe("buildPain008: amounts", () => {
  it("writes exact control sums for 1, 10 and 999999 cents", () => {
    const file = buildPain008(
      input([
        tx({ endToEndId: "E2E-1", amount: 1 }),
        tx({ endToEndId: "E2E-2", amount: 10 }),
        tx({ endToEndId: "E2E-3", amount: 999_999 }),
      ]),
    );
    expect(texts(file.xml, "InstdAmt")).toEqual(["0.01", "0.10", "9999.99"]);
    expect(texts(file.xml, "CtrlSum")).toEqual(["10000.10", "10000.10"]);
    expect(texts(file.xml, "NbOfTxs")).toEqual(["3", "3"]);
    expect(file.controlSum).toBe(1_000_010);
    expect(file.xml).toContain('<InstdAmt Ccy="EUR">0.01</InstdAmt>');
    expectValid(file.xml);
  });

  it("has a control sum equal to the sum of the amounts in cents, for any list of amounts", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        (amounts, mixed) => {
          const file = buildPain008(
            input(
              amounts.map((amount, i) =>
                tx({
                  endToEndId: `E2E-${i}`,
                  amount,
                  sequenceType: mixed && i % 2 === 0 ? "FRST" : "RCUR",
                }),
              ),
            ),
          );
          const expected = amounts.reduce((sum, amount) => sum + BigInt(amount), 0n);
          const [groupSum, ...paymentSums] = texts(file.xml, "CtrlSum");
          expect(decimalToCents(groupSum ?? "")).toBe(expected);
          expect(groupSum).toBe(formatCentsDecimal(expected));
          expect(paymentSums.reduce((sum, text) => sum + decimalToCents(text), 0n)).toBe(expected);
          expect(sorted(texts(file.xml, "InstdAmt").map(decimalToCents))).toEqual(
            sorted(amounts.map(BigInt)),
          );
          expect(texts(file.xml, "NbOfTxs")[0]).toBe(String(amounts.length));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses amounts that are not whole positive cents within the SEPA maximum", () => {
    for (const amount of [0, -5, 1.5, MAX_AMOUNT_CENTS + 1, Number.NaN]) {
      expect(() => buildPain008(input([tx({ amount })])), String(amount)).toThrow(Pain008Error);
    }
  });
});

describe("buildPain008: SEPA character set", () => {
  it("transliterates umlauts, ß and accents in names and remittance information", () => {
    const file = buildPain008(
      input(
        [
          tx({
            debtorName: "Jürgen Müller-Lüdenscheidt & Söhne",
            remittanceInfo: "Rechnung RE-2027-000001 Größe L, Café Straße",
          }),
        ],
        {
          creditor: {
            name: "Bäckerei Weiß GmbH",
            iban: "DE02120300000000202051",
            creditorId: "DE98ZZZ09999999999",
          },
          initiatingPartyName: "ÄÖÜ Ærø Łódź",
        },
      ),
    );
    expect(texts(file.xml, "Nm")).toEqual([
      "AeOeUe AEroe Lodz",
      "Baeckerei Weiss GmbH",
      "Juergen Mueller-Luedenscheidt + Soehne",
    ]);
    expect(texts(file.xml, "Ustrd")).toEqual(["Rechnung RE-2027-000001 Groesse L, Cafe Strasse"]);
    expectValid(file.xml);
  });

  it("maps any text to the SEPA character set, trimmed", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        const sepa = toSepaText(text);
        expect(sepa).toMatch(/^[A-Za-z0-9/\-?:().,'+ ]*$/);
        expect(sepa).toBe(sepa.trim());
      }),
      { numRuns: 500 },
    );
  });

  it("cuts names at 70 and remittance at 140 characters, after transliteration", () => {
    const file = buildPain008(
      input([tx({ debtorName: `${"ü".repeat(40)}xyz`, remittanceInfo: "Ä".repeat(100) })]),
    );
    const [debtorName] = texts(file.xml, "Nm").slice(-1);
    expect(debtorName).toBe("ue".repeat(35));
    expect(texts(file.xml, "Ustrd")).toEqual(["Ae".repeat(70)]);
    expectValid(file.xml);
  });

  it("escapes XML specials and keeps apostrophes", () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;",
    );
    const file = buildPain008(input([tx({ debtorName: "Seán O'Brien <s@x.ie>" })]));
    expect(file.xml).toContain("<Nm>Sean O&apos;Brien (s(at)x.ie)</Nm>");
    expect(unescape(texts(file.xml, "Nm").at(-1) ?? "")).toBe("Sean O'Brien (s(at)x.ie)");
    expectValid(file.xml);
  });

  it("refuses a name with nothing left after transliteration", () => {
    expect(() => buildPain008(input([tx({ debtorName: "张伟" })]))).toThrow(
      /transactions\[0\]\.debtorName/,
    );
  });

  it("never alters identifiers: a 36-character or non-SEPA end-to-end id is refused, not cut", () => {
    expect(() => buildPain008(input([tx({ endToEndId: "A".repeat(36) })]))).toThrow(
      /transactions\[0\]\.endToEndId/,
    );
    expect(() => buildPain008(input([tx({ endToEndId: "RE-2027_1" })]))).toThrow(Pain008Error);
    expect(() => buildPain008(input([tx({ endToEndId: "RE//1" })]))).toThrow(/contain '\/\/'/);
    expect(() => buildPain008(input([tx()], { messageId: "Läufe-1" }))).toThrow(/messageId/);
    expect(buildPain008(input([tx({ endToEndId: "A".repeat(35) })])).xml).toContain(
      `<EndToEndId>${"A".repeat(35)}</EndToEndId>`,
    );
  });

  it("turns a run id into a SEPA message id one-to-one", () => {
    expect(sepaMessageId("run_01J9ZK3T5QX8")).toBe("run-01J9ZK3T5QX8");
    expect(() => sepaMessageId(`run_${"X".repeat(32)}`)).toThrow(/messageId/);
  });
});

describe("buildPain008: structure", () => {
  it("produces a two-transaction file that validates against the XSD", () => {
    const file = buildPain008(
      input([
        tx({ endToEndId: "RF18539007547034", amount: 4_990, remittanceInfo: "RE-2027-000001" }),
        tx({
          endToEndId: "RF71ABCD1234EFGH5678",
          amount: 1_250,
          mandateId: "CRM-1000253-1",
          mandateSignatureDate: "2025-03-01",
          debtorName: "Max Mustermann",
          debtorIban: "AT61 1904 3002 3457 3201",
          debtorBic: "BKAUATWW",
          remittanceInfo: "RE-2027-000002",
        }),
      ]),
    );
    expect(
      file.xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08">',
      ),
    ).toBe(true);
    expect(PAIN008_NAMESPACE).toBe("urn:iso:std:iso:20022:tech:xsd:pain.008.001.08");
    expectValid(file.xml);
    expect(texts(file.xml, "SeqTp")).toEqual(["RCUR"]);
    expect(texts(file.xml, "ReqdColltnDt")).toEqual(["2027-01-07"]);
    expect(texts(file.xml, "BICFI")).toEqual(["BYLADEM1001", "BKAUATWW"]);
    expect(file.xml).toMatch(/<CdtrAgt>\s*<FinInstnId>\s*<BICFI>BYLADEM1001<\/BICFI>/);
    expect(file.xml).toMatch(
      /<DbtrAgt>\s*<FinInstnId>\s*<Othr>\s*<Id>NOTPROVIDED<\/Id>\s*<\/Othr>/,
    );
    expect(texts(file.xml, "MndtId")).toEqual(["MNDT-0001", "CRM-1000253-1"]);
    expect(texts(file.xml, "DtOfSgntr")).toEqual(["2026-11-20", "2025-03-01"]);
    expect(texts(file.xml, "IBAN")).toEqual([
      "DE02120300000000202051",
      "DE89370400440532013000",
      "AT611904300234573201",
    ]);
    expect(texts(file.xml, "Cd")).toEqual(["SEPA", "CORE"]);
    expect(texts(file.xml, "Prtry")).toEqual(["SEPA"]);
    expect(texts(file.xml, "ChrgBr")).toEqual(["SLEV"]);
    expect(texts(file.xml, "BtchBookg")).toEqual(["true"]);
    expect(file).toMatchObject({
      messageId: "RUN-01J9ZK3T5Q",
      numberOfTransactions: 2,
      controlSum: 6_240,
      paymentInfos: [
        {
          paymentInfoId: "RUN-01J9ZK3T5Q-1",
          sequenceType: "RCUR",
          collectionDate: "2027-01-07",
          numberOfTransactions: 2,
          controlSum: 6_240,
          endToEndIds: ["RF18539007547034", "RF71ABCD1234EFGH5678"],
        },
      ],
    });
  });

  it("writes one PmtInf per collection date and sequence type, FRST before RCUR, dates ascending", () => {
    const file = buildPain008(
      input([
        tx({ endToEndId: "A", amount: 100 }),
        tx({ endToEndId: "B", amount: 200, sequenceType: "FRST" }),
        tx({ endToEndId: "C", amount: 300, collectionDate: "2027-01-08" }),
        tx({ endToEndId: "D", amount: 400 }),
        tx({ endToEndId: "E", amount: 500, sequenceType: "FRST" }),
      ]),
    );
    expect(
      file.paymentInfos.map((p) => [
        p.paymentInfoId,
        p.collectionDate,
        p.sequenceType,
        p.numberOfTransactions,
        p.controlSum,
        p.endToEndIds,
      ]),
    ).toEqual([
      ["RUN-01J9ZK3T5Q-1", "2027-01-07", "FRST", 2, 700, ["B", "E"]],
      ["RUN-01J9ZK3T5Q-2", "2027-01-07", "RCUR", 2, 500, ["A", "D"]],
      ["RUN-01J9ZK3T5Q-3", "2027-01-08", "RCUR", 1, 300, ["C"]],
    ]);
    expect(texts(file.xml, "PmtInfId")).toEqual([
      "RUN-01J9ZK3T5Q-1",
      "RUN-01J9ZK3T5Q-2",
      "RUN-01J9ZK3T5Q-3",
    ]);
    expect(texts(file.xml, "CtrlSum")).toEqual(["15.00", "7.00", "5.00", "3.00"]);
    expect(texts(file.xml, "NbOfTxs")).toEqual(["5", "2", "2", "1"]);
    expect(texts(file.xml, "EndToEndId")).toEqual(["B", "E", "A", "D", "C"]);
    expectValid(file.xml);
  });

  it("keeps payment information ids within 35 characters for a 35-character message id", () => {
    const messageId = "M".repeat(35);
    const file = buildPain008(
      input([tx({ endToEndId: "A" }), tx({ endToEndId: "B", sequenceType: "FRST" })], {
        messageId,
      }),
    );
    expect(file.paymentInfos.map((p) => p.paymentInfoId)).toEqual([
      `${"M".repeat(33)}-1`,
      `${"M".repeat(33)}-2`,
    ]);
    expectValid(file.xml);
  });

  it("reports mandate amendments (old reference, old IBAN, or SMNDA for another bank) in a valid file", () => {
    const file = buildPain008(
      input([
        tx({ endToEndId: "A", amendment: { originalMandateId: "OLD-REF-1" } }),
        tx({ endToEndId: "B", sequenceType: "FRST", amendment: { debtorBankChanged: true } }),
        tx({ endToEndId: "C", amendment: { originalDebtorIban: "DE44 5001 0517 5407 3249 31" } }),
        tx({ endToEndId: "D", amendment: {} }),
      ]),
    );
    expect(texts(file.xml, "AmdmntInd")).toEqual(["true", "true", "true"]);
    expect(texts(file.xml, "OrgnlMndtId")).toEqual(["OLD-REF-1"]);
    expect(file.xml).toContain("<Id>SMNDA</Id>");
    expect(file.xml).toContain("<IBAN>DE44500105175407324931</IBAN>");
    expectValid(file.xml);
  });

  it("writes CreDtTm in whole seconds, and the same input always gives the same bytes", () => {
    const file = buildPain008(input([tx()], { creationDateTime: "2027-01-04T09:30:00.123Z" }));
    expect(texts(file.xml, "CreDtTm")).toEqual(["2027-01-04T09:30:00Z"]);
    expect(buildPain008(input([tx()], { creationDateTime: "2027-01-04T09:30:00.123Z" })).xml).toBe(
      file.xml,
    );
    expect(() => buildPain008(input([tx()], { creationDateTime: "2027-01-04 09:30" }))).toThrow(
      /creationDateTime/,
    );
    expect(texts(buildPain008(input([tx()], { batchBooking: false })).xml, "BtchBookg")).toEqual([
      "false",
    ]);
  });

  it("the validator really validates: a broken file fails", () => {
    const xml = buildPain008(input([tx()])).xml;
    expect(
      validateAgainstXsd(xml.replace("<SeqTp>RCUR</SeqTp>", "<SeqTp>XXXX</SeqTp>")).valid,
    ).toBe(false);
    expect(
      validateAgainstXsd(xml.replace(/<MsgId>[^<]*<\/MsgId>/, `<MsgId>${"M".repeat(36)}</MsgId>`))
        .valid,
    ).toBe(false);
    expect(
      validateAgainstXsd(
        xml.replace(PAIN008_NAMESPACE, "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"),
      ).valid,
    ).toBe(false);
  });

  it("validates against the XSD for random names, amounts and sequence types", () => {
    const transaction = fc.record({
      amount: fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }),
      debtorName: fc
        .string({ unit: "grapheme", minLength: 1, maxLength: 90 })
        .map((name) => `K ${name}`),
      remittanceInfo: fc.string({ unit: "grapheme", maxLength: 160 }),
      sequenceType: fc.constantFrom("FRST" as const, "RCUR" as const),
      collectionDate: fc.constantFrom("2027-01-07", "2027-01-08"),
    });
    fc.assert(
      fc.property(fc.array(transaction, { minLength: 1, maxLength: 6 }), (transactions) => {
        const file = buildPain008(
          input(transactions.map((t, i) => tx({ ...t, endToEndId: `RF-${i}` }))),
        );
        const result = validateAgainstXsd(file.xml);
        expect(result.valid, result.output).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});

describe("buildPain008: bad input names the field", () => {
  function failure(build: () => unknown): Pain008Error {
    try {
      build();
    } catch (error) {
      if (error instanceof Pain008Error) return error;
      throw error;
    }
    throw new Error("expected a Pain008Error");
  }

  it("for identifiers, dates and accounts", () => {
    const cases: [() => unknown, string, string][] = [
      [
        () => buildPain008(input([tx(), tx({ debtorIban: "DE89370400440532013001" })])),
        "transactions[1].debtorIban",
        "checksum",
      ],
      [
        () => buildPain008(input([tx({ debtorIban: "JO94CBJO0010000000000131000302" })])),
        "transactions[0].debtorIban",
        "not_sepa",
      ],
      [
        () => buildPain008(input([tx({ debtorIban: "CH9300762011623852957" })])),
        "transactions[0].debtorBic",
        "required",
      ],
      [
        () => buildPain008(input([tx({ debtorBic: "COBA" })])),
        "transactions[0].debtorBic",
        "bad_format",
      ],
      [
        () => buildPain008(input([tx({ mandateId: "MANDAT 1" })])),
        "transactions[0].mandateId",
        "contains_space",
      ],
      [
        () => buildPain008(input([tx({ mandateSignatureDate: "2027-01-08" })])),
        "transactions[0].mandateSignatureDate",
        "after_collection",
      ],
      [
        () => buildPain008(input([tx({ mandateSignatureDate: "2027-02-30" })])),
        "transactions[0].mandateSignatureDate",
        "not_a_date",
      ],
      [
        () => buildPain008(input([tx({ endToEndId: "X" }), tx({ endToEndId: "X" })])),
        "transactions[1].endToEndId",
        "duplicate",
      ],
      [() => buildPain008(input([])), "transactions", "empty"],
      [
        () => buildPain008(input([tx()], { collectionDate: "2027-13-01" })),
        "collectionDate",
        "not_a_date",
      ],
      [
        () => buildPain008(input([tx({ collectionDate: "2027-1-8" })])),
        "transactions[0].collectionDate",
        "not_a_date",
      ],
      [
        () =>
          buildPain008(
            input([tx()], {
              creditor: {
                name: "X",
                iban: "DE02120300000000202051",
                creditorId: "DE75ZZZ09999999999",
              },
            }),
          ),
        "creditor.creditorId",
        "checksum",
      ],
      [
        () =>
          buildPain008(
            input([tx()], {
              creditor: {
                name: "X",
                iban: "DE0212030000000020205",
                creditorId: "DE98ZZZ09999999999",
              },
            }),
          ),
        "creditor.iban",
        "wrong_length",
      ],
      [
        () =>
          buildPain008(
            input([tx()], {
              creditor: {
                name: "  ",
                iban: "DE02120300000000202051",
                creditorId: "DE98ZZZ09999999999",
              },
            }),
          ),
        "creditor.name",
        "empty",
      ],
    ];
    for (const [build, path, reason] of cases) {
      const error = failure(build);
      expect([error.path, error.reason], error.message).toEqual([path, reason]);
    }
  });
});
