// Pins the mapping from stored invoices, mandates and creditor settings to a pain.008 file — the
// same functions the collection-run flow uses — and validates the result against the official
// XSD with xmllint (the workers tests run inside workerd and cannot spawn it).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildPain008 } from "../../worker/domain/pain008.ts";
import {
  checkRunCollectionDate,
  collectionRunItems,
  collectionRunPain008Input,
  MAX_RUN_TRANSACTIONS,
  planCollections,
  type RunCreditor,
  type RunInvoice,
  type RunMandate,
} from "../../worker/domain/sepa-collection-run.ts";

const XSD = fileURLToPath(new URL("../fixtures/xsd/pain.008.001.08.xsd", import.meta.url));

function expectValid(xml: string): void {
  const run = spawnSync("xmllint", ["--noout", "--nonet", "--schema", XSD, "-"], {
    input: xml,
    encoding: "utf8",
  });
  if (run.error)
    throw new Error(
      `xmllint is needed for the XSD tests (apt-get install -y libxml2-utils): ${run.error.message}`,
    );
  expect(`${run.stdout}${run.stderr}`).toContain("validates");
  expect(run.status).toBe(0);
}

function texts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`, "g"))].map(
    (match) => match[1] ?? "",
  );
}

const creditor: RunCreditor = {
  name: "Stadtwerke Müller & Söhne GmbH",
  iban: "DE02120300000000202051",
  bic: null,
  creditorId: "DE98ZZZ09999999999",
  leadDays: { FRST: 2, RCUR: 2 },
};

function invoice(n: number, overrides: Partial<RunInvoice> = {}): RunInvoice {
  return {
    id: `inv_${String(n).padStart(24, "0")}`,
    number: `RE-2027-${String(n).padStart(6, "0")}`,
    customerId: "cus_a",
    currency: "EUR",
    grossAmount: 3570,
    amountPaid: 0,
    dueDate: "2027-01-15",
    paymentReference: `RF18TARIF${String(n).padStart(8, "0")}`,
    ...overrides,
  };
}

function mandate(overrides: Partial<RunMandate> = {}): RunMandate {
  return {
    id: "mdt_a",
    version: 3,
    customerId: "cus_a",
    reference: "MANDAT-0001",
    signatureDate: "2026-12-01",
    iban: "DE89370400440532013000",
    bic: null,
    debtorName: "Jürgen Weiß",
    nextSequenceType: "FRST",
    lastCollectionDate: null,
    pendingAmendment: null,
    ...overrides,
  };
}

const header = {
  messageId: "col-0000000001abcd0123456789",
  creationDateTime: "2027-01-13T09:30:00Z",
  collectionDate: "2027-01-18",
};

describe("planCollections", () => {
  it("collects the outstanding amount with the mandate's sequence type and skips what SEPA cannot collect", () => {
    const mandates = new Map([
      ["cus_a", mandate()],
      [
        "cus_b",
        mandate({
          id: "mdt_b",
          customerId: "cus_b",
          reference: "M-B",
          nextSequenceType: "RCUR",
          lastCollectionDate: "2026-12-15",
        }),
      ],
      [
        "cus_old",
        mandate({
          id: "mdt_old",
          customerId: "cus_old",
          reference: "M-OLD",
          signatureDate: "2023-01-01",
          lastCollectionDate: "2024-01-17",
        }),
      ],
      [
        "cus_jp",
        mandate({ id: "mdt_jp", customerId: "cus_jp", reference: "M-JP", debtorName: "株式会社" }),
      ],
    ]);
    const plan = planCollections(
      [
        invoice(1),
        invoice(2, { customerId: "cus_b", grossAmount: 5000, amountPaid: 1200 }),
        invoice(3, { customerId: "cus_b", currency: "CHF" }),
        invoice(4, { customerId: "cus_old" }),
        invoice(5, { customerId: "cus_jp" }),
        invoice(6, { customerId: "cus_nobody" }),
        invoice(7, { grossAmount: 1000, amountPaid: 1000 }),
      ],
      mandates,
      "2027-01-18",
    );
    expect(plan.collections.map((c) => [c.invoice.id.slice(-1), c.amount, c.sequenceType])).toEqual(
      [
        ["1", 3570, "FRST"],
        ["2", 3800, "RCUR"],
      ],
    );
    expect(plan.skipped.map((s) => [s.invoiceId.slice(-1), s.reason])).toEqual([
      ["3", "currency_not_supported"],
      ["4", "mandate_expired"],
      ["5", "debtor_name_unusable"],
    ]);
    expect(plan.hasMore).toBe(false);
  });

  it("caps a run at MAX_RUN_TRANSACTIONS and says there is more", () => {
    const invoices = Array.from({ length: MAX_RUN_TRANSACTIONS + 2 }, (_, i) => invoice(i + 1));
    const plan = planCollections(invoices, new Map([["cus_a", mandate()]]), "2027-01-18");
    expect(plan.collections).toHaveLength(MAX_RUN_TRANSACTIONS);
    expect(plan.hasMore).toBe(true);
  });
});

describe("checkRunCollectionDate", () => {
  const leads = { leadDays: { FRST: 5, RCUR: 2 } };
  it("rejects weekends, TARGET2 holidays, dates too early or too far ahead", () => {
    // Wednesday 13 Jan 2027; Easter 2027 is 28 March.
    expect(checkRunCollectionDate("2027-01-13", "2027-01-16", leads)).toMatchObject({
      ok: false,
      reason: "not_target2_business_day",
    });
    expect(checkRunCollectionDate("2027-03-22", "2027-03-26", leads)).toMatchObject({
      ok: false,
      reason: "not_target2_business_day",
    });
    expect(checkRunCollectionDate("2027-01-13", "2027-01-14", leads)).toMatchObject({
      ok: false,
      reason: "too_early",
      earliest: "2027-01-15",
    });
    expect(checkRunCollectionDate("2027-01-13", "2027-01-29", leads)).toMatchObject({
      ok: false,
      reason: "too_far_ahead",
    });
    expect(checkRunCollectionDate("2027-01-13", "2027-01-15", leads)).toEqual({
      ok: true,
      collectionDate: "2027-01-15",
    });
  });

  it("applies the strictest lead of the sequence types in the run", () => {
    expect(checkRunCollectionDate("2027-01-13", "2027-01-15", leads, ["RCUR"]).ok).toBe(true);
    expect(
      checkRunCollectionDate("2027-01-13", "2027-01-15", leads, ["RCUR", "FRST"]),
    ).toMatchObject({ ok: false, reason: "too_early", earliest: "2027-01-20" });
    expect(checkRunCollectionDate("2027-01-13", "2027-01-20", leads, ["RCUR", "FRST"]).ok).toBe(
      true,
    );
  });
});

describe("collection run file", () => {
  const mandates = new Map([
    ["cus_a", mandate()],
    // Collected before, then moved to an account at another bank: FRST again with SMNDA.
    [
      "cus_b",
      mandate({
        id: "mdt_b",
        customerId: "cus_b",
        reference: "M-B-NEU",
        debtorName: "Zoë O'Brien-Łukasiewicz",
        iban: "DE02500105170137075030",
        nextSequenceType: "FRST",
        lastCollectionDate: "2026-12-15",
        pendingAmendment: {
          originalReference: "M-B",
          originalIban: "DE89370400440532013000",
          debtorBankChanged: true,
        },
      }),
    ],
    // Same bank, new account: stays RCUR and names the original IBAN.
    [
      "cus_c",
      mandate({
        id: "mdt_c",
        customerId: "cus_c",
        reference: "M-C",
        debtorName: "Anna Schmidt",
        iban: "DE12500105170648489890",
        bic: "INGDDEFFXXX",
        nextSequenceType: "RCUR",
        lastCollectionDate: "2026-12-15",
        pendingAmendment: {
          originalReference: "M-C",
          originalIban: "DE02500105170137075030",
          debtorBankChanged: false,
        },
      }),
    ],
    [
      "cus_d",
      mandate({
        id: "mdt_d",
        customerId: "cus_d",
        reference: "M-D",
        debtorName: "Österreich Kunde",
        iban: "AT611904300234573201",
        nextSequenceType: "RCUR",
        lastCollectionDate: "2026-12-15",
      }),
    ],
  ]);
  const invoices = [
    invoice(1, { grossAmount: 1 }),
    invoice(2, { grossAmount: 99_999 }),
    invoice(3, { customerId: "cus_b", grossAmount: 2999 }),
    invoice(4, { customerId: "cus_c", grossAmount: 10_010, amountPaid: 10 }),
    invoice(5, { customerId: "cus_d", grossAmount: 5950 }),
  ];
  const plan = planCollections(invoices, mandates, header.collectionDate);
  const document = buildPain008(collectionRunPain008Input(header, creditor, plan.collections));

  it("validates against the pain.008.001.08 XSD", () => {
    expectValid(document.xml);
  });

  it("has one transaction per invoice: end-to-end id = payment reference, remittance = invoice number, exact amounts and sums", () => {
    expect(texts(document.xml, "EndToEndId").sort()).toEqual(
      invoices.map((i) => i.paymentReference).sort(),
    );
    expect(texts(document.xml, "Ustrd").sort()).toEqual(invoices.map((i) => i.number).sort());
    expect(texts(document.xml, "InstdAmt").sort()).toEqual(
      ["0.01", "100.00", "29.99", "59.50", "999.99"].sort(),
    );
    expect(document.controlSum).toBe(1 + 99_999 + 2999 + 10_000 + 5950);
    expect(texts(document.xml, "CtrlSum")[0]).toBe("1189.49");
    expect(texts(document.xml, "MsgId")).toEqual([header.messageId]);
    expect(texts(document.xml, "ReqdColltnDt")).toEqual(["2027-01-18", "2027-01-18"]);
  });

  it("groups FRST and RCUR into separate PmtInfs and maps each item to its PmtInf", () => {
    expect(
      document.paymentInfos.map((p) => [p.sequenceType, p.numberOfTransactions, p.controlSum]),
    ).toEqual([
      ["FRST", 3, 1 + 99_999 + 2999],
      ["RCUR", 2, 10_000 + 5950],
    ]);
    const items = collectionRunItems(document, plan.collections);
    const frst = document.paymentInfos[0]!.paymentInfoId;
    const rcur = document.paymentInfos[1]!.paymentInfoId;
    expect(
      items.map((item) => [
        item.invoiceNumber,
        item.sequenceType,
        item.paymentInfoId,
        item.mandateVersion,
      ]),
    ).toEqual([
      ["RE-2027-000001", "FRST", frst, 3],
      ["RE-2027-000002", "FRST", frst, 3],
      ["RE-2027-000003", "FRST", frst, 3],
      ["RE-2027-000004", "RCUR", rcur, 3],
      ["RE-2027-000005", "RCUR", rcur, 3],
    ]);
    expect(items.map((item) => item.amendment !== null)).toEqual([false, false, true, true, false]);
  });

  it("reports amendments: a new reference and a move to another bank (SMNDA), a new account at the same bank (original IBAN)", () => {
    expect(texts(document.xml, "AmdmntInd")).toEqual(["true", "true"]);
    expect(texts(document.xml, "OrgnlMndtId")).toEqual(["M-B"]);
    expect(document.xml).toContain("<Id>SMNDA</Id>");
    expect(texts(document.xml, "IBAN")).toContain("DE02500105170137075030");
    expect(document.xml.match(/<OrgnlDbtrAcct>[\s\S]*?<\/OrgnlDbtrAcct>/g)?.join("")).toContain(
      "DE02500105170137075030",
    );
  });

  it("transliterates names into the SEPA character set", () => {
    expect(texts(document.xml, "Nm")).toEqual(
      expect.arrayContaining([
        "Stadtwerke Mueller + Soehne GmbH",
        "Juergen Weiss",
        "Zoe O&apos;Brien-Lukasiewicz",
        "Oesterreich Kunde",
      ]),
    );
    expect(document.xml).not.toMatch(/[^\x20-\x7e\n]/);
  });
});

describe("presenting a returned debit again", () => {
  const returned = (count: number, reasonCode: string) =>
    invoice(7, { returnedCollections: count, lastReturn: { reasonCode } });
  const mandates = new Map([["cus_a", mandate({ nextSequenceType: "RCUR" })]]);

  it("collects an AM04 or MS03 return once more, RCUR, under a new end-to-end id", () => {
    for (const code of ["AM04", "MS03"]) {
      const plan = planCollections([returned(1, code)], mandates, "2027-01-25");
      expect(plan.skipped).toEqual([]);
      expect(plan.collections[0]).toMatchObject({
        sequenceType: "RCUR",
        endToEndId: "RF18TARIF00000007-R1",
      });
      const document = buildPain008(collectionRunPain008Input(header, creditor, plan.collections));
      expect(texts(document.xml, "EndToEndId")).toEqual(["RF18TARIF00000007-R1"]);
      expect(collectionRunItems(document, plan.collections)[0]!.endToEndId).toBe(
        "RF18TARIF00000007-R1",
      );
    }
  });

  it("never a second time, never for other reasons, never when the merchant says no", () => {
    const cases = [
      planCollections([returned(2, "AM04")], mandates, "2027-02-05"),
      planCollections([returned(1, "AM05")], mandates, "2027-01-25"),
      planCollections([returned(1, "AM04")], mandates, "2027-01-25", {
        representDebits: false,
      }),
    ];
    for (const plan of cases) {
      expect(plan.collections).toEqual([]);
      expect(plan.skipped.map((s) => s.reason)).toEqual(["not_represented"]);
    }
  });
});
