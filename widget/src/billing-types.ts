// The billing vocabulary the worker and the widget share, declared once: calendar dates, cents,
// tariff terms, change requests and their outcomes, invoice kinds. Types only, so importing it
// pulls no code into the widget bundle; it lives under widget/src because the widget's npm
// package ships its declarations (see widget/tsconfig.build.json). The worker's domain, store,
// schema and routes import these types instead of declaring their own.

/** `YYYY-MM-DD`, a calendar date in the merchant's time zone. */
export type IsoDate = string;
/** Integer minor units (cents) of the `currency` next to it. Negative = in the customer's favour. */
export type Cents = number;
/** VAT rate in basis points: 1900 = 19 %, 700 = 7 %, 0 = exempt / reverse charge. */
export type TaxRateBp = number;

export type BillingInterval = "month" | "quarter" | "year";
export type ContractStatus = "active" | "cancellation_pending" | "ended";
/** Compared on the recurring net amount normalised to one month (year ÷ 12, quarter ÷ 3). */
export type ChangeKind = "upgrade" | "downgrade" | "neutral";
/** What the proration of a change turns into (merchant `prorationMode` and the sign of the net). */
export type Settlement = "interim_invoice" | "credit_note" | "next_invoice" | "none";
export type ProrationMode = "interim_invoice" | "next_invoice" | "none";
/** `fee`: charges passed on to the customer, e.g. a returned debit's bank fee (no VAT: damages). */
export type InvoiceKind = "regular" | "interim" | "credit_note" | "fee";
export type InvoiceStatus = "open" | "paid" | "partially_paid" | "void";

/** When a customer may let a change take effect; `custom` is a window of days from today. */
export type ChangePoint =
  | { type: "immediately" }
  | { type: "next_period" }
  | { type: "end_of_term" }
  | { type: "next_month" }
  | { type: "custom"; minLeadDays: number; maxHorizonDays: number };
export type ChangePointType = ChangePoint["type"];

/**
 * One contract change as asked for, by id: what the APIs accept (with a date), what is stored
 * for a scheduled change, and what the billing run recomputes on the day.
 */
export type ContractChangeRequest =
  | { type: "switch_template"; templateId: string }
  | { type: "add_addon"; articleId: string; quantity: number }
  | { type: "remove_item"; itemId: string }
  | { type: "change_quantity"; itemId: string; quantity: number };
export type ChangeType = ContractChangeRequest["type"];
export type ChangeStatus = "scheduled" | "applied" | "cancelled" | "failed";
/** What the merchant's customer center lets customers do themselves; the API refuses the rest. */
export type PortalAction =
  | "switch_up"
  | "switch_down"
  | "add_addon"
  | "remove_item"
  | "change_quantity"
  | "cancel"
  | "update_mandate";
/** Who asked for a change. */
export type ChangeSource = "merchant" | "portal";
