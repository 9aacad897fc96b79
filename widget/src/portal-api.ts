// The contract between <selfservice-portal> and the portal API (`/portal/v1`): request and
// response shapes only. The worker's portal routes are written against these types, so every
// field says what it means, in which unit, and when it may be absent.
//
// Conventions (DESIGN "Conventions"): money is integer minor units (cents) with the ISO 4217
// `currency` beside it; VAT rates are basis points (1900 = 19 %); calendar dates are
// `YYYY-MM-DD` in the merchant's time zone; period ends are EXCLUSIVE unless a field says
// otherwise; JSON names are camelCase; IDs are prefixed strings. Every request sends
// `Authorization: Bearer <portal session token>`.

import type {
  BillingInterval,
  Cents,
  ChangeKind,
  ChangePointType,
  ChangeType,
  ContractChangeRequest,
  ContractStatus,
  InvoiceKind,
  InvoiceStatus,
  IsoDate,
  PortalAction,
  Settlement,
  TaxRateBp,
} from "./billing-types.js";

export type {
  BillingInterval,
  Cents,
  ChangeKind,
  ChangePointType,
  ChangeType,
  ContractStatus,
  InvoiceKind,
  InvoiceStatus,
  IsoDate,
  PortalAction,
  Settlement,
  TaxRateBp,
} from "./billing-types.js";

// ---------------------------------------------------------------------------------------------
// GET /portal/v1/contracts → 200 PortalOverview
// ---------------------------------------------------------------------------------------------

/** Everything the widget shows, in one response: no follow-up request before the first render. */
export interface PortalOverview {
  /** The customer the session token is bound to. */
  customer: {
    id: string;
    name: string;
    /** The customer's stored locale ("de", "en", "de-AT", …); the widget's `locale` attribute wins. */
    locale: string | null;
  };
  merchant: {
    /** Shown in texts such as "your contracts with {merchant}". */
    name: string;
  };
  /** Merchant-wide actions the customer may take; per-contract options are already filtered by it. */
  allowedActions: PortalAction[];
  /** All of this customer's contracts, newest first; ended contracts included (read-only). */
  contracts: PortalContract[];
}

export interface PortalContract {
  /** `ctr_…` */
  id: string;
  status: ContractStatus;
  /** ISO 4217 of every amount of this contract and its options. */
  currency: string;
  /** The current contract template (tariff). */
  tariff: {
    /** `tpl_…` */
    templateId: string;
    name: string;
    billingInterval: BillingInterval;
  };
  /** Plan item first, then add-ons. */
  items: PortalContractItem[];
  /** Sum of `items[].periodAmount`: what one regular period costs, net. */
  recurringNetAmount: Cents;
  /** VAT on `recurringNetAmount`, per rate on the sum of line nets, half-up (as the next invoice). */
  recurringTaxAmount: Cents;
  /** `recurringNetAmount + recurringTaxAmount`: consumers are shown gross prices (PAngV). */
  recurringGrossAmount: Cents;
  /** The billing period containing today; `end` is exclusive (= the next period's first day). */
  currentPeriod: { start: IsoDate; end: IsoDate };
  /** Issue date of the next regular invoice; null when the contract ends before another period. */
  nextBillingDate: IsoDate | null;
  /** Last day of service (inclusive) once cancelled or ended; null while the contract runs on. */
  endDate: IsoDate | null;
  /** Last day of service a cancellation declared today gives; null when `canCancel` is false. */
  earliestCancellationDate: IsoDate | null;
  /**
   * The last days of service (inclusive) the customer may choose when cancelling today, ascending:
   * the first is `earliestCancellationDate`, the rest are the next few billing-period ends (the API
   * accepts only a period's last day). Empty when `canCancel` is false.
   */
  cancellationEndDates: IsoDate[];
  /** Changes waiting for their effective date; the customer may cancel each until then. */
  scheduledChanges: PortalScheduledChange[];
  /**
   * Tariffs this contract may switch to (same template group, offered to this customer, and
   * allowed by `switch_up` / `switch_down`), excluding the current one. Empty = no switch.
   */
  switchOptions: PortalSwitchOption[];
  /** Add-ons the current template allows and the customer may still book (`add_addon` allowed). */
  addonOptions: PortalAddonOption[];
  /**
   * The dates a change may take effect on (the template's change points, evaluated today). The
   * API rejects any other date. Downgrades may still be moved to the next period: the preview's
   * `effectiveDate` says when the change really applies.
   */
  changeDates: PortalChangeDates;
  /** True when `cancel` is allowed, the contract is active and not already cancelled. */
  canCancel: boolean;
}

