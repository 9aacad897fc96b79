// What happens to an invoice after its direct debit came back, by the reason's class
// (reference: test/fixtures/return-codes.md): collect it once more with the same mandate,
// block the mandate and ask the customer for a new one or a transfer, or leave it to dunning
// and a person. Also the end-to-end id of a re-presentation, which must differ from the first
// collection's yet still name the invoice, and the fee invoice that passes the costs on.
import type { InvoiceLineInput } from "./invoice.ts";
import type { Cents } from "./money.ts";
import type { ReasonClass } from "./return-detection.ts";
import { mandateStatusAfterReturn } from "./sepa-mandate.ts";

/**
 * - represent: the debtor's bank may pay next time (AM04 insufficient funds, MS03 unspecified);
 * - mandate_ended: the mandate cannot be used again (MD01, MD06, AC04, MS02, SL01, …);
 * - manual: technical, data or duplicate problems a person must look at; no automatic retry.
 */
export type ReturnTreatment = "represent" | "mandate_ended" | "manual";

export function returnTreatment(
  reasonClass: ReasonClass | "unknown" | null,
  code?: string | null,
): ReturnTreatment {
  const outcome = mandateStatusAfterReturn(reasonClass ?? "unknown", code ?? undefined);
  if (outcome.status === "dead" || outcome.status === "revoked") return "mandate_ended";
  return outcome.autoRetries > 0 ? "represent" : "manual";
}

export interface RepresentationInput {
  treatment: ReturnTreatment;
  /** The merchant setting `representDebits`. */
  representDebits: boolean;
  /** Collections of this invoice presented again after a return so far. */
  representationsSoFar: number;
}

/** At most once: a second return of the same invoice goes to dunning, never to a third debit. */
export const MAX_REPRESENTATIONS = 1;

export function mayRepresent(input: RepresentationInput): boolean {
  return (
    input.treatment === "represent" &&
    input.representDebits &&
    input.representationsSoFar < MAX_REPRESENTATIONS
  );
}

/**
 * The payment reference with the attempt appended (`RF18…-R1`): a new end-to-end id, as banks
 * reject a reused one, that still starts with the invoice's reference. SEPA allows 35 characters;
 * references are at most 25.
 */
export function representationEndToEndId(paymentReference: string, attempt: number): string {
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  const id = `${paymentReference}-R${attempt}`;
  if (id.length > 35) throw new RangeError(`end-to-end id ${id} is longer than 35 characters`);
  return id;
}

export interface ReturnFeeInput {
  passOnReturnFee: boolean;
  bankFee: Cents;
  handlingFee: Cents;
  returnedInvoiceNumber: string;
  locale: "de" | "en";
}

/**
 * The lines of the fee invoice, or none. A separate invoice rather than a line on the next one:
 * an issued invoice is never changed (GoBD), the next regular invoice may never come (a final
 * return often ends the contract), and the fee — damages under § 280 BGB, not a supply, so
 * without VAT — stays out of the service invoice's VAT breakdown and can be dunned on its own.
 */
export function returnFeeLines(input: ReturnFeeInput): InvoiceLineInput[] {
  if (!input.passOnReturnFee) return [];
  const de = input.locale === "de";
  const lines: InvoiceLineInput[] = [];
  if (input.bankFee > 0)
    lines.push({
      description: de
        ? `Rücklastschriftgebühr der Bank zu ${input.returnedInvoiceNumber}`
        : `Bank charge for the returned debit of ${input.returnedInvoiceNumber}`,
      quantity: 1,
      unitAmount: input.bankFee,
      netAmount: input.bankFee,
      taxRate: 0,
    });
  if (input.handlingFee > 0)
    lines.push({
      description: de
        ? `Bearbeitungsgebühr Rücklastschrift zu ${input.returnedInvoiceNumber}`
        : `Handling fee for the returned debit of ${input.returnedInvoiceNumber}`,
      quantity: 1,
      unitAmount: input.handlingFee,
      netAmount: input.handlingFee,
      taxRate: 0,
    });
  return lines;
}
