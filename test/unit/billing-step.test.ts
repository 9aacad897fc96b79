// The billing run's per-contract decision and the next period's invoice, as pure rules: a due
// change on or before the period end comes first, then ending or billing; the invoice of the
// period after the current one, billed in advance with the carried lines.
import { describe, expect, it } from "vitest";
import { billingStep, nextPeriodBilling } from "../../worker/domain/contract-billing.ts";
import type { ContractSnapshot } from "../../worker/domain/contract-terms.ts";
import { InvoicePartiesIncomplete } from "../../worker/domain/invoice-snapshot.ts";
import { parties, seller } from "../support/invoice-documents.ts";

const contract = (
  over: Partial<{ status: string; currentPeriodEnd: string; endDate: string | null }> = {},
) => ({
  status: "active",
  currentPeriodEnd: "2027-02-01",
  endDate: null,
  ...over,
});

describe("billingStep", () => {
  it("applies a due change on or before the period end first", () => {
    expect(billingStep(contract(), "2027-02-01", "2027-02-01")).toBe("apply_change");
    expect(billingStep(contract(), "2027-01-20", "2027-01-20")).toBe("apply_change");
  });

  it("bills a change after the period end only once the period is billed", () => {
    expect(billingStep(contract(), "2027-02-10", "2027-02-10")).toBe("bill_period");
  });

  it("leaves a change for a later day and a running period alone", () => {
    expect(billingStep(contract(), "2027-01-25", "2027-01-20")).toBe("idle");
    expect(billingStep(contract(), undefined, "2027-01-31")).toBe("idle");
  });

  it("ends a cancelled contract after its last day instead of billing it", () => {
    expect(billingStep(contract({ endDate: "2027-01-31" }), undefined, "2027-02-01")).toBe(
      "end_contract",
    );
    expect(billingStep(contract({ status: "ended" }), undefined, "2027-03-01")).toBe("idle");
  });
});

describe("nextPeriodBilling", () => {
  const snapshot: ContractSnapshot = {
    id: "ctr_1",
    startDate: "2027-01-01",
    billingAnchor: "2027-01-01",
    interval: "month",
    currentPeriod: { start: "2027-01-01", end: "2027-02-01" },
    minimumTermMonths: 0,
    noticePeriodDays: 0,
    endDate: null,
    items: [
      {
        id: "itm_a",
        articleId: "art_a",
        kind: "addon",
        name: "Option",
        quantity: 2,
        unitAmount: 490,
        taxRate: 1900,
        billedPeriodAmount: 0,
      },
      {
        id: "itm_p",
        articleId: "art_p",
        kind: "plan",
        name: "Pro",
        quantity: 1,
        unitAmount: 6000,
        taxRate: 1900,
        billedPeriodAmount: 6000,
      },
    ],
    templateId: "tpl_1",
    templateGroupId: "tgr_1",
    offeredTemplateIds: [],
  };
  let n = 0;
  const fresh = () => ({
    invoiceId: "inv_1",
    lineId: () => `inl_${++n}`,
    paymentTokenBytes: new Uint8Array(10),
  });

  it("bills the period after the current one in advance, plan first, with the carried lines", () => {
    const billing = nextPeriodBilling(
      {
        snapshot,
        merchantId: "mer_1",
        customerId: "cus_1",
        currency: "EUR",
        paymentTermDays: 14,
        carried: [
          {
            description: "Option (anteilig)",
            articleId: "art_a",
            itemId: "itm_a",
            quantity: 1,
            periodStart: "2027-01-20",
            periodEnd: "2027-02-01",
            netAmount: 190,
            taxRate: 1900,
          },
        ],
        today: "2027-02-01",
        parties,
      },
      fresh(),
    );
    expect(billing.period).toEqual({ start: "2027-02-01", end: "2027-03-01" });
    expect(billing.items).toEqual([
      { id: "itm_a", billedPeriodAmount: 980 },
      { id: "itm_p", billedPeriodAmount: 6000 },
    ]);
    expect(billing.invoice.lines.map((line) => line.netAmount)).toEqual([6000, 980, 190]);
    expect(billing.invoice).toMatchObject({
      kind: "regular",
      billingKey: "regular:ctr_1:2027-02-01",
      issueDate: "2027-02-01",
      dueDate: "2027-02-15",
      netAmount: 7170,
    });
    expect(billing.invoice.documentSnapshot.seller).toEqual(seller);
  });

  it("refuses to draft an invoice whose seller lacks required data", () => {
    expect(() =>
      nextPeriodBilling(
        {
          snapshot,
          merchantId: "mer_1",
          customerId: "cus_1",
          currency: "EUR",
          paymentTermDays: 14,
          carried: [],
          today: "2027-02-01",
          parties: { ...parties, company: { ...seller, iban: null } },
        },
        fresh(),
      ),
    ).toThrow(InvoicePartiesIncomplete);
  });
});