export interface PortalContractItem {
  /** `itm_…` */
  id: string;
  /** `art_…` */
  articleId: string;
  kind: "plan" | "addon";
  name: string;
  quantity: number;
  /** Net price of one unit per billing period. */
  unitAmount: Cents;
  /** `unitAmount × quantity`: net per billing period. */
  periodAmount: Cents;
  taxRate: TaxRateBp;
  /** `remove_item` allowed and the item is an add-on (the plan item is never removable). */
  removable: boolean;
  /** `change_quantity` allowed for this item. */
  quantityChangeable: boolean;
  /** Upper bound for `change_quantity` (inclusive); the lower bound is 1. */
  maxQuantity: number;
}

export interface PortalScheduledChange {
  /** `chg_…`: the id for `DELETE …/changes/{changeId}`. */
  id: string;
  type: ChangeType;
  /** The day the change applies (inclusive). */
  effectiveDate: IsoDate;
  kind: ChangeKind;
  /**
   * What changes, as a language-neutral label the widget puts after its own localised verb:
   * the new tariff's name, the add-on as "2 × Extra storage", or the item name.
   */
  summary: string;
}

export interface PortalSwitchOption {
  /** `tpl_…` */
  templateId: string;
  name: string;
  billingInterval: BillingInterval;
  /** Net price per billing period of the new tariff's plan; add-ons carry over at their own prices. */
  periodAmount: Cents;
  kind: ChangeKind;
}

export interface PortalAddonOption {
  /** `art_…` */
  articleId: string;
  name: string;
  /** Net price of one unit per billing period of this contract. */
  periodAmount: Cents;
  /** VAT rate of the add-on (the API always sends it), for its gross price. */
  taxRate: TaxRateBp;
  /** Largest quantity that may be booked (inclusive, ≥ 1). */
  maxQuantity: number;
}

export interface PortalChangeDates {
  /** Allowed single dates, sorted and unique (from the fixed change points). */
  dates: IsoDate[];
  /** Allowed inclusive ranges (`custom` change points: today + minLeadDays … + maxHorizonDays). */
  ranges: { from: IsoDate; to: IsoDate }[];
  /** Which fixed change point produced which date, so the widget can label the choices. */
  points: { type: Exclude<ChangePointType, "custom">; date: IsoDate }[];
}

// ---------------------------------------------------------------------------------------------
// POST /portal/v1/contracts/{id}/changes/preview        body ChangeRequest → 200 ChangePreview
// POST /portal/v1/contracts/{id}/changes                 body ChangeRequest, header
//      Idempotency-Key → 201 ChangeResult (same key + same body replays the first response)
// ---------------------------------------------------------------------------------------------

interface ChangeWhen {
  /** One of `changeDates` (a listed date or inside a range); anything else → 422. */
  effectiveDate: IsoDate;
}

export type ChangeRequest = ContractChangeRequest & ChangeWhen;

export interface ChangePreviewLine {
  /** Server-side text (English); the widget prefers its own wording from `name` and the sign. */
  description: string;
  /** The article's display name the line is about (e.g. "Basic", "Extra storage"). */
  name: string;
  quantity: number;
  /** Inclusive start of the prorated span. */
  periodStart: IsoDate;
  /** Exclusive end of the prorated span. */
  periodEnd: IsoDate;
  /** Negative = credit for unused time, positive = charge. Rounded half-up per line. */
  netAmount: Cents;
  taxRate: TaxRateBp;
}

