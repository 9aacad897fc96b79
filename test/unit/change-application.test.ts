// What an applied or scheduled change does to the records: its settlement document, the billed
// period start, and which pending changes it supersedes (rules that used to live in the store).
import { describe, expect, it } from "vitest";
import {
  billedPeriodStart,
  movesCurrentPeriod,
  settlementDocument,
  supersededChanges,
} from "../../worker/domain/change-application.ts";
import type { ChangeComputation } from "../../worker/domain/contract-change.ts";
import { draftInvoice, regularBillingKey } from "../../worker/domain/invoice-draft.ts";
import { parties } from "../support/invoice-documents.ts";

const line = {
  description: "Pro, 2027-03-15 – 2027-04-01",
  name: "Pro",
  itemId: "itm_1",
  articleId: "art_pro",
  quantity: 1,
  periodStart: "2027-03-15",
  periodEnd: "2027-04-01",
  netAmount: 1100,
  taxRate: 1900,
};

function computation(overrides: Partial<ChangeComputation>): ChangeComputation {
  return {
    kind: "upgrade",
    computedOn: "2027-03-15",
    requestedDate: "2027-03-15",
    effectiveDate: "2027-03-15",
    lines: [line],
    netAmount: 1100,
    taxAmount: 209,
    grossAmount: 1309,
    taxBreakdown: [{ taxRate: 1900, netAmount: 1100, taxAmount: 209 }],
    settlement: "interim_invoice",
    items: [],
    newTemplateId: "tpl_pro",
    newInterval: "month",
    newBillingAnchor: "2027-01-01",
    newCurrentPeriod: { start: "2027-03-15", end: "2027-04-01" },
    newMinimumTermMonths: 0,
    newNoticePeriodDays: 0,
    ...overrides,
  };
}

const current = { start: "2027-03-01", end: "2027-04-01" };

describe("settlementDocument", () => {
  it("is an interim invoice, a credit note of the last charge, or nothing", () => {
    expect(settlementDocument(computation({}), "EUR", "inv_last")).toEqual({
      kind: "interim",
      currency: "EUR",
      lines: [line],
      originalInvoiceId: null,
    });
    expect(
      settlementDocument(computation({ settlement: "credit_note" }), "EUR", "inv_last"),
    ).toMatchObject({ kind: "credit_note", originalInvoiceId: "inv_last" });
    expect(settlementDocument(computation({ settlement: "next_invoice" }), "EUR", "x")).toBeNull();
    expect(settlementDocument(computation({ settlement: "none" }), "EUR", "x")).toBeNull();
  });
});

describe("billed period", () => {
  it("starts anew inside the current period and stays at or after its end", () => {
    expect(movesCurrentPeriod(computation({}), current)).toBe(true);
    expect(billedPeriodStart(computation({}), current)).toBe("2027-03-15");
    const atEnd = computation({
      effectiveDate: "2027-04-01",
      newCurrentPeriod: { start: "2027-04-01", end: "2027-05-01" },
    });
    expect(movesCurrentPeriod(atEnd, current)).toBe(false);
    expect(billedPeriodStart(atEnd, current)).toBe("2027-03-01");
  });
});

describe("supersededChanges", () => {
  const pending = [
    { id: "chg_1", type: "switch_template" },
    { id: "chg_2", type: "add_addon" },
    { id: "chg_3", type: "switch_template" },
  ];
  it("cancels every pending switch for a new switch, and nothing for other changes", () => {
    expect(supersededChanges("switch_template", pending)).toEqual(["chg_1", "chg_3"]);
    expect(supersededChanges("add_addon", pending)).toEqual([]);
    expect(supersededChanges("switch_template", [])).toEqual([]);
  });
});

describe("draftInvoice", () => {
  it("decides series, due date and payment reference from the issue date and fresh ids", () => {
    let n = 0;
    const draft = draftInvoice(
      { kind: "interim", currency: "EUR", lines: [line] },
      {
        merchantId: "mer_1",
        customerId: "cus_1",
        contractId: "ctr_1",
        issueDate: "2027-03-15",
        paymentTermDays: 14,
        periodStart: "2027-03-15",
        periodEnd: "2027-04-01",
        changeId: "chg_1",
        billingKey: "change:chg_1",
        parties,
      },
      { invoiceId: "inv_1", lineId: () => `inl_${++n}`, paymentTokenBytes: new Uint8Array(10) },
    );
    expect(draft).toMatchObject({
      id: "inv_1",
      kind: "interim",
      dueDate: "2027-03-29",
      grossAmount: 1309,
      lines: [{ id: "inl_1", netAmount: 1100 }],
    });
    expect(draft.seriesKey).toContain("2027");
    expect(draft.paymentReference).toMatch(/^RF\d{2}/);
    expect(regularBillingKey("ctr_1", "2027-03-01")).toBe("regular:ctr_1:2027-03-01");
  });
});
