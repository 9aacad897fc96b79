// /api/v1/auth: people sign in to the back office with e-mail and password and get an HttpOnly
// session cookie plus the CSRF token the app sends with every state change; sign out of this
// session or of every session of the user.
import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { AppEnv, Principal } from "../env.ts";
import { signIn } from "../flows/sign-in.ts";
import { userResource } from "../flows/users.ts";
import { clearSessionCookie, csrfTokenOf, setSessionCookie } from "../http/auth.ts";
import { doc } from "../http/openapi.ts";
import { DomainError } from "../domain/errors.ts";
import { EmailSchema, InstantOut, Int, UserResource } from "../http/schemas.ts";
import { valid } from "../http/validation.ts";
import type { MerchantRecord } from "../store/merchants.ts";
import { deleteSession, deleteSessionsOfUser, type UserRecord } from "../store/users.ts";

const Login = v.strictObject({
  email: EmailSchema,
  password: v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(256)),
});

const SessionResource = v.object({
  user: UserResource,
  merchant: v.object({ id: v.string(), name: v.string() }),
  /** Send it as x-csrf-token with every request that changes something. */
  csrfToken: v.string(),
  expiresAt: InstantOut,
});

async function sessionResource(
  user: UserRecord,
  merchant: Pick<MerchantRecord, "id" | "name">,
  token: string,
  expiresAt: string,
): Promise<v.InferOutput<typeof SessionResource>> {
  return {
    user: userResource(user),
    merchant: { id: merchant.id, name: merchant.name },
    csrfToken: await csrfTokenOf(token),
    expiresAt,
  };
}

function signedInUser(c: Context<AppEnv>): Extract<Principal, { kind: "user" }> {
  const principal = c.get("principal");
  if (principal.kind !== "user")
    throw new DomainError("not_a_session", "This request was made with an API key, not a session.");
  return principal;
}

/** Sign-in needs no credentials; it is mounted before the merchant API's authentication. */
export const loginRouter = new Hono<AppEnv>().post(
  "/login",
  doc(
    "Back office",
    "Sign in with e-mail and password; sets the session cookie",
    { schema: SessionResource },
    { errors: [401, 429], public: true },
  ),
  valid("json", Login),
  async (c) => {
    const body = c.req.valid("json");
    const session = await signIn(c.var.shards, {
      ...body,
      ip: c.req.header("cf-connecting-ip") ?? "unknown",
      now: c.var.now,
    });
    setSessionCookie(c, session.token, session.expiresAt);
    return c.json(
      await sessionResource(session.user, session.merchant, session.token, session.expiresAt),
    );
  },
);

export const sessionRouter = new Hono<AppEnv>()
  .get(
    "/session",
    doc("Back office", "The signed-in user, merchant and CSRF token", { schema: SessionResource }),
    async (c) => {
      const principal = signedInUser(c);
      return c.json(
        await sessionResource(
          principal.user,
          c.get("merchant"),
          principal.sessionToken,
          principal.expiresAt,
        ),
      );
    },
  )
  .post("/logout", doc("Back office", "Sign out of this session", { status: 204 }), async (c) => {
    const principal = signedInUser(c);
    await deleteSession(c.var.db, principal.sessionId);
    clearSessionCookie(c);
    return c.body(null, 204);
  })
  .post(
    "/logout-all",
    doc("Back office", "Sign out of every session of this user", {
      schema: v.object({ endedSessions: Int }),
    }),
    async (c) => {
      const principal = signedInUser(c);
      const ended = await deleteSessionsOfUser(c.var.db, principal.user.id);
      clearSessionCookie(c);
      return c.json({ endedSessions: ended });
    },
  );