export interface ChangePreview {
  /** The merchant-local day the amounts were computed for. */
  computedOn: IsoDate;
  /** The date the customer asked for. */
  requestedDate: IsoDate;
  /** The date the change applies (a downgrade may be moved to the next period). */
  effectiveDate: IsoDate;
  kind: ChangeKind;
  currency: string;
  /** Credit lines first, then charge lines. */
  lines: ChangePreviewLine[];
  /** Sum of the rounded line nets. */
  netAmount: Cents;
  taxAmount: Cents;
  grossAmount: Cents;
  /** VAT per rate on the sum of line nets (EN 16931 BR-CO-17). */
  taxBreakdown: { taxRate: TaxRateBp; netAmount: Cents; taxAmount: Cents }[];
  settlement: Settlement;
  /** What one regular period costs once the change applies (VAT as on the invoice). */
  recurringAfter: {
    billingInterval: BillingInterval;
    netAmount: Cents;
    taxAmount: Cents;
    grossAmount: Cents;
  };
}

export interface ChangeResult {
  change: {
    /** `chg_…` */
    id: string;
    /** `applied` when effective today, else `scheduled` (and listed in `scheduledChanges`). */
    status: "applied" | "scheduled";
    effectiveDate: IsoDate;
    kind: ChangeKind;
    settlement: Settlement;
  };
  /** The preview recomputed at apply time (same lines to the cent for the same day and date). */
  preview: ChangePreview;
  /** The interim invoice or credit note issued at once, when `settlement` asked for one now. */
  invoice?: PortalInvoice;
}

// ---------------------------------------------------------------------------------------------
// DELETE /portal/v1/contracts/{id}/changes/{changeId} → 200 CancelScheduledChangeResult
// ---------------------------------------------------------------------------------------------

export interface CancelScheduledChangeResult {
  id: string;
  status: "cancelled";
}

// ---------------------------------------------------------------------------------------------
// POST /portal/v1/contracts/{id}/cancel   body CancelContractRequest, header Idempotency-Key
//      → 200 CancelContractResult
// ---------------------------------------------------------------------------------------------

export interface CancelContractRequest {
  /** Last day of service; omitted = the earliest. Must be one of `cancellationEndDates`. */
  endDate?: IsoDate;
}

export interface CancelContractResult {
  /** `ctr_…` */
  id: string;
  status: ContractStatus;
  /** The last day of service now in force (inclusive). */
  endDate: IsoDate;
  /** The earliest end a cancellation today allowed. */
  earliestEndDate: IsoDate;
}

// ---------------------------------------------------------------------------------------------
// GET /portal/v1/invoices?limit=1..100&cursor=… → 200 Page<PortalInvoice>, newest first
// ---------------------------------------------------------------------------------------------

export interface PortalInvoice {
  /** `inv_…` */
  id: string;
  /** Gapless per series, e.g. `RE-2027-000001`, `ZR-2027-000001` (interim), `GS-2027-000001`. */
  number: string;
  kind: InvoiceKind;
  status: InvoiceStatus;
  /** The contract it bills; null for invoices not tied to one contract. */
  contractId: string | null;
  issueDate: IsoDate;
  dueDate: IsoDate;
  currency: string;
  /** Signed as on the document: a credit note's amounts are negative (money back). */
  netAmount: Cents;
  taxAmount: Cents;
  grossAmount: Cents;
  amountPaid: Cents;
  /**
   * `/portal/v1/invoices/{id}/pdf`: the PDF (with factur-x.xml) as stored at issue, fetched with
   * the session token; null for invoices issued before Tarif produced documents.
   */
  pdfPath: string | null;
}

// ---------------------------------------------------------------------------------------------
// GET /portal/v1/account → 200 PortalAccount
// ---------------------------------------------------------------------------------------------

