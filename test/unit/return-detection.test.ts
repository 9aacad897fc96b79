// Pins return detection against every signal in reference/finapi-samples (MT940 Rücklastschrift
// examples, camt bank transaction codes, finAPI fields), the DK `?34` mapping and reason classes
// of return-codes.md, the debits that must not count as returns, and the link order.
import { describe, expect, it } from "vitest";
import {
  buildReturnLookups,
  classifyTransaction,
  DK_RETURN_CODES,
  detectReturn,
  linkReturn,
  parseTextAmount,
} from "../../worker/domain/return-detection.ts";
import type {
  BankTransactionForReturn,
  CollectedPayment,
} from "../../worker/domain/return-detection.ts";

// :86: fields verbatim from mt940-ruecklastschrift-examples.txt (A1–A3 jejik-mt940, C Sparkasse)
const A1 =
  "109?00SEPA-DD SOLL RUECKBEL. CORE?1097186?20EREF+A17102018.10\n00253.?211000104.108709?22MREF+crmitest-1000253-1000104-1?23CRED+DE74ZZZ0\n0001117144?24KREF+SEPA-20181017122054-?2527079600-P1?30COBADEFFXXX\n?31DE34200400612345533292?32Collab 45\n?34912    ";
const A2 =
  "109?00Retouren\n?10531\n?20EREF+A24052019.1234.4321.53124\n?22MREF+TEST-1234-1234-1\n?23OAMT+1,30\n?24COAM+4,00\n?25SVWZ+Retoure SEPA Lastschrift vom 29.05.2019, Rueckgabegrund: MD06 Lastschriftwiderspruch durch den Zahlungspflichtigen SVWZ: RETURN/REFUND, E-Mobility Abrechnung Nr.X zu Vertrag 1234\n?30ABCDEFXXX\n?31DE12345678901234567890\n?32Stadtwerke \n?34912";
const A3 =
  "109?00Retouren\n?10531\n?20EREF+A11111111.2222.3333.44\n?21444\n?22MREF+TEST-1111-2222-1\n?23OAMT+1,50\n?24COAM+4,00\n?25SVWZ+Retoure SEPA Lastschri\n?26ft vom 01.01.1970, Rueckgab\n?27egrund: MD06 Lastschriftwid\n?28erspruch durch den Zahlungs\n?29pflichtigen SVWZ: RETURN/RE\n?60FUND, E-Mobility Abrechnung\n?61 Nr. X zu Vertrag Y, Kun\n?30ABCDEF5FXXX\n?31DE48513500250200510002\n?32Stadtwerke \n?34912";
/** Generator template B with its blanks filled (note the `0AMT+` typo and the missing `?` before 34). */
const B =
  "109?00LS RUECKBELASTUNG?109250?20EREF+RF127K3M9QX2ABCD0001?22MREF+?23CRED+DE98ZZZ09999999999?24COAM+     3,00?250AMT+     49,90?26SVWZ+ RUECKLASTSCHRIFT?27MANGELS DECKUNG?28ZINSAUSGLEICH-FREMDENTGELT?29     3,00 EURO?30BYLADEM1001?31DE02120300000000202051?32Max Mustermann34906?60EIGENENTGELT 00000,00 EURO";
const C = "109?00SEPA-LASTSCHR. RETOURE CORE";

function debit(
  amount: number,
  fields: Partial<BankTransactionForReturn> = {},
): BankTransactionForReturn {
  return { amount, currency: "EUR", ...fields };
}

