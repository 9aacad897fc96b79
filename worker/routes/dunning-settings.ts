// /api/v1/settings/dunning: what happens after a returned debit or a missed due date — return
// fees passed on, re-presentation, the days and fees of each dunning level, default interest
// with its Basiszinssatz, the B2B flat fee. A PATCH changes the fields it names.
import { Hono } from "hono";
import * as v from "valibot";
import { validateDunningSettings } from "../domain/dunning.ts";
import { DomainError } from "../domain/errors.ts";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { shaped } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { findDunningSettings, saveDunningSettings } from "../store/dunning.ts";

const Int = v.pipe(v.number(), v.integer());
const Triple = v.pipe(v.tuple([Int, Int, Int]));

const DunningSettingsPatch = v.strictObject({
  passOnReturnFee: v.optional(v.boolean()),
  handlingFee: v.optional(Int),
  representDebits: v.optional(v.boolean()),
  reminderDays: v.optional(Triple),
  levelFees: v.optional(Triple),
  defaultInterest: v.optional(v.boolean()),
  b2bFlatFee: v.optional(v.boolean()),
  baseRates: v.optional(
    v.pipe(v.array(v.strictObject({ validFrom: v.string(), rateBp: Int })), v.maxLength(100)),
  ),
});

// OpenAPI 3.1 has no tuple `items` array: the answer says "three integers" this way.
const Three = v.pipe(v.array(Int), v.length(3));

const DunningSettingsResource = v.object({
  passOnReturnFee: v.boolean(),
  handlingFee: Int,
  representDebits: v.boolean(),
  reminderDays: Three,
  levelFees: Three,
  defaultInterest: v.boolean(),
  b2bFlatFee: v.boolean(),
  baseRates: v.array(v.object({ validFrom: v.string(), rateBp: Int })),
});

const typed = shaped(DunningSettingsResource);

export const dunningSettingsRouter = new Hono<AppEnv>()
  .get(
    "/dunning",
    doc("Settings", "Get the dunning and return settings", { schema: DunningSettingsResource }),
    async (c) => c.json(typed(await findDunningSettings(c.var.db, c.get("merchant").id))),
  )
  .patch(
    "/dunning",
    doc("Settings", "Change the dunning and return settings", {
      schema: DunningSettingsResource,
    }),
    valid("json", DunningSettingsPatch),
    async (c) => {
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      const patch = Object.fromEntries(
        Object.entries(c.req.valid("json")).filter(([, value]) => value !== undefined),
      );
      const settings = { ...(await findDunningSettings(db, merchantId)), ...patch };
      const errors = validateDunningSettings(settings);
      if (errors.length > 0)
        throw new DomainError(
          "validation_failed",
          `Invalid dunning settings: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`,
          errors,
        );
      // Validated in the order given, so each error names the element the client sent.
      settings.baseRates = [...settings.baseRates].sort((a, b) =>
        a.validFrom < b.validFrom ? -1 : 1,
      );
      await saveDunningSettings(db, merchantId, settings, c.var.now.toISOString());
      return c.json(typed(settings));
    },
  );
