// finAPI for the merchant API: credentials, the finAPI user and bank connections through the web
// form (sync, transactions and matching are in routes/reconciliation.ts); plus the public web
// form callback (finapiCallbackRouter), which its per-form secret URL authenticates.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv, Bindings } from "../env.ts";
import {
  allowsCustomHosts,
  clientSecretBinding,
  hostsOf,
  pollingRuntime,
  runtimeFromEnv,
} from "../banking/finapi/connect.ts";
import { callFinapi, describeFinapiError } from "../banking/finapi/failures.ts";
import {
  createUser,
  pollPendingForms,
  settleWebForm,
  startBankConnectionImport,
} from "../flows/finapi.ts";
import { deleteFinapiUser, removeBankConnection } from "../flows/finapi-removal.ts";
import { startConsentRenewal } from "../flows/finapi-renewal.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { DomainError, notFound, invalidFields } from "../domain/errors.ts";
import {
  IdParam,
  InstantOut,
  Int,
  ListQuery,
  NullableText,
  shaped,
  toPage,
} from "../http/schemas.ts";
import { BANK_CONNECTION_STATUSES } from "../../schema/finapi.ts";
import { valid } from "../http/validation.ts";
import { encryptSecret, sha256Hex } from "../security.ts";
import {
  findConnection,
  findConnectionByCallbackHash,
  findSettings,
  listConnections,
  upsertSettings,
  type BankConnectionRecord,
  type FinapiSettingsRecord,
} from "../store/finapi.ts";

const HttpUrl = v.pipe(
  v.string(),
  v.maxLength(2048),
  v.url("must be a URL"),
  v.check((url) => /^https?:\/\//i.test(url), "must be an http(s) URL"),
  v.transform((url) => url.replace(/\/+$/, "")),
);

const Settings = v.strictObject({
  clientId: v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(128)),
  clientSecret: v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(512)),
  environment: v.optional(v.picklist(["sandbox", "live"], "must be sandbox or live")),
  baseUrl: v.optional(HttpUrl),
  webFormBaseUrl: v.optional(HttpUrl),
  consentWarningDays: v.optional(
    v.pipe(v.number(), v.integer("must be a whole number of days"), v.minValue(1), v.maxValue(60)),
  ),
});

const ImportRequest = v.strictObject({
  bankId: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER)),
  ),
  bankSearch: v.optional(
    v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(100)),
  ),
  name: v.optional(
    v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(80)),
  ),
});

const NoBody = v.strictObject({});

const CallbackBody = v.looseObject({
  webFormId: v.optional(v.pipe(v.string(), v.maxLength(64))),
  status: v.optional(v.pipe(v.string(), v.maxLength(64))),
});
const CALLBACK_TOKEN = /^[0-9a-z]{40}$/;

/** Either finAPI's environment, or (development only) the hosts of another finAPI such as the fake. */
function target(
  body: v.InferOutput<typeof Settings>,
  env: Bindings,
): { environment: string; baseUrl: string | null; webFormBaseUrl: string | null } {
  const custom = body.baseUrl !== undefined || body.webFormBaseUrl !== undefined;
  if (custom && !allowsCustomHosts(env)) {
    const field = body.baseUrl !== undefined ? "baseUrl" : "webFormBaseUrl";
    throw invalidFields([
      {
        field,
        message:
          "other finAPI hosts are only allowed in development; use environment sandbox or live",
      },
    ]);
  }
  if (custom && body.environment !== undefined)
    throw invalidFields([
      { field: "environment", message: "give either environment or baseUrl, not both" },
    ]);
  if (!custom && body.environment === undefined)
    throw invalidFields([{ field: "environment", message: "must be sandbox or live" }]);
  if (custom && body.baseUrl === undefined)
    throw invalidFields([{ field: "baseUrl", message: "is required with webFormBaseUrl" }]);
  if (body.environment)
    return { environment: body.environment, baseUrl: null, webFormBaseUrl: null };
  return {
    environment: "custom",
    baseUrl: body.baseUrl!,
    webFormBaseUrl: body.webFormBaseUrl ?? body.baseUrl!,
  };
}

const NullableInstant = v.nullable(InstantOut);
const ErrorOut = v.nullable(v.object({ code: v.string(), message: NullableText }));

