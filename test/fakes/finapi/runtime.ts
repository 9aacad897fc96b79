// The fake finAPI's shared machinery: options, clock, error responses in finAPI's shapes,
// bearer-token checks per host and role, the background work finAPI does on its own (updates
// finishing, web forms expiring, tasks running) and callback delivery.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  berlinDate,
  defaultWebFormCode,
  oauthErrorBody,
  standardErrorBody,
  webFormErrorBody,
  webFormValidationBody,
} from "./errors.ts";
import type { ErrorContext, FieldError, StandardErrorInput } from "./errors.ts";
import {
  createAccount,
  createConnection,
  defaultAccountSpecs,
  FakeStore,
  insertTransaction,
  buildTransaction,
  renderWebForm,
} from "./state.ts";
import type {
  AccountSpec,
  FakeAccount,
  FakeConnection,
  FakeTask,
  FakeUserRecord,
  FakeWebForm,
  TokenRecord,
} from "./state.ts";
import { generatedIncomingPayments } from "./generators.ts";

export interface FakeFinapiOptions {
  /** Accepted client credentials; default one client, see DEFAULT_CLIENT. */
  clients?: { clientId: string; clientSecret: string }[];
  /** Token lifetimes in seconds; 0 = never expires (ClientConfiguration semantics). Default 3600. */
  clientTokenLifetimeSeconds?: number;
  userTokenLifetimeSeconds?: number;
  refreshTokenLifetimeSeconds?: number;
  /** Base clock (epoch ms); control.advanceClock adds to it. Default Date.now. */
  now?: () => number;
  /** How slow-response faults wait. Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Origin used in web form URLs; default the origin of the creating request. */
  webFormBaseUrl?: string;
  /** Web forms last about 20 minutes (reference §2). */
  webFormLifetimeSeconds?: number;
  /** Licensed (AISP) mandators must send redirectUrl; the others must not. Default false. */
  licensedMandator?: boolean;
  /** Whether the client may create users with isAutoUpdateEnabled=true. Default false. */
  autoUpdateEnabledForClient?: boolean;
  /** finAPI only calls HTTPS callbacks; local development needs http://localhost. Default false. */
  allowHttpCallbacks?: boolean;
  /** How callbacks are POSTed; default the global fetch. */
  callbackFetch?: (request: Request) => Response | Promise<Response>;
  /** ClientConfiguration.userNotificationCallbackUrl, for NEW_TRANSACTIONS notifications. */
  notificationCallbackUrl?: string;
  /** How long a bank connection update stays IN_PROGRESS (fake clock). Default 0: READY on the next request. */
  updateDurationMs?: number;
  /** Transactions each new account starts with (ordinary incoming payments). Default 0. */
  initialTransactionsPerAccount?: number;
  seed?: number;
  /** Generated test banks besides finAPI's two demo banks. Default 6. */
  extraTestBanks?: number;
  /** Serve the /__fake/* test hooks over HTTP (for `npm run dev`). Default true. */
  controlRoutes?: boolean;
}

export const DEFAULT_CLIENT = {
  clientId: "tarif-fake-client",
  clientSecret: "tarif-fake-secret",
} as const;

export interface RequestLogEntry {
  method: string;
  path: string;
  search: string;
  status: number;
  requestId: string;
  /** Whose token the request carried, if a valid one. */
  auth: "client" | "user" | null;
  fault: string | null;
}

export interface CallbackLogEntry {
  url: string;
  body: unknown;
  status: number | null;
  error: string | null;
}

export interface Resolved {
  clientTokenLifetimeSeconds: number;
  userTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  webFormLifetimeSeconds: number;
  updateDurationMs: number;
  initialTransactionsPerAccount: number;
  seed: number;
}

export type FakeEnv = {
  Variables: { requestId: string; authContext: string | null; auth: TokenRecord | null };
};
export type FakeContext = Context<FakeEnv>;

export class Runtime {
  readonly store: FakeStore;
  readonly settings: Resolved;
  readonly requests: RequestLogEntry[] = [];
  readonly callbacks: CallbackLogEntry[] = [];
  clockOffsetMs = 0;

