// The self-service portal's storage: sessions (tokens stored as SHA-256 digests only) and the
// one-round-trip load of everything a customer's contract overview needs.
import { and, asc, desc, eq, gt, inArray, isNull, lt, ne, sql } from "drizzle-orm";
import { dunningLevels } from "../../schema/dunning.ts";
import { sepaCreditors, sepaMandates } from "../../schema/sepa.ts";
import {
  articles,
  contractChanges,
  contractItems,
  contractTemplates,
  contracts,
  customers,
  invoices,
  merchants,
  portalSessions,
} from "../../schema/tables.ts";
import type { Db } from "./db.ts";
import type { MerchantRecord } from "./merchants.ts";

export type PortalSessionRecord = typeof portalSessions.$inferSelect;

export async function insertPortalSession(
  db: Db,
  row: typeof portalSessions.$inferInsert,
): Promise<PortalSessionRecord> {
  return (await db.insert(portalSessions).values(row).returning())[0]!;
}

export async function revokePortalSession(
  db: Db,
  merchantId: string,
  id: string,
  at: string,
): Promise<boolean> {
  const rows = await db
    .update(portalSessions)
    .set({ revokedAt: at })
    .where(
      and(
        eq(portalSessions.merchantId, merchantId),
        eq(portalSessions.id, id),
        isNull(portalSessions.revokedAt),
      ),
    )
    .returning({ id: portalSessions.id });
  return rows.length > 0;
}

export interface PortalPrincipal {
  session: PortalSessionRecord;
  merchant: MerchantRecord;
  customer: { id: string; name: string; locale: string };
}

/** A live session: not revoked, not expired. */
export async function findPortalPrincipal(
  db: Db,
  tokenHash: string,
  now: string,
): Promise<PortalPrincipal | undefined> {
  const rows = await db
    .select({
      session: portalSessions,
      merchant: merchants,
      customer: { id: customers.id, name: customers.name, locale: customers.locale },
    })
    .from(portalSessions)
    .innerJoin(merchants, eq(merchants.id, portalSessions.merchantId))
    .innerJoin(
      customers,
      and(
        eq(customers.id, portalSessions.customerId),
        eq(customers.merchantId, portalSessions.merchantId),
      ),
    )
    .where(
      and(
        eq(portalSessions.tokenHash, tokenHash),
        isNull(portalSessions.revokedAt),
        gt(portalSessions.expiresAt, now),
      ),
    )
    .limit(1);
  return rows[0];
}

/**
 * Every row the overview needs, in one batch: the customer's contracts, their current items and
 * scheduled changes, all templates of their groups and the plan and add-on articles those use.
 * Single-table selects keyed by subqueries (see change-context.ts for why not joins).
 */
export async function loadPortalRows(db: Db, merchantId: string, customerId: string) {
  const contractIds = db
    .select({ id: contracts.id })
    .from(contracts)
    .where(and(eq(contracts.merchantId, merchantId), eq(contracts.customerId, customerId)));
  const groupIds = db
    .select({ id: contractTemplates.templateGroupId })
    .from(contractTemplates)
    .where(
      inArray(
        contractTemplates.id,
        db
          .select({ id: contracts.templateId })
          .from(contracts)
          .where(inArray(contracts.id, contractIds)),
      ),
    );
  const templateIds = db
    .select({ id: contractTemplates.id })
    .from(contractTemplates)
    .where(inArray(contractTemplates.templateGroupId, groupIds));
  const articleIds = sql`(SELECT plan_article_id FROM contract_templates WHERE id IN ${templateIds}
    UNION SELECT addon.value FROM contract_templates, json_each(contract_templates.allowed_addon_article_ids) AS addon WHERE contract_templates.id IN ${templateIds})`;
  const [contractRows, items, changes, templates, articleRows] = await db.batch([
    db
      .select()
      .from(contracts)
      .where(inArray(contracts.id, contractIds))
      .orderBy(desc(contracts.id)),
    db
      .select()
      .from(contractItems)
      .where(and(inArray(contractItems.contractId, contractIds), isNull(contractItems.endedOn))),
    db
      .select()
      .from(contractChanges)
      .where(
        and(
          inArray(contractChanges.contractId, contractIds),
          eq(contractChanges.status, "scheduled"),
        ),
      ),
    db
      .select()
      .from(contractTemplates)
      .where(
        and(
          eq(contractTemplates.merchantId, merchantId),
          inArray(contractTemplates.id, templateIds),
        ),
      ),
    db
      .select()
      .from(articles)
      .where(and(eq(articles.merchantId, merchantId), sql`${articles.id} IN ${articleIds}`)),
  ]);
  return { contracts: contractRows, items, changes, templates, articles: articleRows };
}

/** The customer's invoices, newest first. */
export async function listCustomerInvoices(
  db: Db,
  merchantId: string,
  customerId: string,
  { limit, cursor }: { limit: number; cursor?: string | undefined },
) {
  return db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.merchantId, merchantId),
        eq(invoices.customerId, customerId),
        cursor ? lt(invoices.id, cursor) : undefined,
      ),
    )
    .orderBy(desc(invoices.id))
    .limit(limit + 1);
}

/** Whether the contract belongs to this customer (the portal answers 404 otherwise). */
export async function isCustomersContract(
  db: Db,
  merchantId: string,
  customerId: string,
  contractId: string,
): Promise<boolean> {
  const rows = await db
    .select({ id: contracts.id })
    .from(contracts)
    .where(
      and(
        eq(contracts.merchantId, merchantId),
        eq(contracts.customerId, customerId),
        eq(contracts.id, contractId),
      ),
    )
    .limit(1);
  return rows.length === 1;
}

/**
 * Everything GET /portal/v1/account shows, in one batch: the customer's invoices with something
 * left to pay, the dunning levels they reached, the customer's latest mandate and the
 * merchant's creditor data (for the transfer details and the mandate text).
 */
export async function loadPortalAccountRows(db: Db, merchantId: string, customerId: string) {
  const owed = and(
    eq(invoices.merchantId, merchantId),
    eq(invoices.customerId, customerId),
    inArray(invoices.status, ["open", "partially_paid", "collection_pending"]),
    ne(invoices.kind, "credit_note"),
    gt(invoices.grossAmount, invoices.amountPaid),
  );
  const [owedInvoices, levels, latest, creditor] = await db.batch([
    db.select().from(invoices).where(owed).orderBy(asc(invoices.dueDate), asc(invoices.id)),
    db
      .select()
      .from(dunningLevels)
      .where(
        and(
          eq(dunningLevels.merchantId, merchantId),
          eq(dunningLevels.customerId, customerId),
          inArray(
            dunningLevels.invoiceId,
            db.select({ id: invoices.id }).from(invoices).where(owed),
          ),
        ),
      ),
    db
      .select()
      .from(sepaMandates)
      .where(and(eq(sepaMandates.merchantId, merchantId), eq(sepaMandates.customerId, customerId)))
      .orderBy(desc(sepaMandates.id))
      .limit(1),
    db.select().from(sepaCreditors).where(eq(sepaCreditors.merchantId, merchantId)).limit(1),
  ]);
  return { invoices: owedInvoices, levels, latestMandate: latest[0], creditor: creditor[0] };
}
