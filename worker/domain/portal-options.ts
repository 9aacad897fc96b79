// What the self-service portal may offer one customer for one contract, today: the tariffs to
// switch to and whether each is an upgrade or a downgrade, the add-ons to book, which items may
// be removed or changed, the allowed change dates and the cancellation dates. The merchant's
// customer-center switches (allowed actions) are applied here, so the portal API refuses exactly
// what the portal does not offer.
import type { PortalAction } from "../../widget/src/billing-types.ts";
import { addDays, type IsoDate } from "./calendar.ts";
import { earliestCancellationEnd, lastDayOfPeriodContaining } from "./cancellation.ts";
import { allowedChangeDates, type AllowedChangeDates } from "./change-points.ts";
import { classifyChange, type ChangeKind } from "./contract-change.ts";
import {
  itemPeriodAmount,
  MAX_QUANTITY,
  recurringAmount,
  type AddonArticle,
  type ContractSnapshot,
  type TemplateTerms,
} from "./contract-terms.ts";
import type { Cents } from "./money.ts";

export type { PortalAction } from "../../widget/src/billing-types.ts";

/** Every PortalAction (declared in widget/src/billing-types.ts), in the order settings list them. */
export const PORTAL_ACTIONS = [
  "switch_up",
  "switch_down",
  "add_addon",
  "remove_item",
  "change_quantity",
  "cancel",
  /** Give a new SEPA mandate (GET/POST /portal/v1/account, /mandates). */
  "update_mandate",
] as const satisfies readonly PortalAction[];
// Compile-time check that the list names every action the type declares.
type UnlistedAction = Exclude<PortalAction, (typeof PORTAL_ACTIONS)[number]>;
const _everyActionListed: [UnlistedAction] extends [never] ? true : UnlistedAction = true;

/** How many period ends after the earliest one the customer may pick as a later end. */
const LATER_CANCELLATION_CHOICES = 5;

export interface PortalOptionsInput {
  contract: ContractSnapshot;
  status: string;
  template: TemplateTerms;
  /** Every template of the contract's group, the current one included. */
  groupTemplates: readonly TemplateTerms[];
  /** The add-on articles the current template allows, by id. */
  addonArticles: ReadonlyMap<string, AddonArticle>;
  allowedActions: readonly string[];
  today: IsoDate;
}

export interface SwitchOption {
  templateId: string;
  name: string;
  billingInterval: TemplateTerms["interval"];
  periodAmount: Cents;
  kind: ChangeKind;
}

export interface PortalOptions {
  switchOptions: SwitchOption[];
  addonOptions: {
    articleId: string;
    name: string;
    periodAmount: Cents;
    taxRate: number;
    maxQuantity: number;
  }[];
  items: { id: string; removable: boolean; quantityChangeable: boolean; maxQuantity: number }[];
  changeDates: AllowedChangeDates;
  canCancel: boolean;
  earliestCancellationDate: IsoDate | null;
  cancellationEndDates: IsoDate[];
}

/** The portal action a change needs: a tariff switch is an upgrade or a downgrade by its price. */
export function actionFor(
  type: "switch_template" | "add_addon" | "remove_item" | "change_quantity",
  kind: ChangeKind,
): PortalAction[] {
  if (type !== "switch_template") return [type];
  if (kind === "upgrade") return ["switch_up"];
  if (kind === "downgrade") return ["switch_down"];
  return ["switch_up", "switch_down"];
}

export function isActionAllowed(
  allowed: readonly string[],
  needed: readonly PortalAction[],
): boolean {
  return needed.some((action) => allowed.includes(action));
}

/** The recurring amount per period of `target` for this contract: its plan plus the add-ons it keeps. */
function recurringAfterSwitch(contract: ContractSnapshot, target: TemplateTerms): Cents {
  const plan = { kind: "plan" as const, unitAmount: target.planArticle.unitAmount, quantity: 1 };
  const addons = contract.items.filter(
    (item) => item.kind === "addon" && target.allowedAddonArticleIds.includes(item.articleId),
  );
  return recurringAmount([plan, ...addons], target.interval);
}

function switchOptions(input: PortalOptionsInput): SwitchOption[] {
  const { contract, template, groupTemplates, allowedActions } = input;
  const before = {
    amount: recurringAmount(contract.items, contract.interval),
    interval: contract.interval,
  };
  return (
    groupTemplates
      .filter(
        (target) =>
          target.id !== template.id && target.templateGroupId === template.templateGroupId,
      )
      .filter(
        (target) =>
          contract.offeredTemplateIds.length === 0 ||
          contract.offeredTemplateIds.includes(target.id),
      )
      // A cancelled contract keeps its interval (its end date is a period end of that interval).
      .filter((target) => contract.endDate === null || target.interval === contract.interval)
      .map((target) => {
        const kind = classifyChange(before, {
          amount: recurringAfterSwitch(contract, target),
          interval: target.interval,
        });
        // The price shown is the tariff's own; the add-ons keep their own prices next to it.
        return {
          templateId: target.id,
          name: target.name,
          billingInterval: target.interval,
          periodAmount: target.planArticle.unitAmount,
          kind,
        };
      })
      .filter((option) =>
        isActionAllowed(allowedActions, actionFor("switch_template", option.kind)),
      )
  );
}

function cancellationDates(contract: ContractSnapshot, today: IsoDate): IsoDate[] {
  const dates = [earliestCancellationEnd(contract, today)];
  while (dates.length <= LATER_CANCELLATION_CHOICES)
    dates.push(lastDayOfPeriodContaining(contract, addDays(dates.at(-1)!, 1)));
  return dates;
}

export function portalOptions(input: PortalOptionsInput): PortalOptions {
  const { contract, template, allowedActions, today } = input;
  const live = input.status !== "ended";
  const may = (action: PortalAction) => live && allowedActions.includes(action);
  const booked = new Set(contract.items.map((item) => item.articleId));
  const canCancel = input.status === "active" && contract.endDate === null && may("cancel");
  return {
    switchOptions: live ? switchOptions(input) : [],
    addonOptions: may("add_addon")
      ? template.allowedAddonArticleIds.flatMap((id) => {
          const article = input.addonArticles.get(id);
          if (!article || booked.has(id)) return [];
          const periodAmount = itemPeriodAmount(
            { kind: "addon", unitAmount: article.unitAmount, quantity: 1 },
            contract.interval,
          );
          return [
            {
              articleId: id,
              name: article.name,
              periodAmount,
              taxRate: article.taxRate,
              maxQuantity: MAX_QUANTITY,
            },
          ];
        })
      : [],
    items: contract.items.map((item) => ({
      id: item.id,
      removable: item.kind === "addon" && may("remove_item"),
      quantityChangeable: item.kind === "addon" && may("change_quantity"),
      maxQuantity: MAX_QUANTITY,
    })),
    changeDates: live
      ? allowedChangeDates(contract, template, today)
      : { dates: [], ranges: [], points: [] },
    canCancel,
    earliestCancellationDate: canCancel ? earliestCancellationEnd(contract, today) : null,
    cancellationEndDates: canCancel ? cancellationDates(contract, today) : [],
  };
}