  constructor(readonly options: FakeFinapiOptions) {
    this.settings = {
      clientTokenLifetimeSeconds: options.clientTokenLifetimeSeconds ?? 3600,
      userTokenLifetimeSeconds: options.userTokenLifetimeSeconds ?? 3600,
      refreshTokenLifetimeSeconds: options.refreshTokenLifetimeSeconds ?? 3600,
      webFormLifetimeSeconds: options.webFormLifetimeSeconds ?? 20 * 60,
      updateDurationMs: options.updateDurationMs ?? 0,
      initialTransactionsPerAccount: options.initialTransactionsPerAccount ?? 0,
      seed: options.seed ?? 1,
    };
    this.store = new FakeStore(this.settings.seed, options.extraTestBanks ?? 6);
    let no = 1;
    for (const client of options.clients ?? [DEFAULT_CLIENT])
      this.store.clients.set(client.clientId, { ...client, no: no++ });
  }

  now(): number {
    return (this.options.now ?? Date.now)() + this.clockOffsetMs;
  }

  sleep(ms: number): Promise<void> {
    return this.options.sleep
      ? this.options.sleep(ms)
      : new Promise((resolve) => setTimeout(resolve, ms));
  }

  // ---- background work, run before each request and by control.tick() ----

  async tick(): Promise<void> {
    const now = this.now();
    for (const connection of this.store.connections.values()) {
      if (connection.updateStatus === "IN_PROGRESS" && (connection.updateDoneAt ?? 0) <= now)
        this.finishUpdate(connection);
    }
    for (const form of this.store.webForms.values()) {
      if (
        (form.status === "NOT_YET_OPENED" || form.status === "IN_PROGRESS") &&
        now > form.expiresAt
      )
        form.status = "EXPIRED";
    }
    for (const task of this.store.tasks.values()) {
      if ((task.status === "NOT_YET_STARTED" || task.status === "IN_PROGRESS") && task.dueAt <= now)
        await this.runTask(task);
    }
  }

  /** An update ends: pending bank bookings arrive, the accounts count as freshly updated. */
  finishUpdate(connection: FakeConnection): void {
    const now = this.now();
    connection.updateStatus = "READY";
    connection.updateDoneAt = null;
    const result = { result: "OK" as const, errorMessage: null, errorType: null, timestamp: now };
    if (connection.updateKind === "auto") connection.lastAutoUpdate = result;
    else connection.lastManualUpdate = result;
    for (const account of [...this.store.accounts.values()]) {
      if (account.bankConnectionId !== connection.id) continue;
      if (account.closedAtBank) {
        connection.accountIds = connection.accountIds.filter((id) => id !== account.id);
        this.store.deleteAccount(account.id);
        continue;
      }
      if (!account.visible) {
        if (!connection.importNewAccounts) continue;
        account.visible = true;
        connection.accountIds.push(account.id);
      }
      for (const input of account.pending.splice(0))
        insertTransaction(this.store, buildTransaction(this.store, account, input, now));
      account.lastSuccessfulUpdate = now;
    }
  }

  /** An account opened at the bank later: finAPI sees it with the next update importing new accounts. */
  openBankAccount(connectionId: number, spec: AccountSpec = {}): FakeAccount {
    const connection = this.store.connections.get(connectionId);
    const user = connection && this.store.users.get(connection.userId);
    const bank = connection && this.store.bank(connection.bankId);
    if (!connection || !user || !bank)
      throw new Error(`fake finAPI has no connection ${connectionId}`);
    const account = createAccount(this.store, user, bank, connection, spec, this.now());
    account.visible = false;
    return account;
  }

  startUpdate(
    connection: FakeConnection,
    kind: "manual" | "auto",
    importNewAccounts = kind === "manual",
  ): void {
    connection.importNewAccounts = importNewAccounts;
    connection.updateStatus = "IN_PROGRESS";
    connection.updateKind = kind;
    connection.updateDoneAt = this.now() + this.settings.updateDurationMs;
  }

