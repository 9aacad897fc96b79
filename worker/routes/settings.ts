// /api/v1/settings: merchant-wide settings: the company data every invoice shows, and the
// customer center (self-service portal).
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import {
  AddressOut,
  AddressSchema,
  IbanSchema,
  OriginSchema,
  patchObject,
  shaped,
  VatIdSchema,
} from "../http/schemas.ts";
import { missingCompanyFields, MAX_LEGAL_NAME, type CompanySettings } from "../domain/company.ts";
import { LOGO_TYPES, MAX_LOGO_BYTES, putCompanySettings } from "../flows/company-settings.ts";
import { findCompanySettings } from "../store/company.ts";
import { valid } from "../http/validation.ts";
import { PORTAL_ACTIONS } from "../domain/portal-options.ts";
import { updateCustomerCenter } from "../flows/settings.ts";
import { customerCenterSettingsOf } from "../store/merchants.ts";

const CustomerCenterPatch = patchObject({
  portalEnabled: v.optional(v.boolean()),
  allowedActions: v.optional(
    v.pipe(v.array(v.picklist(PORTAL_ACTIONS)), v.maxLength(PORTAL_ACTIONS.length)),
  ),
  prorationMode: v.optional(v.picklist(["interim_invoice", "next_invoice", "none"])),
  allowedOrigins: v.optional(v.pipe(v.array(OriginSchema), v.maxLength(20))),
});

const CustomerCenterSettings = v.object({
  portalEnabled: v.boolean(),
  allowedActions: v.array(v.picklist(PORTAL_ACTIONS)),
  prorationMode: v.picklist(["interim_invoice", "next_invoice", "none"]),
  allowedOrigins: v.array(v.string()),
});

const NullableText = v.nullable(v.string());

/** The company settings as answered; before the first PUT only `configured` and what is missing. */
const CompanyResource = v.object({
  configured: v.boolean(),
  /** What an invoice still needs; issuing is refused (422) while this is not empty. */
  missingForInvoices: v.array(v.string()),
  legalName: v.optional(v.string()),
  address: v.optional(AddressOut),
  vatId: v.optional(NullableText),
  taxNumber: v.optional(NullableText),
  email: v.optional(v.string()),
  phone: v.optional(NullableText),
  registerEntry: v.optional(NullableText),
  managingDirectors: v.optional(NullableText),
  smallBusiness: v.optional(v.boolean()),
  iban: v.optional(NullableText),
  bic: v.optional(NullableText),
  logo: v.optional(v.nullable(v.object({ sha256: v.string(), contentType: v.string() }))),
});
const Text = (max: number) =>
  v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(max));
const Optional = (max: number) => v.optional(v.nullable(Text(max)), null);

const CompanySettingsBody = v.strictObject({
  legalName: Text(MAX_LEGAL_NAME),
  address: AddressSchema,
  vatId: v.optional(v.nullable(VatIdSchema), null),
  taxNumber: v.optional(
    v.nullable(
      v.pipe(
        Text(30),
        v.regex(/^[0-9][0-9 /-]{5,28}[0-9]$/, "must be a Steuernummer like 143/123/45678"),
      ),
    ),
    null,
  ),
  email: v.pipe(v.string(), v.trim(), v.email("must be an e-mail address"), v.maxLength(254)),
  phone: v.optional(
    v.nullable(
      v.pipe(
        Text(40),
        v.regex(/^\+?[0-9 ()/-]{3,40}$/, "must be a phone number with at least three digits"),
      ),
    ),
    null,
  ),
  registerEntry: Optional(200),
  managingDirectors: Optional(200),
  smallBusiness: v.optional(v.boolean(), false),
  iban: v.optional(v.nullable(IbanSchema), null),
  bic: v.optional(
    v.nullable(
      v.pipe(
        v.string(),
        v.regex(/^[A-Z0-9]{8}([A-Z0-9]{3})?$/, "must be a BIC (8 or 11 characters)"),
      ),
    ),
    null,
  ),
  logo: v.optional(
    v.nullable(
      v.strictObject({
        contentType: v.picklist(LOGO_TYPES, "must be image/png, image/jpeg or image/svg+xml"),
        data: v.pipe(
          v.string(),
          v.minLength(1),
          v.maxLength(Math.ceil(MAX_LOGO_BYTES / 3) * 4 + 64, "is larger than 256 KB"),
        ),
      }),
    ),
  ),
});

function companyResource(settings: CompanySettings | null) {
  return shaped(CompanyResource)({
    ...(settings ?? {}),
    configured: settings !== null,
    missingForInvoices: missingCompanyFields(settings),
  });
}

export const settingsRouter = new Hono<AppEnv>()
  .get(
    "/company",
    doc("Settings", "Get the company data printed on every invoice", { schema: CompanyResource }),
    async (c) => c.json(companyResource(await findCompanySettings(c.var.db, c.get("merchant").id))),
  )
  .put(
    "/company",
    doc(
      "Settings",
      "Set the company data for invoices (seller, VAT ID or tax number, logo)",
      { schema: CompanyResource },
      { errors: [422] },
    ),
    valid("json", CompanySettingsBody),
    async (c) => {
      const saved = await putCompanySettings(
        c.env,
        c.get("merchant").id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(companyResource(saved));
    },
  )
  .get(
    "/customer-center",
    doc("Settings", "Get the customer-center settings", { schema: CustomerCenterSettings }),
    (c) => c.json(shaped(CustomerCenterSettings)(customerCenterSettingsOf(c.get("merchant")))),
  )
  .patch(
    "/customer-center",
    doc("Settings", "Update the customer-center settings", { schema: CustomerCenterSettings }),
    valid("json", CustomerCenterPatch),
    async (c) => {
      const settings = await updateCustomerCenter(c.var.db, c.var.merchant.id, c.req.valid("json"));
      return c.json(shaped(CustomerCenterSettings)(settings));
    },
  );
