// Renewing a bank connection's PSD2 consent: a Web Form 2.0 for updating the connection with the
// bank customer present, and settling it (callback or poll). The form's own update is then read
// by the next sync from the last complete window on, so the gap loses nothing.
import {
  callbackPath,
  clientFor,
  requireSettings,
  requireUser,
  type FinapiRuntime,
} from "../banking/finapi/connect.ts";
import { FinapiError, type FinapiClient } from "../banking/finapi/client.ts";
import { callFinapi } from "../banking/finapi/failures.ts";
import type { UserCredentials } from "../banking/finapi/types.ts";
import { consentExpiryOf, mergeAccounts } from "../banking/finapi/update.ts";
import { DomainError } from "../domain/errors.ts";
import type { Bindings } from "../env.ts";
import { randomToken, sha256Hex } from "../security.ts";
import type { Db } from "../store/db.ts";
import {
  connectionStatement,
  findConnection,
  settleRenewal,
  type BankConnectionRecord,
  type RenewalOutcome,
} from "../store/finapi.ts";
import { runBatch } from "../store/db.ts";

export interface RenewalForm {
  id: string;
  webFormId: string;
  url: string;
  expiresAt: string | null;
}

export async function startConsentRenewal(
  db: Db,
  env: Bindings,
  merchantId: string,
  connectionId: string,
  origin: string,
  now: Date,
  runtime: FinapiRuntime,
): Promise<RenewalForm | null> {
  const connection = await findConnection(db, merchantId, connectionId);
  if (!connection) return null;
  if (
    (connection.status !== "active" && connection.status !== "consent_required") ||
    connection.finapiConnectionId === null
  )
    throw new DomainError(
      "bank_connection_not_renewable",
      `A ${connection.status} bank connection has no consent to renew.`,
    );
  const settings = await requireSettings(db, merchantId);
  const user = await requireUser(env, settings);
  const client = await clientFor(env, settings, runtime);
  const token = randomToken(40);
  const finapiConnectionId = connection.finapiConnectionId;
  const form = await callFinapi(() =>
    client.updateBankConnectionWebForm(user, {
      bank: { bankConnectionId: finapiConnectionId },
      callbacks: { finalised: `${origin}${callbackPath(token)}` },
      importNewAccounts: true,
      skipPositionsDownload: true,
    }),
  );
  const expiresAt = instantOrNull(form.expiresAt);
  await runBatch(db, [
    connectionStatement(db, connection, {
      webFormId: form.id,
      webFormUrl: form.url,
      webFormExpiresAt: expiresAt,
      callbackTokenHash: await sha256Hex(token),
      updatedAt: now.toISOString(),
    }),
  ]);
  return { id: connection.id, webFormId: form.id, url: form.url, expiresAt };
}

function instantOrNull(value: string | null): string | null {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export async function settleRenewalForm(
  db: Db,
  client: FinapiClient,
  user: UserCredentials,
  connection: BankConnectionRecord,
  now: Date,
): Promise<boolean> {
  const outcome = await renewalOutcome(client, user, connection, now);
  if (!outcome) return false;
  return settleRenewal(db, connection, outcome, now.toISOString());
}

async function renewalOutcome(
  client: FinapiClient,
  user: UserCredentials,
  connection: BankConnectionRecord,
  now: Date,
): Promise<RenewalOutcome | null> {
  let form;
  try {
    form = await client.getWebForm(user, connection.webFormId);
  } catch (error) {
    if (error instanceof FinapiError && error.status === 404)
      return { status: "failed", errorCode: "WEB_FORM_NOT_FOUND", errorMessage: null };
    throw error;
  }
  if (form.status === "COMPLETED" && connection.finapiConnectionId !== null) {
    const [state, accounts] = await Promise.all([
      client.getBankConnection(user, connection.finapiConnectionId),
      client.listAccounts(user, { bankConnectionIds: [connection.finapiConnectionId] }),
    ]);
    return {
      status: "renewed",
      consentExpiresAt: consentExpiryOf(state),
      accounts: mergeAccounts(connection.accounts, accounts, now),
    };
  }
  if (form.status === "NOT_YET_OPENED" || form.status === "IN_PROGRESS") return null;
  return {
    status: "failed",
    errorCode: form.payload.errorCode ?? form.status,
    errorMessage: form.payload.errorMessage,
  };
}
