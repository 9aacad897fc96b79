// /api/v1/contract-templates: tariffs with their plan article, billing interval, terms, allowed
// add-ons and the change points a customer may choose from.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import {
  IdOf,
  IdParam,
  InstantOut,
  Int,
  ListQuery,
  NameSchema,
  patchObject,
  shaped,
  toPage,
} from "../http/schemas.ts";
import { changeContractTemplate, createContractTemplate } from "../flows/contract-templates.ts";
import { valid } from "../http/validation.ts";
import {
  findContractTemplate,
  listContractTemplates,
  type ContractTemplateRecord,
} from "../store/catalogue.ts";

const ChangePointSchema = v.variant("type", [
  v.strictObject({ type: v.literal("immediately") }),
  v.strictObject({ type: v.literal("next_period") }),
  v.strictObject({ type: v.literal("end_of_term") }),
  v.strictObject({ type: v.literal("next_month") }),
  v.pipe(
    v.strictObject({
      type: v.literal("custom"),
      minLeadDays: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3650)),
      maxHorizonDays: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3650)),
    }),
    v.check(
      (point) => point.maxHorizonDays >= point.minLeadDays,
      "maxHorizonDays must not be less than minLeadDays",
    ),
  ),
]);

const ChangePoints = v.pipe(
  v.array(ChangePointSchema),
  v.minLength(1, "list at least one change point"),
  v.maxLength(5),
);
const AddonIds = v.pipe(v.array(IdOf("art")), v.maxLength(50));
const Months = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(120));
const Days = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(730));
const DowngradeTiming = v.picklist(["next_period", "like_upgrade"]);

const CreateContractTemplate = v.strictObject({
  name: NameSchema,
  templateGroupId: IdOf("tgr"),
  planArticleId: IdOf("art"),
  billingInterval: v.picklist(["month", "quarter", "year"]),
  minimumTermMonths: v.optional(Months, 0),
  noticePeriodDays: v.optional(Days, 0),
  allowedAddonArticleIds: v.optional(AddonIds, []),
  changePoints: v.optional(ChangePoints, [{ type: "immediately" }, { type: "next_period" }]),
  downgradeTiming: v.optional(DowngradeTiming, "next_period"),
});

// Interval and plan article stay fixed: running contracts were priced by them.
const UpdateContractTemplate = patchObject({
  name: v.optional(NameSchema),
  /** Moving a tariff to another group changes which tariffs its customers may switch to. */
  templateGroupId: v.optional(IdOf("tgr")),
  minimumTermMonths: v.optional(Months),
  noticePeriodDays: v.optional(Days),
  allowedAddonArticleIds: v.optional(AddonIds),
  changePoints: v.optional(ChangePoints),
  downgradeTiming: v.optional(DowngradeTiming),
});

const TemplateListQuery = v.object({
  ...ListQuery.entries,
  templateGroupId: v.optional(IdOf("tgr")),
});

const ContractTemplateResource = v.object({
  id: v.string(),
  templateGroupId: v.string(),
  name: v.string(),
  planArticleId: v.string(),
  billingInterval: v.picklist(["month", "quarter", "year"]),
  minimumTermMonths: Int,
  noticePeriodDays: Int,
  allowedAddonArticleIds: v.array(v.string()),
  changePoints: v.array(ChangePointSchema),
  downgradeTiming: DowngradeTiming,
  createdAt: InstantOut,
  updatedAt: v.nullable(InstantOut),
});

function contractTemplateResource(template: ContractTemplateRecord) {
  const { merchantId: _merchant, ...rest } = template;
  return shaped(ContractTemplateResource)(rest);
}

export const contractTemplatesRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc("Catalogue", "Create a contract template (tariff)", {
      status: 201,
      schema: ContractTemplateResource,
    }),
    valid("json", CreateContractTemplate),
    async (c) => {
      const template = await createContractTemplate(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("json"),
      );
      return c.json(contractTemplateResource(template), 201);
    },
  )
  .get(
    "/",
    doc("Catalogue", "List contract templates", { schema: PageOf(ContractTemplateResource) }),
    valid("query", TemplateListQuery),
    async (c) => {
      const { limit, cursor, templateGroupId } = c.req.valid("query");
      const rows = await listContractTemplates(c.var.db, c.get("merchant").id, {
        limit,
        cursor,
        groupId: templateGroupId,
      });
      return c.json(toPage(rows, limit, contractTemplateResource));
    },
  )
  .get(
    "/:id",
    doc(
      "Catalogue",
      "Get a contract template",
      { schema: ContractTemplateResource },
      { errors: [404] },
    ),
    valid("param", IdParam("tpl")),
    async (c) => {
      const { id } = c.req.valid("param");
      const template = await findContractTemplate(c.var.db, c.get("merchant").id, id);
      if (!template) throw notFound("Contract template", id);
      return c.json(contractTemplateResource(template));
    },
  )
  .patch(
    "/:id",
    doc(
      "Catalogue",
      "Update a contract template",
      { schema: ContractTemplateResource },
      { errors: [404] },
    ),
    valid("param", IdParam("tpl")),
    valid("json", UpdateContractTemplate),
    async (c) => {
      const updated = await changeContractTemplate(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("param").id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(contractTemplateResource(updated));
    },
  );