/** What the customer owes, how it is collected, and how to pay it by transfer instead. */
export interface PortalAccount {
  /** Sum of `openInvoices[].totalDue`, in `currency` (EUR; other currencies are listed apart). */
  openAmount: Cents;
  currency: string;
  /** Invoices with something left to pay (fee invoices included), oldest due date first. */
  openInvoices: PortalOpenInvoice[];
  paymentMethod: PortalPaymentMethod;
  /** The merchant's account for a transfer; null when the merchant has no SEPA creditor data. */
  transfer: PortalTransferDetails | null;
  /** Whether the customer may give a new SEPA mandate here (the merchant's `update_mandate`). */
  canUpdateMandate: boolean;
  /** The text the customer agrees to with a new mandate; null without creditor data. */
  mandateConsent: PortalMandateConsent | null;
}

export interface PortalOpenInvoice {
  /** `inv_…` */
  id: string;
  number: string;
  kind: InvoiceKind;
  /** "collection_pending": a direct debit of it is on its way to the bank. */
  status: "open" | "partially_paid" | "collection_pending";
  issueDate: IsoDate;
  dueDate: IsoDate;
  currency: string;
  grossAmount: Cents;
  amountPaid: Cents;
  /** Gross less paid. */
  openAmount: Cents;
  /** The fees of the dunning levels reached (reminder, notices). */
  dunningFees: Cents;
  /** What paying this invoice in full takes now: `openAmount + dunningFees`. */
  totalDue: Cents;
  /** The highest level reached, or null. */
  dunningLevel: "reminder" | "first_notice" | "second_notice" | "handed_over" | null;
  /** Quote it with a transfer, so the payment finds the invoice. */
  paymentReference: string;
}

export type PortalPaymentMethod =
  | {
      kind: "sepa_mandate";
      status: "active";
      /** `DE89 **** **** **** **30 00` */
      ibanMasked: string;
      reference: string;
      accountHolder: string;
    }
  | {
      kind: "sepa_mandate";
      status: "blocked";
      ibanMasked: string;
      reference: string;
      /** Why it can no longer be used: the return's reason class (return-codes.md) and code. */
      reasonClass: string | null;
      reasonCode: string | null;
    }
  | { kind: "none" };

export interface PortalTransferDetails {
  recipient: string;
  /** The merchant's full IBAN, grouped in fours for reading. */
  iban: string;
  bic: string | null;
}

export interface PortalMandateConsent {
  /** Stored with the mandate, so it is known which text the customer agreed to. */
  version: string;
  creditorName: string;
  creditorId: string;
  /** The mandate text, in both languages the portal speaks. */
  text: { de: string; en: string };
}

// ---------------------------------------------------------------------------------------------
// POST /portal/v1/mandates → 201 NewMandateResult
// 422 `mandate_data_invalid` (errors name iban / accountHolder / consent, in the customer's
// language); 403 `action_not_allowed` without `update_mandate`; 422 `creditor_not_configured`.
// ---------------------------------------------------------------------------------------------

export interface NewMandateRequest {
  /** With or without spaces, any case. */
  iban: string;
  accountHolder: string;
  /** Must be true: the customer ticked the consent box with `mandateConsent.text`. */
  consent: boolean;
}

export interface NewMandateResult {
  /** `mdt_…` */
  id: string;
  /** Generated: `TRF-…`, quoted by the bank on every debit. */
  reference: string;
  signatureDate: IsoDate;
  ibanMasked: string;
  accountHolder: string;
  status: "active";
  /** FRST: the first debit under a new mandate. */
  sequenceType: "FRST" | "RCUR";
  consentAt: string;
  consentTextVersion: string;
  /** The open invoices that will be debited with this mandate (each once it is due). */
  invoicesToCollect: string[];
}

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Errors: every non-2xx answer is RFC 9457 `application/problem+json`.
// 401 = token missing, expired or revoked (the widget renews it once, then gives up);
// 404 = not this customer's; 409 = contract changed meanwhile / Idempotency-Key in flight;
// 422 = a rule refused the request (e.g. a date not allowed), `errors` names the fields.
// ---------------------------------------------------------------------------------------------

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Stable machine code, e.g. `change_date_not_allowed`, `action_not_allowed`, `conflict`. */
  code: string;
  errors?: { field: string; message: string }[];
}
