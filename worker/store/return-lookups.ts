// What reconciling a run's returned direct debits reads, for all of them at once: the collections
// their identifiers name (end-to-end ids, mandate + amount, invoice numbers — one select each,
// each through its own index, the keys as one JSON parameter), then for the matched ones their
// invoices, the settlements' allocations, the fee terms and both parties of a fee invoice.
import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { companySettings } from "../../schema/documents.ts";
import { dunningSettings } from "../../schema/dunning.ts";
import { paymentAllocations } from "../../schema/reconciliation.ts";
import { sepaCollectionItems, sepaCreditors, sepaMandates } from "../../schema/sepa.ts";
import { customers, invoices, merchants } from "../../schema/tables.ts";
import { DEFAULT_DUNNING_SETTINGS, type DunningSettings } from "../domain/dunning.ts";
import type { InvoiceParties } from "../domain/invoice-snapshot.ts";
import { partiesOfPage } from "./company.ts";
import { hasCreditLeft } from "./customer-credit.ts";
import type { Db } from "./db.ts";
import type { AllocationRecord } from "./payment-allocations.ts";
import { invoicesByIdsQuery, type InvoiceState } from "./reconciliation-load.ts";
import type { RunItemRecord } from "./sepa-runs.ts";

const jsonList = (values: readonly unknown[]) =>
  sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;

/** Banks print references in any case and break them with spaces; ours have neither. */
export const collectionKey = (text: string) => text.replace(/\s+/g, "").toUpperCase();

export interface ReturnKeys {
  /** End-to-end ids as the items store them (collectionKey). */
  endToEndIds: readonly string[];
  /** [mandate reference key (collectionKey), amount in cents]. */
  mandateAmounts: readonly (readonly [string, number])[];
  invoiceNumbers: readonly string[];
}

export interface ReturnCollections {
  byEndToEnd: RunItemRecord[];
  byMandate: RunItemRecord[];
  byNumber: RunItemRecord[];
}

/** Every collection (not discarded) the returns of a run name, three selects in one batch. */
export async function collectionsForReturns(
  db: Db,
  merchantId: string,
  keys: ReturnKeys,
): Promise<ReturnCollections> {
  const live = and(
    eq(sepaCollectionItems.merchantId, merchantId),
    ne(sepaCollectionItems.status, "cancelled"),
  );
  const pairs = JSON.stringify(keys.mandateAmounts);
  const [byEndToEnd, byMandate, byNumber] = await db.batch([
    db
      .select()
      .from(sepaCollectionItems)
      .where(and(live, sql`${sepaCollectionItems.endToEndId} IN ${jsonList(keys.endToEndIds)}`)),
    db
      .select()
      .from(sepaCollectionItems)
      .where(
        and(
          live,
          sql`(${sepaCollectionItems.mandateReferenceKey}, ${sepaCollectionItems.amount}) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(${pairs}))`,
        ),
      ),
    db
      .select()
      .from(sepaCollectionItems)
      .where(
        and(live, sql`${sepaCollectionItems.invoiceNumber} IN ${jsonList(keys.invoiceNumbers)}`),
      ),
  ]);
  return { byEndToEnd, byMandate, byNumber };
}

export interface ReturnFeeTerms {
  settings: DunningSettings;
  timeZone: string;
  paymentTermDays: number;
}

export interface ReturnCustomer {
  locale: string;
  parties: InvoiceParties | undefined;
  /** Whether credit is left that a fee invoice would take at once. */
  hasCredit: boolean;
}

export interface ReturnContext {
  invoices: Map<string, InvoiceState>;
  /** Collection item id → the active allocation its settlement booked. */
  allocations: Map<string, AllocationRecord>;
  terms: ReturnFeeTerms;
  customers: Map<string, ReturnCustomer>;
}

/**
 * What booking the matched returns needs, in ONE batch of six selects: their invoices, the
 * allocations of the settled items, the merchant's return fee settings and terms, its seller
 * data (company, creditor id) and the customers with their active mandate and open credit.
 */
export async function returnContext(
  db: Db,
  merchantId: string,
  /** The invoices and the settled items; the customers are those of the invoices. */
  ids: { invoiceIds: readonly string[]; itemIds: readonly string[] },
): Promise<ReturnContext> {
  const mandate = (column: string) =>
    sql<
      string | null
    >`(SELECT ${sql.raw(column)} FROM ${sepaMandates} AS m WHERE m.merchant_id = "customers"."merchant_id" AND m.customer_id = "customers"."id" AND m.status = 'active' ORDER BY m.id DESC LIMIT 1)`;
  const [invoiceRows, allocationRows, settingRows, merchantRows, sellerRows, customerRows] =
    await db.batch([
      invoicesByIdsQuery(db, merchantId, ids.invoiceIds),
      db
        .select()
        .from(paymentAllocations)
        .where(
          and(
            // Not by merchant: through payment_allocations_item, never the merchant's whole list.
            sql`+${paymentAllocations.merchantId} = ${merchantId}`,
            sql`${paymentAllocations.collectionItemId} IN ${jsonList(ids.itemIds)}`,
            isNull(paymentAllocations.reversedAt),
          ),
        ),
      db
        .select({ settings: dunningSettings.settings })
        .from(dunningSettings)
        .where(eq(dunningSettings.merchantId, merchantId)),
      db
        .select({ timeZone: merchants.timeZone, paymentTermDays: merchants.paymentTermDays })
        .from(merchants)
        .where(eq(merchants.id, merchantId)),
      db
        .select({
          company: companySettings,
          creditorId: sql<
            string | null
          >`(SELECT sc.creditor_id FROM ${sepaCreditors} AS sc WHERE sc.merchant_id = ${merchantId} LIMIT 1)`,
        })
        .from(merchants)
        .leftJoin(companySettings, eq(companySettings.merchantId, merchants.id))
        .where(eq(merchants.id, merchantId)),
      db
        .select({
          customer: customers,
          mandateReference: mandate("m.reference"),
          mandateIbanMasked: mandate("m.iban_masked"),
          hasCredit: hasCreditLeft(sql`"customers"."merchant_id"`, sql`"customers"."id"`),
        })
        .from(customers)
        .where(
          and(
            eq(customers.merchantId, merchantId),
            sql`${customers.id} IN (SELECT i.customer_id FROM ${invoices} AS i WHERE i.merchant_id = ${merchantId} AND i.id IN ${jsonList(ids.invoiceIds)})`,
          ),
        ),
    ]);
  const terms = merchantRows[0];
  if (!terms) throw new Error(`merchant ${merchantId} is missing`);
  const seller = sellerRows[0];
  const allocations = new Map<string, AllocationRecord>();
  for (const allocation of allocationRows)
    if (allocation.collectionItemId && !allocations.has(allocation.collectionItemId))
      allocations.set(allocation.collectionItemId, allocation);
  return {
    invoices: new Map(invoiceRows.map((invoice) => [invoice.id, invoice])),
    allocations,
    terms: { settings: { ...DEFAULT_DUNNING_SETTINGS, ...settingRows[0]?.settings }, ...terms },
    customers: new Map(
      customerRows.map((row) => [
        row.customer.id,
        {
          locale: row.customer.locale,
          parties: partiesOfPage(
            seller
              ? { company: seller.company ?? undefined, creditorId: seller.creditorId ?? undefined }
              : undefined,
            row,
          ),
          hasCredit: Boolean(row.hasCredit),
        },
      ]),
    ),
  };
}
