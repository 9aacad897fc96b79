// Keeping a finAPI bank connection fresh without the bank customer: an unattended update
// (`importNewAccounts`, no PSU headers) within PSD2's budget, waited for across cron ticks until
// finAPI reports READY, then the connection's accounts (new ones start syncing, vanished ones are
// closed) and consent are taken over. A consent about to lapse or lapsed, and a bank that wants
// the customer (510, WEB_FORM_REQUIRED), raise `bank_connection.consent_required` once.
import type { StoredFinapiAccount } from "../../../schema/finapi.ts";
import {
  consentNoticeDue,
  mayUpdateUnattended,
  spendUpdate,
  type ConsentReason,
} from "../../domain/bank-consent.ts";
import { runBatch, type Db } from "../../store/db.ts";
import {
  connectionStatement,
  type BankConnectionRecord,
  type ConnectionChange,
} from "../../store/finapi.ts";
import { eventStatements } from "../../store/webhook-events.ts";
import { FinapiError, type FinapiClient } from "./client.ts";
import type { Account, BankConnection, UserCredentials } from "./types.ts";

export type UpdatePhase =
  | { kind: "read"; connection: BankConnectionRecord }
  | { kind: "waiting"; reason: "update_in_progress" | "consent_required" };

export interface UpdateOptions {
  /** Unattended updates per connection per day; PSD2 allows 4. */
  updatesPerDay?: number;
}

/**
 * Runs the update step of one connection's sync and says whether its transactions can be read
 * now. A running backlog is finished first: a new update would only append to it.
 */
export async function updatePhase(
  db: Db,
  client: FinapiClient,
  user: UserCredentials,
  connection: BankConnectionRecord,
  warningDays: number,
  now: Date,
  options: UpdateOptions,
): Promise<UpdatePhase> {
  const notice = consentNoticeDue(
    connection.consentExpiresAt,
    connection.consentNotice,
    now,
    warningDays,
  );
  if (notice === "lapsed") return consentRequired(db, connection, "lapsed", now);
  if (notice === "expiring") {
    await runBatch(db, consentEvent(db, connection, "expiring", { consentNotice: notice }, now));
    connection = { ...connection, consentNotice: notice };
  }
  const finapiConnectionId = connection.finapiConnectionId;
  if (connection.backlogPage !== null || finapiConnectionId === null)
    return { kind: "read", connection };

  let requestedAt = connection.updateRequestedAt;
  const budget = {
    day: connection.updatesDay,
    count: connection.updatesOnDay,
    lastAt: connection.updateSentAt,
  };
  if (requestedAt === null && mayUpdateUnattended(budget, now, options.updatesPerDay)) {
    const sent = await triggerUpdate(client, user, finapiConnectionId);
    if (sent === "consent_required")
      return consentRequired(db, connection, "bank_requires_customer", now);
    requestedAt = now.toISOString();
    const spent = sent === "sent" ? spendUpdate(budget, now) : budget;
    const change = {
      updateRequestedAt: requestedAt,
      updatesDay: spent.day,
      updatesOnDay: spent.count,
      updateSentAt: spent.lastAt,
    };
    await runBatch(db, [connectionStatement(db, connection, change)]);
    connection = { ...connection, ...change };
  }
  if (requestedAt === null) return { kind: "read", connection };

  const state = await client.getBankConnection(user, finapiConnectionId);
  if (state.updateStatus !== "READY") return { kind: "waiting", reason: "update_in_progress" };
  const accounts = await client.listAccounts(user, { bankConnectionIds: [finapiConnectionId] });
  const change = afterUpdate(connection, state, accounts, now);
  await runBatch(db, [connectionStatement(db, connection, change)]);
  return { kind: "read", connection: { ...connection, ...change } };
}

