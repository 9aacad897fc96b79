// Test hooks of the fake finAPI (ours, not finAPI's): seed users, connections and transactions
// (including returned direct debits), complete web forms, move the clock, and inject faults —
// expired tokens, 423, 5xx, 510, slow, cut-off or short pages. Also served over HTTP under
// /__fake/* so a separate process (e.g. `npm run dev`) can drive the fake.
import type { Hono } from "hono";
import { berlinDate } from "./errors.ts";
import { generatedIncomingPayments, returnedDebit } from "./generators.ts";
import type { ReturnedDebitInput } from "./generators.ts";
import type {
  CallbackLogEntry,
  FakeEnv,
  RequestLogEntry,
  Runtime,
  WebFormOutcome,
} from "./runtime.ts";
import {
  buildTransaction,
  insertTransaction,
  renderAccount,
  renderBank,
  renderConnection,
  renderTransaction,
  renderUser,
} from "./state.ts";
import type { AccountSpec, FakeTransactionInput } from "./state.ts";

export interface FaultRule {
  /** Answer with this status in finAPI's shape for the host (502–504: a gateway's HTML page). */
  status?: number;
  /** Wait this long (fake sleep) before answering: a slow response. */
  delayMs?: number;
  /** Answer normally but cut the body in half: invalid JSON. */
  truncate?: boolean;
  /** Drop this many transactions from the end of a page, keeping the paging numbers: a short page. */
  dropItems?: number;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /** Let this many matching requests through first (e.g. 1 = "fail page 2"). */
  skip?: number;
  method?: string;
  /** Exact pathname, or a RegExp tested against it. */
  path?: string | RegExp;
  /** Query parameters that must be present with these values. */
  query?: Record<string, string>;
  code?: string;
  message?: string;
}

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
  toSkip: number;
}

export interface RequestInfo {
  method: string;
  path: string;
  search: URLSearchParams;
}

export class FaultQueue {
  private faults: ActiveFault[] = [];

