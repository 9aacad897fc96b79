// Reconciliation for the merchant API: run sync + matching now, the imported bank transactions
// with what was booked from them (allocations, credit, return, review candidates), and the
// review queue's manual assignment.
import { Hono } from "hono";
import * as v from "valibot";
import { BANK_TRANSACTION_STATUSES } from "../../schema/banking.ts";
import type { AppEnv } from "../env.ts";
import { bankProvider } from "../banking/providers.ts";
import { finapiIdOf } from "../banking/transactions.ts";
import { syncAndReconcileNow } from "../flows/bank-sync.ts";
import { doc, PageOf } from "../http/openapi.ts";
import {
  DateOut,
  IdOf,
  IdParam,
  InstantOut,
  Int,
  ListQuery,
  NullableText,
  shaped,
  toPage,
} from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { decideMany } from "../flows/bank-assignment-bulk.ts";
import {
  decideTransaction,
  getTransactionWithDetails,
  listTransactionsWithDetails,
  type TransactionDetails,
} from "../flows/bank-transactions.ts";
import type { BankTransactionRecord } from "../store/bank-transactions.ts";

const TransactionListQuery = v.object({
  ...ListQuery.entries,
  status: v.optional(v.picklist(BANK_TRANSACTION_STATUSES)),
});
const NoBody = v.strictObject({});
const BulkBody = v.strictObject({
  transactionIds: v.pipe(
    v.array(IdOf("btx")),
    v.minLength(1, "name at least one transaction"),
    v.maxLength(100, "at most 100 transactions"),
  ),
  action: v.picklist(
    ["ignore", "undo", "assign_top_candidate"],
    'must be "ignore", "undo" or "assign_top_candidate"',
  ),
  remainder: v.optional(
    v.picklist(["customer_credit", "ignore"], 'must be "customer_credit" or "ignore"'),
  ),
});
const AssignBody = v.strictObject({
  invoiceIds: v.pipe(v.array(IdOf("inv")), v.maxLength(20, "at most 20 invoices")),
  remainder: v.optional(
    v.picklist(["customer_credit", "ignore"], 'must be "customer_credit" or "ignore"'),
  ),
});

const NullableInt = v.nullable(Int);
const NullableDate = v.nullable(DateOut);
const NullableInstant = v.nullable(InstantOut);

const TransactionResource = v.object({
  id: v.string(),
  finapiId: NullableInt,
  bankConnectionId: v.string(),
  accountId: NullableInt,
  /** Cents, signed: a credit is positive, a debit negative. */
  amount: NullableInt,
  currency: NullableText,
  bookingDate: NullableDate,
  valueDate: NullableDate,
  purpose: NullableText,
  bookingText: NullableText,
  counterpartName: NullableText,
  /** Masked. */
  counterpartIban: NullableText,
  counterpartBic: NullableText,
  counterpartMandateReference: NullableText,
  counterpartCreditorId: NullableText,
  endToEndReference: NullableText,
  typeCodeZka: NullableText,
  typeCodeSwift: NullableText,
  bankTransactionCode: NullableText,
  originalAmount: NullableInt,
  compensationAmount: NullableInt,
  status: v.picklist(BANK_TRANSACTION_STATUSES),
  statusReason: NullableText,
  matchedRule: NullableText,
  invoiceIds: v.array(v.string()),
  allocations: v.array(
    v.object({
      id: v.string(),
      invoiceId: v.string(),
      amount: Int,
      rule: v.string(),
      bookedAt: InstantOut,
      reversed: v.boolean(),
      reversedAt: NullableInstant,
      reversal: NullableText,
    }),
  ),
  customerCredit: v.nullable(v.object({ id: v.string(), customerId: v.string(), amount: Int })),
  ignoredAmount: NullableInt,
  return: v.nullable(
    v.object({
      invoiceId: v.string(),
      amount: Int,
      fee: Int,
      reasonCode: NullableText,
      reasonClass: NullableText,
      mandateEffect: v.string(),
      linkedVia: v.string(),
    }),
  ),
  review: v.nullable(
    v.object({
      reason: NullableText,
      candidates: v.array(
        v.object({ invoiceId: v.string(), score: v.number(), reasons: v.array(v.string()) }),
      ),
    }),
  ),
  rawExcerpt: NullableText,
  importedAt: InstantOut,
  updatedAt: NullableInstant,
});

