// computeChange: kinds, downgrade timing, proration lines, totals and settlement to the exact cent,
// every validation error, and property tests (reverse change nets out, days used are paid for,
// the same input gives the same output).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  daysBetween,
  fromDayNumber,
  nthPeriod,
  toDayNumber,
} from "../../worker/domain/calendar.ts";
import type { BillingInterval, IsoDate } from "../../worker/domain/calendar.ts";
import { ChangeRuleError } from "../../worker/domain/change-rule-error.ts";
import type { ChangeRuleCode } from "../../worker/domain/change-rule-error.ts";
import { classifyChange, computeChange } from "../../worker/domain/contract-change.ts";
import type { ChangeComputation, ComputeChangeInput } from "../../worker/domain/contract-change.ts";
import { itemPeriodAmount } from "../../worker/domain/contract-terms.ts";
import type {
  AddonArticle,
  ChangeRequest,
  ContractItem,
  ContractSnapshot,
  TemplateTerms,
} from "../../worker/domain/contract-terms.ts";

const STORAGE: AddonArticle = {
  id: "art_storage",
  name: "Storage",
  unitAmount: 500,
  taxRate: 1900,
  kind: "addon",
};
const SUPPORT: AddonArticle = {
  id: "art_support",
  name: "Support",
  unitAmount: 1000,
  taxRate: 700,
  kind: "addon",
};

function template(
  id: string,
  name: string,
  unitAmount: number,
  overrides: Partial<TemplateTerms> = {},
): TemplateTerms {
  return {
    id,
    name,
    templateGroupId: "grp_1",
    interval: "month",
    planArticle: { id: `art_${id.slice(4)}`, name, unitAmount, taxRate: 1900 },
    minimumTermMonths: 12,
    noticePeriodDays: 30,
    allowedAddonArticleIds: [STORAGE.id, SUPPORT.id],
    changePoints: [{ type: "immediately" }, { type: "next_period" }],
    downgradeTiming: "next_period",
    ...overrides,
  };
}

const PRO = template("tpl_pro", "Pro", 3000);
const PREMIUM = template("tpl_premium", "Premium", 6000);
const BASIC = template("tpl_basic", "Basic", 1500);
const PRO_YEAR = template("tpl_pro_year", "Pro yearly", 39000, {
  interval: "year",
  minimumTermMonths: 24,
  noticePeriodDays: 90,
});

const planItem = (overrides: Partial<ContractItem> = {}): ContractItem => ({
  id: "itm_plan",
  articleId: "art_pro",
  kind: "plan",
  name: "Pro",
  quantity: 1,
  unitAmount: 3000,
  taxRate: 1900,
  billedPeriodAmount: 3000,
  ...overrides,
});

const addonItem = (
  article: AddonArticle,
  quantity: number,
  id = `itm_${article.id.slice(4)}`,
): ContractItem => ({
  id,
  articleId: article.id,
  kind: "addon",
  name: article.name,
  quantity,
  unitAmount: article.unitAmount,
  taxRate: article.taxRate,
  billedPeriodAmount: article.unitAmount * quantity,
});

function contract(overrides: Partial<ContractSnapshot> = {}): ContractSnapshot {
  return {
    id: "ctr_1",
    startDate: "2026-01-01",
    billingAnchor: "2026-01-01",
    interval: "month",
    currentPeriod: { start: "2027-01-01", end: "2027-02-01" },
    minimumTermMonths: 12,
    noticePeriodDays: 30,
    endDate: null,
    items: [planItem()],
    templateId: "tpl_pro",
    templateGroupId: "grp_1",
    offeredTemplateIds: [],
    ...overrides,
  };
}

function change(
  request: ChangeRequest,
  overrides: Partial<ComputeChangeInput> = {},
): ChangeComputation {
  return computeChange({
    contract: contract(),
    template: PRO,
    request,
    effectiveDate: "2027-01-11",
    today: "2027-01-11",
    prorationMode: "interim_invoice",
    ...overrides,
  });
}

const switchTo = (target: TemplateTerms): ChangeRequest => ({
  type: "switch_template",
  template: target,
});
const amounts = (result: ChangeComputation) => result.lines.map((line) => line.netAmount);