describe("the MT940 samples", () => {
  it("A1: GVC 109 + NRTI, reason from ?34 912, identifiers from the SEPA tags", () => {
    const info = detectReturn(
      debit(-9_900, { purpose: A1, typeCodeZka: "109", typeCodeSwift: "NRTI" }),
    );
    expect(info).toMatchObject({
      isReturn: true,
      kind: "return",
      reasonCode: "MD06",
      dkReasonCode: "912",
      reasonClass: "disputed",
      debitedAmount: 9_900,
      fee: null,
      originalAmount: null,
      endToEndReference: "A17102018.1000253.1000104.108709",
      mandateReference: "crmitest-1000253-1000104-1",
      creditorId: "DE74ZZZ00001117144",
    });
    expect(info.signals).toEqual(
      expect.arrayContaining(["gvc_return", "swift_rti", "dk_reason_code", "purpose_text"]),
    );
  });

  it("A1 without finAPI fields: the GVC in front of ?00 is enough", () => {
    expect(detectReturn(debit(-9_900, { purpose: A1 }))).toMatchObject({
      isReturn: true,
      signals: expect.arrayContaining(["gvc_return"]),
    });
  });

  it("A2: OAMT+/COAM+ give original 1,30 and fee 4,00; the reason text says MD06", () => {
    const info = detectReturn(debit(-530, { purpose: A2 }));
    expect(info).toMatchObject({
      isReturn: true,
      reasonCode: "MD06",
      reasonClass: "disputed",
      fee: 400,
      originalAmount: 130,
    });
    expect(info.endToEndReference).toBe("A24052019.1234.4321.53124");
  });

  it("A3: the reference and the reason text survive the split into 27-character subfields", () => {
    const info = detectReturn(debit(-550, { purpose: A3 }));
    expect(info).toMatchObject({
      isReturn: true,
      reasonCode: "MD06",
      fee: 400,
      originalAmount: 150,
      endToEndReference: "A11111111.2222.3333.44444",
      mandateReference: "TEST-1111-2222-1",
    });
  });

  it("B: generator output with padded amounts and the 0AMT+ typo", () => {
    const info = detectReturn(debit(-5_290, { purpose: B }));
    expect(info).toMatchObject({
      isReturn: true,
      fee: 300,
      originalAmount: 4_990,
      creditorId: "DE98ZZZ09999999999",
    });
    expect(info.referencedPaymentReferences).toEqual(["RF127K3M9QX2ABCD0001"]);
  });

  it("C: Sparkasse booking text with NMSC instead of NRTI", () => {
    expect(detectReturn(debit(-12_811, { purpose: C, typeCodeSwift: "NMSC" }))).toMatchObject({
      isReturn: true,
      kind: "return",
    });
  });

  it("the /OCMT/…//CHGS/… amounts of the :61: variant", () => {
    const info = detectReturn(
      debit(-5_290, { purpose: "NRTINONREF/OCMT/EUR49,90//CHGS/EUR3,00/" }),
    );
    expect(info).toMatchObject({ isReturn: true, fee: 300, originalAmount: 4_990 });
  });
});

describe("the finAPI fields", () => {
  it("the fake finAPI's return: GVC 109, NRTI, PMNT-IDDT-UPDD, amounts, Rueckgabegrund AM04", () => {
    const info = detectReturn(
      debit(-5_290, {
        typeCodeZka: "109",
        typeCodeSwift: "NRTI",
        bankTransactionCode: "PMNT-IDDT-UPDD",
        originalAmount: -4_990,
        compensationAmount: -300,
        endToEndReference: "RF127K3M9QX2ABCD0001",
        counterpartMandateReference: "M-000042",
        purpose:
          "EREF+RF127K3M9QX2ABCD0001 MREF+M-000042 SVWZ+Retoure SEPA Lastschrift RE-2027-000001 Rueckgabegrund: AM04",
      }),
    );
    expect(info).toMatchObject({
      isReturn: true,
      reasonCode: "AM04",
      reasonClass: "retryable",
      fee: 300,
      originalAmount: 4_990,
      endToEndReference: "RF127K3M9QX2ABCD0001",
      mandateReference: "M-000042",
      referencedInvoiceNumbers: ["RE-2027-000001"],
    });
  });

  it.each<[string, Partial<BankTransactionForReturn>]>([
    ["GVC 108 (B2B)", { typeCodeZka: "108" }],
    ["GVC 109 (Core)", { typeCodeZka: "109" }],
    ["SWIFT code ending RTI", { typeCodeSwift: "NRTI" }],
    ["bank transaction code PMNT-IDDT-UPDD", { bankTransactionCode: "PMNT-IDDT-UPDD" }],
    ["compensationAmount", { compensationAmount: -300 }],
    ["originalAmount in the account currency", { originalAmount: -4_990, originalCurrency: "EUR" }],
    ["purpose RUECKLASTSCHRIFT", { purpose: "RUECKLASTSCHRIFT RE-2027-000001" }],
    ["purpose Rücklastschrift", { purpose: "Rücklastschrift vom 02.06.2027" }],
    ["purpose RUECKBELASTUNG", { purpose: "LS RUECKBELASTUNG" }],
    ["purpose Retoure with direct-debit words", { purpose: "Retoure SEPA Lastschrift" }],
    [
      "purpose Rückgabe with direct-debit words",
      { purpose: "Rückgabe Lastschrift mangels Deckung" },
    ],
    ["purpose RETURN/REFUND", { purpose: "SVWZ: RETURN/REFUND" }],
  ])("a debit with only %s is a return", (_, fields) => {
    expect(detectReturn(debit(-5_290, fields)).isReturn).toBe(true);
  });

  it.each<[string, Partial<BankTransactionForReturn>]>([
    ["GVC 193", { typeCodeZka: "193" }],
    ["PMNT-IDDT-PRDD", { bankTransactionCode: "PMNT-IDDT-PRDD" }],
  ])("%s is a reversal, which undoes the payment as well", (_, fields) => {
    expect(detectReturn(debit(-4_990, fields))).toMatchObject({ isReturn: true, kind: "reversal" });
  });

  it("the fee is |amount| − original when no compensation amount is given", () => {
    expect(
      detectReturn(debit(-5_290, { typeCodeZka: "109", originalAmount: -4_990 })),
    ).toMatchObject({ fee: 300, originalAmount: 4_990 });
  });

  it("the original is |amount| − compensation when only the fee is given", () => {
    expect(
      detectReturn(debit(-5_290, { typeCodeZka: "109", compensationAmount: -300 })),
    ).toMatchObject({ fee: 300, originalAmount: 4_990 });
  });

  it("an end-to-end id of NOTPROVIDED is no identifier", () => {
    expect(
      detectReturn(
        debit(-4_990, {
          typeCodeZka: "109",
          endToEndReference: "NOTPROVIDED",
          purpose: "EREF+E2E-7",
        }),
      ).endToEndReference,
    ).toBe("E2E-7");
  });
});

