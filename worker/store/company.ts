// The merchant's company settings (the seller on every invoice) and what an invoice about to be
// issued needs of both parties, read in one D1 batch.
import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { SQLiteSelect } from "drizzle-orm/sqlite-core";
import { companySettings } from "../../schema/documents.ts";
import { sepaCreditors, sepaMandates } from "../../schema/sepa.ts";
import { contracts, customers, merchants } from "../../schema/tables.ts";
import type { CompanySettings } from "../domain/company.ts";
import type { InvoiceParties } from "../domain/invoice-snapshot.ts";
import type { Db } from "./db.ts";

type CompanyRow = typeof companySettings.$inferSelect;

export function companyOf(row: CompanyRow | undefined): CompanySettings | null {
  if (!row) return null;
  const { merchantId: _merchant, updatedAt: _updated, logoSha256, logoContentType, ...rest } = row;
  return {
    ...rest,
    logo:
      logoSha256 && logoContentType ? { sha256: logoSha256, contentType: logoContentType } : null,
  };
}

export async function findCompanySettings(
  db: Db,
  merchantId: string,
): Promise<CompanySettings | null> {
  const rows = await db
    .select()
    .from(companySettings)
    .where(eq(companySettings.merchantId, merchantId))
    .limit(1);
  return companyOf(rows[0]);
}

export async function saveCompanySettings(
  db: Db,
  merchantId: string,
  settings: CompanySettings,
  at: Date,
): Promise<void> {
  const { logo, ...fields } = settings;
  const row = {
    ...fields,
    logoSha256: logo?.sha256 ?? null,
    logoContentType: logo?.contentType ?? null,
    updatedAt: at.toISOString(),
  };
  await db
    .insert(companySettings)
    .values({ merchantId, ...row })
    .onConflictDoUpdate({ target: companySettings.merchantId, set: row });
}

export type CustomerIds = string[] | SQLiteSelect | ReturnType<typeof customerIdOf>;

/** The customer of a contract, as a subquery, so the parties load in the contract's own batch. */
export const customerIdOf = (db: Db, contractId: string) =>
  db.select({ id: contracts.customerId }).from(contracts).where(eq(contracts.id, contractId));

/**
 * Company, customer, and the customer's active mandate with the merchant's creditor id: four
 * single-table selects to put into a batch (see invoicePartiesOf for the mapping).
 */
export function invoicePartiesQueries(db: Db, merchantId: string, customerIds: CustomerIds) {
  return [
    db.select().from(companySettings).where(eq(companySettings.merchantId, merchantId)).limit(1),
    db
      .select()
      .from(customers)
      .where(and(eq(customers.merchantId, merchantId), inArray(customers.id, customerIds)))
      .limit(1),
    db
      .select({ reference: sepaMandates.reference, ibanMasked: sepaMandates.ibanMasked })
      .from(sepaMandates)
      .where(
        and(
          eq(sepaMandates.merchantId, merchantId),
          inArray(sepaMandates.customerId, customerIds),
          eq(sepaMandates.status, "active"),
        ),
      )
      .orderBy(desc(sepaMandates.id))
      .limit(1),
    db
      .select({ creditorId: sepaCreditors.creditorId })
      .from(sepaCreditors)
      .where(eq(sepaCreditors.merchantId, merchantId))
      .limit(1),
  ] as const;
}

type PartiesRows = readonly [
  CompanyRow[],
  (typeof customers.$inferSelect)[],
  { reference: string; ibanMasked: string }[],
  { creditorId: string }[],
];

export function invoicePartiesOf([company, customer, mandate, creditor]: PartiesRows):
  InvoiceParties | undefined {
  const row = customer[0];
  if (!row) return undefined;
  const active = mandate[0];
  const creditorId = creditor[0]?.creditorId;
  return {
    company: companyOf(company[0]),
    customer: {
      id: row.id,
      name: row.name,
      kind: row.kind,
      billingAddress: row.billingAddress,
      vatId: row.vatId,
      buyerReference: row.buyerReference,
      email: row.email,
      locale: row.locale,
    },
    directDebit:
      active && creditorId
        ? {
            mandateReference: active.reference,
            debtorIbanMasked: active.ibanMasked.replace(/\s/g, ""),
            creditorId,
          }
        : null,
  };
}

export async function loadInvoiceParties(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<InvoiceParties | undefined> {
  return invoicePartiesOf(await db.batch(invoicePartiesQueries(db, merchantId, [customerId])));
}

/** A merchant's side of its invoices, read once per billing invocation: settings, creditor id. */
export interface SellerRows {
  company: CompanyRow | undefined;
  creditorId: string | undefined;
}

/**
 * These merchants with their company settings and creditor id, ONE select for a batch (the
 * billing run reads each merchant once per invocation).
 */
export function merchantsWithSellerQuery(db: Db, merchantIds: readonly string[]) {
  return db
    .select({
      merchant: merchants,
      company: companySettings,
      creditorId: sql<
        string | null
      >`(SELECT sc.creditor_id FROM ${sepaCreditors} AS sc WHERE sc.merchant_id = "merchants"."id" LIMIT 1)`,
    })
    .from(merchants)
    .leftJoin(companySettings, eq(companySettings.merchantId, merchants.id))
    .where(inArray(merchants.id, [...merchantIds]));
}

/**
 * The customers of a page of contracts with their active mandate (the newest) and `extra`
 * columns of the caller's (the billing page asks whether credit is left), in ONE select.
 */
export function pageCustomersQuery<X extends Record<string, SQL.Aliased | SQL>>(
  db: Db,
  customerIds: CustomerIds,
  extra: X,
) {
  const mandate = (column: SQL) =>
    sql<
      string | null
    >`(SELECT ${column} FROM ${sepaMandates} AS m WHERE m.merchant_id = "customers"."merchant_id" AND m.customer_id = "customers"."id" AND m.status = 'active' ORDER BY m.id DESC LIMIT 1)`;
  return db
    .select({
      customer: customers,
      mandateReference: mandate(sql`m.reference`),
      mandateIbanMasked: mandate(sql`m.iban_masked`),
      ...extra,
    })
    .from(customers)
    .where(inArray(customers.id, customerIds));
}

/** The parties of one invoice of a billing page (the same mapping as a single invoice's). */
export function partiesOfPage(
  seller: SellerRows | undefined,
  row:
    | {
        customer: typeof customers.$inferSelect;
        mandateReference: string | null;
        mandateIbanMasked: string | null;
      }
    | undefined,
): InvoiceParties | undefined {
  if (!row) return undefined;
  const { mandateReference: reference, mandateIbanMasked: ibanMasked } = row;
  return invoicePartiesOf([
    seller?.company ? [seller.company] : [],
    [row.customer],
    reference !== null && ibanMasked !== null ? [{ reference, ibanMasked }] : [],
    seller?.creditorId ? [{ creditorId: seller.creditorId }] : [],
  ]);
}
