// Portal sessions as a use case: a short-lived token that lets one customer of the merchant use
// the self-service portal. The token is returned once; only its SHA-256 is stored.
import { missingReference } from "../domain/errors.ts";
import { newId, randomToken, sha256Hex } from "../security.ts";
import { findCustomer } from "../store/customers.ts";
import type { Db } from "../store/db.ts";
import { insertPortalSession, type PortalSessionRecord } from "../store/portal.ts";

export interface PortalSessionRequest {
  customerId: string;
  returnUrl?: string | undefined;
  ttlMinutes: number;
}

export async function createPortalSession(
  db: Db,
  merchantId: string,
  request: PortalSessionRequest,
  now: Date,
): Promise<{ session: PortalSessionRecord; token: string; expiresAt: string }> {
  if (!(await findCustomer(db, merchantId, request.customerId)))
    throw missingReference("customerId", `customer ${request.customerId} does not exist`);
  const token = `pts_${randomToken(40)}`;
  const expiresAt = new Date(now.getTime() + request.ttlMinutes * 60_000).toISOString();
  const session = await insertPortalSession(db, {
    id: newId("pss"),
    merchantId,
    customerId: request.customerId,
    tokenHash: await sha256Hex(token),
    returnUrl: request.returnUrl ?? null,
    expiresAt,
  });
  return { session, token, expiresAt };
}