/** The contract as the caller would store it after applying `result`, new items numbered. */
function applied(
  before: ContractSnapshot,
  result: ChangeComputation,
  prefix = "itm_new",
): ContractSnapshot {
  let next = 0;
  return {
    ...before,
    items: result.items.map((item) => ({ ...item, id: item.id ?? `${prefix}_${(next += 1)}` })),
    templateId: result.newTemplateId,
    interval: result.newInterval,
    billingAnchor: result.newBillingAnchor,
    currentPeriod: result.newCurrentPeriod,
    minimumTermMonths: result.newMinimumTermMonths,
    noticePeriodDays: result.newNoticePeriodDays,
  };
}

function ruleCode(run: () => unknown): ChangeRuleCode | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof ChangeRuleError) return error.code;
    throw error;
  }
}

describe("tariff switch", () => {
  it("computes the DESIGN worked example as an interim invoice", () => {
    const result = change(switchTo(PREMIUM));
    expect(result).toMatchObject({
      kind: "upgrade",
      requestedDate: "2027-01-11",
      effectiveDate: "2027-01-11",
      netAmount: 2033,
      taxAmount: 386,
      grossAmount: 2419,
      settlement: "interim_invoice",
      newTemplateId: "tpl_premium",
      newInterval: "month",
      newBillingAnchor: "2026-01-01",
      newCurrentPeriod: { start: "2027-01-01", end: "2027-02-01" },
    });
    expect(result.lines.map((line) => [line.itemId, line.articleId, line.netAmount])).toEqual([
      ["itm_plan", "art_pro", -2032],
      [null, "art_premium", 4065],
    ]);
    expect(result.items).toEqual([
      {
        id: null,
        articleId: "art_premium",
        kind: "plan",
        name: "Premium",
        quantity: 1,
        unitAmount: 6000,
        taxRate: 1900,
        billedPeriodAmount: 6000,
      },
    ]);
  });

  it("credits from the billed snapshot, not from today's price", () => {
    const result = change(switchTo(PREMIUM), {
      contract: contract({ items: [planItem({ billedPeriodAmount: 2900 })] }),
    });
    expect(amounts(result)).toEqual([-1965, 4065]); // 2900 × 21/31 = 1964.52
  });

  it("credits and charges the whole period on its first day", () => {
    expect(amounts(change(switchTo(PREMIUM), { effectiveDate: "2027-01-01" }))).toEqual([
      -3000, 6000,
    ]);
  });

  it("prorates one day on the last day of the period", () => {
    const result = change(switchTo(PREMIUM), { effectiveDate: "2027-01-31" });
    expect(amounts(result)).toEqual([-97, 194]);
    expect(result.netAmount).toBe(97);
  });

  it("has no lines at the next period boundary; the next invoice bills the new tariff", () => {
    const result = change(switchTo(PREMIUM), { effectiveDate: "2027-02-01" });
    expect(result.lines).toEqual([]);
    expect(result.settlement).toBe("none");
    expect(result.newCurrentPeriod).toEqual({ start: "2027-02-01", end: "2027-03-01" });
    expect(result.items[0]?.billedPeriodAmount).toBe(6000);
  });

  it("prorates a later mid-period date against that period at the recurring amounts", () => {
    // February 2027: 18 of 28 days from the 11th; the snapshot 2900 only applies to January.
    const result = change(switchTo(PREMIUM), {
      contract: contract({ items: [planItem({ billedPeriodAmount: 2900 })] }),
      effectiveDate: "2027-02-11",
    });
    expect(amounts(result)).toEqual([-1929, 3857]);
    expect(result.lines[0]?.periodEnd).toBe("2027-03-01");
    expect(result.newCurrentPeriod).toEqual({ start: "2027-02-01", end: "2027-03-01" });
  });

  it("defers a downgrade to the next period under the template's default timing", () => {
    const result = change(switchTo(BASIC));
    expect(result).toMatchObject({
      kind: "downgrade",
      requestedDate: "2027-01-11",
      effectiveDate: "2027-02-01",
      lines: [],
      netAmount: 0,
      settlement: "none",
    });
    expect(result.newCurrentPeriod).toEqual({ start: "2027-02-01", end: "2027-03-01" });
    expect(result.items.map((item) => [item.articleId, item.billedPeriodAmount])).toEqual([
      ["art_basic", 1500],
    ]);
  });

  it("issues a credit note for a net-negative immediate downgrade (like_upgrade)", () => {
    const result = change(switchTo(BASIC), {
      template: { ...PRO, downgradeTiming: "like_upgrade" },
    });
    expect(result).toMatchObject({
      kind: "downgrade",
      effectiveDate: "2027-01-11",
      netAmount: -1016,
      taxAmount: -193,
      grossAmount: -1209,
      settlement: "credit_note",
    });
    expect(amounts(result)).toEqual([-2032, 1016]);
  });

  it("lets the merchant API keep the requested date of a downgrade", () => {
    expect(change(switchTo(BASIC), { timing: "as_requested" }).effectiveDate).toBe("2027-01-11");
  });

  it("removes add-ons the new template does not allow, with a credit", () => {
    const premiumNoStorage = { ...PREMIUM, allowedAddonArticleIds: [SUPPORT.id] };
    const result = change(switchTo(premiumNoStorage), {
      contract: contract({ items: [planItem(), addonItem(STORAGE, 1)] }),
    });
    expect(result.lines.map((line) => [line.articleId, line.netAmount])).toEqual([
      ["art_pro", -2032],
      ["art_storage", -339],
      ["art_premium", 4065],
    ]);
    expect(result.items.map((item) => item.articleId)).toEqual(["art_premium"]);
    expect(result.kind).toBe("upgrade");
  });

  it("keeps allowed add-ons untouched, ids and snapshots included", () => {
    const storage = { ...addonItem(STORAGE, 2), billedPeriodAmount: 900 };
    const result = change(switchTo(PREMIUM), {
      contract: contract({ items: [planItem(), storage] }),
    });
    expect(result.lines.map((line) => line.articleId)).toEqual(["art_pro", "art_premium"]);
    expect(result.items[1]).toEqual(storage);
  });

  it("keeps the plan quantity and reports the new template's terms", () => {
    const result = change(switchTo(PREMIUM), {
      contract: contract({ items: [planItem({ quantity: 2, billedPeriodAmount: 6000 })] }),
    });
    expect(amounts(result)).toEqual([-4065, 8129]); // 12000 × 21/31 = 8129.03
    expect(result.items[0]).toMatchObject({ quantity: 2, billedPeriodAmount: 12000 });
  });

  it("is neutral when the monthly amount is the same", () => {
    const proPlus = template("tpl_pro_plus", "Pro plus", 3000);
    const result = change(switchTo(proPlus));
    expect(result.kind).toBe("neutral");
    expect(result.effectiveDate).toBe("2027-01-11");
    expect(amounts(result)).toEqual([-2032, 2032]);
    expect(result.settlement).toBe("none");
  });
});

