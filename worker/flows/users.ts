// Back-office users of a merchant: creating one (the password hashed with PBKDF2), and removing
// one with all their sessions, never the merchant's last owner. An e-mail address signs in
// without naming its merchant, so it may belong to one user in all shards together.
import type { UserRole } from "../../schema/backoffice.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { hashPassword } from "../passwords.ts";
import { newId } from "../security.ts";
import type { Bindings } from "../env.ts";
import { database, isUniqueViolation, type Db } from "../store/db.ts";
import { findInShards } from "../store/shards.ts";
import {
  countOwners,
  deleteUser,
  findUser,
  findUserByEmail,
  insertUser,
  type NewUser,
  type UserRecord,
} from "../store/users.ts";

export interface UserInput {
  email: string;
  password: string;
  role: UserRole;
}

export async function newUserRow(merchantId: string, input: UserInput): Promise<NewUser> {
  return {
    id: newId("usr"),
    merchantId,
    email: input.email,
    role: input.role,
    passwordHash: await hashPassword(input.password),
  };
}

export const emailTaken = (email: string) =>
  new DomainError("email_taken", `A user with the e-mail address ${email} exists already.`, [
    { field: "email", message: "is taken" },
  ]);

/**
 * Refuses an address a user of any shard has. Each shard's unique index still decides a race
 * within the shard; two shards racing for one new address is the one case it cannot see.
 */
export async function requireFreeEmail(shards: Bindings, email: string): Promise<void> {
  const taken = await findInShards(shards, (d1) => findUserByEmail(database(d1), email));
  if (taken) throw emailTaken(email);
}

export async function createUser(
  db: Db,
  shards: Bindings,
  merchantId: string,
  input: UserInput,
): Promise<UserRecord> {
  await requireFreeEmail(shards, input.email);
  try {
    return await insertUser(db, await newUserRow(merchantId, input));
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken(input.email);
    throw error;
  }
}

export async function removeUser(db: Db, merchantId: string, id: string): Promise<void> {
  const user = await findUser(db, merchantId, id);
  if (!user) throw notFound("User", id);
  if (user.role === "owner" && (await countOwners(db, merchantId)) <= 1)
    throw new DomainError("last_owner", "The merchant's last owner cannot be removed.");
  await deleteUser(db, merchantId, id);
}

export function userResource(user: UserRecord) {
  return { id: user.id, email: user.email, role: user.role, createdAt: user.createdAt };
}
