// /api/v1/settings: merchant-wide settings, starting with the customer center (self-service portal).
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { OriginSchema, patchObject } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { PORTAL_ACTIONS, type PortalAction } from "../domain/portal-options.ts";
import { customerCenterSettingsOf, updateCustomerCenterSettings } from "../store/merchants.ts";

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

function settingsOf(
  merchant: Parameters<typeof customerCenterSettingsOf>[0],
): v.InferOutput<typeof CustomerCenterSettings> {
  const settings = customerCenterSettingsOf(merchant);
  // Stored as JSON; only PATCH (picklist above) ever writes it.
  return { ...settings, allowedActions: settings.allowedActions as PortalAction[] };
}

export const settingsRouter = new Hono<AppEnv>()
  .get(
    "/customer-center",
    doc("Settings", "Get the customer-center settings", { schema: CustomerCenterSettings }),
    (c) => c.json(settingsOf(c.get("merchant"))),
  )
  .patch(
    "/customer-center",
    doc("Settings", "Update the customer-center settings", { schema: CustomerCenterSettings }),
    valid("json", CustomerCenterPatch),
    async (c) => {
      const patch = c.req.valid("json");
      const deduplicated = {
        ...patch,
        ...(patch.allowedActions ? { allowedActions: [...new Set(patch.allowedActions)] } : {}),
        ...(patch.allowedOrigins ? { allowedOrigins: [...new Set(patch.allowedOrigins)] } : {}),
      };
      const merchant = await updateCustomerCenterSettings(
        c.var.db,
        c.get("merchant").id,
        deduplicated,
      );
      return c.json(settingsOf(merchant));
    },
  );