describe("interval change", () => {
  const withStorage = contract({ items: [planItem(), addonItem(STORAGE, 1)] });

  it("month → year: credits the unused days, charges the full year, moves the anchor", () => {
    const result = change(switchTo(PRO_YEAR), { contract: withStorage });
    expect(result.kind).toBe("upgrade");
    expect(
      result.lines.map((line) => [
        line.articleId,
        line.periodStart,
        line.periodEnd,
        line.netAmount,
      ]),
    ).toEqual([
      ["art_pro", "2027-01-11", "2027-02-01", -2032],
      ["art_storage", "2027-01-11", "2027-02-01", -339],
      ["art_pro_year", "2027-01-11", "2028-01-11", 39000],
      ["art_storage", "2027-01-11", "2028-01-11", 6000],
    ]);
    expect(result.netAmount).toBe(42629);
    expect(result).toMatchObject({
      newInterval: "year",
      newBillingAnchor: "2027-01-11",
      newCurrentPeriod: { start: "2027-01-11", end: "2028-01-11" },
    });
    expect(result).toMatchObject({ newMinimumTermMonths: 24, newNoticePeriodDays: 90 });
    expect(result.items.map((item) => [item.id, item.billedPeriodAmount])).toEqual([
      [null, 39000],
      ["itm_storage", 6000],
    ]);
  });

  it("month → discounted year is a downgrade: it starts at the next period without lines", () => {
    const result = change(
      switchTo({ ...PRO_YEAR, planArticle: { ...PRO_YEAR.planArticle, unitAmount: 33000 } }),
      { contract: withStorage },
    );
    expect(result).toMatchObject({
      kind: "downgrade",
      effectiveDate: "2027-02-01",
      lines: [],
      settlement: "none",
      newBillingAnchor: "2027-02-01",
    });
    expect(result.newCurrentPeriod).toEqual({ start: "2027-02-01", end: "2028-02-01" });
  });

  it("sums VAT per rate across the credits and charges", () => {
    const both = contract({ items: [planItem(), addonItem(STORAGE, 1), addonItem(SUPPORT, 1)] });
    const result = change(switchTo(PRO_YEAR), { contract: both });
    expect(result.taxBreakdown).toEqual([
      { taxRate: 1900, netAmount: 42629, taxAmount: 8100 },
      { taxRate: 700, netAmount: 11323, taxAmount: 793 },
    ]);
    expect(result).toMatchObject({ netAmount: 53952, taxAmount: 8893, grossAmount: 62845 });
  });

  it("compares yearly and monthly amounts exactly", () => {
    const month = (amount: number) => ({ amount, interval: "month" as const });
    const year = (amount: number) => ({ amount, interval: "year" as const });
    expect(classifyChange(month(3000), year(36000))).toBe("neutral");
    expect(classifyChange(month(3000), year(36001))).toBe("upgrade");
    expect(classifyChange(month(3000), year(35999))).toBe("downgrade");
    expect(classifyChange({ amount: 9000, interval: "quarter" }, month(3000))).toBe("neutral");
  });

  it("is refused on a cancelled contract", () => {
    expect(
      ruleCode(() => change(switchTo(PRO_YEAR), { contract: contract({ endDate: "2027-03-31" }) })),
    ).toBe("interval_change_on_cancelled_contract");
  });
});

