// Contracts and their items. Every write that changes a contract after creation goes through
// `guardedContractWrite`, which bumps the version and aborts the whole D1 batch if another
// writer changed the contract first.
import { and, asc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { contractItems, contracts } from "../../schema/tables.ts";
import { insertInChunks, inRows, jsonRows, rowValue, type Db } from "./db.ts";
import type { ListOptions } from "./catalogue.ts";

export type ContractRecord = typeof contracts.$inferSelect;
export type ContractItemRecord = typeof contractItems.$inferSelect;
export type ContractWithItems = ContractRecord & { items: ContractItemRecord[] };

/** The view with the INSTEAD OF trigger from migration 0001 (not a table: drizzle-kit must not create it). */
const contractWriteGuard = sqliteTable("contract_write_guard", {
  contractId: text("contract_id").notNull(),
  writeId: text("write_id").notNull(),
});

export function insertItemsStatements(
  db: Db,
  items: (typeof contractItems.$inferInsert)[],
): BatchItem<"sqlite">[] {
  return insertInChunks(db, contractItems, items);
}

export function insertContractStatements(
  db: Db,
  contract: typeof contracts.$inferInsert,
  items: (typeof contractItems.$inferInsert)[],
): BatchItem<"sqlite">[] {
  return [db.insert(contracts).values(contract), ...insertItemsStatements(db, items)];
}

/** Loads a contract and its current items in one round trip. */
export async function findContract(
  db: Db,
  merchantId: string,
  id: string,
): Promise<ContractWithItems | undefined> {
  const [rows, items] = await db.batch([
    db
      .select()
      .from(contracts)
      .where(and(eq(contracts.merchantId, merchantId), eq(contracts.id, id)))
      .limit(1),
    activeItemsQuery(db, merchantId, id),
  ]);
  return rows[0] ? { ...rows[0], items } : undefined;
}

export function activeItemsQuery(db: Db, merchantId: string, contractId: string) {
  return db
    .select()
    .from(contractItems)
    .where(
      and(
        eq(contractItems.merchantId, merchantId),
        eq(contractItems.contractId, contractId),
        isNull(contractItems.endedOn),
      ),
    )
    .orderBy(asc(contractItems.id));
}

export async function listContracts(
  db: Db,
  merchantId: string,
  {
    limit,
    cursor,
    customerId,
    status,
  }: ListOptions & {
    customerId?: string | undefined;
    status?: ContractRecord["status"] | undefined;
  },
) {
  return db
    .select()
    .from(contracts)
    .where(
      and(
        eq(contracts.merchantId, merchantId),
        customerId ? eq(contracts.customerId, customerId) : undefined,
        status ? eq(contracts.status, status) : undefined,
        cursor ? gt(contracts.id, cursor) : undefined,
      ),
    )
    .orderBy(asc(contracts.id))
    .limit(limit + 1);
}

/**
 * The first statements of every batch that changes an existing contract: bump the version
 * only if it is still `expectedVersion`, then let the guard trigger abort the batch otherwise.
 */
export function guardedContractWrite(
  db: Db,
  contract: { id: string; merchantId: string; version: number },
  writeId: string,
  set: Partial<typeof contracts.$inferInsert>,
): BatchItem<"sqlite">[] {
  return [
    db
      .update(contracts)
      .set({ ...set, version: sql`${contracts.version} + 1`, lastWriteId: writeId })
      .where(
        and(
          eq(contracts.merchantId, contract.merchantId),
          eq(contracts.id, contract.id),
          eq(contracts.version, contract.version),
        ),
      ),
    db.insert(contractWriteGuard).values({ contractId: contract.id, writeId }),
  ];
}

/** Contract columns a page write may set per contract (each row its own value). */
type PerContractColumn = "currentPeriodStart" | "currentPeriodEnd" | "status";

/**
 * `guardedContractWrite` for a page of contracts in two statements plus one guard row each: every
 * contract's version must still be the one it was read at, or the guard aborts the whole batch.
 * Each row sets the same columns to its own values; `common` is set on all of them.
 */
export function guardedContractsWrite(
  db: Db,
  rows: readonly {
    contract: { id: string; merchantId: string; version: number };
    set: Partial<Record<PerContractColumn, string>>;
  }[],
  writeId: string,
  common: Partial<typeof contracts.$inferInsert>,
): BatchItem<"sqlite">[] {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!.set) as PerContractColumn[];
  const page = jsonRows(
    rows.map(({ contract, set }) => ({
      id: contract.id,
      merchantId: contract.merchantId,
      version: contract.version,
      ...set,
    })),
  );
  const perContract = Object.fromEntries(
    columns.map((column) => [column, rowValue(page, column, contracts.id)]),
  );
  return [
    db
      .update(contracts)
      .set({
        ...common,
        ...perContract,
        version: sql`${contracts.version} + 1`,
        lastWriteId: writeId,
      })
      .where(
        and(
          inRows(page, contracts.id),
          sql`${contracts.merchantId} = ${rowValue(page, "merchantId", contracts.id)}`,
          sql`${contracts.version} = ${rowValue(page, "version", contracts.id)}`,
        ),
      ),
    ...insertInChunks(
      db,
      contractWriteGuard,
      rows.map(({ contract }) => ({ contractId: contract.id, writeId })),
    ),
  ];
}

/** Each item's billed amount and the day it is billed from, for a page of items in one UPDATE. */
export function billedItemsStatements(
  db: Db,
  items: readonly {
    id: string;
    merchantId: string;
    billedPeriodAmount: number;
    billedPeriodStart: string;
  }[],
): BatchItem<"sqlite">[] {
  if (items.length === 0) return [];
  const page = jsonRows(items.map((item) => ({ ...item })));
  return [
    db
      .update(contractItems)
      .set({
        billedPeriodAmount: rowValue(page, "billedPeriodAmount", contractItems.id),
        billedPeriodStart: rowValue(page, "billedPeriodStart", contractItems.id),
      })
      .where(
        and(
          inRows(page, contractItems.id),
          sql`${contractItems.merchantId} = ${rowValue(page, "merchantId", contractItems.id)}`,
        ),
      ),
  ];
}

export async function findActiveItemsOf(
  db: Db,
  merchantId: string,
  contractIds: readonly string[],
): Promise<ContractItemRecord[]> {
  if (contractIds.length === 0) return [];
  return db
    .select()
    .from(contractItems)
    .where(
      and(
        eq(contractItems.merchantId, merchantId),
        inArray(contractItems.contractId, [...contractIds]),
        isNull(contractItems.endedOn),
      ),
    )
    .orderBy(asc(contractItems.id));
}
