// /api/v1/customers/{id}/credit: a customer's credit (Guthaben) — balance and every booking,
// application onto an invoice and refund — and refunds by transfer (recorded; the merchant pays out).
import { Hono } from "hono";
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { customerCredit, refundCredit } from "../flows/customer-credit.ts";
import { doc } from "../http/openapi.ts";
import { CentsSchema, CurrencySchema, IdParam } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";

const CreditEntryResource = v.variant("type", [
  v.object({
    type: v.literal("booked"),
    at: v.string(),
    creditId: v.string(),
    amount: v.number(),
    reason: v.string(),
    reversedAt: v.nullable(v.string()),
  }),
  v.object({
    type: v.literal("applied"),
    at: v.string(),
    creditId: v.string(),
    amount: v.number(),
    invoiceId: v.string(),
    invoiceNumber: v.nullable(v.string()),
    reversedAt: v.nullable(v.string()),
  }),
  v.object({
    type: v.literal("refunded"),
    at: v.string(),
    refundId: v.string(),
    amount: v.number(),
    reference: v.nullable(v.string()),
    iban: v.nullable(v.string()),
  }),
]);

export const CustomerCreditResource = v.object({
  customerId: v.string(),
  currency: v.string(),
  /** What is left to apply or refund, in cents. */
  balance: v.number(),
  entries: v.array(CreditEntryResource),
});

export const CreditRefundResource = v.object({
  id: v.string(),
  customerId: v.string(),
  amount: v.number(),
  currency: v.string(),
  iban: v.nullable(v.string()),
  reference: v.nullable(v.string()),
  refundedAt: v.string(),
  /** The balance after this refund. */
  balance: v.number(),
});

const CreditQuery = v.object({ currency: v.optional(CurrencySchema, "EUR") });

const RefundBody = v.strictObject({
  amount: v.pipe(CentsSchema, v.minValue(1, "must be at least 1 cent")),
  currency: v.optional(CurrencySchema, "EUR"),
  /** The account the merchant transfers to; only its masked form is kept. */
  iban: v.optional(
    v.nullable(
      v.pipe(
        v.string(),
        v.transform((input) => electronicFormatIBAN(input) ?? ""),
        v.check((iban) => isValidIBAN(iban), "must be a valid IBAN"),
      ),
    ),
    null,
  ),
  /** The transfer's reference as the merchant made it. */
  reference: v.optional(
    v.nullable(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(140))),
    null,
  ),
});

export const customerCreditRouter = new Hono<AppEnv>()
  .get(
    "/:id/credit",
    doc(
      "Customers",
      "Get a customer's credit balance and its entries",
      { schema: CustomerCreditResource },
      { errors: [404] },
    ),
    valid("param", IdParam("cus")),
    valid("query", CreditQuery),
    async (c) => {
      const { id } = c.req.valid("param");
      const { currency } = c.req.valid("query");
      const view = await customerCredit(c.var.db, c.get("merchant").id, id, currency);
      return c.json(view satisfies v.InferOutput<typeof CustomerCreditResource>);
    },
  )
  .post(
    "/:id/credit/refunds",
    doc(
      "Customers",
      "Record a refund of credit by transfer",
      { status: 201, schema: CreditRefundResource },
      { errors: [404, 409, 422] },
    ),
    valid("param", IdParam("cus")),
    valid("json", RefundBody),
    async (c) => {
      const { id } = c.req.valid("param");
      const refund = await refundCredit(
        c.var.db,
        c.get("merchant").id,
        id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(refund satisfies v.InferOutput<typeof CreditRefundResource>, 201);
    },
  );
