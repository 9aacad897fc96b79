// The Web Form 2.0 half of the fake (`/api/webForms/*`, `/api/tasks/*`, reference/finapi.md §2
// and §6) and the form page itself (`/wf/{id}`), which a person — or a test — opens once and
// completes or aborts, as at finAPI: that creates the bank connection and calls the callback.
import type { Hono } from "hono";
import type { FieldError } from "./errors.ts";
import type { FakeContext, FakeEnv, Runtime, WebFormOutcome } from "./runtime.ts";
import { renderTask } from "./state.ts";
import type { FakeTask, FakeWebForm, TokenRecord } from "./state.ts";

type Json = Record<string, unknown>;

const WEB_FORM_ACCOUNT_TYPES = [
  "BAUSPAREN",
  "CHECKING",
  "CREDIT_CARD",
  "LOAN",
  "MEMBERSHIP",
  "SAVINGS",
  "SECURITY",
];
const INTERFACES = ["WEB_SCRAPER", "FINTS_SERVER", "XS2A"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isUrl(value: unknown): value is string {
  if (typeof value !== "string" || value.length > 2048) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

async function jsonBody(c: FakeContext): Promise<Json | null> {
  try {
    const value: unknown = await c.req.json();
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

// ---- validation (400 {errors:[{field,message}]}) ----

function checkFlags(body: Json, names: string[], errors: FieldError[]): void {
  for (const name of names) {
    if (body[name] !== undefined && body[name] !== null && typeof body[name] !== "boolean")
      errors.push({ field: name, message: "must be a boolean" });
  }
}

function checkEnumArray(
  body: Json,
  name: string,
  allowed: readonly string[],
  errors: FieldError[],
): void {
  const value = body[name];
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) return void errors.push({ field: name, message: "must be an array" });
  value.forEach((item, index) => {
    if (typeof item !== "string" || !allowed.includes(item))
      errors.push({ field: `${name}[${index}]`, message: `must be one of ${allowed.join(", ")}` });
  });
}

function checkCallbacks(rt: Runtime, body: Json, names: string[], errors: FieldError[]): void {
  const callbacks = body.callbacks;
  if (callbacks === undefined || callbacks === null) return;
  if (!isObject(callbacks))
    return void errors.push({ field: "callbacks", message: "must be an object" });
  for (const name of names) {
    const url = callbacks[name];
    // finAPI only calls HTTPS URLs (reference §2).
    if (url !== undefined && url !== null && (!isUrl(url) || !rt.isAllowedCallbackUrl(url)))
      errors.push({ field: `callbacks.${name}`, message: "must be a valid HTTPS URL" });
  }
}

function commonProblems(rt: Runtime, body: Json): FieldError[] {
  const errors: FieldError[] = [];
  checkFlags(
    body,
    [
      "skipPositionsDownload",
      "skipBalancesDownload",
      "loadOwnerData",
      "allowTestBank",
      "importNewAccounts",
    ],
    errors,
  );
  checkEnumArray(body, "accountTypes", WEB_FORM_ACCOUNT_TYPES, errors);
  checkCallbacks(rt, body, ["finalised"], errors);
  if (
    body.profileId !== undefined &&
    body.profileId !== null &&
    (typeof body.profileId !== "string" || !UUID.test(body.profileId))
  )
    errors.push({ field: "profileId", message: "must be a UUID" });
  if (body.redirectUrl !== undefined && body.redirectUrl !== null && !isUrl(body.redirectUrl))
    errors.push({ field: "redirectUrl", message: "must be a valid URL" });
  if (
    rt.options.licensedMandator === true &&
    (body.redirectUrl === undefined || body.redirectUrl === null)
  )
    errors.push({ field: "redirectUrl", message: "must not be null" });
  return errors;
}

function importProblems(rt: Runtime, body: Json): FieldError[] {
  const errors = commonProblems(rt, body);
  const bank = body.bank;
  if (bank !== undefined && bank !== null) {
    if (!isObject(bank)) errors.push({ field: "bank", message: "must be an object" });
    else {
      const hasId = bank.id !== undefined && bank.id !== null;
      const hasSearch = bank.search !== undefined && bank.search !== null;
      if (hasId === hasSearch)
        errors.push({ field: "bank", message: "exactly one of id and search must be set" });
      if (hasId && (typeof bank.id !== "number" || !Number.isSafeInteger(bank.id) || bank.id < 1))
        errors.push({ field: "bank.id", message: "must be a positive integer" });
      if (
        hasSearch &&
        (typeof bank.search !== "string" || bank.search.trim() === "" || bank.search.length > 512)
      )
        errors.push({ field: "bank.search", message: "must be a non-empty string" });
    }
  }
  if (
    body.bankConnectionName !== undefined &&
    body.bankConnectionName !== null &&
    (typeof body.bankConnectionName !== "string" || body.bankConnectionName.length > 512)
  ) {
    errors.push({
      field: "bankConnectionName",
      message: "must be a string of at most 512 characters",
    });
  }
  const days = body.maxDaysForDownload;
  if (
    days !== undefined &&
    days !== null &&
    (typeof days !== "number" || !Number.isInteger(days) || days < 0 || days > 3650)
  )
    errors.push({ field: "maxDaysForDownload", message: "must be an integer between 0 and 3650" });
  checkEnumArray(body, "allowedInterfaces", INTERFACES, errors);
  return errors;
}

// ---- routes ----

export function registerWebFormRoutes(app: Hono<FakeEnv>, rt: Runtime): void {
  registerWebFormApi(app, rt);
  registerTasks(app, rt);
  registerFormPage(app, rt);
}

function origin(c: FakeContext): string {
  return new URL(c.req.url).origin;
}

function ownForm(rt: Runtime, c: FakeContext, auth: TokenRecord): FakeWebForm | Response {
  const form = rt.store.webForms.get(c.req.param("id") ?? "");
  if (!form || form.userId !== auth.userId)
    return rt.webFormError(c, 404, `Web form ${c.req.param("id") ?? ""} not found`);
  return form;
}

function registerWebFormApi(app: Hono<FakeEnv>, rt: Runtime): void {
  app.post("/api/webForms/bankConnectionImport", async (c) => {
    const auth = rt.authenticate(c, "user", "webForm");
    if (auth instanceof Response) return auth;
    const body = await jsonBody(c);
    if (!body)
      return rt.webFormValidation(c, [{ field: "body", message: "must be a JSON object" }]);
    const problems = importProblems(rt, body);
    if (problems.length > 0) return rt.webFormValidation(c, problems);
    if (
      rt.options.licensedMandator !== true &&
      body.redirectUrl !== undefined &&
      body.redirectUrl !== null
    ) {
      return rt.webFormError(
        c,
        422,
        "redirectUrl must not be set for unlicensed mandators",
        "INVALID_REDIRECT_URL",
      );
    }
    const bankInput = isObject(body.bank) ? body.bank : null;
    const bankId = typeof bankInput?.id === "number" ? bankInput.id : null;
    if (bankId !== null) {
      const bank = rt.store.bank(bankId);
      const allowTestBank = body.allowTestBank !== false;
      const interfaces = Array.isArray(body.allowedInterfaces)
        ? (body.allowedInterfaces as string[])
        : null;
      const usable =
        bank &&
        bank.isSupported &&
        (allowTestBank || !bank.isTestBank) &&
        (!interfaces || bank.interfaces.some((i) => interfaces.includes(i)));
      if (!usable)
        return rt.webFormError(
          c,
          422,
          `Bank with id ${bankId} is not supported`,
          "BANK_NOT_SUPPORTED",
        );
    }
    const form = rt.createWebForm({
      type: "BANK_CONNECTION_IMPORT",
      userId: auth.userId ?? "",
      origin: origin(c),
      targetConnectionId: null,
      finalised:
        isObject(body.callbacks) && typeof body.callbacks.finalised === "string"
          ? body.callbacks.finalised
          : null,
      redirectUrl: typeof body.redirectUrl === "string" ? body.redirectUrl : null,
      bankId,
      bankSearch: typeof bankInput?.search === "string" ? bankInput.search : null,
      bankConnectionName:
        typeof body.bankConnectionName === "string" ? body.bankConnectionName : null,
      accountTypes: Array.isArray(body.accountTypes) ? (body.accountTypes as string[]) : null,
      allowedInterfaces: Array.isArray(body.allowedInterfaces)
        ? (body.allowedInterfaces as FakeWebForm["allowedInterfaces"])
        : null,
    });
    return c.json(rt.webFormJson(form), 201);
  });

  app.post("/api/webForms/bankConnectionUpdate", async (c) => {
    const auth = rt.authenticate(c, "user", "webForm");
    if (auth instanceof Response) return auth;
    const body = await jsonBody(c);
    if (!body)
      return rt.webFormValidation(c, [{ field: "body", message: "must be a JSON object" }]);
    const problems = commonProblems(rt, body);
    const connectionId = isObject(body.bank) ? body.bank.bankConnectionId : undefined;
    if (typeof connectionId !== "number")
      problems.push({ field: "bank.bankConnectionId", message: "must not be null" });
    if (problems.length > 0) return rt.webFormValidation(c, problems);
    const connection = rt.store.connections.get(connectionId as number);
    if (!connection || connection.userId !== auth.userId)
      return rt.webFormError(c, 404, `Bank connection ${String(connectionId)} not found`);
    if (connection.updateStatus === "IN_PROGRESS")
      return rt.webFormError(c, 423, "The bank connection is being updated");
    const form = rt.createWebForm({
      type: "BANK_CONNECTION_UPDATE",
      userId: auth.userId ?? "",
      origin: origin(c),
      targetConnectionId: connection.id,
      finalised:
        isObject(body.callbacks) && typeof body.callbacks.finalised === "string"
          ? body.callbacks.finalised
          : null,
      redirectUrl: typeof body.redirectUrl === "string" ? body.redirectUrl : null,
    });
    return c.json(rt.webFormJson(form), 201);
  });

  app.get("/api/webForms/:id", (c) => {
    const auth = rt.authenticate(c, "user", "webForm");
    if (auth instanceof Response) return auth;
    const form = ownForm(rt, c, auth);
    if (form instanceof Response) return form;
    return c.json(rt.webFormJson(form), 200);
  });
}

function registerTasks(app: Hono<FakeEnv>, rt: Runtime): void {
  app.post("/api/tasks/backgroundUpdate", async (c) => {
    const auth = rt.authenticate(c, "user", "webForm");
    if (auth instanceof Response) return auth;
    const body = await jsonBody(c);
    if (!body)
      return rt.webFormValidation(c, [{ field: "body", message: "must be a JSON object" }]);
    const problems: FieldError[] = [];
    if (typeof body.bankConnectionId !== "number" || !Number.isSafeInteger(body.bankConnectionId))
      problems.push({ field: "bankConnectionId", message: "must not be null" });
    checkCallbacks(rt, body, ["finalised", "webFormRequired"], problems);
    if (problems.length > 0) return rt.webFormValidation(c, problems);
    const connection = rt.store.connections.get(body.bankConnectionId as number);
    if (!connection || connection.userId !== auth.userId)
      return rt.webFormError(c, 404, `Bank connection ${String(body.bankConnectionId)} not found`);
    const running = [...rt.store.tasks.values()].some(
      (task) =>
        task.bankConnectionId === connection.id &&
        (task.status === "NOT_YET_STARTED" || task.status === "IN_PROGRESS"),
    );
    if (running || connection.updateStatus === "IN_PROGRESS")
      return rt.webFormError(c, 423, "An update of this bank connection is already running");
    const callbacks = isObject(body.callbacks) ? body.callbacks : {};
    const now = rt.now();
    const task: FakeTask = {
      id: crypto.randomUUID(),
      createdAt: now,
      dueAt: now + rt.settings.updateDurationMs,
      type: "BANK_CONNECTION_UPDATE",
      status: "NOT_YET_STARTED",
      userId: auth.userId ?? "",
      bankConnectionId: connection.id,
      webFormId: null,
      errorCode: null,
      callbacks: {
        finalised: typeof callbacks.finalised === "string" ? callbacks.finalised : null,
        webFormRequired:
          typeof callbacks.webFormRequired === "string" ? callbacks.webFormRequired : null,
      },
    };
    rt.store.tasks.set(task.id, task);
    return c.json(renderTask(task, rt.store), 201);
  });

  app.get("/api/tasks/:id", (c) => {
    const auth = rt.authenticate(c, "user", "webForm");
    if (auth instanceof Response) return auth;
    const task = rt.store.tasks.get(c.req.param("id"));
    if (!task || task.userId !== auth.userId)
      return rt.webFormError(c, 404, `Task ${c.req.param("id")} not found`);
    return c.json(renderTask(task, rt.store), 200);
  });
}

// ---- the form page a person opens ----

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

function formPage(rt: Runtime, form: FakeWebForm): string {
  const bank = form.bankId !== null ? rt.store.bank(form.bankId) : undefined;
  const bankName =
    bank?.name ?? (form.bankSearch ? `Suche: ${form.bankSearch}` : "finAPI Test Bank");
  return page(
    "finAPI Web Form (Fake)",
    `<p>Bank: ${escapeHtml(bankName)}</p>
<form method="post" action="/wf/${escapeHtml(form.id)}">
  <label>Onlinebanking-ID <input name="userId" value="demo" autocomplete="off"></label>
  <label>PIN <input name="pin" type="password" value="demo"></label>
  <p>PIN "wrong" simulates a rejected login.</p>
  <button name="action" value="complete" type="submit">Verbinden</button>
  <button name="action" value="abort" type="submit">Abbrechen</button>
</form>`,
  );
}

function registerFormPage(app: Hono<FakeEnv>, rt: Runtime): void {
  // Opening counts once: the URL "can be opened once and lasts about 20 minutes" (reference §2).
  app.get("/wf/:id", (c) => {
    const form = rt.store.webForms.get(c.req.param("id"));
    if (!form) return c.html(page("Nicht gefunden", "<p>Dieses Web Form gibt es nicht.</p>"), 404);
    if (form.status !== "NOT_YET_OPENED")
      return c.html(page("Nicht mehr verfügbar", `<p>Status: ${escapeHtml(form.status)}</p>`), 410);
    form.status = "IN_PROGRESS";
    return c.html(formPage(rt, form), 200);
  });

  app.post("/wf/:id", async (c) => {
    const form = rt.store.webForms.get(c.req.param("id"));
    if (!form) return c.html(page("Nicht gefunden", "<p>Dieses Web Form gibt es nicht.</p>"), 404);
    if (form.status !== "NOT_YET_OPENED" && form.status !== "IN_PROGRESS")
      return c.html(page("Nicht mehr verfügbar", `<p>Status: ${escapeHtml(form.status)}</p>`), 410);
    const fields = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    await rt.finishWebForm(form, outcomeOf(fields));
    if (form.redirectUrl) return c.redirect(form.redirectUrl, 303);
    return c.html(
      page(
        "Fertig",
        `<p>Status: <output>${escapeHtml(form.status)}</output></p><p>Sie können dieses Fenster schließen.</p>`,
      ),
      200,
    );
  });
}

function outcomeOf(fields: Record<string, unknown>): WebFormOutcome {
  if (fields.action === "abort") return { status: "ABORTED" };
  if (fields.pin === "wrong")
    return {
      status: "COMPLETED_WITH_ERROR",
      errorCode: "BANK_SERVER_REJECTION",
      errorMessage: "Die Zugangsdaten sind falsch.",
    };
  return { status: "COMPLETED" };
}
