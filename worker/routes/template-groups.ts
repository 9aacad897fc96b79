// /api/v1/template-groups: named sets of contract templates a customer may switch between.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import { IdParam, InstantOut, ListQuery, NameSchema, shaped, toPage } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import {
  findTemplateGroup,
  insertTemplateGroup,
  listTemplateGroups,
  type TemplateGroupRecord,
} from "../store/catalogue.ts";
import { newId } from "../security.ts";

const CreateTemplateGroup = v.strictObject({ name: NameSchema });

const TemplateGroupResource = v.object({ id: v.string(), name: v.string(), createdAt: InstantOut });

function templateGroupResource(group: TemplateGroupRecord) {
  const { merchantId: _merchant, ...rest } = group;
  return shaped(TemplateGroupResource)(rest);
}

export const templateGroupsRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc("Catalogue", "Create a template group", { status: 201, schema: TemplateGroupResource }),
    valid("json", CreateTemplateGroup),
    async (c) => {
      const group = await insertTemplateGroup(c.var.db, {
        id: newId("tgr"),
        merchantId: c.get("merchant").id,
        ...c.req.valid("json"),
      });
      return c.json(templateGroupResource(group), 201);
    },
  )
  .get(
    "/",
    doc("Catalogue", "List template groups", { schema: PageOf(TemplateGroupResource) }),
    valid("query", ListQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const rows = await listTemplateGroups(c.var.db, c.get("merchant").id, {
        limit,
        cursor,
      });
      return c.json(toPage(rows, limit, templateGroupResource));
    },
  )
  .get(
    "/:id",
    doc("Catalogue", "Get a template group", { schema: TemplateGroupResource }, { errors: [404] }),
    valid("param", IdParam("tgr")),
    async (c) => {
      const { id } = c.req.valid("param");
      const group = await findTemplateGroup(c.var.db, c.get("merchant").id, id);
      if (!group) throw notFound("Template group", id);
      return c.json(templateGroupResource(group));
    },
  );
