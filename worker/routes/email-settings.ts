// /api/v1/settings/emails: which e-mails Tarif sends to the merchant's customers. A kind switched
// off is not queued at all; the merchant handles it through the webhook of the same change.
import { Hono } from "hono";
import * as v from "valibot";
import { EMAIL_KINDS, type EmailKind } from "../domain/customer-emails.ts";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { valid } from "../http/validation.ts";
import { updateEmailKinds } from "../flows/settings.ts";
import { findEmailSettings } from "../store/email-outbox.ts";

const EmailSettingsPatch = v.strictObject({
  kinds: v.strictObject(
    Object.fromEntries(EMAIL_KINDS.map((kind) => [kind, v.optional(v.boolean())])) as Record<
      EmailKind,
      v.OptionalSchema<v.BooleanSchema<undefined>, undefined>
    >,
  ),
});

const EmailSettings = v.object({
  kinds: v.strictObject(
    Object.fromEntries(EMAIL_KINDS.map((kind) => [kind, v.boolean()])) as Record<
      EmailKind,
      v.BooleanSchema<undefined>
    >,
  ),
});

function shape(disabled: readonly string[]): v.InferOutput<typeof EmailSettings> {
  return {
    kinds: Object.fromEntries(
      EMAIL_KINDS.map((kind) => [kind, !disabled.includes(kind)]),
    ) as Record<EmailKind, boolean>,
  };
}

export const emailSettingsRouter = new Hono<AppEnv>()
  .get(
    "/emails",
    doc("Settings", "Get which customer e-mails are sent", { schema: EmailSettings }),
    async (c) => {
      const settings = await findEmailSettings(c.var.db, c.get("merchant").id);
      return c.json(shape(settings?.disabledKinds ?? []));
    },
  )
  .patch(
    "/emails",
    doc("Settings", "Switch customer e-mails on or off per kind", { schema: EmailSettings }),
    valid("json", EmailSettingsPatch),
    async (c) => {
      const disabled = await updateEmailKinds(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("json").kinds,
        c.var.now,
      );
      return c.json(shape(disabled));
    },
  );
