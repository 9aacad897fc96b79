// /api/v1/customers: the merchant's customers, with their bank details for direct debit.
import { Hono } from "hono";
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import { createCustomer, updateCustomer } from "../flows/customers.ts";
import { IdParam, ListQuery, NameSchema, patchObject, toPage } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { findCustomer, listCustomers, type CustomerRecord } from "../store/customers.ts";

const IbanSchema = v.pipe(
  v.string(),
  v.transform((input) => electronicFormatIBAN(input) ?? ""),
  v.check((iban) => isValidIBAN(iban), "must be a valid IBAN"),
);

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

const CreateCustomer = v.strictObject(CustomerFields);
const UpdateCustomer = patchObject({
  name: v.optional(CustomerFields.name),
  email: CustomerFields.email,
  externalRef: CustomerFields.externalRef,
  locale: v.optional(v.picklist(["de", "en"])),
  iban: CustomerFields.iban,
  mandateReference: CustomerFields.mandateReference,
});

const CustomerListQuery = v.object({
  ...ListQuery.entries,
  externalRef: v.optional(v.pipe(v.string(), v.maxLength(100))),
  q: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100))),
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
  return { ...rest, iban: (mandateIbanMasked ?? ibanMasked)?.replaceAll(" ", "") ?? null };
}

export const customersRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc("Customers", "Create a customer", { status: 201 }),
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
  .get("/", doc("Customers", "List customers"), valid("query", CustomerListQuery), async (c) => {
    const { limit, cursor, externalRef, q } = c.req.valid("query");
    const rows = await listCustomers(c.var.db, c.get("merchant").id, {
      limit,
      cursor,
      externalRef,
      search: q,
    });
    return c.json(toPage(rows, limit, customerResource));
  })
  .get("/:id", doc("Customers", "Get a customer"), valid("param", IdParam("cus")), async (c) => {
    const { id } = c.req.valid("param");
    const customer = await findCustomer(c.var.db, c.get("merchant").id, id);
    if (!customer) throw notFound("Customer", id);
    return c.json(customerResource(customer));
  })
  .patch(
    "/:id",
    doc("Customers", "Update a customer"),
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
