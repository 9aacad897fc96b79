// Which back-office role may do what in the merchant API. One table, checked on the server for
// every request a person makes; API keys are the merchant's machines and may do everything.
// Reading is open to every role; the accountant books payments (bank, reconciliation, SEPA) but
// does not change the catalogue, contracts or settings; the viewer changes nothing.
import type { UserRole } from "../../schema/backoffice.ts";

export const USER_ROLES = ["owner", "accountant", "viewer"] as const satisfies readonly UserRole[];

interface Permission {
  /** "read" is GET and HEAD, "write" every other method. */
  access: "read" | "write" | "any";
  /** Matched against the path below /api/v1. */
  path: RegExp;
  roles: readonly UserRole[];
}

const EVERYONE = USER_ROLES;
const BOOKKEEPING: readonly UserRole[] = ["owner", "accountant"];

/** First match wins; a path no rule names is the owner's alone. */
export const PERMISSIONS: readonly Permission[] = [
  { access: "any", path: /^\/users(\/|$)/, roles: ["owner"] },
  { access: "any", path: /^\/auth\//, roles: EVERYONE },
  // A preview computes and stores nothing.
  { access: "write", path: /^\/contracts\/[^/]+\/changes\/preview$/, roles: EVERYONE },
  { access: "read", path: /^\//, roles: EVERYONE },
  { access: "write", path: /^\/bank-transactions(\/|$)/, roles: BOOKKEEPING },
  { access: "write", path: /^\/reconciliation\//, roles: BOOKKEEPING },
  { access: "write", path: /^\/collection-runs(\/|$)/, roles: BOOKKEEPING },
  { access: "write", path: /^\/customers\/[^/]+\/mandate$/, roles: BOOKKEEPING },
  { access: "write", path: /^\/customers\/[^/]+\/credit\/refunds$/, roles: BOOKKEEPING },
  { access: "write", path: /^\/finapi\/bank-connections(\/|$)/, roles: BOOKKEEPING },
];

export function isAllowed(role: UserRole, method: string, path: string): boolean {
  const access = method === "GET" || method === "HEAD" ? "read" : "write";
  const rule = PERMISSIONS.find(
    (entry) => (entry.access === "any" || entry.access === access) && entry.path.test(path),
  );
  return (rule?.roles ?? ["owner"]).includes(role);
}
