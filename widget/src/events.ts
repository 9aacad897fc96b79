// The events <selfservice-portal> fires, with typed details, so a merchant's page (or framework
// wrapper) gets `addEventListener("selfservice-change", e => e.detail.change…)` type-checked.
import type {
  CancelContractResult,
  ChangeKind,
  NewMandateResult,
  PortalInvoice,
  Settlement,
} from "./portal-api.js";

/** A change was applied or scheduled, or a scheduled change was withdrawn. */
export interface SelfserviceChangeDetail {
  contractId: string;
  change: {
    id: string;
    status: "applied" | "scheduled" | "cancelled";
    /** Absent for a withdrawn change. */
    effectiveDate?: string;
    kind?: ChangeKind;
    settlement?: Settlement;
  };
  /** The interim invoice or credit note issued at once, if any. */
  invoice?: PortalInvoice;
}

/** The contract was cancelled; it runs until `endDate` (inclusive). */
export interface SelfserviceCancelDetail {
  contractId: string;
  endDate: string;
  earliestEndDate: string;
  result: CancelContractResult;
}

/** The customer gave a new SEPA mandate in the portal (the IBAN only masked). */
export interface SelfserviceMandateCreatedDetail {
  mandate: NewMandateResult;
}

export type PortalOperation =
  | "load_contracts"
  | "preview_change"
  | "apply_change"
  | "cancel_scheduled_change"
  | "cancel_contract"
  | "load_invoices"
  | "download_invoice"
  | "load_account"
  | "create_mandate";

/** A request failed (other than session expiry): the problem+json fields, `status` 0 = no answer. */
export interface SelfserviceErrorDetail {
  operation: PortalOperation;
  status: number;
  code: string;
  title: string;
  detail?: string;
}

/** The token was refused and `fetchSession` (if set) could not renew it: sign the customer in again. */
export interface SelfserviceSessionExpiredDetail {
  operation: PortalOperation;
}

export interface SelfservicePortalEventMap {
  "selfservice-change": CustomEvent<SelfserviceChangeDetail>;
  "selfservice-cancel": CustomEvent<SelfserviceCancelDetail>;
  "selfservice-error": CustomEvent<SelfserviceErrorDetail>;
  "selfservice-session-expired": CustomEvent<SelfserviceSessionExpiredDetail>;
  "selfservice-mandate-created": CustomEvent<SelfserviceMandateCreatedDetail>;
}

declare global {
  // Lets `addEventListener("selfservice-…")` infer the detail type on the element and, as the
  // events bubble out of the shadow root, on the document. Declaration merging needs the empty
  // bodies.
  /* eslint-disable @typescript-eslint/no-empty-object-type */
  interface HTMLElementEventMap extends SelfservicePortalEventMap {}
  interface DocumentEventMap extends SelfservicePortalEventMap {}
  /* eslint-enable @typescript-eslint/no-empty-object-type */
}

type DetailOf<K extends keyof SelfservicePortalEventMap> =
  SelfservicePortalEventMap[K] extends CustomEvent<infer D> ? D : never;

/** Bubbling and composed, so a listener outside any shadow root the widget sits in hears it. */
export function emit<K extends keyof SelfservicePortalEventMap>(
  target: EventTarget,
  type: K,
  detail: DetailOf<K>,
): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
