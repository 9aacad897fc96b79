// Pins invoice.ts: number series and formats, ISO 11649 payment references (reconciliation
// depends on them), due dates, and the rules that stop a wrong invoice from being issued.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildInvoice,
  dueDate,
  formatInvoiceNumber,
  invoiceSeries,
  InvoiceRuleError,
  isValidCreditorReference,
  normalizeCreditorReference,
  paymentReference,
  paymentTokenFromBytes,
} from "../../worker/domain/invoice.ts";
import type {
  InvoiceInput,
  InvoiceKind,
  InvoiceLineInput,
  InvoiceRuleCode,
} from "../../worker/domain/invoice.ts";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function ruleError(run: () => unknown): InvoiceRuleError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvoiceRuleError) return error;
    throw error;
  }
  throw new Error("expected an InvoiceRuleError");
}

function expectRule(run: () => unknown, code: InvoiceRuleCode, field?: string): void {
  const error = ruleError(run);
  expect(error.code).toBe(code);
  if (field !== undefined) expect(error.field).toBe(field);
}

function line(overrides: Partial<InvoiceLineInput> = {}): InvoiceLineInput {
  return { description: "Tarif M", quantity: 1, netAmount: 2999, taxRate: 1900, ...overrides };
}

function invoice(overrides: Partial<InvoiceInput> = {}): InvoiceInput {
  return { kind: "regular", currency: "EUR", lines: [line()], ...overrides };
}

describe("invoiceSeries", () => {
  it("gives each kind its own yearly series", () => {
    expect(invoiceSeries("regular", "2027-03-15")).toEqual({
      key: "regular:2027",
      prefix: "RE-2027",
    });
    expect(invoiceSeries("interim", "2027-03-15")).toEqual({
      key: "interim:2027",
      prefix: "ZR-2027",
    });
    expect(invoiceSeries("credit_note", "2027-03-15")).toEqual({
      key: "credit_note:2027",
      prefix: "GS-2027",
    });
  });

  it("takes the year of the issue date, not of the period billed", () => {
    expect(invoiceSeries("regular", "2027-12-31").prefix).toBe("RE-2027");
    expect(invoiceSeries("regular", "2028-01-01").prefix).toBe("RE-2028");
  });

  it("refuses an unknown kind and an impossible date", () => {
    expectRule(
      () => invoiceSeries("proforma" as InvoiceKind, "2027-01-01"),
      "invalid_kind",
      "kind",
    );
    expectRule(() => invoiceSeries("regular", "2027-02-29"), "invalid_date", "issueDate");
  });
});

describe("formatInvoiceNumber", () => {
  it("pads to six digits and grows beyond them", () => {
    expect(formatInvoiceNumber("RE-2027", 1)).toBe("RE-2027-000001");
    expect(formatInvoiceNumber("GS-2027", 42)).toBe("GS-2027-000042");
    expect(formatInvoiceNumber("RE-2027", 999_999)).toBe("RE-2027-999999");
    expect(formatInvoiceNumber("RE-2027", 1_000_000)).toBe("RE-2027-1000000");
    expect(formatInvoiceNumber("ZR-2028", 12_345_678)).toBe("ZR-2028-12345678");
  });

  it("composes with invoiceSeries", () => {
    expect(formatInvoiceNumber(invoiceSeries("credit_note", "2027-06-01").prefix, 1)).toBe(
      "GS-2027-000001",
    );
  });

  it("refuses sequence numbers that are not positive integers", () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expectRule(() => formatInvoiceNumber("RE-2027", n), "invalid_sequence_number");
    }
  });
});

