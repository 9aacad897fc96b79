// GET /api/v2/transactions of the fake: parameter validation with finAPI's error codes,
// filters, `order`, and paging (reference/finapi.md §3). Arrays are accepted both exploded
// (`accountIds=1&accountIds=2`) and comma-separated (`accountIds=1,2`), as the reference asks.
import { berlinDate } from "./errors.ts";
import type { FakeTransaction, TextField } from "./state.ts";

export const MAX_PER_PAGE = 500;
export const MAX_IDS = 1000;
const DEFAULT_PER_PAGE = 20;

const ORDER_FIELDS = new Set([
  "id",
  "parentId",
  "accountId",
  "valueDate",
  "bankBookingDate",
  "finapiBookingDate",
  "amount",
  "purpose",
  "counterpartName",
  "counterpartAccountNumber",
  "counterpartIban",
  "counterpartBlz",
  "counterpartBic",
  "type",
  "primanota",
  "category.id",
  "category.name",
  "isPotentialDuplicate",
  "isNew",
  "importDate",
]);

export class QueryError extends Error {
  constructor(
    readonly code: "BAD_REQUEST" | "TOO_MANY_IDS",
    message: string,
  ) {
    super(message);
  }
}

export interface TransactionSearch {
  items: FakeTransaction[];
  paging: { page: number; perPage: number; pageCount: number; totalCount: number };
  incomeCents: number;
  spendingCents: number;
}

/** All values of a list parameter, exploded or comma-separated. */
export function listParam(search: URLSearchParams, name: string): string[] {
  return search
    .getAll(name)
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value !== "");
}

export function idList(search: URLSearchParams, name: string): number[] | null {
  if (!search.has(name)) return null;
  return listParam(search, name).map((value) => {
    if (!/^\d{1,18}$/.test(value))
      throw new QueryError("BAD_REQUEST", `Illegal value '${value}' for parameter '${name}'`);
    return Number(value);
  });
}

function integer(
  search: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = search.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new QueryError(
      "BAD_REQUEST",
      `Illegal value '${raw}' for parameter '${name}': must be between ${min} and ${max}`,
    );
  }
  return value;
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function dateParam(search: URLSearchParams, name: string): string | null {
  const value = search.get(name);
  if (value === null) return null;
  if (!isCalendarDate(value))
    throw new QueryError(
      "BAD_REQUEST",
      `Illegal value '${value}' for parameter '${name}': expected YYYY-MM-DD`,
    );
  return value;
}

function flagParam(search: URLSearchParams, name: string): boolean | null {
  const value = search.get(name);
  if (value === null) return null;
  if (value !== "true" && value !== "false")
    throw new QueryError("BAD_REQUEST", `Illegal value '${value}' for parameter '${name}'`);
  return value === "true";
}

function amountParam(search: URLSearchParams, name: string): number | null {
  const value = search.get(name);
  if (value === null) return null;
  if (!/^-?\d+(\.\d{1,2})?$/.test(value))
    throw new QueryError("BAD_REQUEST", `Illegal value '${value}' for parameter '${name}'`);
  const [whole = "0", fraction = ""] = value.replace("-", "").split(".");
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  return value.startsWith("-") ? -cents : cents;
}

type Predicate = (transaction: FakeTransaction) => boolean;

function contains(haystack: (string | null)[], needle: string): boolean {
  const lower = needle.toLowerCase();
  return haystack.some((value) => value !== null && value.toLowerCase().includes(lower));
}

function textOf(transaction: FakeTransaction, ...fields: TextField[]): (string | null)[] {
  return fields.map((field) => transaction.text[field]);
}

