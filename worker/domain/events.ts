// The catalogue of webhook events: every event type with the shape of its `data`, so each
// emitter is checked against it and receivers can rely on it. Delivery policy (retries, the
// payload's envelope) lives in webhook-retry.ts.
import type {
  ChangeKind,
  ChangeSource,
  ContractChangeRequest,
  InvoiceKind,
  IsoDate,
  Settlement,
} from "../../widget/src/billing-types.ts";
import type { ConsentReason } from "./bank-consent.ts";
import type { Period } from "./calendar.ts";
import type { ResultingItem } from "./contract-change.ts";
import type { DunningLevel } from "./dunning.ts";
import type { Cents, TaxBreakdownEntry } from "./money.ts";

type ChangeEventData = {
  contractId: string;
  customerId: string;
  changeId: string;
  source: ChangeSource;
  request: ContractChangeRequest;
  effectiveDate: IsoDate;
  kind: ChangeKind;
  settlement: Settlement;
  templateId: string;
  netAmount: Cents;
};

type InvoicePaymentState = {
  id: string;
  number: string;
  customerId: string;
  currency: string;
  grossAmount: Cents;
  amountPaid: Cents;
  bankTransactionId: string;
};

/** An overdue invoice's claim as of the day a dunning level was reached. */
type OverdueInvoiceData = {
  invoiceId: string;
  number: string;
  customerId: string;
  reachedOn: IsoDate;
  dueDate: IsoDate;
  /** The fee of the level just reached. */
  fee: Cents;
  openAmount: Cents;
  /** All level fees so far, this one included. */
  fees: Cents;
  interest: Cents;
  flatFee: Cents;
  total: Cents;
  currency: string;
  payBy: IsoDate;
};

type PaymentAllocation = {
  invoiceId: string;
  amount: Cents;
  collectionItemId?: string;
};

export type WebhookEventData = {
  "contract.created": {
    contractId: string;
    customerId: string;
    templateId: string;
    startDate: IsoDate;
    currentPeriod: Period;
    invoiceId: string;
  };
  "contract.changed": ChangeEventData & {
    invoiceId: string | null;
    items: Omit<ResultingItem, "id">[];
  };
  "contract.change_scheduled": ChangeEventData;
  "contract.change_cancelled": { contractId: string; customerId: string; changeId: string };
  "contract.cancelled": { contractId: string; customerId: string; endDate: IsoDate };
  "contract.ended": { contractId: string; customerId: string; endDate: IsoDate | null };
  "invoice.created": {
    id: string;
    kind: InvoiceKind;
    contractId: string | null;
    customerId: string;
    issueDate: IsoDate;
    dueDate: IsoDate;
    currency: string;
    netAmount: Cents;
    taxAmount: Cents;
    grossAmount: Cents;
    paymentReference: string;
    periodStart: IsoDate | null;
    periodEnd: IsoDate | null;
    originalInvoiceId: string | null;
    taxBreakdown?: TaxBreakdownEntry[];
    /** Paths of the merchant API where the invoice's PDF and XRechnung XML are served. */
    documents?: { pdf: string; xml: string };
  };
  "invoice.paid": InvoicePaymentState & { paidAt: string };
  "invoice.reopened": InvoicePaymentState & {
    status: string;
    reason: "payment_reassigned" | "payment_returned";
    returnFee?: Cents;
  };
  "payment.received": {
    bankTransactionId: string;
    amount: Cents | null;
    currency: string | null;
    bookingDate: IsoDate | null;
    rule: string;
    customerId?: string;
    allocations: PaymentAllocation[];
    customerCredit: Cents;
    /** Manual assignments: whether earlier allocations of the transaction were undone. */
    reassigned?: boolean;
  };
  "payment.returned": {
    bankTransactionId: string;
    invoiceId: string;
    invoiceNumber: string;
    customerId: string;
    collectionItemId: string;
    amount: Cents;
    fee: Cents;
    currency: string;
    reasonCode: string | null;
    reasonClass: string | null;
    mandate: { id: string; reference: string; effect: string; status: string; retries: number };
    linkedVia: string;
    returnDate: IsoDate | null;
  };
  "bank_transaction.needs_review": {
    bankTransactionId: string;
    amount: Cents | null;
    currency: string | null;
    bookingDate: IsoDate | null;
    purpose: string | null;
    counterpartName: string | null;
    reason: string;
    candidates: unknown[];
  };
  "bank_sync.failed": {
    bankConnectionId: string;
    finapiConnectionId: number | null;
    code: string;
    message: string;
    failedAt: string;
    consecutiveFailures: number;
    lastSyncAt: string | null;
  };
  /** The first dunning level was reached: the invoice is overdue. */
  "invoice.overdue": OverdueInvoiceData;
  "dunning.level_reached": OverdueInvoiceData & { level: DunningLevel };
  /** A new SEPA mandate (merchant API or the customer in the portal); `replaces` was revoked. */
  "mandate.created": {
    mandateId: string;
    customerId: string;
    reference: string;
    signatureDate: IsoDate;
    ibanMasked: string;
    sequenceType: "FRST" | "RCUR";
    source: "merchant" | "portal";
    replacesMandateId: string | null;
    /** The customer's latest mandate before, when it was blocked (dead or revoked). */
    supersedesMandateId: string | null;
  };
  /** Customer credit went onto open invoices (oldest first), when an invoice was issued or credit booked. */
  "customer_credit.applied": {
    customerId: string;
    currency: string;
    amount: Cents;
    applications: { creditId: string; invoiceId: string; amount: Cents }[];
  };
  /** Credit was refunded by transfer (recorded; the payout is the merchant's). */
  "customer_credit.refunded": {
    refundId: string;
    customerId: string;
    currency: string;
    amount: Cents;
    reference: string | null;
    balance: Cents;
  };
  "bank_connection.consent_required": {
    bankConnectionId: string;
    finapiConnectionId: number | null;
    reason: ConsentReason;
    consentExpiresAt: string | null;
    renewPath: string;
  };
};

export type WebhookEventType = keyof WebhookEventData;

/** Every type of the catalogue, in a stable order (the API's filter and docs list them so). */
export const WEBHOOK_EVENT_TYPES = [
  "contract.created",
  "contract.changed",
  "contract.change_scheduled",
  "contract.change_cancelled",
  "contract.cancelled",
  "contract.ended",
  "invoice.created",
  "invoice.paid",
  "invoice.reopened",
  "payment.received",
  "payment.returned",
  "bank_transaction.needs_review",
  "bank_sync.failed",
  "invoice.overdue",
  "dunning.level_reached",
  "customer_credit.applied",
  "customer_credit.refunded",
  "bank_connection.consent_required",
  "mandate.created",
] as const satisfies readonly WebhookEventType[];

// Fails to compile when a catalogue type is missing from the list above.
type Unlisted = Exclude<WebhookEventType, (typeof WEBHOOK_EVENT_TYPES)[number]>;
export const EVERY_EVENT_TYPE_LISTED: Unlisted extends never ? true : never = true;

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === "string" && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