const SyncCounts = {
  imported: Int,
  review: Int,
  parked: Int,
  duplicates: Int,
  skipped: Int,
  healed: Int,
  pages: Int,
};

const ReconciliationCounts = v.object({
  processed: Int,
  matched: Int,
  partiallyMatched: Int,
  overpaid: Int,
  collectionCredits: Int,
  returns: Int,
  review: Int,
  ignored: Int,
  conflicts: Int,
  more: v.boolean(),
});

const RunReport = v.object({
  ...SyncCounts,
  connections: v.array(
    v.object({
      ...SyncCounts,
      bankConnectionId: v.string(),
      status: v.picklist(["succeeded", "failed", "waiting"]),
      error: v.nullable(v.object({ code: v.string(), message: v.string() })),
      waitingFor: v.nullable(v.picklist(["update_in_progress", "consent_required"])),
      backlogPage: NullableInt,
    }),
  ),
  failed: Int,
  matched: Int,
  partiallyMatched: Int,
  returns: Int,
  /** Waiting for a person: the matcher's review cases and the import's potential duplicates. */
  toReview: Int,
  ignored: Int,
  reconciliation: ReconciliationCounts,
});

const BulkAnswer = v.object({
  results: v.array(
    v.variant("ok", [
      v.object({ id: v.string(), ok: v.literal(true) }),
      v.object({ id: v.string(), ok: v.literal(false), code: v.string(), detail: v.string() }),
    ]),
  ),
  succeeded: Int,
  failed: Int,
});

