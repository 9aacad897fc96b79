// The merchant's catalogue: articles, template groups and contract templates (tariffs).
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import { articles, contractTemplates, templateGroups } from "../../schema/tables.ts";
import type { Db } from "./db.ts";

export type ArticleRecord = typeof articles.$inferSelect;
export type TemplateGroupRecord = typeof templateGroups.$inferSelect;
export type ContractTemplateRecord = typeof contractTemplates.$inferSelect;

export interface ListOptions {
  limit: number;
  cursor?: string | undefined;
}

export async function insertArticle(
  db: Db,
  row: typeof articles.$inferInsert,
): Promise<ArticleRecord> {
  return (await db.insert(articles).values(row).returning())[0]!;
}

export async function findArticle(
  db: Db,
  merchantId: string,
  id: string,
): Promise<ArticleRecord | undefined> {
  return db.query.articles.findFirst({
    where: and(eq(articles.merchantId, merchantId), eq(articles.id, id)),
  });
}

export async function findArticles(
  db: Db,
  merchantId: string,
  ids: readonly string[],
): Promise<ArticleRecord[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(articles)
    .where(and(eq(articles.merchantId, merchantId), inArray(articles.id, [...ids])));
}

export async function listArticles(db: Db, merchantId: string, { limit, cursor }: ListOptions) {
  return db
    .select()
    .from(articles)
    .where(and(eq(articles.merchantId, merchantId), cursor ? gt(articles.id, cursor) : undefined))
    .orderBy(asc(articles.id))
    .limit(limit + 1);
}

export async function insertTemplateGroup(
  db: Db,
  row: typeof templateGroups.$inferInsert,
): Promise<TemplateGroupRecord> {
  return (await db.insert(templateGroups).values(row).returning())[0]!;
}

export async function findTemplateGroup(
  db: Db,
  merchantId: string,
  id: string,
): Promise<TemplateGroupRecord | undefined> {
  return db.query.templateGroups.findFirst({
    where: and(eq(templateGroups.merchantId, merchantId), eq(templateGroups.id, id)),
  });
}

export async function listTemplateGroups(
  db: Db,
  merchantId: string,
  { limit, cursor }: ListOptions,
) {
  return db
    .select()
    .from(templateGroups)
    .where(
      and(
        eq(templateGroups.merchantId, merchantId),
        cursor ? gt(templateGroups.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(templateGroups.id))
    .limit(limit + 1);
}

export async function insertContractTemplate(
  db: Db,
  row: typeof contractTemplates.$inferInsert,
): Promise<ContractTemplateRecord> {
  return (await db.insert(contractTemplates).values(row).returning())[0]!;
}

export async function updateContractTemplate(
  db: Db,
  merchantId: string,
  id: string,
  patch: Partial<typeof contractTemplates.$inferInsert>,
): Promise<ContractTemplateRecord | undefined> {
  const rows = await db
    .update(contractTemplates)
    .set(patch)
    .where(and(eq(contractTemplates.merchantId, merchantId), eq(contractTemplates.id, id)))
    .returning();
  return rows[0];
}

export async function findContractTemplate(
  db: Db,
  merchantId: string,
  id: string,
): Promise<ContractTemplateRecord | undefined> {
  return db.query.contractTemplates.findFirst({
    where: and(eq(contractTemplates.merchantId, merchantId), eq(contractTemplates.id, id)),
  });
}

export async function listContractTemplates(
  db: Db,
  merchantId: string,
  { limit, cursor, groupId }: ListOptions & { groupId?: string | undefined },
) {
  return db
    .select()
    .from(contractTemplates)
    .where(
      and(
        eq(contractTemplates.merchantId, merchantId),
        groupId ? eq(contractTemplates.templateGroupId, groupId) : undefined,
        cursor ? gt(contractTemplates.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(contractTemplates.id))
    .limit(limit + 1);
}

/** All templates of one group: the tariffs a contract may switch between (groups are small). */
export async function findGroupTemplates(
  db: Db,
  merchantId: string,
  groupId: string,
): Promise<ContractTemplateRecord[]> {
  return db
    .select()
    .from(contractTemplates)
    .where(
      and(
        eq(contractTemplates.merchantId, merchantId),
        eq(contractTemplates.templateGroupId, groupId),
      ),
    )
    .orderBy(asc(contractTemplates.id));
}