describe("paymentReference", () => {
  it("matches the ISO 11649 example", () => {
    expect(paymentReference("539007547034")).toBe("RF18539007547034");
  });

  it("uses the random part of a prefixed id and upper-cases a lower-case token", () => {
    expect(paymentReference("inv_539007547034")).toBe("RF18539007547034");
    const reference = paymentReference("inv_01hzx3k9q7m2vd8e");
    expect(reference.slice(4)).toBe("01HZX3K9Q7M2VD8E");
    expect(reference).toBe(paymentReference("01HZX3K9Q7M2VD8E"));
    expect(isValidCreditorReference(reference)).toBe(true);
  });

  it("stays within 25 characters", () => {
    const longest = paymentReference("A".repeat(21));
    expect(longest).toHaveLength(25);
    expect(isValidCreditorReference(longest)).toBe(true);
    expect(paymentReference("12345678")).toHaveLength(12);
  });

  it("refuses tokens it cannot turn into a unique, bank-safe reference", () => {
    expectRule(() => paymentReference("inv_1234567"), "invalid_payment_token", "token"); // too short
    expectRule(() => paymentReference("A".repeat(22)), "invalid_payment_token");
    expectRule(() => paymentReference("inv_AbCdEfGhIj"), "invalid_payment_token"); // case would be lost
    expectRule(() => paymentReference("550e8400-e29b"), "invalid_payment_token");
    expectRule(() => paymentReference("ÄBCDEFGHIJ"), "invalid_payment_token");
    expectRule(() => paymentReference(""), "invalid_payment_token");
    expectRule(() => paymentReference("inv_"), "invalid_payment_token");
  });

  it("is always valid, unique per token and ends with the token", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
          minLength: 8,
          maxLength: 21,
        }),
        (token) => {
          const reference = paymentReference(token);
          expect(reference).toMatch(/^RF(0[2-9]|[1-8]\d|9[0-8])[0-9A-Z]{8,21}$/);
          expect(reference.length).toBeLessThanOrEqual(25);
          expect(reference.slice(4)).toBe(token);
          expect(isValidCreditorReference(reference)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("detects any single changed character of the same kind (digit for digit, letter for letter)", () => {
    const digits = "0123456789";
    const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...digits, ...letters), minLength: 8, maxLength: 21 }),
        fc.nat(),
        fc.integer({ min: 1, max: 25 }),
        (token, at, shift) => {
          const reference = paymentReference(token);
          const index = 2 + (at % (reference.length - 2));
          const original = reference.charAt(index);
          const alphabet = digits.includes(original) ? digits : letters;
          const replacement = alphabet.charAt(
            (alphabet.indexOf(original) + shift) % alphabet.length,
          );
          fc.pre(replacement !== original);
          const typo = reference.slice(0, index) + replacement + reference.slice(index + 1);
          expect(isValidCreditorReference(typo)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("isValidCreditorReference / normalizeCreditorReference", () => {
  it("accepts the electronic and the printed form", () => {
    expect(isValidCreditorReference("RF18539007547034")).toBe(true);
    expect(isValidCreditorReference("RF18 5390 0754 7034")).toBe(true);
    expect(isValidCreditorReference("rf18539007547034")).toBe(true);
    expect(isValidCreditorReference("RF18000000000539007547034")).toBe(true);
    expect(normalizeCreditorReference(" rf18 5390 0754 7034 ")).toBe("RF18539007547034");
  });

  it("rejects wrong check digits, typos and transpositions", () => {
    expect(isValidCreditorReference("RF19539007547034")).toBe(false);
    expect(isValidCreditorReference("RF18539007547035")).toBe(false);
    expect(isValidCreditorReference("RF18539007547043")).toBe(false);
    expect(isValidCreditorReference("RF81539007547034")).toBe(false);
    expect(normalizeCreditorReference("RF19539007547034")).toBeNull();
  });

  it("rejects other shapes", () => {
    for (const value of [
      "",
      "RF",
      "RF18",
      "RF1853900754703X-",
      "RFAB539007547034",
      "DE18539007547034",
      `RF18${"1".repeat(22)}`,
      "RF18-5390-0754-7034",
    ]) {
      expect(isValidCreditorReference(value), value).toBe(false);
    }
  });

  it("rejects check digits 00 and 01 although they pass the bare mod-97 test", () => {
    // Find a body whose proper check digits are 97 (and one with 98): 00 resp. 01 then
    // satisfy mod 97 = 1 too, but ISO 7064 never issues them.
    const withCheck = (check: string) => {
      for (let n = 10_000_000; ; n += 1) {
        const reference = paymentReference(String(n));
        if (reference.slice(2, 4) === check) return reference.slice(4);
      }
    };
    const body97 = withCheck("97");
    expect(isValidCreditorReference(`RF97${body97}`)).toBe(true);
    expect(isValidCreditorReference(`RF00${body97}`)).toBe(false);
    const body98 = withCheck("98");
    expect(isValidCreditorReference(`RF98${body98}`)).toBe(true);
    expect(isValidCreditorReference(`RF01${body98}`)).toBe(false);
  });
});

describe("paymentTokenFromBytes", () => {
  function decode(token: string, byteLength: number): number[] {
    let bits = 0;
    let buffer = 0;
    const bytes: number[] = [];
    for (const char of token) {
      buffer = ((buffer << 5) | CROCKFORD.indexOf(char)) & 0xffff;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        bytes.push((buffer >> bits) & 0xff);
      }
    }
    return bytes.slice(0, byteLength);
  }

  it("encodes 80 bits as 16 Crockford base32 characters", () => {
    expect(paymentTokenFromBytes(new Uint8Array(10))).toBe("0000000000000000");
    expect(paymentTokenFromBytes(new Uint8Array(10).fill(0xff))).toBe("ZZZZZZZZZZZZZZZZ");
    expect(paymentTokenFromBytes(Uint8Array.from([0x08, 0x42, 0x10, 0x84, 0x21]))).toBe("11111111");
  });

  it("is lossless, unambiguous and always a valid reference body", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 5, maxLength: 13 }), (bytes) => {
        const token = paymentTokenFromBytes(bytes);
        expect(token).toHaveLength(Math.ceil((bytes.length * 8) / 5));
        expect(token).toMatch(/^[0-9A-HJKMNP-TV-Z]+$/); // no I, L, O, U
        expect(decode(token, bytes.length)).toEqual([...bytes]);
        expect(isValidCreditorReference(paymentReference(token))).toBe(true);
      }),
    );
  });

  it("refuses too little or too much randomness", () => {
    expect(() => paymentTokenFromBytes(new Uint8Array(4))).toThrow(RangeError);
    expect(() => paymentTokenFromBytes(new Uint8Array(14))).toThrow(RangeError);
  });
});

