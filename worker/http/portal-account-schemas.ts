// Request and response schemas of the portal's account routes (GET /portal/v1/account,
// POST /portal/v1/mandates) for validation and the OpenAPI document. The response schemas are
// checked against the widget's contract types (portal-api.ts) at compile time, both ways.
import * as v from "valibot";
import type { NewMandateResult, PortalAccount } from "../../widget/src/portal-api.ts";
import { IsoDateSchema } from "./schemas.ts";

const Cents = v.pipe(v.number(), v.integer());

/** Shapes only: the IBAN, holder and consent rules (with texts in the customer's language) are the domain's. */
export const NewMandateBody = v.strictObject({
  iban: v.pipe(v.string(), v.maxLength(64)),
  accountHolder: v.pipe(v.string(), v.maxLength(200)),
  consent: v.optional(v.boolean()),
});

const OpenInvoiceResource = v.object({
  id: v.string(),
  number: v.string(),
  kind: v.picklist(["regular", "interim", "credit_note", "fee"]),
  status: v.picklist(["open", "partially_paid", "collection_pending"]),
  issueDate: IsoDateSchema,
  dueDate: IsoDateSchema,
  currency: v.string(),
  grossAmount: Cents,
  amountPaid: Cents,
  openAmount: Cents,
  dunningFees: Cents,
  totalDue: Cents,
  dunningLevel: v.nullable(
    v.picklist(["reminder", "first_notice", "second_notice", "handed_over"]),
  ),
  paymentReference: v.string(),
});

const PaymentMethodResource = v.variant("kind", [
  v.object({
    kind: v.literal("sepa_mandate"),
    status: v.literal("active"),
    ibanMasked: v.string(),
    reference: v.string(),
    accountHolder: v.string(),
  }),
  v.object({
    kind: v.literal("sepa_mandate"),
    status: v.literal("blocked"),
    ibanMasked: v.string(),
    reference: v.string(),
    reasonClass: v.nullable(v.string()),
    reasonCode: v.nullable(v.string()),
  }),
  v.object({ kind: v.literal("none") }),
]);

export const PortalAccountResource = v.object({
  openAmount: Cents,
  currency: v.string(),
  openInvoices: v.array(OpenInvoiceResource),
  paymentMethod: PaymentMethodResource,
  transfer: v.nullable(
    v.object({ recipient: v.string(), iban: v.string(), bic: v.nullable(v.string()) }),
  ),
  canUpdateMandate: v.boolean(),
  mandateConsent: v.nullable(
    v.object({
      version: v.string(),
      creditorName: v.string(),
      creditorId: v.string(),
      text: v.object({ de: v.string(), en: v.string() }),
    }),
  ),
});

export const NewMandateResource = v.object({
  id: v.string(),
  reference: v.string(),
  signatureDate: IsoDateSchema,
  ibanMasked: v.string(),
  accountHolder: v.string(),
  status: v.literal("active"),
  sequenceType: v.picklist(["FRST", "RCUR"]),
  consentAt: v.string(),
  consentTextVersion: v.string(),
  invoicesToCollect: v.array(v.string()),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
// Fail to compile when the documented shape and the widget's contract drift apart.
export const ACCOUNT_SCHEMA_MATCHES: Same<
  v.InferOutput<typeof PortalAccountResource>,
  PortalAccount
> = true;
export const MANDATE_SCHEMA_MATCHES: Same<
  v.InferOutput<typeof NewMandateResource>,
  NewMandateResult
> = true;
