// The Worker's bindings and the per-request variables the middleware sets for the routes.
import type { JobMessage } from "./jobs/job-queue.ts";
import type { Db } from "./store/db.ts";
import type { MerchantRecord } from "./store/merchants.ts";
import type { UserRecord } from "./store/users.ts";

/** Who sent a merchant-API request: one of the merchant's machines, or a signed-in person. */
export type Principal =
  | { kind: "api_key" }
  | { kind: "user"; user: UserRecord; sessionId: string; sessionToken: string; expiresAt: string };

export interface Bindings {
  /** The default D1 database (and shard 0): see worker/store/shards.ts for the routing rule. */
  DB: D1Database;
  /** Further shards, numbered from 1 without gaps (wrangler.toml `[[d1_databases]]`). */
  [shard: `DB_SHARD_${number}`]: D1Database | undefined;
  /** Merchants pinned to a shard: JSON, merchant id → "DB" | "DB_SHARD_<n>" (optional). */
  D1_SHARDS?: string;
  /** The job queue (wrangler.toml `[[queues.producers]]`); the cron enqueues, `queue()` consumes. */
  JOBS: Queue<JobMessage>;
  /** D1 queries one job invocation may issue: 800 (default, paid plan), 40 on the free plan. */
  D1_QUERY_BUDGET?: string;
  /** R2: invoice documents (sealed once, SHA-256 in D1) and company logos by their SHA-256. */
  DOCUMENTS: R2Bucket;
  /** Bearer token for /admin/v1; a secret in production (`wrangler secret put ADMIN_TOKEN`). */
  ADMIN_TOKEN?: string;
  /** "development" enables /demo and dev-only settings; "production" disables them. */
  ENVIRONMENT?: string;
  /** 32 random bytes, base64: encrypts secrets at rest (`wrangler secret put ENCRYPTION_KEY`). */
  ENCRYPTION_KEY?: string;
  /**
   * 32 random bytes, base64: the HMAC key of lookup hashes (IBANs, idempotent request bodies),
   * apart from ENCRYPTION_KEY so a leaked hash key reveals nothing encrypted
   * (`wrangler secret put LOOKUP_HASH_KEY`).
   */
  LOOKUP_HASH_KEY?: string;
  /** Development only: the demo merchant's API key, used by /demo to mint portal sessions. */
  DEMO_API_KEY?: string;
  /** "true" lets webhook endpoints on localhost through the URL guard; ignored in production. */
  WEBHOOK_ALLOW_LOCALHOST?: string;
  /** SMTP for the e-mails to customers (secrets); without host and sender, mails wait in the outbox. */
  SMTP_HOST?: string;
  SMTP_PORT?: string;
  /** "starttls" (default, port 587), "tls" (implicit, 465) or "none" (local servers only). */
  SMTP_SECURITY?: string;
  SMTP_USER?: string;
  SMTP_PASSWORD?: string;
  /** The sender address, e.g. rechnung@example.de; the merchant's name is the display name. */
  SMTP_FROM?: string;
  /**
   * Tests only (never configured in wrangler.toml): carries every finAPI request instead of the
   * public internet, so integration tests can run the fake finAPI inside the test isolate.
   */
  FINAPI_FETCHER?: { fetch(request: Request): Response | Promise<Response> };
}

export interface Variables {
  merchant: MerchantRecord;
  principal: Principal;
  /** Set for portal requests: the customer the session token is bound to. */
  customer: { id: string; name: string; locale: string };
  /** The request's clock; tests pin it with the `x-test-now` header (test environment only). */
  now: Date;
  /** The request's drizzle handle over D1, made once by the request middleware. */
  db: Db;
  /**
   * The bindings as the Worker received them, with every shard. Authentication points `c.env`
   * at the merchant's shard; lookups that cross merchants (credentials, sign-in by e-mail,
   * portal origins, e-mail addresses taken) use these.
   */
  shards: Bindings;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

declare global {
  // The vitest pool's typing hook is a global namespace; there is no module form of it.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: import("@cloudflare/vitest-plugin").D1Migration[];
      /** A second D1 database, bound as DB_SHARD_1 by the shard test only. */
      SHARD_TEST_DB: D1Database;
    }
  }
}
