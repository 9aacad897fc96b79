// The merchant's company settings (the seller on every invoice) and what an invoice about to be
// issued needs of both parties, read in one D1 batch.
import { and, desc, eq, inArray } from "drizzle-orm";
import type { SQLiteSelect } from "drizzle-orm/sqlite-core";
import { companySettings } from "../../schema/documents.ts";
import { sepaCreditors, sepaMandates } from "../../schema/sepa.ts";
import { contracts, customers } from "../../schema/tables.ts";
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

/**
 * The parties of a page of contracts (billing run), as four selects for the page's one context
 * batch: the merchants' company settings and creditor ids, the contracts' customers and their
 * active mandates. `partiesOfPage` maps them to each customer's InvoiceParties.
 */
export function invoicePartiesPageQueries(
  db: Db,
  merchantIds: readonly string[],
  customerIds: CustomerIds,
) {
  const ids = [...merchantIds];
  return [
    db.select().from(companySettings).where(inArray(companySettings.merchantId, ids)),
    db
      .select()
      .from(customers)
      .where(and(inArray(customers.merchantId, ids), inArray(customers.id, customerIds))),
    db
      .select({
        merchantId: sepaMandates.merchantId,
        customerId: sepaMandates.customerId,
        reference: sepaMandates.reference,
        ibanMasked: sepaMandates.ibanMasked,
      })
      .from(sepaMandates)
      .where(
        and(
          inArray(sepaMandates.merchantId, ids),
          inArray(sepaMandates.customerId, customerIds),
          eq(sepaMandates.status, "active"),
        ),
      )
      .orderBy(desc(sepaMandates.id)),
    db
      .select({ merchantId: sepaCreditors.merchantId, creditorId: sepaCreditors.creditorId })
      .from(sepaCreditors)
      .where(inArray(sepaCreditors.merchantId, ids)),
  ] as const;
}

type PageRows = readonly [
  CompanyRow[],
  (typeof customers.$inferSelect)[],
  { merchantId: string; customerId: string; reference: string; ibanMasked: string }[],
  { merchantId: string; creditorId: string }[],
];

/** The parties of one customer out of a page's rows (the same mapping as one invoice's). */
export function partiesOfPage(
  [company, customer, mandate, creditor]: PageRows,
  merchantId: string,
  customerId: string,
): InvoiceParties | undefined {
  const ofMerchant = <T extends { merchantId: string }>(row: T) => row.merchantId === merchantId;
  return invoicePartiesOf([
    company.filter(ofMerchant),
    customer.filter((row) => row.merchantId === merchantId && row.id === customerId),
    mandate.filter((row) => row.merchantId === merchantId && row.customerId === customerId),
    creditor.filter(ofMerchant),
  ]);
}
