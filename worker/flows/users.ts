// Back-office users of a merchant: creating one (the password hashed with PBKDF2), and removing
// one with all their sessions, never the merchant's last owner.
import type { UserRole } from "../../schema/backoffice.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { hashPassword } from "../passwords.ts";
import { newId } from "../security.ts";
import { isUniqueViolation, type Db } from "../store/db.ts";
import {
  countOwners,
  deleteUser,
  findUser,
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

export async function createUser(
  db: Db,
  merchantId: string,
  input: UserInput,
): Promise<UserRecord> {
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