describe("add-ons and quantities", () => {
  it("charges an add-on added mid-period and credits it back when removed the same day", () => {
    const added = change({ type: "add_addon", article: STORAGE, quantity: 2 });
    expect(added).toMatchObject({
      kind: "upgrade",
      netAmount: 677,
      taxAmount: 129,
      grossAmount: 806,
      settlement: "interim_invoice",
    });
    expect(added.lines).toEqual([
      {
        description: "Remaining time on 2 × Storage (11.01.2027 – 31.01.2027)",
        name: "Storage",
        itemId: null,
        articleId: "art_storage",
        periodStart: "2027-01-11",
        periodEnd: "2027-02-01",
        quantity: 2,
        netAmount: 677,
        taxRate: 1900,
      },
    ]);
    expect(added.items.map((item) => [item.id, item.billedPeriodAmount])).toEqual([
      ["itm_plan", 3000],
      [null, 1000],
    ]);

    const withStorage = applied(contract(), added);
    const removed = change(
      { type: "remove_item", itemId: "itm_new_1" },
      { contract: withStorage, timing: "as_requested" },
    );
    expect(amounts(removed)).toEqual([-677]);
    expect(removed.settlement).toBe("credit_note");
    expect(added.netAmount + removed.netAmount).toBe(0);
  });

  it("credits a later removal for the days left", () => {
    const withStorage = applied(
      contract(),
      change({ type: "add_addon", article: STORAGE, quantity: 2 }),
    );
    const removed = change(
      { type: "remove_item", itemId: "itm_new_1" },
      { contract: withStorage, timing: "as_requested", effectiveDate: "2027-01-21" },
    );
    expect(amounts(removed)).toEqual([-355]); // 1000 × 11/31 = 354.84; 677 − 355 = 322 ≈ 1000 × 10/31
    expect(removed.items.map((item) => item.id)).toEqual(["itm_plan"]);
  });

  it("defers a removal to the next period under the template's default timing", () => {
    const result = change(
      { type: "remove_item", itemId: "itm_storage" },
      { contract: contract({ items: [planItem(), addonItem(STORAGE, 1)] }) },
    );
    expect(result).toMatchObject({
      kind: "downgrade",
      effectiveDate: "2027-02-01",
      lines: [],
      settlement: "none",
    });
    expect(result.items.map((item) => item.id)).toEqual(["itm_plan"]);
  });

  it("changes a quantity up: credit the old, charge the new, keep the item id", () => {
    const result = change(
      { type: "change_quantity", itemId: "itm_storage", quantity: 3 },
      { contract: contract({ items: [planItem(), addonItem(STORAGE, 1)] }) },
    );
    expect(result.lines.map((line) => [line.itemId, line.quantity, line.netAmount])).toEqual([
      ["itm_storage", 1, -339],
      ["itm_storage", 3, 1016],
    ]);
    expect(result).toMatchObject({
      kind: "upgrade",
      netAmount: 677,
      settlement: "interim_invoice",
    });
    expect(result.items[1]).toMatchObject({
      id: "itm_storage",
      quantity: 3,
      billedPeriodAmount: 1500,
    });
  });

  it("changes a quantity down: a credit note when taken as requested, else the next period", () => {
    const three = contract({ items: [planItem(), addonItem(STORAGE, 3)] });
    const request: ChangeRequest = { type: "change_quantity", itemId: "itm_storage", quantity: 1 };
    const now = change(request, { contract: three, timing: "as_requested" });
    expect(amounts(now)).toEqual([-1016, 339]);
    expect(now).toMatchObject({
      kind: "downgrade",
      netAmount: -677,
      taxAmount: -129,
      grossAmount: -806,
      settlement: "credit_note",
    });
    const deferred = change(request, { contract: three });
    expect(deferred).toMatchObject({ effectiveDate: "2027-02-01", lines: [], settlement: "none" });
    expect(deferred.items[1]).toMatchObject({
      id: "itm_storage",
      quantity: 1,
      billedPeriodAmount: 500,
    });
  });

  it("prices add-ons per month: a quarterly contract pays three months per period", () => {
    const quarterly = contract({
      interval: "quarter",
      currentPeriod: { start: "2027-01-01", end: "2027-04-01" },
    });
    const result = change(
      { type: "add_addon", article: STORAGE, quantity: 1 },
      { contract: quarterly },
    );
    expect(result.items[1]?.billedPeriodAmount).toBe(1500);
    expect(amounts(result)).toEqual([1333]); // 1500 × 80/90 = 1333.33 (Q1 2027 has 90 days)
  });
});

