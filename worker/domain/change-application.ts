// What a computed change does to the contract's records once it is applied or scheduled: which
// document it settles with, from which day its items are billed, and which pending changes it
// replaces. The store writes exactly this; it decides none of it.
import type { IsoDate, Period } from "./calendar.ts";
import type { ChangeComputation } from "./contract-change.ts";
import type { InvoiceInput } from "./invoice.ts";

/**
 * The interim invoice or credit note a change settles with now, if any. A credit note corrects
 * the contract's latest charge.
 */
export function settlementDocument(
  computation: ChangeComputation,
  currency: string,
  lastChargeInvoiceId: string | undefined,
): InvoiceInput | null {
  if (computation.settlement === "interim_invoice")
    return { kind: "interim", currency, lines: computation.lines, originalInvoiceId: null };
  if (computation.settlement === "credit_note") {
    return {
      kind: "credit_note",
      currency,
      lines: computation.lines,
      originalInvoiceId: lastChargeInvoiceId ?? null,
    };
  }
  return null;
}

/**
 * A change before the end of the current period starts a new billed period on its effective
 * date; one at or after the end leaves the billed period alone (the billing run bills the next
 * period with the new items).
 */
export function movesCurrentPeriod(computation: ChangeComputation, current: Period): boolean {
  return computation.effectiveDate < current.end;
}

/** The first day the contract's items are billed from once the change applies. */
export function billedPeriodStart(computation: ChangeComputation, current: Period): IsoDate {
  return movesCurrentPeriod(computation, current)
    ? computation.newCurrentPeriod.start
    : current.start;
}

export interface PendingChange {
  id: string;
  type: string;
}

/** At most one pending tariff switch per contract: the newest wins, the others are cancelled. */
export function supersededChanges(
  requestType: string,
  pending: readonly PendingChange[],
): string[] {
  if (requestType !== "switch_template") return [];
  return pending.filter((change) => change.type === "switch_template").map((change) => change.id);
}