describe("reason codes", () => {
  it.each([
    ["901", "AC01", "dead"],
    ["902", "AC04", "dead"],
    ["903", "AC06", "dead_until_clarified"],
    ["904", "AG01", "dead"],
    ["905", "AG02", "technical"],
    ["906", "AM04", "retryable"],
    ["907", "AM05", "no_retry"],
    ["908", "RR03", "fixable"],
    ["909", "MD01", "dead"],
    ["910", "MD02", "fixable"],
    ["911", "BE05", "technical"],
    ["912", "MD06", "disputed"],
    ["913", "MD07", "dead"],
    ["914", "MS03", "retry_once"],
    ["915", "RC01", "technical"],
    ["917", "RR04", "manual"],
    ["930", "AC13", "wrong_scheme"],
    ["931", "FF05", "technical"],
  ])("?34 %s → %s (%s)", (dk, iso, reasonClass) => {
    const info = detectReturn(
      debit(-4_990, { purpose: `109?00RUECKLASTSCHRIFT?20EREF+X1?34${dk}` }),
    );
    expect(info).toMatchObject({ dkReasonCode: dk, reasonCode: iso, reasonClass });
  });

  it("?34 916 (cut-off) has no ISO code but is a resubmission", () => {
    expect(detectReturn(debit(-4_990, { purpose: "109?00RUECKLASTSCHRIFT?34916" }))).toMatchObject({
      reasonCode: null,
      dkReasonCode: "916",
      reasonClass: "technical",
    });
  });

  it("maps every DK code the generator offers", () => {
    expect(Object.keys(DK_RETURN_CODES).sort()).toEqual([
      "901",
      "902",
      "903",
      "904",
      "905",
      "906",
      "907",
      "908",
      "909",
      "910",
      "911",
      "912",
      "913",
      "914",
      "915",
      "916",
      "917",
      "930",
      "931",
    ]);
  });

  it("prefers the structured reason over the text, and the text over ?34", () => {
    const purpose = "109?00Retouren?20SVWZ+Rueckgabegrund: AM04?34912";
    expect(detectReturn(debit(-4_990, { purpose })).reasonCode).toBe("AM04");
    expect(detectReturn(debit(-4_990, { purpose, returnReasonCode: "MS02" }))).toMatchObject({
      reasonCode: "MS02",
      reasonClass: "disputed",
    });
  });

  it("finds a known ISO code in the text without a label", () => {
    expect(
      detectReturn(
        debit(-4_990, { typeCodeZka: "109", purpose: "SVWZ+RETOURE AC04 KONTO ERLOSCHEN" }),
      ),
    ).toMatchObject({ reasonCode: "AC04", reasonClass: "dead" });
  });

  it("does not read a reason out of the mandate reference", () => {
    expect(
      detectReturn(debit(-4_990, { purpose: "109?00RUECKLASTSCHRIFT?20MREF+AM04-7?34909" })),
    ).toMatchObject({ reasonCode: "MD01", reasonClass: "dead" });
  });

  it.each([
    ["AC04", "dead"],
    ["AM04", "retryable"],
    ["MS02", "disputed"],
  ])("class of %s is %s", (code, reasonClass) => {
    expect(
      detectReturn(debit(-4_990, { typeCodeZka: "109", returnReasonCode: code })).reasonClass,
    ).toBe(reasonClass);
  });
});