  add(rule: FaultRule): void {
    this.faults.push({ rule, remaining: rule.times ?? 1, toSkip: rule.skip ?? 0 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault that matches this request and still applies; consumes one use. */
  take(request: RequestInfo): FaultRule | null {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !matches(fault.rule, request)) continue;
      if (fault.toSkip > 0) {
        fault.toSkip -= 1;
        continue;
      }
      fault.remaining -= 1;
      return fault.rule;
    }
    return null;
  }
}

function matches(rule: FaultRule, request: RequestInfo): boolean {
  if (rule.method && rule.method.toUpperCase() !== request.method) return false;
  if (typeof rule.path === "string" && rule.path !== request.path) return false;
  if (rule.path instanceof RegExp && !rule.path.test(request.path)) return false;
  return Object.entries(rule.query ?? {}).every(
    ([name, value]) => request.search.get(name) === value,
  );
}

export interface FakeFinapiControl {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: readonly RequestLogEntry[];
  readonly callbacks: readonly CallbackLogEntry[];
  now(): number;
  advanceClock(ms: number): void;
  /** Runs finAPI's background work now (finishing updates, expiring forms, running tasks). */
  tick(): Promise<void>;
  createUser(input?: {
    id?: string;
    password?: string;
    email?: string;
    isAutoUpdateEnabled?: boolean;
  }): { id: string; password: string };
  /** A connection as if a web form had been completed, without the form. */
  createBankConnection(
    userId: string,
    options?: { bankId?: number; name?: string; accounts?: AccountSpec[] },
  ): { id: number; accountIds: number[] };
  webForm(id: string): Record<string, unknown> | undefined;
  completeWebForm(id: string, outcome?: WebFormOutcome): Promise<Record<string, unknown>>;
  addTransactions(accountId: number, inputs: FakeTransactionInput[]): Record<string, unknown>[];
  addGeneratedTransactions(
    accountId: number,
    count: number,
    options?: { seed?: number; bookingDate?: string; importDate?: string },
  ): Record<string, unknown>[];
  addReturnedDebit(accountId: number, input: ReturnedDebitInput): Record<string, unknown>;
  /** Bookings the bank has but finAPI downloads only with the next update. */
  queueBankTransactions(accountId: number, inputs: FakeTransactionInput[]): void;
  transactions(filter?: { userId?: string; accountId?: number }): Record<string, unknown>[];
  bankConnection(id: number): Record<string, unknown> | undefined;
  accounts(userId: string): Record<string, unknown>[];
  banks(): Record<string, unknown>[];
  user(id: string): Record<string, unknown> | undefined;
  /** Every issued access token stops working now (→ 401); returns how many were valid. */
  expireTokens(kind?: "client" | "user" | "all"): number;
  injectFault(rule: FaultRule): void;
  failNext(count: number, status: number, where?: Omit<FaultRule, "status" | "times">): void;
  slowNext(count: number, delayMs: number, where?: Omit<FaultRule, "delayMs" | "times">): void;
  truncateNext(count: number, where?: Omit<FaultRule, "truncate" | "times">): void;
  shortPageNext(
    count: number,
    dropItems: number,
    where?: Omit<FaultRule, "dropItems" | "times">,
  ): void;
  clearFaults(): void;
  /** The next `times` updates of this connection answer 510 ADDITIONAL_AUTHENTICATION_REQUIRED. */
  requireSca(connectionId: number, times?: number): void;
  /** Background tasks for this connection end in WEB_FORM_REQUIRED. */
  requireWebFormForUpdate(connectionId: number, required?: boolean): void;
  /** An account opened at the bank: finAPI imports it with the next update importing new accounts. */
  openBankAccount(connectionId: number, spec?: AccountSpec): { id: number };
  /** An account closed at the bank: the next update removes it from finAPI. */
  closeBankAccount(accountId: number): void;
  /** When the connection's PSD2 consent lapses (epoch ms); updates after it answer 510. */
  setConsentExpiry(connectionId: number, expiresAtMs: number): void;
  /** Unattended updates finAPI accepted for the connection, per Berlin day. */
  unattendedUpdates(connectionId: number): Record<string, number>;
  lockUser(userId: string, locked?: boolean): void;
  setUserVerified(userId: string, verified: boolean): void;
}

export function createControl(rt: Runtime, faults: FaultQueue): FakeFinapiControl {
  const first = [...rt.store.clients.values()][0];
  if (!first) throw new Error("the fake needs at least one client");

  function account(accountId: number) {
    const found = rt.store.accounts.get(accountId);
    if (!found) throw new Error(`fake finAPI has no account ${accountId}`);
    return found;
  }

  function add(accountId: number, inputs: FakeTransactionInput[]): Record<string, unknown>[] {
    const target = account(accountId);
    return inputs.map((input) => {
      const transaction = buildTransaction(rt.store, target, input, rt.now());
      insertTransaction(rt.store, transaction);
      return renderTransaction(transaction);
    });
  }

  function connection(id: number) {
    const found = rt.store.connections.get(id);
    if (!found) throw new Error(`fake finAPI has no bank connection ${id}`);
    return found;
  }

  function user(id: string) {
    const found = rt.store.users.get(id);
    if (!found) throw new Error(`fake finAPI has no user ${id}`);
    return found;
  }

  return {
    clientId: first.clientId,
    clientSecret: first.clientSecret,
    requests: rt.requests,
    callbacks: rt.callbacks,
    now: () => rt.now(),
    advanceClock: (ms) => {
      rt.clockOffsetMs += ms;
    },
    tick: () => rt.tick(),
    createUser: (input = {}) => {
      const created = rt.addUser(input);
      return { id: created.id, password: created.password };
    },
    createBankConnection: (userId, options) => {
      const created = rt.addConnection(userId, options);
      return { id: created.id, accountIds: [...created.accountIds] };
    },
    webForm: (id) => {
      const form = rt.store.webForms.get(id);
      return form && rt.webFormJson(form);
    },
    completeWebForm: async (id, outcome = { status: "COMPLETED" }) => {
      await rt.tick();
      const form = rt.store.webForms.get(id);
      if (!form) throw new Error(`fake finAPI has no web form ${id}`);
      await rt.finishWebForm(form, outcome);
      return rt.webFormJson(form);
    },
    addTransactions: add,
    addGeneratedTransactions: (accountId, count, options = {}) => {
      const inputs = generatedIncomingPayments(
        options.seed ?? rt.settings.seed + accountId + rt.store.transactions.size,
        count,
        options.bookingDate ?? berlinDate(rt.now()),
      );
      return add(
        accountId,
        inputs.map((input) => ({ ...input, importDate: options.importDate })),
      );
    },
    addReturnedDebit: (accountId, input) => {
      const [created] = add(accountId, [returnedDebit(input, berlinDate(rt.now()))]);
      if (!created) throw new Error("returned debit was not created");
      return created;
    },
    queueBankTransactions: (accountId, inputs) => {
      account(accountId).pending.push(...inputs);
    },
    transactions: (filter = {}) =>
      [...rt.store.transactions.values()]
        .filter(
          (t) =>
            (filter.userId === undefined || t.userId === filter.userId) &&
            (filter.accountId === undefined || t.accountId === filter.accountId),
        )
        .sort((a, b) => a.id - b.id)
        .map((t) => renderTransaction(t)),
    bankConnection: (id) => {
      const found = rt.store.connections.get(id);
      return found && renderConnection(found, rt.store);
    },
    accounts: (userId) =>
      [...rt.store.accounts.values()].filter((a) => a.userId === userId).map(renderAccount),
    banks: () => rt.store.banks.map(renderBank),
    user: (id) => {
      const found = rt.store.users.get(id);
      return found && renderUser(found, false);
    },
    expireTokens: (kind = "all") => {
      const now = rt.now();
      let count = 0;
      for (const record of rt.store.tokens.values()) {
        if (kind !== "all" && record.kind !== kind) continue;
        if (record.expiresAt === null || record.expiresAt > now) count++;
        record.expiresAt = now;
      }
      return count;
    },
    injectFault: (rule) => faults.add(rule),
    failNext: (count, status, where = {}) => faults.add({ ...where, status, times: count }),
    slowNext: (count, delayMs, where = {}) => faults.add({ ...where, delayMs, times: count }),
    truncateNext: (count, where = {}) => faults.add({ ...where, truncate: true, times: count }),
    shortPageNext: (count, dropItems, where = {}) =>
      faults.add({ path: "/api/v2/transactions", ...where, dropItems, times: count }),
    clearFaults: () => faults.clear(),
    requireSca: (connectionId, times = 1) => {
      connection(connectionId).scaRequired = times;
    },
    requireWebFormForUpdate: (connectionId, required = true) => {
      connection(connectionId).webFormRequired = required;
    },
    openBankAccount: (connectionId, spec = {}) => ({
      id: rt.openBankAccount(connectionId, spec).id,
    }),
    closeBankAccount: (accountId) => {
      account(accountId).closedAtBank = true;
    },
    setConsentExpiry: (connectionId, expiresAtMs) => {
      connection(connectionId).consentExpiresAt = expiresAtMs;
    },
    unattendedUpdates: (connectionId) => ({ ...connection(connectionId).unattendedUpdates }),
    lockUser: (userId, locked = true) => {
      user(userId).locked = locked;
    },
    setUserVerified: (userId, verified) => {
      user(userId).verified = verified;
    },
  };
}

// ---- the same hooks over HTTP ----

type Json = Record<string, unknown>;

function faultFromJson(body: Json): FaultRule {
  const rule: FaultRule = {};
  for (const key of ["status", "delayMs", "dropItems", "times", "skip"] as const)
    if (typeof body[key] === "number") rule[key] = body[key];
  for (const key of ["method", "path", "code", "message"] as const)
    if (typeof body[key] === "string") rule[key] = body[key];
  if (body.truncate === true) rule.truncate = true;
  if (typeof body.query === "object" && body.query !== null)
    rule.query = body.query as Record<string, string>;
  return rule;
}

export function registerControlRoutes(
  app: Hono<FakeEnv>,
  control: FakeFinapiControl,
  rt: Runtime,
): void {
  const body = async (c: { req: { json: () => Promise<unknown> } }): Promise<Json> => {
    const value: unknown = await c.req.json().catch(() => ({}));
    return typeof value === "object" && value !== null ? (value as Json) : {};
  };

  app.get("/__fake/state", (c) =>
    c.json({
      clientId: control.clientId,
      users: [...rt.store.users.values()].map((u) => renderUser(u, false)),
      connections: [...rt.store.connections.values()].map((connection) =>
        renderConnection(connection, rt.store),
      ),
      webForms: [...rt.store.webForms.values()].map((form) => rt.webFormJson(form)),
      transactionCount: rt.store.transactions.size,
      now: new Date(control.now()).toISOString(),
    }),
  );
  app.post("/__fake/users", async (c) =>
    c.json(control.createUser((await body(c)) as { id?: string; password?: string }), 201),
  );
  app.post("/__fake/bank-connections", async (c) => {
    const input = await body(c);
    return c.json(
      control.createBankConnection(String(input.userId), {
        bankId: typeof input.bankId === "number" ? input.bankId : undefined,
      }),
      201,
    );
  });
  app.post("/__fake/web-forms/:id/complete", async (c) => {
    const input = await body(c);
    return c.json(
      await control.completeWebForm(
        c.req.param("id"),
        (input.status ? input : { status: "COMPLETED" }) as WebFormOutcome,
      ),
    );
  });
  app.post("/__fake/transactions", async (c) => {
    const input = await body(c);
    return c.json(
      control.addTransactions(
        Number(input.accountId),
        (input.transactions ?? []) as FakeTransactionInput[],
      ),
      201,
    );
  });
  app.post("/__fake/generated-transactions", async (c) => {
    const input = await body(c);
    return c.json(
      control.addGeneratedTransactions(Number(input.accountId), Number(input.count ?? 10)),
      201,
    );
  });
  app.post("/__fake/returned-debits", async (c) => {
    const input = await body(c);
    return c.json(
      control.addReturnedDebit(Number(input.accountId), input as unknown as ReturnedDebitInput),
      201,
    );
  });
  app.post("/__fake/faults", async (c) => {
    control.injectFault(faultFromJson(await body(c)));
    return c.body(null, 204);
  });
  app.delete("/__fake/faults", (c) => {
    control.clearFaults();
    return c.body(null, 204);
  });
  app.post("/__fake/expire-tokens", async (c) =>
    c.json({
      expired: control.expireTokens(
        ((await body(c)).kind as "client" | "user" | "all" | undefined) ?? "all",
      ),
    }),
  );
  app.post("/__fake/clock", async (c) => {
    control.advanceClock(Number((await body(c)).advanceMs ?? 0));
    return c.json({ now: new Date(control.now()).toISOString() });
  });
}
