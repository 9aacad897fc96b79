// Handing an overdue invoice over (e.g. to a collection agency or a lawyer): the merchant's
// decision, allowed once the 2nd dunning notice was sent. It is recorded as the last level of the
// invoice's dunning history with what is claimed that day, reported as `dunning.level_reached`,
// and ends automatic dunning for the invoice (the dunning run skips handed-over invoices).
import { addDays, localDate } from "../domain/calendar.ts";
import {
  claimOf,
  DUNNING_PAYMENT_DAYS,
  type DunningHistoryEntry,
  type DunningLevel,
} from "../domain/dunning.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { newId } from "../security.ts";
import { isUniqueViolation, runBatch, type Db } from "../store/db.ts";
import {
  datedPaymentsOf,
  dunningLevelsOf,
  dunningLevelStatement,
  findDunningSettings,
} from "../store/dunning.ts";
import { findInvoice } from "../store/invoices.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import { eventStatements } from "../store/webhook-events.ts";

export interface HandOverResult {
  invoiceId: string;
  level: "handed_over";
  reachedOn: string;
  openAmount: number;
  fees: number;
  interest: number;
  flatFee: number;
  total: number;
  currency: string;
}

const notAllowed = (detail: string) => new DomainError("hand_over_not_allowed", detail);

export async function handOverInvoice(
  db: Db,
  merchant: MerchantRecord,
  invoiceId: string,
  now: Date,
): Promise<HandOverResult> {
  const [invoice, levels, payments, settings] = await Promise.all([
    findInvoice(db, merchant.id, invoiceId),
    dunningLevelsOf(db, merchant.id, [invoiceId]),
    datedPaymentsOf(db, [invoiceId]),
    findDunningSettings(db, merchant.id),
  ]);
  if (!invoice) throw notFound("Invoice", invoiceId);
  const history: DunningHistoryEntry[] = levels.map((l) => ({
    level: l.level as DunningLevel,
    reachedOn: l.reachedOn,
    fee: l.fee,
  }));
  if (history.some((entry) => entry.level === "handed_over"))
    throw notAllowed("The invoice was already handed over.");
  if (!history.some((entry) => entry.level === "second_notice"))
    throw notAllowed("An invoice can be handed over only after its 2nd dunning notice.");
  if (
    !["open", "partially_paid"].includes(invoice.status) ||
    invoice.amountPaid >= invoice.grossAmount
  )
    throw notAllowed(`The invoice is ${invoice.status}: nothing is open to hand over.`);
  const today = localDate(now, merchant.timeZone);
  const claim = claimOf(
    {
      principal: invoice.grossAmount,
      currency: invoice.currency,
      dueDate: invoice.dueDate,
      asOf: today,
      payments,
      debtor: "consumer",
      history: [...history, { level: "handed_over", reachedOn: today, fee: 0 }],
    },
    settings,
  );
  const statements = [
    dunningLevelStatement(db, {
      id: newId("dun"),
      merchantId: merchant.id,
      invoiceId,
      customerId: invoice.customerId,
      level: "handed_over",
      reachedOn: today,
      fee: 0,
      openAmount: claim.openAmount,
      interest: claim.interest,
      flatFee: claim.flatFee,
      total: claim.total,
    }),
    ...eventStatements(db, {
      merchantId: merchant.id,
      type: "dunning.level_reached",
      data: {
        invoiceId,
        number: invoice.number,
        customerId: invoice.customerId,
        reachedOn: today,
        dueDate: invoice.dueDate,
        fee: 0,
        ...claim,
        currency: invoice.currency,
        payBy: addDays(today, DUNNING_PAYMENT_DAYS),
        level: "handed_over",
      },
      at: now,
    }),
  ];
  try {
    await runBatch(db, statements);
  } catch (error) {
    if (isUniqueViolation(error)) throw notAllowed("The invoice was already handed over.");
    throw error;
  }
  return {
    invoiceId,
    level: "handed_over",
    reachedOn: today,
    openAmount: claim.openAmount,
    fees: claim.fees,
    interest: claim.interest,
    flatFee: claim.flatFee,
    total: claim.total,
    currency: invoice.currency,
  };
}