describe("proration modes", () => {
  it("next_invoice carries the same lines to the next regular invoice", () => {
    const result = change(switchTo(PREMIUM), { prorationMode: "next_invoice" });
    expect(amounts(result)).toEqual([-2032, 4065]);
    expect(result).toMatchObject({ netAmount: 2033, settlement: "next_invoice" });
  });

  it("next_invoice carries a net credit too", () => {
    expect(
      change(switchTo(BASIC), { prorationMode: "next_invoice", timing: "as_requested" }).settlement,
    ).toBe("next_invoice");
  });

  it("none has no lines and no settlement but still changes the contract", () => {
    const result = change(switchTo(PREMIUM), { prorationMode: "none" });
    expect(result).toMatchObject({
      lines: [],
      netAmount: 0,
      taxAmount: 0,
      grossAmount: 0,
      settlement: "none",
      newTemplateId: "tpl_premium",
    });
    expect(result.items[0]?.billedPeriodAmount).toBe(6000);
  });
});

describe("validation", () => {
  const withStorage = contract({ items: [planItem(), addonItem(STORAGE, 1)] });
  const cases: [string, () => unknown, ChangeRuleCode][] = [
    ["switch to the same template", () => change(switchTo(PRO)), "same_template"],
    [
      "target in another group",
      () => change(switchTo({ ...PREMIUM, templateGroupId: "grp_2" })),
      "template_not_in_group",
    ],
    [
      "target not offered",
      () =>
        change(switchTo(PREMIUM), { contract: contract({ offeredTemplateIds: ["tpl_basic"] }) }),
      "template_not_offered",
    ],
    [
      "add-on not allowed",
      () =>
        change(
          { type: "add_addon", article: STORAGE, quantity: 1 },
          { template: { ...PRO, allowedAddonArticleIds: [] } },
        ),
      "addon_not_allowed",
    ],
    [
      "article not an add-on",
      () => change({ type: "add_addon", article: { ...STORAGE, kind: "one_time" }, quantity: 1 }),
      "not_an_addon",
    ],
    [
      "add-on already booked",
      () => change({ type: "add_addon", article: STORAGE, quantity: 1 }, { contract: withStorage }),
      "addon_already_on_contract",
    ],
    [
      "remove the plan",
      () => change({ type: "remove_item", itemId: "itm_plan" }),
      "cannot_remove_plan",
    ],
    [
      "remove an unknown item",
      () => change({ type: "remove_item", itemId: "itm_nope" }),
      "item_not_found",
    ],
    [
      "quantity of an unknown item",
      () => change({ type: "change_quantity", itemId: "itm_nope", quantity: 2 }),
      "item_not_found",
    ],
    [
      "quantity 0",
      () =>
        change(
          { type: "change_quantity", itemId: "itm_storage", quantity: 0 },
          { contract: withStorage },
        ),
      "invalid_quantity",
    ],
    [
      "quantity 1000",
      () => change({ type: "add_addon", article: STORAGE, quantity: 1000 }),
      "invalid_quantity",
    ],
    [
      "fractional quantity",
      () => change({ type: "add_addon", article: STORAGE, quantity: 1.5 }),
      "invalid_quantity",
    ],
    [
      "same quantity",
      () =>
        change(
          { type: "change_quantity", itemId: "itm_storage", quantity: 1 },
          { contract: withStorage },
        ),
      "quantity_unchanged",
    ],
    [
      "date before the period",
      () => change(switchTo(PREMIUM), { effectiveDate: "2026-12-31" }),
      "effective_date_before_period",
    ],
    [
      "date after the end",
      () =>
        change(switchTo(PREMIUM), {
          contract: contract({ endDate: "2027-01-31" }),
          effectiveDate: "2027-02-01",
        }),
      "effective_date_after_end",
    ],
    [
      "downgrade deferred past the end",
      () => change(switchTo(BASIC), { contract: contract({ endDate: "2027-01-31" }) }),
      "effective_date_after_end",
    ],
    [
      "date that does not exist",
      () => change(switchTo(PREMIUM), { effectiveDate: "2027-02-29" }),
      "invalid_date",
    ],
  ];

  it.each(cases)("rejects %s", (_name, run, code) => {
    expect(ruleCode(run)).toBe(code);
  });

  it("names the offending field", () => {
    try {
      change({ type: "add_addon", article: STORAGE, quantity: 0 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ChangeRuleError);
      expect((error as ChangeRuleError).field).toBe("quantity");
    }
  });

  it("allows a change on the last day of service", () => {
    expect(
      change(switchTo(PREMIUM), {
        contract: contract({ endDate: "2027-01-31" }),
        effectiveDate: "2027-01-31",
      }).netAmount,
    ).toBe(97);
  });
});

// ---- property tests ---------------------------------------------------------------------------

const ADDONS: AddonArticle[] = [
  { id: "art_a", name: "A", unitAmount: 0, taxRate: 1900, kind: "addon" },
  { id: "art_b", name: "B", unitAmount: 0, taxRate: 700, kind: "addon" },
  { id: "art_c", name: "C", unitAmount: 0, taxRate: 1900, kind: "addon" },
];

interface World {
  interval: BillingInterval;
  templates: TemplateTerms[];
  addons: AddonArticle[];
  contract: ContractSnapshot;
}

const dateArb = fc
  .integer({ min: toDayNumber("2020-01-01"), max: toDayNumber("2030-12-31") })
  .map(fromDayNumber);
const amountArb = fc.integer({ min: 0, max: 500_000 });

/** A contract in its first period on one of three same-interval templates of one group. */
const worldArb: fc.Arbitrary<World> = fc
  .record({
    interval: fc.constantFrom<BillingInterval>("month", "quarter", "year"),
    anchor: dateArb,
    planAmounts: fc.tuple(amountArb, amountArb, amountArb),
    addonAmounts: fc
      .tuple(amountArb, amountArb, amountArb)
      .map((values) => values.map((value) => Math.floor(value / 10))),
    booked: fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
    ),
  })
  .map(({ interval, anchor, planAmounts, addonAmounts, booked }) => {
    const templates = planAmounts.map((amount, index) =>
      template(`tpl_${index}`, `T${index}`, amount, { interval }),
    );
    const addons = ADDONS.map((article, index) => ({
      ...article,
      unitAmount: addonAmounts[index] ?? 0,
    }));
    const first = templates[0] as TemplateTerms;
    const plan = {
      ...planItem(),
      articleId: first.planArticle.id,
      unitAmount: first.planArticle.unitAmount,
      billedPeriodAmount: first.planArticle.unitAmount,
    };
    const items = [
      plan,
      ...addons.flatMap((article, index) =>
        (booked[index] ?? 0) > 0 ? [addonItem(article, booked[index] ?? 1)] : [],
      ),
    ];
    for (const item of items) item.billedPeriodAmount = itemPeriodAmount(item, interval);
    const groupTemplates = templates.map((t) => ({
      ...t,
      allowedAddonArticleIds: addons.map((a) => a.id),
    }));
    return {
      interval,
      templates: groupTemplates,
      addons,
      contract: contract({
        startDate: anchor,
        billingAnchor: anchor,
        interval,
        currentPeriod: nthPeriod(anchor, interval, 0),
        items,
        templateId: "tpl_0",
      }),
    };
  });

