// Recognises the bank's credit for our own SEPA collections: one line for a whole run or one
// PmtInf block (batch booking, GVC 171/192, or the message / PmtInf id in the purpose), or one
// line per collected invoice carrying our end-to-end id. Only an exact amount settles anything:
// a credit that names a collection but brings another sum goes to a person.
import type { Cents } from "./money.ts";
import { parsePurpose, referenceKey } from "./payment-reference-scan.ts";

/** A collection item still waiting for the bank's credit. */
export interface PendingCollectionItem {
  id: string;
  runId: string;
  /** Lower case, as stored (`col-…-1`). */
  paymentInfoId: string;
  invoiceId: string;
  /** The invoice's payment reference, upper case, no spaces. */
  endToEndId: string;
  amount: Cents;
}

export interface OpenCollectionRun {
  id: string;
  /** Lower case, as stored (`col-…`). */
  messageId: string;
}

export interface CreditLine {
  amount: Cents;
  currency?: string | null;
  purpose?: string | null;
  endToEndReference?: string | null;
  typeCodeZka?: string | null;
  bankTransactionCode?: string | null;
}

export type CollectionScope = { runId: string } | { paymentInfoId: string } | { itemId: string };
export type CollectionRule = "sepa_run" | "sepa_payment_info" | "sepa_item";

export type CollectionCreditMatch =
  | { kind: "settle"; rule: CollectionRule; scope: CollectionScope; items: PendingCollectionItem[] }
  | {
      kind: "review";
      reason: "collection_amount_mismatch" | "collection_ambiguous";
      items: PendingCollectionItem[];
    };

/** GVC 171 (SEPA-Lastschrift Einzug) and 192 (Sammler-Gutschrift), or camt's batch code. */
const COLLECTION_GVCS = new Set(["171", "192"]);

/** Our message ids are `col-` + 24 base32 characters; a PmtInf adds `-<n>`. */
const COLLECTION_ID = /COL[-_ ]?([0-9A-Z]{24})(?:\s?-\s?(\d{1,3}))?/g;

export interface CollectionIds {
  messageIds: string[];
  paymentInfoIds: string[];
}

/** Message and PmtInf ids in the bank's text, lower case like the stored ones; line breaks may split them. */
export function collectionIdsInText(...texts: (string | null | undefined)[]): CollectionIds {
  const messageIds = new Set<string>();
  const paymentInfoIds = new Set<string>();
  for (const raw of texts) {
    if (!raw) continue;
    const upper = raw.toUpperCase();
    for (const variant of [upper, upper.replace(/\r?\n/g, ""), parsePurpose(upper).text]) {
      for (const match of variant.matchAll(COLLECTION_ID)) {
        const messageId = `col-${(match[1] ?? "").toLowerCase()}`;
        messageIds.add(messageId);
        if (match[2]) paymentInfoIds.add(`${messageId}-${Number(match[2])}`);
      }
    }
  }
  return { messageIds: [...messageIds], paymentInfoIds: [...paymentInfoIds] };
}

function isBatchCredit(line: CreditLine): boolean {
  const gvc = (line.typeCodeZka ?? parsePurpose(line.purpose).gvc ?? "").trim().padStart(3, "0");
  const code = (line.bankTransactionCode ?? "").toUpperCase();
  return COLLECTION_GVCS.has(gvc) || /IDDT-BBDD$/.test(code);
}

const sum = (items: readonly PendingCollectionItem[]) =>
  items.reduce((total, item) => total + item.amount, 0);

interface Scoped {
  rule: CollectionRule;
  scope: CollectionScope;
  items: PendingCollectionItem[];
}

function groups(
  runs: readonly OpenCollectionRun[],
  pending: readonly PendingCollectionItem[],
): Scoped[] {
  const scoped: Scoped[] = [];
  for (const run of runs) {
    const items = pending.filter((item) => item.runId === run.id);
    if (items.length === 0) continue;
    scoped.push({ rule: "sepa_run", scope: { runId: run.id }, items });
    const infos = new Set(items.map((item) => item.paymentInfoId));
    // A run with one PmtInf is the same set of items twice; one answer, not an ambiguity.
    if (infos.size > 1) {
      for (const info of infos)
        scoped.push({
          rule: "sepa_payment_info",
          scope: { paymentInfoId: info },
          items: items.filter((item) => item.paymentInfoId === info),
        });
    }
  }
  return scoped;
}

/**
 * The collections this credit pays, or a reason a person must look, or null when it is no
 * credit of ours (then it is an ordinary payment for the matcher). Named ids come first, then our
 * end-to-end id, then, for a batch credit without ids, the one open run or PmtInf of that sum.
 */
export function matchCollectionCredit(
  line: CreditLine,
  runs: readonly OpenCollectionRun[],
  pending: readonly PendingCollectionItem[],
): CollectionCreditMatch | null {
  if (line.amount <= 0 || (line.currency && line.currency.toUpperCase() !== "EUR")) return null;
  const scoped = groups(runs, pending);
  const ids = collectionIdsInText(line.purpose, line.endToEndReference);
  const namedRuns = new Set(
    runs.filter((run) => ids.messageIds.includes(run.messageId)).map((run) => run.id),
  );
  const named = scoped.filter(({ scope }) =>
    "paymentInfoId" in scope
      ? ids.paymentInfoIds.includes(scope.paymentInfoId)
      : "runId" in scope && namedRuns.has(scope.runId),
  );
  if (named.length > 0) {
    // The most specific named block whose sum fits: a PmtInf before its run.
    const fitting = named
      .filter((group) => sum(group.items) === line.amount)
      .sort((a, b) => a.items.length - b.items.length);
    const best = fitting[0];
    if (best) return { kind: "settle", ...best };
    return {
      kind: "review",
      reason: "collection_amount_mismatch",
      items: named.flatMap((group) => group.items),
    };
  }

  const parsed = parsePurpose(line.purpose);
  const endToEnd = [line.endToEndReference, parsed.tags.EREF]
    .map((value) => referenceKey(value ?? ""))
    .filter((key) => key.length > 0 && key !== "NOTPROVIDED");
  const single = pending.filter((item) => endToEnd.includes(item.endToEndId));
  if (single.length > 0) {
    const exact = single.filter((item) => item.amount === line.amount);
    if (exact.length === 1)
      return { kind: "settle", rule: "sepa_item", scope: { itemId: exact[0]!.id }, items: exact };
    return { kind: "review", reason: "collection_amount_mismatch", items: single };
  }

  if (!isBatchCredit(line)) return null;
  const bySum = scoped.filter((group) => sum(group.items) === line.amount);
  if (bySum.length === 1) return { kind: "settle", ...bySum[0]! };
  if (bySum.length > 1)
    return {
      kind: "review",
      reason: "collection_ambiguous",
      items: bySum.flatMap((group) => group.items),
    };
  return null;
}