describe("dueDate", () => {
  it("adds the payment term in calendar days", () => {
    expect(dueDate("2027-01-15", 14)).toBe("2027-01-29");
    expect(dueDate("2027-12-20", 14)).toBe("2028-01-03");
    expect(dueDate("2028-02-15", 14)).toBe("2028-02-29");
    expect(dueDate("2027-02-15", 14)).toBe("2027-03-01");
    expect(dueDate("2027-01-31", 30)).toBe("2027-03-02");
    expect(dueDate("2027-06-01", 0)).toBe("2027-06-01");
  });

  it("refuses a negative, fractional or absurd term and a bad date", () => {
    expectRule(() => dueDate("2027-01-15", -1), "invalid_payment_term", "paymentTermDays");
    expectRule(() => dueDate("2027-01-15", 1.5), "invalid_payment_term");
    expectRule(() => dueDate("2027-01-15", 3651), "invalid_payment_term");
    expectRule(() => dueDate("2027-02-30", 14), "invalid_date", "issueDate");
  });
});

describe("buildInvoice", () => {
  it("numbers the lines and totals 19 % and 7 % separately", () => {
    const built = buildInvoice({
      kind: "regular",
      currency: "EUR",
      lines: [
        line({
          description: "Tarif M",
          articleId: "art_plan",
          itemId: "itm_1",
          unitAmount: 2999,
          periodStart: "2027-03-01",
          periodEnd: "2027-04-01",
        }),
        line({
          description: "Zusatzpaket",
          articleId: "art_addon",
          itemId: "itm_2",
          quantity: 2,
          unitAmount: 500,
          netAmount: 1000,
        }),
        line({ description: "E-Book", quantity: 1, unitAmount: 999, netAmount: 999, taxRate: 700 }),
      ],
    });
    expect(built).toMatchObject({
      kind: "regular",
      currency: "EUR",
      originalInvoiceId: null,
      netAmount: 4998,
      taxAmount: 830, // 759.81 → 760 and 69.93 → 70
      grossAmount: 5828,
      taxBreakdown: [
        { taxRate: 1900, netAmount: 3999, taxAmount: 760 },
        { taxRate: 700, netAmount: 999, taxAmount: 70 },
      ],
    });
    expect(built.lines.map((l) => l.position)).toEqual([1, 2, 3]);
    expect(built.lines[0]).toEqual({
      position: 1,
      description: "Tarif M",
      articleId: "art_plan",
      itemId: "itm_1",
      quantity: 1,
      unitAmount: 2999,
      periodStart: "2027-03-01",
      periodEnd: "2027-04-01",
      netAmount: 2999,
      taxRate: 1900,
    });
    expect(built.lines[2]).toMatchObject({
      articleId: null,
      itemId: null,
      periodStart: null,
      periodEnd: null,
    });
  });

  it("issues the worked interim example: credit −20.32, charge +40.65", () => {
    const built = buildInvoice({
      kind: "interim",
      currency: "EUR",
      lines: [
        line({
          description: "Tarif S (11.01.–31.01.)",
          unitAmount: 3000,
          netAmount: -2032,
          periodStart: "2027-01-11",
          periodEnd: "2027-02-01",
        }),
        line({
          description: "Tarif L (11.01.–31.01.)",
          unitAmount: 6000,
          netAmount: 4065,
          periodStart: "2027-01-11",
          periodEnd: "2027-02-01",
        }),
      ],
    });
    expect(built).toMatchObject({ netAmount: 2033, taxAmount: 386, grossAmount: 2419 });
  });

  it("issues a credit note with negative totals that references the original", () => {
    const built = buildInvoice({
      kind: "credit_note",
      currency: "EUR",
      originalInvoiceId: "inv_01HZX3K9Q7M2VD8E",
      lines: [
        line({
          description: "Tarif L (11.01.–31.01.)",
          netAmount: -4065,
          periodStart: "2027-01-11",
          periodEnd: "2027-02-01",
        }),
        line({
          description: "Tarif S (11.01.–31.01.)",
          netAmount: 2032,
          periodStart: "2027-01-11",
          periodEnd: "2027-02-01",
        }),
        line({ description: "E-Book", netAmount: -1250, taxRate: 700 }),
      ],
    });
    expect(built).toMatchObject({
      originalInvoiceId: "inv_01HZX3K9Q7M2VD8E",
      netAmount: -3283,
      taxAmount: -474, // −386.27 → −386 and −87.5 → −88
      grossAmount: -3757,
    });
  });

  it("decides by the net total, so mixed rates can leave gross with the other sign", () => {
    // +0.15 at 0 % and −0.14 at 19 %: net +0.01, VAT −0.03 (−2.66), gross −0.02. The rule is on
    // net as specified; the settlement (interim vs credit note) has to pick the kind by net too.
    const built = buildInvoice(
      invoice({
        lines: [line({ netAmount: 15, taxRate: 0 }), line({ netAmount: -14, taxRate: 1900 })],
      }),
    );
    expect(built).toMatchObject({ netAmount: 1, taxAmount: -3, grossAmount: -2 });
  });

  it("allows a zero total for every kind", () => {
    const cancelling = [line({ netAmount: 1000 }), line({ netAmount: -1000 })];
    expect(buildInvoice(invoice({ lines: cancelling })).grossAmount).toBe(0);
    expect(buildInvoice(invoice({ kind: "interim", lines: cancelling })).grossAmount).toBe(0);
    expect(
      buildInvoice(invoice({ kind: "credit_note", originalInvoiceId: "inv_1", lines: cancelling }))
        .grossAmount,
    ).toBe(0);
  });

  it("trims descriptions and accepts null for optional fields", () => {
    const built = buildInvoice(
      invoice({
        originalInvoiceId: null,
        lines: [
          line({
            description: "  Tarif M ",
            unitAmount: null,
            periodStart: null,
            periodEnd: null,
            currency: "EUR",
          }),
        ],
      }),
    );
    expect(built.lines[0]).toMatchObject({
      description: "Tarif M",
      unitAmount: null,
      periodStart: null,
    });
  });

  it("refuses the wrong sign for the kind", () => {
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ netAmount: -1 })] })),
      "invoice_negative",
      "lines",
    );
    expectRule(
      () => buildInvoice(invoice({ kind: "interim", lines: [line({ netAmount: -2033 })] })),
      "invoice_negative",
    );
    expectRule(
      () =>
        buildInvoice(
          invoice({
            kind: "credit_note",
            originalInvoiceId: "inv_1",
            lines: [line({ netAmount: 1 })],
          }),
        ),
      "credit_note_positive",
      "lines",
    );
  });

  it("ties credit notes, and only them, to an original invoice", () => {
    expectRule(
      () => buildInvoice(invoice({ kind: "credit_note", lines: [line({ netAmount: -100 })] })),
      "credit_note_without_original",
      "originalInvoiceId",
    );
    expectRule(
      () =>
        buildInvoice(
          invoice({
            kind: "credit_note",
            originalInvoiceId: "  ",
            lines: [line({ netAmount: -100 })],
          }),
        ),
      "credit_note_without_original",
    );
    expectRule(
      () => buildInvoice(invoice({ originalInvoiceId: "inv_1" })),
      "original_invoice_not_allowed",
      "originalInvoiceId",
    );
  });

  it("needs at least one line", () => {
    expectRule(() => buildInvoice(invoice({ lines: [] })), "no_lines", "lines");
  });

  it("refuses amounts that are not integer cents, naming the field", () => {
    expectRule(
      () => buildInvoice(invoice({ lines: [line(), line({ netAmount: 29.99 })] })),
      "invalid_amount",
      "lines[1].netAmount",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ unitAmount: 0.5 })] })),
      "invalid_amount",
      "lines[0].unitAmount",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ netAmount: Number.NaN })] })),
      "invalid_amount",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ netAmount: Number.MAX_SAFE_INTEGER + 1 })] })),
      "invalid_amount",
    );
  });

  it("refuses totals beyond safe integers", () => {
    const huge = line({ netAmount: Number.MAX_SAFE_INTEGER, taxRate: 0 });
    expectRule(
      () => buildInvoice(invoice({ lines: [huge, huge] })),
      "amount_out_of_range",
      "lines",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ netAmount: Number.MAX_SAFE_INTEGER })] })),
      "amount_out_of_range",
    );
  });

  it("refuses bad quantities and tax rates", () => {
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ quantity: 0 })] })),
      "invalid_quantity",
      "lines[0].quantity",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ quantity: 1.5 })] })),
      "invalid_quantity",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ taxRate: 19 / 100 })] })),
      "invalid_tax_rate",
      "lines[0].taxRate",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ taxRate: -700 })] })),
      "invalid_tax_rate",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ taxRate: 10_001 })] })),
      "invalid_tax_rate",
    );
  });

  it("keeps one currency", () => {
    expectRule(() => buildInvoice(invoice({ currency: "eur" })), "invalid_currency", "currency");
    expectRule(() => buildInvoice(invoice({ currency: "EURO" })), "invalid_currency");
    expectRule(
      () =>
        buildInvoice(invoice({ lines: [line({ currency: "EUR" }), line({ currency: "CHF" })] })),
      "currency_mismatch",
      "lines[1].currency",
    );
  });

  it("checks descriptions and periods", () => {
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ description: "   " })] })),
      "invalid_description",
      "lines[0].description",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ description: "x".repeat(1001) })] })),
      "invalid_description",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ periodStart: "2027-01-11" })] })),
      "invalid_period",
      "lines[0].periodEnd",
    );
    expectRule(
      () => buildInvoice(invoice({ lines: [line({ periodEnd: "2027-02-01" })] })),
      "invalid_period",
      "lines[0].periodStart",
    );
    expectRule(
      () =>
        buildInvoice(
          invoice({ lines: [line({ periodStart: "2027-02-01", periodEnd: "2027-02-01" })] }),
        ),
      "invalid_period",
    );
    expectRule(
      () =>
        buildInvoice(
          invoice({ lines: [line({ periodStart: "2027-02-01", periodEnd: "2027-01-11" })] }),
        ),
      "invalid_period",
    );
    expectRule(
      () =>
        buildInvoice(
          invoice({ lines: [line({ periodStart: "2027-02-29", periodEnd: "2027-03-01" })] }),
        ),
      "invalid_date",
      "lines[0].periodStart",
    );
  });

  it("refuses an unknown kind", () => {
    expectRule(
      () => buildInvoice(invoice({ kind: "proforma" as InvoiceKind })),
      "invalid_kind",
      "kind",
    );
  });

  it("raises a typed error with a stable code", () => {
    const error = ruleError(() => buildInvoice(invoice({ lines: [] })));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("InvoiceRuleError");
    expect(error.message).toMatch(/at least one line/);
  });

  it("totals any valid line set consistently and enforces the sign of its kind", () => {
    const lineArbitrary = fc.record({
      netAmount: fc.integer({ min: -10_000_000, max: 10_000_000 }),
      taxRate: fc.constantFrom(0, 700, 1900),
      quantity: fc.integer({ min: 1, max: 10 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom<InvoiceKind>("regular", "interim", "credit_note"),
        fc.array(lineArbitrary, { minLength: 1, maxLength: 15 }),
        (kind, raw) => {
          const input: InvoiceInput = {
            kind,
            currency: "EUR",
            lines: raw.map((l, i) => ({ ...l, description: `Line ${i + 1}` })),
            originalInvoiceId: kind === "credit_note" ? "inv_orig" : null,
          };
          const net = raw.reduce((sum, l) => sum + l.netAmount, 0);
          const allowed = kind === "credit_note" ? net <= 0 : net >= 0;
          if (!allowed) {
            expectRule(
              () => buildInvoice(input),
              kind === "credit_note" ? "credit_note_positive" : "invoice_negative",
            );
            return;
          }
          const built = buildInvoice(input);
          expect(built.netAmount).toBe(net);
          expect(built.grossAmount).toBe(built.netAmount + built.taxAmount);
          expect(built.lines.map((l) => l.position)).toEqual(raw.map((_, i) => i + 1));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