describe("debits that are not returns", () => {
  it("a card fee", () => {
    const info = detectReturn(
      debit(-150, {
        typeCodeZka: "808",
        bankTransactionCode: "ACMT-MDOP-CHRG",
        purpose: "Entgelt Kartenzahlung Ausland",
      }),
    );
    expect(info).toMatchObject({ isReturn: false, kind: null, reasonCode: null, fee: null });
  });

  it("the bank's separate fee for a return, though its text says Rücklastschrift", () => {
    expect(
      detectReturn(debit(-300, { typeCodeZka: "808", purpose: "Gebuehr Ruecklastschrift" })),
    ).toMatchObject({ isReturn: false, vetoedBy: "GVC 808" });
  });

  it("a card payment abroad, whose originalAmount is in another currency", () => {
    expect(
      detectReturn(
        debit(-9_212, {
          originalAmount: -10_000,
          originalCurrency: "USD",
          purpose: "VISA AMAZON.COM",
        }),
      ).isReturn,
    ).toBe(false);
  });

  it("a direct debit drawn from the merchant's account (camt S1: RDDT-ESDD, GVC 105)", () => {
    const info = detectReturn(
      debit(-4_798, {
        typeCodeZka: "105",
        bankTransactionCode: "PMNT-RDDT-ESDD",
        purpose: "12/2025 K-NR. 934834184 Ihre Rechnung",
      }),
    );
    expect(info).toMatchObject({ isReturn: false, vetoedBy: "GVC 105" });
  });

  it("a refund the merchant sends for returned goods", () => {
    expect(
      detectReturn(debit(-2_999, { purpose: "Erstattung Retoure Bestellung 4711" })).isReturn,
    ).toBe(false);
    expect(
      detectReturn(
        debit(-2_999, {
          typeCodeZka: "116",
          purpose: "Erstattung Rückgabe, Lastschrift 4711 storniert",
        }),
      ).isReturn,
    ).toBe(false);
  });

  it("a returned transfer (RRTN) even with NRTI", () => {
    expect(
      detectReturn(debit(-2_999, { bankTransactionCode: "PMNT-RCDT-RRTN", typeCodeSwift: "NRTI" }))
        .isReturn,
    ).toBe(false);
  });

  it("finAPI's spec example (GVC 999, PMNT-RCDT-SALA) despite its compensation and original amounts", () => {
    expect(
      detectReturn(
        debit(-999, {
          typeCodeZka: "999",
          bankTransactionCode: "PMNT-RCDT-SALA",
          compensationAmount: -111,
          originalAmount: -999,
          purpose: "Restaurantbesuch",
        }),
      ).isReturn,
    ).toBe(false);
  });

  it("a credit, whatever it says", () => {
    expect(
      detectReturn(debit(4_990, { typeCodeZka: "109", purpose: "RUECKLASTSCHRIFT" })),
    ).toMatchObject({ isReturn: false, vetoedBy: "not a debit" });
  });
});

describe("classifyTransaction", () => {
  it("keeps our bounced refund (GVC 159) away from both the matcher and the return booking", () => {
    const bounced = debit(2_999, {
      typeCodeZka: "159",
      purpose: "SEPA-UEBERWEISUNG RETOURE AC04 Erstattung",
    });
    expect(classifyTransaction(bounced)).toBe("returned_transfer");
    expect(detectReturn(bounced).isReturn).toBe(false);
    expect(classifyTransaction(debit(2_999, { bankTransactionCode: "PMNT-ICDT-RRTN" }))).toBe(
      "returned_transfer",
    );
  });

  it("sorts the other kinds", () => {
    expect(
      classifyTransaction(debit(4_990, { typeCodeZka: "166", purpose: "RE-2027-000001" })),
    ).toBe("incoming_payment");
    expect(classifyTransaction(debit(-5_290, { purpose: A2 }))).toBe("direct_debit_return");
    expect(classifyTransaction(debit(-4_798, { typeCodeZka: "105" }))).toBe("other_debit");
    expect(classifyTransaction(debit(0))).toBe("zero_amount");
  });
});

