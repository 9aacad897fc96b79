// /api/v1/settings: merchant-wide settings, starting with the customer center (self-service portal).
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { OriginSchema, patchObject } from "../http/schemas.ts";
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

export const settingsRouter = new Hono<AppEnv>()
  .get("/customer-center", doc("Settings", "Get the customer-center settings"), (c) =>
    c.json(customerCenterSettingsOf(c.get("merchant"))),
  )
  .patch(
    "/customer-center",
    doc("Settings", "Update the customer-center settings"),
    valid("json", CustomerCenterPatch),
    async (c) => {
      return c.json(await updateCustomerCenter(c.var.db, c.var.merchant.id, c.req.valid("json")));
    },
  );
