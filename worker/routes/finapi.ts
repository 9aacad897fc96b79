// finAPI for the merchant API: credentials, the finAPI user and bank connections through the web
// form (sync, transactions and matching are in routes/reconciliation.ts); plus the public web
// form callback (finapiCallbackRouter), which its per-form secret URL authenticates.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env.ts";
import { hostsOf, runtimeFromEnv } from "../banking/finapi/connect.ts";
import {
  createUser,
  getBankConnection,
  listBankConnections,
  saveSettings,
  settleWebFormCallback,
  startBankConnectionImport,
} from "../flows/finapi.ts";
import { deleteFinapiUser, removeBankConnection } from "../flows/finapi-removal.ts";
import { startConsentRenewal } from "../flows/finapi-renewal.ts";
import { doc, PageOf } from "../http/openapi.ts";
import { notFound, invalidFields } from "../domain/errors.ts";
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
import {
  findSettings,
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
      const settings = await saveSettings(
        c.var.db,
        c.env,
        c.var.merchant.id,
        c.req.valid("json"),
        c.var.now,
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
      const rows = await listBankConnections(
        c.var.db,
        c.env,
        c.var.merchant.id,
        { limit, cursor },
        c.var.now,
      );
      return c.json(toPage(rows, limit, connectionResource));
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
      const connection = await getBankConnection(
        c.var.db,
        c.env,
        c.var.merchant.id,
        c.req.valid("param").id,
        c.var.now,
      );
      return c.json(connectionResource(connection));
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
    await settleWebFormCallback(
      c.var.db,
      c.env,
      c.req.param("token"),
      c.req.valid("json").webFormId,
      c.var.now,
    );
    return c.json({ received: true });
  },
);