  private async runTask(task: FakeTask): Promise<void> {
    const connection = this.store.connections.get(task.bankConnectionId);
    if (!connection) {
      task.status = "COMPLETED_WITH_ERROR";
      task.errorCode = "INTERNAL_ERROR";
    } else if (connection.webFormRequired) {
      const form = this.createWebForm({
        type: "BANK_CONNECTION_UPDATE",
        userId: task.userId,
        origin: null,
        targetConnectionId: connection.id,
        finalised: null,
        redirectUrl: null,
      });
      task.status = "WEB_FORM_REQUIRED";
      task.webFormId = form.id;
    } else {
      this.startUpdate(connection, "auto");
      this.finishUpdate(connection);
      task.status = "COMPLETED";
    }
    const form = task.webFormId ? this.store.webForms.get(task.webFormId) : undefined;
    const body = {
      taskId: task.id,
      status: task.status,
      ...(form ? { webForm: { id: form.id, url: form.url, status: form.status } } : {}),
    };
    const url =
      task.status === "WEB_FORM_REQUIRED"
        ? task.callbacks.webFormRequired
        : task.callbacks.finalised;
    if (url) await this.deliver(url, body);
  }

  // ---- web forms ----

  createWebForm(input: {
    type: FakeWebForm["type"];
    userId: string;
    origin: string | null;
    targetConnectionId: number | null;
    finalised: string | null;
    redirectUrl: string | null;
    bankId?: number | null;
    bankSearch?: string | null;
    bankConnectionName?: string | null;
    accountTypes?: string[] | null;
    allowedInterfaces?: FakeWebForm["allowedInterfaces"];
  }): FakeWebForm {
    const id = crypto.randomUUID();
    const base = (this.options.webFormBaseUrl ?? input.origin ?? "http://localhost").replace(
      /\/+$/,
      "",
    );
    const now = this.now();
    const form: FakeWebForm = {
      id,
      url: `${base}/wf/${id}`,
      createdAt: now,
      expiresAt: now + this.settings.webFormLifetimeSeconds * 1000,
      type: input.type,
      status: "NOT_YET_OPENED",
      payload: {
        bankConnectionId: null,
        paymentId: null,
        standingOrderId: null,
        errorCode: null,
        errorMessage: null,
      },
      userId: input.userId,
      bankId: input.bankId ?? null,
      bankSearch: input.bankSearch ?? null,
      bankConnectionName: input.bankConnectionName ?? null,
      accountTypes: input.accountTypes ?? null,
      allowedInterfaces: input.allowedInterfaces ?? null,
      finalisedCallback: input.finalised,
      redirectUrl: input.redirectUrl,
      targetConnectionId: input.targetConnectionId,
    };
    this.store.webForms.set(id, form);
    return form;
  }

  /**
   * What happens when the user finishes the form: the connection and its accounts appear
   * (import) or the consent is renewed (update), then finAPI POSTs {webFormId, status}.
   */
  async finishWebForm(form: FakeWebForm, outcome: WebFormOutcome): Promise<void> {
    if (form.status !== "NOT_YET_OPENED" && form.status !== "IN_PROGRESS")
      throw new Error(`web form ${form.id} is ${form.status}`);
    if (outcome.status === "COMPLETED") this.completeForm(form, outcome);
    else {
      form.status = outcome.status;
      form.payload.errorCode =
        outcome.status === "ABORTED" ? null : (outcome.errorCode ?? "BANK_SERVER_REJECTION");
      form.payload.errorMessage =
        outcome.status === "ABORTED"
          ? null
          : (outcome.errorMessage ?? "Die Bank hat die Anmeldung abgelehnt.");
    }
    if (form.finalisedCallback)
      await this.deliver(form.finalisedCallback, { webFormId: form.id, status: form.status });
  }

