// /api/v1/contract-templates: tariffs with their plan article, billing interval, terms, allowed
// add-ons and the change points a customer may choose from.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { notFound, invalidFields, missingReference } from "../domain/errors.ts";
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
import { valid } from "../http/validation.ts";
import {
  findArticles,
  findContractTemplate,
  findTemplateGroup,
  insertContractTemplate,
  listContractTemplates,
  updateContractTemplate,
  type ContractTemplateRecord,
} from "../store/catalogue.ts";
import { type Db } from "../store/db.ts";
import { newId } from "../security.ts";

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

/** The referenced articles must be this merchant's, of the right kind and in one currency. */
async function checkArticles(
  db: Db,
  merchantId: string,
  planArticleId: string | undefined,
  addonIds: readonly string[],
) {
  const wanted = [...new Set([...(planArticleId ? [planArticleId] : []), ...addonIds])];
  const found = new Map(
    (await findArticles(db, merchantId, wanted)).map((article) => [article.id, article]),
  );
  const errors: { field: string; message: string }[] = [];
  if (planArticleId) {
    const plan = found.get(planArticleId);
    if (!plan)
      errors.push({ field: "planArticleId", message: `article ${planArticleId} does not exist` });
    else if (plan.kind !== "plan")
      errors.push({
        field: "planArticleId",
        message: `article ${planArticleId} is a ${plan.kind}, not a plan`,
      });
  }
  addonIds.forEach((id, index) => {
    const addon = found.get(id);
    if (!addon)
      errors.push({
        field: `allowedAddonArticleIds.${index}`,
        message: `article ${id} does not exist`,
      });
    else if (addon.kind !== "addon")
      errors.push({
        field: `allowedAddonArticleIds.${index}`,
        message: `article ${id} is a ${addon.kind}, not an addon`,
      });
  });
  const currencies = new Set([...found.values()].map((article) => article.currency));
  if (currencies.size > 1)
    errors.push({
      field: "allowedAddonArticleIds",
      message: "plan and add-ons must share one currency",
    });
  if (errors.length > 0) throw invalidFields(errors);
}

async function checkGroup(db: Db, merchantId: string, groupId: string) {
  if (!(await findTemplateGroup(db, merchantId, groupId)))
    throw missingReference("templateGroupId", `template group ${groupId} does not exist`);
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
      const body = c.req.valid("json");
      const merchantId = c.get("merchant").id;
      const db = c.var.db;
      await checkGroup(db, merchantId, body.templateGroupId);
      await checkArticles(db, merchantId, body.planArticleId, body.allowedAddonArticleIds);
      const template = await insertContractTemplate(db, { id: newId("tpl"), merchantId, ...body });
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
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const merchantId = c.get("merchant").id;
      const db = c.var.db;
      if (!(await findContractTemplate(db, merchantId, id)))
        throw notFound("Contract template", id);
      if (patch.templateGroupId) await checkGroup(db, merchantId, patch.templateGroupId);
      if (patch.allowedAddonArticleIds)
        await checkArticles(db, merchantId, undefined, patch.allowedAddonArticleIds);
      const updated = await updateContractTemplate(db, merchantId, id, {
        ...patch,
        updatedAt: c.var.now.toISOString(),
      });
      if (!updated) throw notFound("Contract template", id);
      return c.json(contractTemplateResource(updated));
    },
  );