describe("parseTextAmount", () => {
  it.each([
    ["1,30", 130],
    ["     4,00", 400],
    ["1.234,56", 123_456],
    ["4.00", 400],
    ["49,9", 4_990],
    ["12", 1_200],
    ["00000,00", 0],
  ])("%s → %i cents", (text, cents) => {
    expect(parseTextAmount(text)).toBe(cents);
  });

  it("refuses what is not an amount", () => {
    expect(parseTextAmount("abc")).toBeNull();
    expect(parseTextAmount("1,234")).toBeNull();
  });
});

describe("linkReturn", () => {
  const collected: CollectedPayment[] = [
    {
      invoiceId: "inv_1",
      invoiceNumber: "RE-2027-000001",
      endToEndReference: "RF127K3M9QX2ABCD0001",
      mandateReference: "M-000042",
      amount: 4_990,
    },
    {
      invoiceId: "inv_2",
      invoiceNumber: "RE-2027-000002",
      endToEndReference: "RF827K3M9QX2ABCD0002",
      mandateReference: "M-000043",
      amount: 2_990,
    },
    {
      invoiceId: "inv_3",
      invoiceNumber: "RE-2027-000003",
      endToEndReference: "RF557K3M9QX2ABCD0003",
      mandateReference: "M-000044",
      amount: 1_500,
    },
    {
      invoiceId: "inv_4",
      invoiceNumber: "RE-2027-000004",
      endToEndReference: "RF287K3M9QX2ABCD0004",
      mandateReference: "M-000044",
      amount: 1_500,
    },
  ];
  const lookups = buildReturnLookups(collected);

  it("links by end-to-end reference first, even when the mandate points elsewhere", () => {
    const info = detectReturn(
      debit(-2_990, {
        typeCodeZka: "109",
        endToEndReference: "rf82 7k3m 9qx2 abcd 0002",
        counterpartMandateReference: "M-000042",
      }),
    );
    expect(linkReturn(info, lookups)).toEqual({ invoiceId: "inv_2", via: "end_to_end" });
  });

  it("then by mandate reference and original amount (debit minus fee)", () => {
    const info = detectReturn(
      debit(-5_290, {
        typeCodeZka: "109",
        counterpartMandateReference: "M-000042",
        compensationAmount: -300,
      }),
    );
    expect(linkReturn(info, lookups)).toEqual({ invoiceId: "inv_1", via: "mandate_amount" });
  });

  it("then by the invoice number in the remittance, when the mandate collected that amount twice", () => {
    const info = detectReturn(
      debit(-1_500, {
        typeCodeZka: "109",
        counterpartMandateReference: "M-000044",
        purpose: "SVWZ+RUECKLASTSCHRIFT RE-2027-000004",
      }),
    );
    expect(linkReturn(info, lookups)).toEqual({ invoiceId: "inv_4", via: "invoice_number" });
  });

  it("links nothing rather than guess between two collections", () => {
    const info = detectReturn(
      debit(-1_500, { typeCodeZka: "109", counterpartMandateReference: "M-000044" }),
    );
    expect(linkReturn(info, lookups)).toBeNull();
  });

  it("a return batch with two returned collections links each to its own invoice", () => {
    const batch = [
      debit(-5_290, {
        typeCodeZka: "109",
        endToEndReference: "RF127K3M9QX2ABCD0001",
        compensationAmount: -300,
        purpose: "Rueckgabegrund: AM04",
      }),
      debit(-3_290, {
        typeCodeZka: "109",
        endToEndReference: "RF827K3M9QX2ABCD0002",
        compensationAmount: -300,
        purpose: "Rueckgabegrund: AC04",
      }),
    ];
    const links = batch.map((transaction) => {
      const info = detectReturn(transaction);
      return { link: linkReturn(info, lookups), reasonClass: info.reasonClass, fee: info.fee };
    });
    expect(links).toEqual([
      { link: { invoiceId: "inv_1", via: "end_to_end" }, reasonClass: "retryable", fee: 300 },
      { link: { invoiceId: "inv_2", via: "end_to_end" }, reasonClass: "dead", fee: 300 },
    ]);
  });

  it("links the MT940 B sample through the payment reference in its EREF", () => {
    expect(linkReturn(detectReturn(debit(-5_290, { purpose: B })), lookups)).toEqual({
      invoiceId: "inv_1",
      via: "end_to_end",
    });
  });
});
