// /api/v1/portal-sessions: the merchant's backend asks for a short-lived token that lets one
// of its customers use the self-service portal; only the token's SHA-256 is stored.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { doc } from "../http/openapi.ts";
import { notFound } from "../domain/errors.ts";
import { createPortalSession } from "../flows/portal-sessions.ts";
import { BrowserUrlSchema, IdOf, IdParam, InstantOut, shaped } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import { revokePortalSession } from "../store/portal.ts";

const CreateSession = v.strictObject({
  customerId: IdOf("cus"),
  returnUrl: v.optional(BrowserUrlSchema),
  /** Default one hour; the widget asks for a new token through `fetchSession` when it runs out. */
  ttlMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(1440)), 60),
});

const PortalSessionResource = v.object({
  id: v.string(),
  /** Shown once: only its SHA-256 digest is stored. */
  token: v.string(),
  customerId: v.string(),
  expiresAt: InstantOut,
  returnUrl: v.nullable(v.string()),
});

const RevokedPortalSession = v.object({ id: v.string(), revoked: v.literal(true) });

export const portalSessionsRouter = new Hono<AppEnv>()
  .post(
    "/",
    doc("Portal", "Create a portal session token for one customer", {
      status: 201,
      schema: PortalSessionResource,
    }),
    valid("json", CreateSession),
    async (c) => {
      const { session, token, expiresAt } = await createPortalSession(
        c.var.db,
        c.var.merchant.id,
        c.req.valid("json"),
        c.var.now,
      );
      return c.json(
        shaped(PortalSessionResource)({
          id: session.id,
          token,
          customerId: session.customerId,
          expiresAt,
          returnUrl: session.returnUrl,
        }),
        201,
      );
    },
  )
  .delete(
    "/:id",
    doc("Portal", "Revoke a portal session", { schema: RevokedPortalSession }, { errors: [404] }),
    valid("param", IdParam("pss")),
    async (c) => {
      const { id } = c.req.valid("param");
      if (
        !(await revokePortalSession(c.var.db, c.get("merchant").id, id, c.get("now").toISOString()))
      )
        throw notFound("Portal session", id);
      return c.json(shaped(RevokedPortalSession)({ id, revoked: true }));
    },
  );