  private completeForm(
    form: FakeWebForm,
    outcome: Extract<WebFormOutcome, { status: "COMPLETED" }>,
  ): void {
    if (form.type === "BANK_CONNECTION_UPDATE") {
      const connection =
        form.targetConnectionId === null
          ? undefined
          : this.store.connections.get(form.targetConnectionId);
      if (connection) {
        connection.consentExpiresAt = this.now() + 90 * 86_400_000;
        connection.userActionRequired = false;
        connection.webFormRequired = false;
        this.startUpdate(connection, "manual");
        this.finishUpdate(connection);
      }
      form.status = "COMPLETED";
      form.payload.bankConnectionId = form.targetConnectionId;
      return;
    }
    const user = this.store.users.get(form.userId);
    const bank = this.store.bank(
      outcome.bankId ?? form.bankId ?? this.searchBank(form.bankSearch) ?? 280001,
    );
    if (!user || !bank) throw new Error("web form without user or bank");
    const accounts = (outcome.accounts ?? defaultAccountSpecs()).filter((spec) =>
      accountTypeAllowed(spec, form.accountTypes),
    );
    if (accounts.length === 0) {
      form.status = "COMPLETED_WITH_ERROR";
      form.payload.errorCode = "NO_ACCOUNTS_FOR_TYPE_LIST";
      form.payload.errorMessage = "Keines der Konten hat einen der gewünschten Kontotypen.";
      return;
    }
    const connection = createConnection(this.store, user, bank, {
      name: form.bankConnectionName,
      accounts,
      nowMs: this.now(),
    });
    this.seedTransactions(connection);
    form.status = "COMPLETED";
    form.payload.bankConnectionId = connection.id;
  }

  private searchBank(search: string | null): number | undefined {
    if (!search) return undefined;
    const lower = search.toLowerCase();
    return this.store.banks.find(
      (bank) =>
        bank.isSupported &&
        (bank.name.toLowerCase().includes(lower) || bank.blz === search || bank.bic === search),
    )?.id;
  }

  seedTransactions(connection: FakeConnection): void {
    const count = this.settings.initialTransactionsPerAccount;
    if (count === 0) return;
    const now = this.now();
    for (const accountId of connection.accountIds) {
      const account = this.store.accounts.get(accountId);
      if (!account) continue;
      for (const input of generatedIncomingPayments(
        this.settings.seed + accountId,
        count,
        berlinDate(now),
      )) {
        insertTransaction(this.store, buildTransaction(this.store, account, input, now));
      }
    }
  }

  webFormJson(form: FakeWebForm): Record<string, unknown> {
    return renderWebForm(form);
  }

  // ---- callbacks ----