/** Sends the update; 423 means one is running already (waited for like ours, nothing spent). */
async function triggerUpdate(
  client: FinapiClient,
  user: UserCredentials,
  finapiConnectionId: number,
): Promise<"sent" | "already_running" | "consent_required"> {
  try {
    // Unattended: no PSU headers. A 423 comes back at once and is waited for across ticks.
    await client.updateBankConnection(
      user,
      {
        bankConnectionId: finapiConnectionId,
        importNewAccounts: true,
        skipPositionsDownload: true,
      },
      undefined,
      { waitIfLocked: false },
    );
    return "sent";
  } catch (error) {
    if (!(error instanceof FinapiError)) throw error;
    if (error.status === 423) return "already_running";
    if (error.status === 510 || error.code === "WEB_FORM_REQUIRED") return "consent_required";
    throw error;
  }
}

/** The connection after a finished update: its accounts and consent as finAPI has them now. */
function afterUpdate(
  connection: BankConnectionRecord,
  state: BankConnection,
  accounts: Account[],
  now: Date,
): ConnectionChange {
  const consentExpiresAt = consentExpiryOf(state) ?? connection.consentExpiresAt;
  const renewed = consentExpiresAt !== connection.consentExpiresAt;
  return {
    updateRequestedAt: null,
    accounts: mergeAccounts(connection.accounts, accounts, now),
    consentExpiresAt,
    ...(renewed ? { consentNotice: null } : {}),
    updatedAt: now.toISOString(),
  };
}

export function consentExpiryOf(state: BankConnection): string | null {
  const expiresAt = state.interfaces.find((entry) => entry.aisConsent?.expiresAt)?.aisConsent
    ?.expiresAt;
  const ms = expiresAt ? Date.parse(expiresAt) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** New accounts join (and start syncing); accounts finAPI no longer lists are closed, not dropped. */
export function mergeAccounts(
  stored: readonly StoredFinapiAccount[],
  current: readonly Account[],
  now: Date,
): StoredFinapiAccount[] {
  const listed = new Map(current.map((account) => [account.id, account]));
  const kept = stored.map((account) =>
    listed.has(account.id)
      ? { ...account, closedAt: null }
      : { ...account, closedAt: account.closedAt ?? now.toISOString() },
  );
  const known = new Set(stored.map((account) => account.id));
  const added = current
    .filter((account) => !known.has(account.id))
    .map((account) => storedAccount(account));
  return [...kept, ...added];
}

export function storedAccount(account: Account): StoredFinapiAccount {
  return {
    id: account.id,
    iban: account.iban,
    name: account.accountName,
    type: account.accountType,
    currency: account.accountCurrency,
    closedAt: null,
  };
}

/** The accounts whose transactions are read: the open ones. */
export function openAccounts(connection: BankConnectionRecord): StoredFinapiAccount[] {
  return connection.accounts.filter((account) => !account.closedAt);
}

async function consentRequired(
  db: Db,
  connection: BankConnectionRecord,
  reason: ConsentReason,
  now: Date,
): Promise<UpdatePhase> {
  const change: ConnectionChange = {
    status: "consent_required",
    consentNotice: "lapsed",
    updateRequestedAt: null,
    updatedAt: now.toISOString(),
  };
  // One event per consent: a lapse already announced by the bank is not announced again.
  const announce = connection.consentNotice !== "lapsed";
  await runBatch(
    db,
    announce
      ? consentEvent(db, connection, reason, change, now)
      : [connectionStatement(db, connection, change)],
  );
  return { kind: "waiting", reason: "consent_required" };
}

function consentEvent(
  db: Db,
  connection: BankConnectionRecord,
  reason: ConsentReason,
  change: ConnectionChange,
  now: Date,
) {
  return [
    connectionStatement(db, connection, change),
    ...eventStatements(db, {
      merchantId: connection.merchantId,
      type: "bank_connection.consent_required",
      data: {
        bankConnectionId: connection.id,
        finapiConnectionId: connection.finapiConnectionId,
        reason,
        consentExpiresAt: connection.consentExpiresAt,
        renewPath: `/api/v1/finapi/bank-connections/${connection.id}/renew`,
      },
      at: now,
    }),
  ];
}
