// The contract-template (tariff) use cases: create and update one, checking that its template
// group and articles are the merchant's, of the right kind and in one currency.
import { invalidFields, missingReference, notFound } from "../domain/errors.ts";
import { newId } from "../security.ts";
import {
  findArticles,
  findContractTemplate,
  findTemplateGroup,
  insertContractTemplate,
  updateContractTemplate,
  type ContractTemplateRecord,
} from "../store/catalogue.ts";
import type { Db } from "../store/db.ts";
import type { contractTemplates } from "../../schema/tables.ts";

type TemplateFields = Omit<typeof contractTemplates.$inferInsert, "id" | "merchantId">;

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

export async function createContractTemplate(
  db: Db,
  merchantId: string,
  request: TemplateFields,
): Promise<ContractTemplateRecord> {
  await checkGroup(db, merchantId, request.templateGroupId);
  await checkArticles(db, merchantId, request.planArticleId, request.allowedAddonArticleIds);
  return insertContractTemplate(db, { id: newId("tpl"), merchantId, ...request });
}

export async function changeContractTemplate(
  db: Db,
  merchantId: string,
  templateId: string,
  patch: Partial<TemplateFields>,
  now: Date,
): Promise<ContractTemplateRecord> {
  if (!(await findContractTemplate(db, merchantId, templateId)))
    throw notFound("Contract template", templateId);
  if (patch.templateGroupId) await checkGroup(db, merchantId, patch.templateGroupId);
  if (patch.allowedAddonArticleIds)
    await checkArticles(db, merchantId, undefined, patch.allowedAddonArticleIds);
  const updated = await updateContractTemplate(db, merchantId, templateId, {
    ...patch,
    updatedAt: now.toISOString(),
  });
  if (!updated) throw notFound("Contract template", templateId);
  return updated;
}