  /** POSTs a callback; finAPI ignores the answer, so failures are only logged. */
  async deliver(url: string, body: unknown): Promise<void> {
    const entry: CallbackLogEntry = { url, body, status: null, error: null };
    this.callbacks.push(entry);
    const send = this.options.callbackFetch ?? ((request: Request) => fetch(request));
    try {
      const response = await send(
        new Request(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        }),
      );
      entry.status = response.status;
      await response.body?.cancel();
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
    }
  }

  isAllowedCallbackUrl(value: string): boolean {
    try {
      const url = new URL(value);
      return (
        url.protocol === "https:" ||
        (this.options.allowHttpCallbacks === true && url.protocol === "http:")
      );
    } catch {
      return false;
    }
  }

  // ---- responses in finAPI's shapes ----

  errorContext(c: FakeContext): ErrorContext {
    return {
      nowMs: this.now(),
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      authContext: c.get("authContext") ?? null,
    };
  }

  standardError(
    c: FakeContext,
    status: number,
    errors: StandardErrorInput | StandardErrorInput[],
  ): Response {
    return c.json(
      standardErrorBody(this.errorContext(c), Array.isArray(errors) ? errors : [errors]),
      status as ContentfulStatusCode,
    );
  }

  badRequest(c: FakeContext, message: string, code = "BAD_REQUEST"): Response {
    return this.standardError(c, 400, { code, message, type: "TECHNICAL" });
  }

  webFormError(
    c: FakeContext,
    status: number,
    description: string,
    code = defaultWebFormCode(status),
  ): Response {
    return c.json(
      webFormErrorBody(this.errorContext(c), code, description),
      status as ContentfulStatusCode,
    );
  }

  webFormValidation(c: FakeContext, errors: FieldError[]): Response {
    return c.json(webFormValidationBody(this.errorContext(c), errors), 400);
  }

  // ---- bearer tokens ----

  validToken(c: FakeContext): TokenRecord | null {
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const record = match?.[1] ? this.store.tokens.get(match[1]) : undefined;
    if (!record || (record.expiresAt !== null && this.now() >= record.expiresAt)) return null;
    return record;
  }

  /** The token of the wanted role, or the finAPI error response for the host (Access or WF). */
  authenticate(
    c: FakeContext,
    role: "client" | "user",
    host: "access" | "webForm",
  ): TokenRecord | Response {
    const header = c.req.header("Authorization") ?? "";
    const record = this.validToken(c);
    if (!record) {
      if (host === "webForm") return this.webFormError(c, 401, "Invalid or expired access token");
      const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? "";
      return c.json(oauthErrorBody("invalid_token", `Invalid access token: ${presented}`), 401);
    }
    c.set("auth", record);
    c.set("authContext", this.authContext(record));
    if (record.kind !== role) {
      if (host === "webForm")
        return this.webFormError(c, 403, `This operation requires a ${role} access token`);
      return this.standardError(c, 403, {
        code: "UNAUTHORIZED_ACCESS",
        message: "Access is denied",
        type: "TECHNICAL",
      });
    }
    return record;
  }

  authContext(record: TokenRecord): string {
    const client = this.store.clients.get(record.clientId);
    const user = record.userId ? this.store.users.get(record.userId) : undefined;
    return `${client?.no ?? 0}/${user?.no ?? 0}`;
  }

  /** Creates a user directly (control hook), with the same defaults as POST /users. */
  addUser(input: {
    id?: string;
    password?: string;
    email?: string | null;
    phone?: string | null;
    isAutoUpdateEnabled?: boolean;
    clientId?: string;
  }): FakeUserRecord {
    const clientId = input.clientId ?? [...this.store.clients.keys()][0] ?? DEFAULT_CLIENT.clientId;
    const user: FakeUserRecord = {
      id: input.id ?? crypto.randomUUID(),
      password: input.password ?? crypto.randomUUID(),
      email: input.email ?? null,
      phone: input.phone ?? null,
      isAutoUpdateEnabled: input.isAutoUpdateEnabled ?? false,
      clientId,
      no: this.store.next("user"),
      locked: false,
      verified: true,
    };
    this.store.users.set(user.id, user);
    return user;
  }

  addConnection(
    userId: string,
    options: { bankId?: number; name?: string; accounts?: AccountSpec[] } = {},
  ): FakeConnection {
    const user = this.store.users.get(userId);
    const bank = this.store.bank(options.bankId ?? 280001);
    if (!user || !bank) throw new Error("unknown user or bank");
    const connection = createConnection(this.store, user, bank, {
      name: options.name ?? null,
      accounts: options.accounts ?? defaultAccountSpecs(),
      nowMs: this.now(),
    });
    this.seedTransactions(connection);
    return connection;
  }
}

export type WebFormOutcome =
  | { status: "COMPLETED"; bankId?: number; accounts?: AccountSpec[] }
  | { status: "COMPLETED_WITH_ERROR"; errorCode?: string; errorMessage?: string }
  | { status: "ABORTED" };

const WEB_FORM_TO_ACCESS_TYPE: Record<string, string> = {
  CHECKING: "Checking",
  SAVINGS: "Savings",
  CREDIT_CARD: "CreditCard",
  SECURITY: "Security",
  LOAN: "Loan",
  MEMBERSHIP: "Membership",
  BAUSPAREN: "Bausparen",
};

function accountTypeAllowed(spec: AccountSpec, allowed: string[] | null): boolean {
  if (!allowed) return true;
  return allowed.some((type) => WEB_FORM_TO_ACCESS_TYPE[type] === (spec.accountType ?? "Checking"));
}