interface Intent {
  op: "switch" | "add" | "remove" | "quantity";
  pick: number;
  quantity: number;
}

const intentArb: fc.Arbitrary<Intent> = fc.record({
  op: fc.constantFrom<Intent["op"]>("switch", "add", "remove", "quantity"),
  pick: fc.nat(),
  quantity: fc.integer({ min: 1, max: 999 }),
});

function pickFrom<T>(values: readonly T[], pick: number): T | undefined {
  return values.length === 0 ? undefined : values[pick % values.length];
}

/** Turns an intent into a request that is valid for the contract as it is now, if there is one. */
function requestFor(world: World, current: ContractSnapshot, intent: Intent): ChangeRequest | null {
  switch (intent.op) {
    case "switch": {
      const target = pickFrom(
        world.templates.filter((t) => t.id !== current.templateId),
        intent.pick,
      );
      return target ? { type: "switch_template", template: target } : null;
    }
    case "add": {
      const article = pickFrom(
        world.addons.filter((a) => !current.items.some((item) => item.articleId === a.id)),
        intent.pick,
      );
      return article ? { type: "add_addon", article, quantity: intent.quantity } : null;
    }
    case "remove": {
      const item = pickFrom(
        current.items.filter((i) => i.kind === "addon"),
        intent.pick,
      );
      return item ? { type: "remove_item", itemId: item.id } : null;
    }
    case "quantity": {
      const item = pickFrom(current.items, intent.pick);
      if (!item) return null;
      const quantity =
        intent.quantity === item.quantity ? (intent.quantity % 999) + 1 : intent.quantity;
      return { type: "change_quantity", itemId: item.id, quantity };
    }
  }
}

