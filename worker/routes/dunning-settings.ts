// /api/v1/settings/dunning: what happens after a returned debit or a missed due date — return
// fees passed on, re-presentation, the days and fees of each dunning level, default interest
// with its Basiszinssatz, the B2B flat fee. A PATCH changes the fields it names.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { shaped } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { updateDunningSettings } from "../flows/settings.ts";
import { findDunningSettings } from "../store/dunning.ts";

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
      const settings = await updateDunningSettings(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(typed(settings));
    },
  );