const SettingsResource = v.object({
  clientId: v.string(),
  /** The secret is stored encrypted and never answered. */
  clientSecretSet: v.literal(true),
  environment: v.string(),
  baseUrl: v.string(),
  webFormBaseUrl: v.string(),
  user: v.nullable(v.object({ id: v.string(), createdAt: NullableInstant })),
  consentWarningDays: Int,
  createdAt: InstantOut,
  updatedAt: NullableInstant,
});

const ConnectionResource = v.object({
  id: v.string(),
  status: v.picklist(BANK_CONNECTION_STATUSES),
  webFormId: v.string(),
  /** The web form to open, while it is pending. */
  url: NullableText,
  webFormExpiresAt: NullableInstant,
  finapiConnectionId: v.nullable(Int),
  bankName: NullableText,
  accounts: v.array(
    v.object({
      id: Int,
      iban: NullableText,
      name: NullableText,
      type: v.string(),
      currency: NullableText,
      closedAt: v.optional(NullableInstant),
    }),
  ),
  error: ErrorOut,
  consentExpiresAt: NullableInstant,
  renewal: v.nullable(v.object({ url: v.string(), expiresAt: NullableInstant })),
  sync: v.object({
    status: v.string(),
    lastSyncAt: NullableInstant,
    lastAttemptAt: NullableInstant,
    consecutiveFailures: Int,
    error: ErrorOut,
    updateRequestedAt: NullableInstant,
    unattendedUpdatesToday: v.object({ day: NullableText, count: Int }),
    backlog: v.nullable(
      v.object({ nextPage: Int, minImportDate: NullableText, startedAt: NullableInstant }),
    ),
  }),
  createdAt: InstantOut,
  completedAt: NullableInstant,
});

/** Right after the import started: the web form's URL to open. */
const StartedConnection = v.object({
  ...ConnectionResource.entries,
  webFormId: v.string(),
  url: v.string(),
});

const RenewalForm = v.object({
  id: v.string(),
  webFormId: v.string(),
  url: v.string(),
  expiresAt: NullableInstant,
});

function settingsResource(settings: FinapiSettingsRecord): v.InferOutput<typeof SettingsResource> {
  const hosts = hostsOf(settings);
  return {
    clientId: settings.clientId,
    clientSecretSet: true,
    environment: settings.environment,
    baseUrl: hosts.apiBaseUrl,
    webFormBaseUrl: hosts.webFormBaseUrl,
    user: settings.userId ? { id: settings.userId, createdAt: settings.userCreatedAt } : null,
    consentWarningDays: settings.consentWarningDays,
    createdAt: settings.createdAt,
    updatedAt: settings.updatedAt,
  };
}

function connectionResource(
  connection: BankConnectionRecord,
): v.InferOutput<typeof ConnectionResource> {
  const pending = connection.status === "pending";
  return {
    id: connection.id,
    status: connection.status,
    webFormId: connection.webFormId,
    // The URL opens once and only matters while the form is open.
    url: pending ? connection.webFormUrl : null,
    webFormExpiresAt: pending ? connection.webFormExpiresAt : null,
    finapiConnectionId: connection.finapiConnectionId,
    bankName: connection.bankName,
    accounts: connection.accounts,
    error: connection.errorCode
      ? { code: connection.errorCode, message: connection.errorMessage }
      : null,
    consentExpiresAt: connection.consentExpiresAt,
    // An open consent renewal form (POST …/renew), for the merchant to hand to the bank customer.
    renewal:
      !pending && connection.callbackTokenHash !== null
        ? { url: connection.webFormUrl, expiresAt: connection.webFormExpiresAt }
        : null,
    sync: {
      status: connection.syncStatus,
      lastSyncAt: connection.lastSyncAt,
      lastAttemptAt: connection.lastSyncAttemptAt,
      consecutiveFailures: connection.syncFailures,
      error: connection.syncErrorCode
        ? { code: connection.syncErrorCode, message: connection.syncErrorMessage }
        : null,
      updateRequestedAt: connection.updateRequestedAt,
      unattendedUpdatesToday: { day: connection.updatesDay, count: connection.updatesOnDay },
      backlog:
        connection.backlogPage === null
          ? null
          : {
              nextPage: connection.backlogPage,
              minImportDate: connection.backlogWindow,
              startedAt: connection.backlogStartedAt,
            },
    },
    createdAt: connection.createdAt,
    completedAt: connection.completedAt,
  };
}