function templateOf(world: World, current: ContractSnapshot): TemplateTerms {
  const found = world.templates.find((t) => t.id === current.templateId);
  if (!found) throw new Error(`no template ${current.templateId}`);
  return found;
}

function run(
  world: World,
  current: ContractSnapshot,
  request: ChangeRequest,
  effectiveDate: IsoDate,
): ChangeComputation {
  return computeChange({
    contract: current,
    template: templateOf(world, current),
    request,
    effectiveDate,
    today: effectiveDate,
    prorationMode: "interim_invoice",
    timing: "as_requested",
  });
}

/** The request that undoes `request` on the contract it produced. */
function reverseOf(
  before: ContractSnapshot,
  after: ContractSnapshot,
  world: World,
  request: ChangeRequest,
): ChangeRequest {
  switch (request.type) {
    case "switch_template":
      return { type: "switch_template", template: templateOf(world, before) };
    case "add_addon": {
      const item = after.items.find((i) => i.articleId === request.article.id);
      return { type: "remove_item", itemId: item?.id ?? "missing" };
    }
    case "remove_item": {
      const item = before.items.find((i) => i.id === request.itemId);
      const article = world.addons.find((a) => a.id === item?.articleId);
      if (!item || !article) throw new Error("removed item not found");
      return { type: "add_addon", article, quantity: item.quantity };
    }
    case "change_quantity": {
      const item = before.items.find((i) => i.id === request.itemId);
      return { type: "change_quantity", itemId: request.itemId, quantity: item?.quantity ?? 1 };
    }
  }
}

const dayIn = (current: ContractSnapshot, fraction: number) => {
  const days = daysBetween(current.currentPeriod.start, current.currentPeriod.end);
  return fromDayNumber(toDayNumber(current.currentPeriod.start) + (fraction % days));
};

