// /api/v1/articles: the merchant's sellable items (plans, add-ons, one-time articles).
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import {
  CentsSchema,
  CurrencySchema,
  IdParam,
  InstantOut,
  Int,
  ListQuery,
  NameSchema,
  shaped,
  TaxRateSchema,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import {
  findArticle,
  insertArticle,
  listArticles,
  type ArticleRecord,
} from "../store/catalogue.ts";
import { newId } from "../security.ts";

export const ArticleKind = v.picklist(["plan", "addon", "one_time"]);

const CreateArticle = v.strictObject({
  kind: ArticleKind,
  name: NameSchema,
  unitAmount: CentsSchema,
  currency: v.optional(CurrencySchema, "EUR"),
  taxRate: v.optional(TaxRateSchema, 1900),
});

export const ArticleResource = v.object({
  id: v.string(),
  kind: ArticleKind,
  name: v.string(),
  /** Cents: per billing period for a plan, per month for an add-on. */
  unitAmount: Int,
  currency: v.string(),
  taxRate: Int,
  createdAt: InstantOut,
});

export function articleResource(article: ArticleRecord) {
  const { merchantId: _merchant, ...rest } = article;
  return shaped(ArticleResource)(rest);
}

export const articlesRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc("Catalogue", "Create an article", { status: 201, schema: ArticleResource }),
    valid("json", CreateArticle),
    async (c) => {
      const body = c.req.valid("json");
      const article = await insertArticle(c.var.db, {
        id: newId("art"),
        merchantId: c.get("merchant").id,
        ...body,
      });
      return c.json(articleResource(article), 201);
    },
  )
  .get(
    "/",
    doc("Catalogue", "List articles", { schema: PageOf(ArticleResource) }),
    valid("query", ListQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const rows = await listArticles(c.var.db, c.get("merchant").id, { limit, cursor });
      return c.json(toPage(rows, limit, articleResource));
    },
  )
  .get(
    "/:id",
    doc("Catalogue", "Get an article", { schema: ArticleResource }, { errors: [404] }),
    valid("param", IdParam("art")),
    async (c) => {
      const { id } = c.req.valid("param");
      const article = await findArticle(c.var.db, c.get("merchant").id, id);
      if (!article) throw notFound("Article", id);
      return c.json(articleResource(article));
    },
  );