/** Every filter the request names, each a predicate; all must hold. */
function filters(search: URLSearchParams): Predicate[] {
  const predicates: Predicate[] = [];
  const add = (predicate: Predicate) => predicates.push(predicate);
  const ids = idList(search, "ids");
  if (ids && ids.length > MAX_IDS)
    throw new QueryError("TOO_MANY_IDS", `Too many ids: at most ${MAX_IDS} are allowed`);
  if (ids) add((t) => ids.includes(t.id));
  const accountIds = idList(search, "accountIds");
  if (accountIds) add((t) => accountIds.includes(t.accountId));
  const labelIds = idList(search, "labelIds");
  if (labelIds) add((t) => t.labelIds.some((id) => labelIds.includes(id)));
  // The fake assigns no categories, so any category filter matches nothing.
  if (idList(search, "categoryIds")) add(() => false);
  const dateBounds: [string, (t: FakeTransaction) => string][] = [
    ["BankBookingDate", (t) => t.bankBookingDate],
    ["FinapiBookingDate", (t) => t.finapiBookingDate],
    ["ImportDate", (t) => berlinDate(t.importedAt)],
  ];
  for (const [suffix, dateOf] of dateBounds) {
    const min = dateParam(search, `min${suffix}`);
    const max = dateParam(search, `max${suffix}`);
    if (min !== null) add((t) => dateOf(t) >= min);
    if (max !== null) add((t) => dateOf(t) <= max);
  }
  const minAmount = amountParam(search, "minAmount");
  const maxAmount = amountParam(search, "maxAmount");
  if (minAmount !== null) add((t) => t.amountCents >= minAmount);
  if (maxAmount !== null) add((t) => t.amountCents <= maxAmount);
  const direction = search.get("direction");
  if (direction !== null && !["all", "income", "spending"].includes(direction))
    throw new QueryError("BAD_REQUEST", `Illegal value '${direction}' for parameter 'direction'`);
  if (direction === "income") add((t) => t.amountCents > 0);
  if (direction === "spending") add((t) => t.amountCents < 0);
  for (const flag of ["isNew", "isPotentialDuplicate", "isAdjustingEntry"] as const) {
    const value = flagParam(search, flag);
    if (value !== null) add((t) => t[flag] === value);
  }
  const text = search.get("search");
  if (text)
    add((t) =>
      contains(
        textOf(
          t,
          "purpose",
          "counterpartName",
          "counterpartIban",
          "counterpartAccountNumber",
          "type",
        ),
        text,
      ),
    );
  const counterpart = search.get("counterpart");
  if (counterpart)
    add((t) =>
      contains(
        textOf(t, "counterpartName", "counterpartIban", "counterpartAccountNumber"),
        counterpart,
      ),
    );
  const purpose = search.get("purpose");
  if (purpose) add((t) => contains(textOf(t, "purpose"), purpose));
  return predicates;
}

type SortKey = { field: string; descending: boolean };

/** `order` repeats, and each value is `field[,asc|desc]`; several pairs in one value also parse. */
function orderKeys(search: URLSearchParams): SortKey[] {
  const tokens = listParam(search, "order");
  const keys: SortKey[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const field = tokens[i] ?? "";
    if (!ORDER_FIELDS.has(field))
      throw new QueryError("BAD_REQUEST", `Illegal order field '${field}'`);
    const direction = tokens[i + 1]?.toLowerCase();
    if (direction === "asc" || direction === "desc") i++;
    keys.push({ field, descending: direction === "desc" });
  }
  return keys.length > 0 ? keys : [{ field: "id", descending: false }];
}

function sortValue(transaction: FakeTransaction, field: string): string | number | boolean | null {
  switch (field) {
    case "id":
      return transaction.id;
    case "parentId":
    case "category.id":
    case "category.name":
      return null;
    case "accountId":
      return transaction.accountId;
    case "amount":
      return transaction.amountCents;
    case "valueDate":
    case "bankBookingDate":
    case "finapiBookingDate":
      return transaction[field];
    case "importDate":
      return transaction.importedAt;
    case "isPotentialDuplicate":
    case "isNew":
      return transaction[field];
    default:
      return transaction.text[field as TextField] ?? null;
  }
}

function compare(a: string | number | boolean | null, b: string | number | boolean | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function sorter(keys: SortKey[]): (a: FakeTransaction, b: FakeTransaction) => number {
  return (a, b) => {
    for (const key of keys) {
      const order = compare(sortValue(a, key.field), sortValue(b, key.field));
      if (order !== 0) return key.descending ? -order : order;
    }
    return a.id - b.id;
  };
}

/** Throws QueryError with finAPI's code for any invalid parameter. */
export function searchTransactions(
  all: FakeTransaction[],
  search: URLSearchParams,
): TransactionSearch {
  const view = search.get("view");
  if (view === null)
    throw new QueryError("BAD_REQUEST", "Required request parameter 'view' is not present");
  if (view !== "bankView" && view !== "userView")
    throw new QueryError("BAD_REQUEST", `Illegal value '${view}' for parameter 'view'`);
  const page = integer(search, "page", 1, 1, Number.MAX_SAFE_INTEGER);
  const perPage = integer(search, "perPage", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
  const predicates = filters(search);
  const keys = orderKeys(search);
  // The fake never splits transactions, so bankView and userView hold the same rows.
  const matching = all
    .filter((t) => predicates.every((predicate) => predicate(t)))
    .sort(sorter(keys));
  const totalCount = matching.length;
  const items = matching.slice((page - 1) * perPage, page * perPage);
  let incomeCents = 0;
  let spendingCents = 0;
  for (const t of matching) {
    if (t.amountCents > 0) incomeCents += t.amountCents;
    else spendingCents += t.amountCents;
  }
  return {
    items,
    paging: { page, perPage, pageCount: Math.ceil(totalCount / perPage), totalCount },
    incomeCents,
    spendingCents,
  };
}