describe("properties", () => {
  it("a change followed by its reverse on the same day nets to zero within one cent per line", () => {
    fc.assert(
      fc.property(worldArb, intentArb, fc.nat(), (world, intent, fraction) => {
        const request = requestFor(world, world.contract, intent);
        fc.pre(request !== null && request.type !== "remove_item");
        if (!request) return;
        const date = dayIn(world.contract, fraction);
        const first = run(world, world.contract, request, date);
        const after = applied(world.contract, first);
        const second = run(world, after, reverseOf(world.contract, after, world, request), date);
        const lines = [...first.lines, ...second.lines];
        expect(Math.abs(first.netAmount + second.netAmount)).toBeLessThanOrEqual(lines.length);
      }),
      { numRuns: 500 },
    );
  });

  it("original billing plus all proration lines pays each state for its days, within one cent per line", () => {
    fc.assert(
      fc.property(
        worldArb,
        fc.array(fc.tuple(fc.nat(), intentArb), { maxLength: 6 }),
        (world, steps) => {
          let current = world.contract;
          const { start, end } = current.currentPeriod;
          const periodLength = daysBetween(start, end);
          const dated = steps
            .map(([fraction, intent]) => [dayIn(current, fraction), intent] as const)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          const states: { from: IsoDate; items: ContractItem[] }[] = [
            { from: start, items: current.items },
          ];
          let paid = current.items.reduce((sum, item) => sum + item.billedPeriodAmount, 0);
          let lineCount = 0;
          dated.forEach(([date, intent], index) => {
            const request = requestFor(world, current, intent);
            if (!request) return;
            const result = run(world, current, request, date);
            current = applied(current, result, `itm_${index}`);
            states.push({ from: date, items: current.items });
            paid += result.netAmount;
            lineCount += result.lines.length;
          });
          // Exact: Σ over states of (full-period amount × days in state), in units of cents × days.
          let owedTimesDays = 0;
          states.forEach((state, index) => {
            const until = states[index + 1]?.from ?? end;
            const amount = state.items.reduce((sum, item) => sum + item.billedPeriodAmount, 0);
            owedTimesDays += amount * daysBetween(state.from, until);
          });
          // Each line rounds by at most half a cent.
          expect(2 * Math.abs(paid * periodLength - owedTimesDays)).toBeLessThanOrEqual(
            lineCount * periodLength,
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it("computeChange is deterministic and leaves its input untouched", () => {
    const requestArb = fc.oneof(
      fc.constant<ChangeRequest>(switchTo(PREMIUM)),
      fc.constant<ChangeRequest>(switchTo(BASIC)),
      fc.constant<ChangeRequest>(switchTo(PRO_YEAR)),
      fc.constant<ChangeRequest>({ type: "add_addon", article: SUPPORT, quantity: 2 }),
      fc.constant<ChangeRequest>({ type: "remove_item", itemId: "itm_storage" }),
      fc.integer({ min: 0, max: 1000 }).map((quantity): ChangeRequest => ({
        type: "change_quantity",
        itemId: "itm_storage",
        quantity,
      })),
    );
    fc.assert(
      fc.property(
        requestArb,
        fc
          .integer({ min: toDayNumber("2026-12-25"), max: toDayNumber("2027-03-10") })
          .map(fromDayNumber),
        fc.constantFrom<ComputeChangeInput["prorationMode"]>(
          "interim_invoice",
          "next_invoice",
          "none",
        ),
        fc.constantFrom<ComputeChangeInput["timing"]>(undefined, "template", "as_requested"),
        fc.constantFrom<TemplateTerms["downgradeTiming"]>("next_period", "like_upgrade"),
        (request, effectiveDate, prorationMode, timing, downgradeTiming) => {
          const input: ComputeChangeInput = {
            contract: contract({ items: [planItem(), addonItem(STORAGE, 2)] }),
            template: { ...PRO, downgradeTiming },
            request,
            effectiveDate,
            today: "2027-01-11",
            prorationMode,
            timing,
          };
          const snapshot = structuredClone(input);
          const outcome = () => {
            try {
              return computeChange(input);
            } catch (error) {
              if (error instanceof ChangeRuleError)
                return { code: error.code, message: error.message };
              throw error;
            }
          };
          expect(outcome()).toEqual(outcome());
          expect(input).toEqual(snapshot);
        },
      ),
      { numRuns: 300 },
    );
  });
});