export const finapiRouter = new Hono<AppEnv>()
  .put(
    "/finapi/settings",
    doc(
      "finAPI",
      "Store the finAPI client credentials (the secret is encrypted and never returned)",
      { schema: SettingsResource },
      { errors: [409] },
    ),
    valid("json", Settings),
    async (c) => {
      const body = c.req.valid("json");
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      const next = target(body, c.env);
      const current = await findSettings(db, merchantId);
      const moves =
        current &&
        (current.clientId !== body.clientId ||
          current.environment !== next.environment ||
          current.baseUrl !== next.baseUrl ||
          current.webFormBaseUrl !== next.webFormBaseUrl);
      if (current?.userId && moves) {
        // The finAPI user lives at one client of one finAPI; it cannot follow the credentials.
        throw new DomainError(
          "finapi_user_exists",
          "A finAPI user exists for the current client; remove it first (DELETE /api/v1/finapi/user) to switch client or environment.",
        );
      }
      const clientSecretCiphertext = await encryptSecret(
        body.clientSecret,
        c.env.ENCRYPTION_KEY,
        clientSecretBinding(merchantId),
      );
      const settings = await upsertSettings(
        db,
        merchantId,
        {
          clientId: body.clientId,
          clientSecretCiphertext,
          ...next,
          ...(body.consentWarningDays !== undefined
            ? { consentWarningDays: body.consentWarningDays }
            : {}),
        },
        c.get("now").toISOString(),
      );
      return c.json(settingsResource(settings));
    },
  )
  .get(
    "/finapi/settings",
    doc(
      "finAPI",
      "The finAPI settings, without the secret",
      { schema: SettingsResource },
      { errors: [404] },
    ),
    async (c) => {
      const settings = await findSettings(c.var.db, c.get("merchant").id);
      if (!settings) throw notFound("finAPI settings");
      return c.json(settingsResource(settings));
    },
  )
  .post(
    "/finapi/user",
    doc(
      "finAPI",
      "Create the merchant's finAPI user (its password is stored encrypted)",
      { status: 201, schema: v.object({ id: v.string(), createdAt: InstantOut }) },
      { errors: [409, 422, 502] },
    ),
    valid("json", NoBody),
    async (c) => {
      const user = await createUser(
        c.var.db,
        c.env,
        c.get("merchant").id,
        c.get("now"),
        runtimeFromEnv(c.env),
      );
      return c.json(shaped(v.object({ id: v.string(), createdAt: InstantOut }))(user), 201);
    },
  )
  .delete(
    "/finapi/user",
    doc(
      "finAPI",
      "Delete the finAPI user at finAPI and here: its bank connections stop syncing, imported transactions stay",
      { schema: v.object({ id: v.string(), deleted: v.literal(true) }) },
      { errors: [404, 409, 422, 502] },
    ),
    async (c) => {
      const deleted = await deleteFinapiUser(
        c.var.db,
        c.env,
        c.get("merchant").id,
        c.get("now"),
        runtimeFromEnv(c.env),
      );
      if (!deleted) throw notFound("finAPI user");
      return c.json({ id: deleted.id, deleted: true });
    },
  )
  .post(
    "/finapi/bank-connections",
    doc(
      "finAPI",
      "Start a bank connection import through finAPI Web Form 2.0; returns the form URL",
      { status: 201, schema: StartedConnection },
      { errors: [422, 502] },
    ),
    valid("json", ImportRequest),
    async (c) => {
      const body = c.req.valid("json");
      if (body.bankId !== undefined && body.bankSearch !== undefined)
        throw invalidFields([{ field: "bankSearch", message: "give either bankId or bankSearch" }]);
      const connection = await startBankConnectionImport(
        c.var.db,
        c.env,
        c.get("merchant").id,
        body,
        new URL(c.req.url).origin,
        c.get("now"),
        runtimeFromEnv(c.env),
      );
      return c.json(
        shaped(StartedConnection)({
          ...connectionResource(connection),
          webFormId: connection.webFormId,
          url: connection.webFormUrl,
        }),
        201,
      );
    },
  )
  .get(
    "/finapi/bank-connections",
    doc(
      "finAPI",
      "Bank connections with their status and last sync (pending web forms are polled first)",
      { schema: PageOf(ConnectionResource) },
      { errors: [422, 502] },
    ),
    valid("query", ListQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      if (!cursor)
        await pollPendingForms(db, c.env, merchantId, c.get("now"), runtimeFromEnv(c.env));
      return c.json(
        toPage(await listConnections(db, merchantId, { limit, cursor }), limit, connectionResource),
      );
    },
  )
  .get(
    "/finapi/bank-connections/:id",
    doc(
      "finAPI",
      "One bank connection (a pending web form is polled first)",
      { schema: ConnectionResource },
      { errors: [404] },
    ),
    valid("param", IdParam("bcn")),
    async (c) => {
      const { id } = c.req.valid("param");
      const db = c.var.db;
      const merchantId = c.get("merchant").id;
      const connection = await findConnection(db, merchantId, id);
      if (!connection) throw notFound("Bank connection", id);
      if (connection.status !== "pending") return c.json(connectionResource(connection));
      // finAPI being unreachable must not hide the stored state: the form stays pending.
      const settled = await settleWebForm(
        db,
        c.env,
        connection,
        c.get("now"),
        pollingRuntime(runtimeFromEnv(c.env)),
      ).catch((error: unknown) => {
        console.error(
          "finAPI: polling web form failed",
          connection.id,
          describeFinapiError(error).message,
        );
        return false;
      });
      return c.json(
        connectionResource(settled ? (await findConnection(db, merchantId, id))! : connection),
      );
    },
  )
  .post(
    "/finapi/bank-connections/:id/renew",
    doc(
      "finAPI",
      "Renew the PSD2 consent: a Web Form 2.0 URL for the bank customer; finishing it resumes the sync without a gap",
      { status: 201, schema: RenewalForm },
      { errors: [404, 409, 422, 502] },
    ),
    valid("param", IdParam("bcn")),
    valid("json", NoBody),
    async (c) => {
      const { id } = c.req.valid("param");
      const form = await startConsentRenewal(
        c.var.db,
        c.env,
        c.get("merchant").id,
        id,
        new URL(c.req.url).origin,
        c.get("now"),
        runtimeFromEnv(c.env),
      );
      if (!form) throw notFound("Bank connection", id);
      return c.json(shaped(RenewalForm)(form), 201);
    },
  )
  .delete(
    "/finapi/bank-connections/:id",
    doc(
      "finAPI",
      "Remove a bank connection at finAPI and here: no longer synced, its transactions stay for the books",
      { schema: ConnectionResource },
      { errors: [404, 409, 422, 502] },
    ),
    valid("param", IdParam("bcn")),
    async (c) => {
      const { id } = c.req.valid("param");
      const removed = await removeBankConnection(
        c.var.db,
        c.env,
        c.get("merchant").id,
        id,
        c.get("now"),
        runtimeFromEnv(c.env),
      );
      if (!removed) throw notFound("Bank connection", id);
      return c.json(connectionResource(removed));
    },
  );

/**
 * finAPI POSTs `{webFormId, status}` here when a web form finishes (mounted at /finapi, outside
 * the merchant API). Only the secret in the URL authenticates it; the outcome itself is read back
 * from finAPI, so a forged body can change nothing.
 */
export const finapiCallbackRouter = new Hono<AppEnv>().post(
  "/callbacks/web-forms/:token",
  valid("json", CallbackBody),
  async (c) => {
    const token = c.req.param("token");
    const db = c.var.db;
    const connection = CALLBACK_TOKEN.test(token)
      ? await findConnectionByCallbackHash(db, await sha256Hex(token))
      : undefined;
    const { webFormId } = c.req.valid("json");
    if (!connection || (webFormId !== undefined && webFormId !== connection.webFormId))
      throw notFound("Web form callback");
    await callFinapi(() =>
      settleWebForm(db, c.env, connection, c.get("now"), runtimeFromEnv(c.env)),
    );
    return c.json({ received: true });
  },
);
