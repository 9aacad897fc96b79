// /api/v1/customers: the merchant's customers, with their bank details for direct debit and the
// billing data their invoices show (address, kind, VAT ID, buyer reference).
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import {
  AddressOut,
  AddressSchema,
  IbanSchema,
  IdParam,
  InstantOut,
  ListQuery,
  NameSchema,
  NullableText,
  patchObject,
  shaped,
  toPage,
  VatIdSchema,
} from "../http/schemas.ts";
import { createCustomer, updateCustomer } from "../flows/customers.ts";
import { valid } from "../http/validation.ts";
import { findCustomer, listCustomers, type CustomerRecord } from "../store/customers.ts";

const CustomerFields = {
  name: NameSchema,
  email: v.optional(
    v.nullable(
      v.pipe(v.string(), v.trim(), v.email("must be an e-mail address"), v.maxLength(254)),
    ),
  ),
  externalRef: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(100)))),
  locale: v.optional(v.picklist(["de", "en"]), "de"),
  iban: v.optional(v.nullable(IbanSchema)),
  mandateReference: v.optional(
    v.nullable(
      v.pipe(
        v.string(),
        v.regex(/^[A-Za-z0-9+?/\-:().,']{1,35}$/, "1–35 characters of the SEPA set, no spaces"),
      ),
    ),
  ),
};

/** What invoices need of the buyer: billing address, VAT ID (business), BT-10 reference. */
const InvoiceFields = {
  kind: v.optional(v.picklist(["consumer", "business"])),
  billingAddress: v.optional(v.nullable(AddressSchema)),
  vatId: v.optional(v.nullable(VatIdSchema)),
  buyerReference: v.optional(
    v.nullable(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100))),
  ),
};

const CreateCustomer = v.strictObject({ ...CustomerFields, ...InvoiceFields });
const UpdateCustomer = patchObject({
  name: v.optional(CustomerFields.name),
  email: CustomerFields.email,
  externalRef: CustomerFields.externalRef,
  locale: v.optional(v.picklist(["de", "en"])),
  iban: CustomerFields.iban,
  mandateReference: CustomerFields.mandateReference,
  ...InvoiceFields,
});

const CustomerListQuery = v.object({
  ...ListQuery.entries,
  externalRef: v.optional(v.pipe(v.string(), v.maxLength(100))),
  q: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100))),
});

const CustomerResource = v.object({
  id: v.string(),
  name: v.string(),
  email: NullableText,
  externalRef: NullableText,
  locale: v.string(),
  mandateReference: NullableText,
  /** Masked, e.g. DE89XXXXXXXXXXXXXX3000: the active mandate's account, else the one given. */
  iban: NullableText,
  kind: v.picklist(["consumer", "business"]),
  /** Printed as the buyer's address (BG-8); required before an invoice is issued. */
  billingAddress: v.nullable(AddressOut),
  vatId: NullableText,
  /** BT-10, e.g. a Leitweg-ID of a public buyer. */
  buyerReference: NullableText,
  createdAt: InstantOut,
  updatedAt: v.nullable(InstantOut),
});

/**
 * The full IBAN never leaves the service again: only enough to recognise the account. It is the
 * active mandate's when there is one, else the account given for the customer.
 */
function customerResource(customer: CustomerRecord) {
  const {
    merchantId: _merchant,
    ibanCiphertext: _sealed,
    ibanHash: _hash,
    ibanMasked,
    mandateIbanMasked,
    ...rest
  } = customer;
  return shaped(CustomerResource)({
    ...rest,
    iban: (mandateIbanMasked ?? ibanMasked)?.replaceAll(" ", "") ?? null,
  });
}

export const customersRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc(
      "Customers",
      "Create a customer",
      { status: 201, schema: CustomerResource },
      { errors: [409] },
    ),
    valid("json", CreateCustomer),
    async (c) => {
      const customer = await createCustomer(
        c.var.db,
        c.env,
        c.var.merchant.id,
        c.req.valid("json"),
      );
      return c.json(customerResource(customer), 201);
    },
  )
  .get(
    "/",
    doc("Customers", "List customers", { schema: PageOf(CustomerResource) }),
    valid("query", CustomerListQuery),
    async (c) => {
      const { limit, cursor, externalRef, q } = c.req.valid("query");
      const rows = await listCustomers(c.var.db, c.get("merchant").id, {
        limit,
        cursor,
        externalRef,
        search: q,
      });
      return c.json(toPage(rows, limit, customerResource));
    },
  )
  .get(
    "/:id",
    doc("Customers", "Get a customer", { schema: CustomerResource }, { errors: [404] }),
    valid("param", IdParam("cus")),
    async (c) => {
      const { id } = c.req.valid("param");
      const customer = await findCustomer(c.var.db, c.get("merchant").id, id);
      if (!customer) throw notFound("Customer", id);
      return c.json(customerResource(customer));
    },
  )
  .patch(
    "/:id",
    doc("Customers", "Update a customer", { schema: CustomerResource }, { errors: [404, 409] }),
    valid("param", IdParam("cus")),
    valid("json", UpdateCustomer),
    async (c) => {
      const { id } = c.req.valid("param");
      const customer = await updateCustomer(
        c.var.db,
        c.env,
        c.var.merchant.id,
        id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(customerResource(customer));
    },
  );
