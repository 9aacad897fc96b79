// Unit tests of what the portal offers: switch targets and their kind, add-ons, item flags,
// change dates and cancellation dates, each filtered by the merchant's allowed actions.
import { describe, expect, it } from "vitest";
import type {
  AddonArticle,
  ContractSnapshot,
  TemplateTerms,
} from "../../worker/domain/contract-terms.ts";
import {
  actionFor,
  isActionAllowed,
  portalOptions,
  PORTAL_ACTIONS,
} from "../../worker/domain/portal-options.ts";

const template = (
  id: string,
  unitAmount: number,
  interval: TemplateTerms["interval"] = "month",
): TemplateTerms => ({
  id,
  name: id,
  templateGroupId: "tgr_1",
  interval,
  planArticle: { id: `art_${id}`, name: id, unitAmount, taxRate: 1900 },
  minimumTermMonths: 0,
  noticePeriodDays: 0,
  allowedAddonArticleIds: ["art_addon", "art_other"],
  changePoints: [{ type: "immediately" }, { type: "next_period" }],
  downgradeTiming: "next_period",
});

const basic = template("basic", 3000);
const pro = template("pro", 6000);
const starter = template("starter", 1000);
const yearly = template("yearly", 30000, "year");

const contract: ContractSnapshot = {
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
      id: "itm_plan",
      articleId: "art_basic",
      kind: "plan",
      name: "basic",
      quantity: 1,
      unitAmount: 3000,
      taxRate: 1900,
      billedPeriodAmount: 3000,
    },
    {
      id: "itm_addon",
      articleId: "art_addon",
      kind: "addon",
      name: "Add-on",
      quantity: 2,
      unitAmount: 500,
      taxRate: 1900,
      billedPeriodAmount: 1000,
    },
  ],
  templateId: "basic",
  templateGroupId: "tgr_1",
  offeredTemplateIds: [],
};

const addonArticles = new Map<string, AddonArticle>([
  ["art_addon", { id: "art_addon", name: "Add-on", unitAmount: 500, taxRate: 1900, kind: "addon" }],
  ["art_other", { id: "art_other", name: "Other", unitAmount: 250, taxRate: 700, kind: "addon" }],
]);

const options = (overrides: Partial<Parameters<typeof portalOptions>[0]> = {}) =>
  portalOptions({
    contract,
    status: "active",
    template: basic,
    groupTemplates: [basic, pro, starter, yearly],
    addonArticles,
    allowedActions: [...PORTAL_ACTIONS],
    today: "2027-01-11",
    ...overrides,
  });

describe("portalOptions", () => {
  it("prices switch targets by their plan and classifies them with the add-ons they keep, per month", () => {
    expect(options().switchOptions.map((o) => [o.templateId, o.periodAmount, o.kind])).toEqual([
      ["pro", 6000, "upgrade"],
      ["starter", 1000, "downgrade"],
      // 300.00 + 12 × 10.00 a year = 35.00 a month, against 40.00 now.
      ["yearly", 30000, "downgrade"],
    ]);
  });

  it("offers only the switches the merchant allows and the contract is offered", () => {
    expect(
      options({ allowedActions: ["switch_up"] }).switchOptions.map((o) => o.templateId),
    ).toEqual(["pro"]);
    expect(
      options({ contract: { ...contract, offeredTemplateIds: ["starter"] } }).switchOptions.map(
        (o) => o.templateId,
      ),
    ).toEqual(["starter"]);
  });

  it("keeps a cancelled contract on its interval", () => {
    const cancelled = { ...contract, endDate: "2027-03-31" };
    expect(options({ contract: cancelled }).switchOptions.map((o) => o.templateId)).toEqual([
      "pro",
      "starter",
    ]);
    expect(options({ contract: cancelled }).canCancel).toBe(false);
  });

  it("offers add-ons not yet booked, priced per period, and flags removable items", () => {
    const result = options();
    expect(result.addonOptions).toEqual([
      { articleId: "art_other", name: "Other", periodAmount: 250, taxRate: 700, maxQuantity: 999 },
    ]);
    expect(result.items).toEqual([
      { id: "itm_plan", removable: false, quantityChangeable: false, maxQuantity: 999 },
      { id: "itm_addon", removable: true, quantityChangeable: true, maxQuantity: 999 },
    ]);
  });

  it("lists change dates from the change points and the cancellation ends from the terms", () => {
    const result = options();
    expect(result.changeDates.dates).toEqual(["2027-01-11", "2027-02-01"]);
    expect(result.earliestCancellationDate).toBe("2027-01-31");
    expect(result.cancellationEndDates).toEqual([
      "2027-01-31",
      "2027-02-28",
      "2027-03-31",
      "2027-04-30",
      "2027-05-31",
      "2027-06-30",
    ]);
  });

  it("offers nothing on an ended contract or with every action switched off", () => {
    for (const result of [options({ status: "ended" }), options({ allowedActions: [] })]) {
      expect(result.switchOptions).toEqual([]);
      expect(result.addonOptions).toEqual([]);
      expect(result.items.some((item) => item.removable || item.quantityChangeable)).toBe(false);
      expect(result.canCancel).toBe(false);
      expect(result.cancellationEndDates).toEqual([]);
    }
    expect(options({ status: "ended" }).changeDates).toEqual({ dates: [], ranges: [], points: [] });
  });
});

describe("actionFor", () => {
  it("maps a switch to up or down by its kind and other changes to themselves", () => {
    expect(actionFor("switch_template", "upgrade")).toEqual(["switch_up"]);
    expect(actionFor("switch_template", "downgrade")).toEqual(["switch_down"]);
    expect(isActionAllowed(["switch_down"], actionFor("switch_template", "neutral"))).toBe(true);
    expect(isActionAllowed(["switch_up"], actionFor("remove_item", "downgrade"))).toBe(false);
  });
});
