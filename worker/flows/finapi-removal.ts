// Forgetting at finAPI what Tarif no longer needs: the merchant's finAPI user (then locally: its
// connections stop syncing) and single bank connections. Imported transactions stay for the
// books (GoBD). finAPI first, so a failure there changes nothing here and can be retried.
import { FinapiError } from "../banking/finapi/client.ts";
import { clientFor, userOf, type FinapiRuntime } from "../banking/finapi/connect.ts";
import { callFinapi } from "../banking/finapi/failures.ts";
import type { Bindings } from "../env.ts";
import type { Db } from "../store/db.ts";
import {
  findConnection,
  findSettings,
  markConnectionRemoved,
  removeUser,
  type BankConnectionRecord,
} from "../store/finapi.ts";

/** finAPI answering 404 for what we delete means it is gone already: the goal is reached. */
async function ignoringGone(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof FinapiError && error.status === 404) return;
    throw error;
  }
}

/** Deletes the user at finAPI and then locally; null when the merchant has no finAPI user. */
export async function deleteFinapiUser(
  db: Db,
  env: Bindings,
  merchantId: string,
  now: Date,
  runtime: FinapiRuntime,
): Promise<{ id: string } | null> {
  const settings = await findSettings(db, merchantId);
  const user = settings ? await userOf(env, settings) : null;
  if (!settings || !user) return null;
  const client = await clientFor(env, settings, runtime);
  await callFinapi(() => ignoringGone(() => client.deleteUser(user)));
  await removeUser(db, merchantId, user.username, now.toISOString());
  return { id: user.username };
}

/** Deletes the connection at finAPI (if it still has one there) and marks it removed here. */
export async function removeBankConnection(
  db: Db,
  env: Bindings,
  merchantId: string,
  connectionId: string,
  now: Date,
  runtime: FinapiRuntime,
): Promise<BankConnectionRecord | null> {
  const connection = await findConnection(db, merchantId, connectionId);
  if (!connection) return null;
  const settings = await findSettings(db, merchantId);
  const user = settings ? await userOf(env, settings) : null;
  const finapiConnectionId = connection.finapiConnectionId;
  if (
    settings &&
    user &&
    user.username === connection.finapiUserId &&
    finapiConnectionId !== null &&
    connection.status !== "removed"
  ) {
    const client = await clientFor(env, settings, runtime);
    await callFinapi(() =>
      ignoringGone(() => client.deleteBankConnection(user, finapiConnectionId)),
    );
  }
  await markConnectionRemoved(db, connection, now.toISOString());
  return (await findConnection(db, merchantId, connectionId)) ?? null;
}