function transactionResource(
  t: BankTransactionRecord,
  details: TransactionDetails,
): v.InferOutput<typeof TransactionResource> {
  const allocations = details.bookings.allocations.filter((a) => a.bankTransactionId === t.id);
  const credit = details.bookings.credits.find(
    (c) => c.bankTransactionId === t.id && c.reversedAt === null,
  );
  const returned = details.bookings.returns.find((r) => r.bankTransactionId === t.id);
  const latest = details.entries.filter((e) => e.bankTransactionId === t.id).at(-1);
  const active = allocations.filter((a) => a.reversedAt === null);
  const inReview = t.status === "review";
  return {
    id: t.id,
    finapiId: finapiIdOf(t),
    bankConnectionId: t.connectionId,
    accountId: t.accountId,
    amount: t.amount,
    currency: t.currency,
    bookingDate: t.bookingDate,
    valueDate: t.valueDate,
    purpose: t.purpose,
    bookingText: t.bookingText,
    counterpartName: t.counterpartName,
    counterpartIban: t.counterpartIbanMasked,
    counterpartBic: t.counterpartBic,
    counterpartMandateReference: t.counterpartMandateReference,
    counterpartCreditorId: t.counterpartCreditorId,
    endToEndReference: t.endToEndReference,
    typeCodeZka: t.typeCodeZka,
    typeCodeSwift: t.typeCodeSwift,
    bankTransactionCode: t.bankTransactionCode,
    originalAmount: t.originalAmount,
    compensationAmount: t.compensationAmount,
    status: t.status,
    statusReason: t.statusReason,
    matchedRule: t.matchedRule,
    invoiceIds: returned ? [returned.invoiceId] : active.map((a) => a.invoiceId),
    allocations: allocations.map((a) => ({
      id: a.id,
      invoiceId: a.invoiceId,
      amount: a.amount,
      rule: a.rule,
      bookedAt: a.bookedAt,
      reversed: a.reversedAt !== null,
      reversedAt: a.reversedAt,
      reversal: a.reversal,
    })),
    customerCredit: credit
      ? { id: credit.id, customerId: credit.customerId, amount: credit.amount }
      : null,
    ignoredAmount: latest?.ignoredAmount ?? null,
    return: returned
      ? {
          invoiceId: returned.invoiceId,
          amount: returned.amount,
          fee: returned.fee,
          reasonCode: returned.reasonCode,
          reasonClass: returned.reasonClass,
          mandateEffect: returned.mandateEffect,
          linkedVia: returned.linkedVia,
        }
      : null,
    review: inReview
      ? {
          reason: latest?.kind === "review" ? latest.reason : "potential_duplicate",
          candidates: latest?.kind === "review" ? (latest.candidates ?? []) : [],
        }
      : null,
    rawExcerpt: t.rawExcerpt,
    importedAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export const reconciliationRouter = new Hono<AppEnv>()
  .post(
    "/reconciliation/runs",
    doc(
      "Reconciliation",
      "Sync bank transactions from finAPI now and reconcile them; returns the counts",
      { schema: RunReport },
      { errors: [409, 422, 502] },
    ),
    valid("json", NoBody),
    async (c) => {
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      const now = c.get("now");
      const { sync: report, reconciliation } = await syncAndReconcileNow(
        db,
        c.env,
        bankProvider(c.env, "finapi"),
        merchantId,
        now,
      );
      const { merchantId: _merchant, ...sync } = report;
      return c.json(
        shaped(RunReport)({
          ...sync,
          matched: reconciliation.matched,
          partiallyMatched: reconciliation.partiallyMatched,
          returns: reconciliation.returns,
          // Potential duplicates the import flagged wait in the same queue.
          toReview: reconciliation.review + sync.review,
          ignored: reconciliation.ignored,
          reconciliation,
        }),
      );
    },
  )
  .get(
    "/bank-transactions",
    doc("Reconciliation", "Imported bank transactions with their bookings, filtered by status", {
      schema: PageOf(TransactionResource),
    }),
    valid("query", TransactionListQuery),
    async (c) => {
      const { limit, cursor, status } = c.req.valid("query");
      const { rows, details } = await listTransactionsWithDetails(c.var.db, c.var.merchant.id, {
        limit,
        cursor,
        status,
      });
      return c.json(toPage(rows, limit, (row) => transactionResource(row, details)));
    },
  )
  .get(
    "/bank-transactions/:id",
    doc(
      "Reconciliation",
      "One imported bank transaction with its bookings",
      { schema: TransactionResource },
      { errors: [404] },
    ),
    valid("param", IdParam("btx")),
    async (c) => {
      const { transaction, details } = await getTransactionWithDetails(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("param").id,
      );
      return c.json(transactionResource(transaction, details));
    },
  )
  .post(
    "/bank-transactions/bulk",
    doc(
      "Reconciliation",
      "Decide many bank transactions at once (ignore, undo, assign to the top candidate); each line in its own batch, the answer per line",
      { schema: BulkAnswer },
    ),
    valid("json", BulkBody),
    async (c) => {
      const results = await decideMany(
        c.var.db,
        c.get("merchant").id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json({
        results,
        succeeded: results.filter((result) => result.ok).length,
        failed: results.filter((result) => !result.ok).length,
      });
    },
  )
  .post(
    "/bank-transactions/:id/undo",
    doc(
      "Reconciliation",
      "Undo the decision on a bank transaction: its bookings are reversed and it goes back to review",
      { schema: TransactionResource },
      { errors: [404, 409, 422] },
    ),
    valid("param", IdParam("btx")),
    valid("json", NoBody),
    async (c) => {
      const { transaction, details } = await decideTransaction(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("param").id,
        { undo: true },
        c.var.now,
      );
      return c.json(transactionResource(transaction, details));
    },
  )
  .post(
    "/bank-transactions/:id/assign",
    doc(
      "Reconciliation",
      "Assign a bank transaction to invoices by hand (undoes its earlier booking); the rule is recorded as manual",
      { schema: TransactionResource },
      { errors: [404, 409, 422] },
    ),
    valid("param", IdParam("btx")),
    valid("json", AssignBody),
    async (c) => {
      const { transaction, details } = await decideTransaction(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("param").id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(transactionResource(transaction, details));
    },
  );
