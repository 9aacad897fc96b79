// The <selfservice-portal> element: session handling, loading and error states, navigation
// between the views (list → detail → change → preview → result, cancel, invoices), the
// requests behind each step, events, and focus management. Rendering lives in ./views.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { emit, type PortalOperation } from "./events.js";
import { formatters, toLocale, type Formatters, type Locale } from "./format.js";
import { messages, type Messages, type ProblemText } from "./i18n.js";
import type {
  CancelContractResult,
  ChangePreview,
  ChangeRequest,
  ChangeResult,
  ChangeType,
  PortalContract,
  PortalInvoice,
  PortalOverview,
} from "./portal-api.js";
import {
  PortalApiError,
  PortalClient,
  SessionExpiredError,
  newIdempotencyKey,
} from "./portal-client.js";
import { styles } from "./selfservice-portal.styles.js";
import {
  renderAccount,
  validateMandateDraft,
  type AccountState,
  type MandateDraft,
  type MandateField,
} from "./views/account.js";
import { cancellationChoices, renderCancel, renderCancelled } from "./views/cancel.js";
import { newDraft, renderChangeForm, validateDraft, type ChangeDraft } from "./views/change.js";
import { renderContractDetail, renderContractList } from "./views/contracts.js";
import { renderInvoices, type InvoicesState } from "./views/invoices.js";
import { describeRequest, renderPreview, renderResult } from "./views/preview.js";

type View =
  | { name: "list" }
  | { name: "detail"; contractId: string }
  | { name: "change"; contractId: string; draft: ChangeDraft }
  /** `key` is made when the preview is shown and reused for every confirm click and retry of it. */
  | {
      name: "preview";
      contractId: string;
      draft: ChangeDraft;
      request: ChangeRequest;
      preview: ChangePreview;
      key: string;
    }
  | { name: "result"; contractId: string; label: string; result: ChangeResult }
  | { name: "cancel"; contractId: string; endDate: string; key: string }
  | { name: "cancelled"; contractId: string; result: CancelContractResult }
  | { name: "invoices" }
  | { name: "account" };

interface UiError {
  operation: PortalOperation;
  status: number;
  code: string;
}

/** The merchant's set-up is at fault, not the customer's: say so in the console, not to them. */
const MERCHANT_SETUP_CODES = new Set(["origin_not_allowed"]);

const INVOICE_PAGE = 20;

/**
 * Lets a merchant's customer see their contracts and change them: switch tariff, book or remove
 * add-ons, change quantities, pick an allowed date, preview the prorated amounts, confirm, cancel.
 *
 * @tag selfservice-portal
 * @summary Self-service customer portal for Tarif contracts.
 *
 * @event {CustomEvent<SelfserviceChangeDetail>} selfservice-change - A change was applied, scheduled, or a scheduled change withdrawn.
 * @event {CustomEvent<SelfserviceCancelDetail>} selfservice-cancel - The contract was cancelled.
 * @event {CustomEvent<SelfserviceErrorDetail>} selfservice-error - A request failed (not session expiry).
 * @event {CustomEvent<SelfserviceSessionExpiredDetail>} selfservice-session-expired - The token was refused and could not be renewed.
 * @event {CustomEvent<SelfserviceMandateCreatedDetail>} selfservice-mandate-created - The customer gave a new SEPA mandate.
 *
 * @csspart base - The wrapper of everything.
 * @csspart nav - The contracts / invoices navigation; `nav-button` are its buttons.
 * @csspart heading - Each view's heading.
 * @csspart contract-list - The list of contracts.
 * @csspart card - A contract in the list (also `contract-card`).
 * @csspart badge - Status and upgrade/downgrade badges (also `status-active`, `status-cancellation_pending`, `status-ended`).
 * @csspart facts - The contract's key facts.
 * @csspart scheduled-changes - The list of scheduled changes; `scheduled-change` one of them.
 * @csspart actions - A row of action buttons.
 * @csspart earliest-end - The earliest possible end in the cancel view.
 * @csspart table - Every table (also `items`, `preview-lines`, `invoices`).
 * @csspart credit-line - A credit row of the preview; `charge-line` a charge row.
 * @csspart settlement - What follows the change (interim invoice, credit note, …).
 * @csspart button - Every button (also `button-primary`, `button-danger`, `back-button`, `nav-button`).
 * @csspart form - Change and cancel forms; `fieldset`, `field`, `input`, `field-error` their pieces.
 * @csspart date-picker - The fieldset offering the allowed change dates.
 * @csspart result - The confirmation after a change or cancellation; `result-invoice` the invoice line.
 * @csspart notice - Hints such as a downgrade moved to the next period.
 * @csspart loading - The loading state; `empty` the empty states; `error` the error box.
 * @csspart open-amount - The total owed in the payment view; `open-invoices` its table, `open-invoice` a row.
 * @csspart payment-method - The mandate or transfer state (also `mandate-blocked`); `transfer` the merchant's account.
 * @csspart mandate-form - The new-mandate form; `consent` its mandate text; `mandate-created` the confirmation.
 *
 * @cssprop --ssp-font-family - Font (default: system-ui).
 * @cssprop --ssp-font-size - Base font size (default: 1rem).
 * @cssprop --ssp-color-text - Text colour.
 * @cssprop --ssp-color-muted - Secondary text colour.
 * @cssprop --ssp-color-surface - Background.
 * @cssprop --ssp-color-surface-alt - Background of secondary buttons.
 * @cssprop --ssp-color-border - Borders and rules.
 * @cssprop --ssp-color-primary - Primary buttons, links, active navigation.
 * @cssprop --ssp-color-on-primary - Text on primary buttons.
 * @cssprop --ssp-color-danger - Cancel button and errors.
 * @cssprop --ssp-color-on-danger - Text on the cancel button.
 * @cssprop --ssp-color-success - Active badge and result border.
 * @cssprop --ssp-color-focus - Focus ring (default: the primary colour).
 * @cssprop --ssp-radius - Corner radius.
 * @cssprop --ssp-space - Base spacing.
 * @cssprop --ssp-max-width - Maximum width of the content.
 */
export class SelfservicePortal extends LitElement {
  static override styles = styles;

  static override properties = {
    apiBase: { type: String, attribute: "api-base" },
    sessionToken: { type: String, attribute: "session-token" },
    locale: { type: String },
    contractId: { type: String, attribute: "contract-id" },
    fetchSession: { attribute: false },
    _overview: { state: true },
    _loadState: { state: true },
    _view: { state: true },
    _busy: { state: true },
    _error: { state: true },
    _notice: { state: true },
    _expired: { state: true },
    _invoices: { state: true },
    _account: { state: true },
  };

  /** Where the Tarif worker is, e.g. `https://billing.example.com` ("" = same origin as the page). */
  declare apiBase: string;
  /** A portal session token from the merchant's backend (`POST /api/v1/portal-sessions`). */
  declare sessionToken: string | undefined;
  /** `de` (default) or `en`; without it the customer's stored locale is used. */
  declare locale: string | undefined;
  /** Open this contract's detail view once the contracts have loaded. */
  declare contractId: string | undefined;
  /** Returns a fresh token; called when there is no `session-token` and once again after a 401. */
  declare fetchSession: (() => Promise<string>) | undefined;

  declare private _overview: PortalOverview | undefined;
  declare private _loadState: "idle" | "loading" | "ready" | "error";
  declare private _view: View;
  declare private _busy: boolean;
  declare private _error: UiError | undefined;
  declare private _notice: string;
  declare private _expired: boolean;
  declare private _invoices: InvoicesState;
  declare private _account: AccountState;

  #client: PortalClient | undefined;
  #renewedToken: string | null = null;
  #loads: AbortController | undefined;
  /** Only navigation the customer started moves focus; the first load never steals it. */
  #focusSelector: string | null = null;

  constructor() {
    super();
    this.apiBase = "";
    this._loadState = "idle";
    this._view = { name: "list" };
    this._busy = false;
    this._notice = "";
    this._expired = false;
    this._invoices = { items: [], nextCursor: null, loaded: false };
    this._account = { account: null, draft: newMandateDraft(), created: null };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && !this._overview) void this.#loadOverview();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#loads?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("apiBase") || changed.has("sessionToken") || changed.has("fetchSession")) {
      this.#client = undefined;
      this.#renewedToken = null;
      // Started here rather than in updated(): the "loading" state then shows in this very render.
      void this.#loadOverview();
    }
    if (changed.has("contractId") && this.contractId && this.#contract(this.contractId)) {
      this._view = { name: "detail", contractId: this.contractId };
    }
  }

  protected override updated(): void {
    if (this.#focusSelector === null) return;
    const target = this.renderRoot.querySelector<HTMLElement>(this.#focusSelector);
    this.#focusSelector = null;
    target?.focus();
  }

  get #locale(): Locale {
    return toLocale(this.locale) ?? toLocale(this._overview?.customer.locale) ?? "de";
  }

  #api(): PortalClient {
    this.#client ??= new PortalClient({
      apiBase: this.apiBase,
      getToken: async () => {
        if (this.#renewedToken) return this.#renewedToken;
        if (this.sessionToken) return this.sessionToken;
        return (this.#renewedToken = await this.fetchSession!());
      },
      ...(this.fetchSession
        ? { renewToken: async () => (this.#renewedToken = await this.fetchSession!()) }
        : {}),
    });
    return this.#client;
  }

  #contract(id: string): PortalContract | undefined {
    return this._overview?.contracts.find((contract) => contract.id === id);
  }

  /** `refresh` keeps the current view on screen (after a change) instead of showing "loading". */
  async #loadOverview(refresh = false): Promise<void> {
    if (!this.sessionToken && !this.fetchSession) {
      this._loadState = "idle";
      return;
    }
    this.#loads?.abort();
    const controller = (this.#loads = new AbortController());
    if (!refresh) {
      this._loadState = "loading";
      this._error = undefined;
      this._expired = false;
    }
    try {
      const overview = await this.#api().listContracts(controller.signal);
      if (controller.signal.aborted) return;
      this._overview = overview;
      this._loadState = "ready";
      this.#keepViewValid(refresh);
    } catch (error) {
      if (controller.signal.aborted) return;
      if (!refresh) this._loadState = "error";
      this.#fail("load_contracts", error);
    }
  }

  #keepViewValid(refresh: boolean): void {
    const view = this._view;
    if ("contractId" in view && !this.#contract(view.contractId)) this._view = { name: "list" };
    else if (
      !refresh &&
      view.name === "list" &&
      this.contractId &&
      this.#contract(this.contractId)
    ) {
      this._view = { name: "detail", contractId: this.contractId };
    }
  }

  #fail(operation: PortalOperation, error: unknown): void {
    if (error instanceof SessionExpiredError) {
      this._expired = true;
      this._error = undefined;
      this._notice = messages(this.#locale).sessionExpired;
      emit(this, "selfservice-session-expired", { operation });
      return;
    }
    const problem =
      error instanceof PortalApiError
        ? error.problem
        : {
            status: 0,
            code: "client_error",
            title: error instanceof Error ? error.message : String(error),
            detail: undefined,
          };
    const setup = MERCHANT_SETUP_CODES.has(problem.code);
    if (setup) console.error(`<selfservice-portal>: ${problem.detail ?? problem.title}`);
    this._error = { operation, status: problem.status, code: problem.code };
    this._notice = "";
    emit(this, "selfservice-error", {
      operation,
      status: problem.status,
      code: problem.code,
      title: problem.title,
      ...(problem.detail ? { detail: problem.detail } : {}),
    });
  }

  /** Runs one request at a time: a second click while one is in flight does nothing. */
  async #act<T>(
    operation: PortalOperation,
    run: (api: PortalClient) => Promise<T>,
  ): Promise<T | undefined> {
    if (this._busy) return undefined;
    this._busy = true;
    this._error = undefined;
    this._notice = messages(this.#locale).working;
    try {
      return await run(this.#api());
    } catch (error) {
      this.#fail(operation, error);
      return undefined;
    } finally {
      this._busy = false;
      // The live region must not keep announcing "sending" once the answer is on screen.
      if (this._notice === messages(this.#locale).working) this._notice = "";
    }
  }

  #go(view: View, focus = "[data-focus]"): void {
    this._view = view;
    this._error = undefined;
    this.#focusSelector = focus;
  }

  // --- actions -------------------------------------------------------------------------------

  #startChange(contract: PortalContract, type: ChangeType, itemId?: string): void {
    this.#go({ name: "change", contractId: contract.id, draft: newDraft(type, contract, itemId) });
  }

  #editDraft(patch: Partial<ChangeDraft>): void {
    const view = this._view;
    if (view.name === "change")
      this._view = { ...view, draft: { ...view.draft, ...patch, errors: {} } };
  }

  async #submitChange(contract: PortalContract): Promise<void> {
    // Read the draft now, not from the last render: an edit may not have rendered yet.
    const view = this._view;
    if (view.name !== "change") return;
    const draft = view.draft;
    const checked = validateDraft(messages(this.#locale), contract, draft);
    if ("errors" in checked) {
      this._view = {
        name: "change",
        contractId: contract.id,
        draft: { ...draft, errors: checked.errors },
      };
      const { target, quantity } = checked.errors;
      this.#focusSelector = target
        ? 'input[name="target"]'
        : quantity
          ? "#quantity"
          : draft.dateChoice === "custom"
            ? "#custom-date"
            : 'input[name="date"]';
      return;
    }
    const preview = await this.#act("preview_change", (api) =>
      api.previewChange(contract.id, checked.request),
    );
    // The customer may have left the form meanwhile; a late preview must not pull them back.
    if (preview && this._view.name === "change" && this._view.contractId === contract.id)
      this.#go({
        name: "preview",
        contractId: contract.id,
        draft,
        request: checked.request,
        preview,
        key: newIdempotencyKey(),
      });
  }

  async #confirmChange(contract: PortalContract): Promise<void> {
    const view = this._view;
    if (view.name !== "preview") return;
    const result = await this.#act("apply_change", (api) =>
      api.applyChange(contract.id, view.request, view.key),
    );
    if (!result) return;
    const t = messages(this.#locale);
    this.#go({
      name: "result",
      contractId: contract.id,
      label: describeRequest(t, contract, view.request),
      result,
    });
    this._notice = result.change.status === "applied" ? t.resultApplied : t.resultScheduled;
    emit(this, "selfservice-change", {
      contractId: contract.id,
      change: result.change,
      ...(result.invoice ? { invoice: result.invoice } : {}),
    });
    void this.#loadOverview(true);
  }

  async #withdraw(contract: PortalContract, changeId: string): Promise<void> {
    const done = await this.#act("cancel_scheduled_change", (api) =>
      api.cancelScheduledChange(contract.id, changeId),
    );
    if (!done) return;
    this._notice = messages(this.#locale).scheduledCancelled;
    emit(this, "selfservice-change", {
      contractId: contract.id,
      change: { id: changeId, status: "cancelled" },
    });
    // The withdrawn row and its focused button disappear: put focus somewhere meaningful.
    this.#focusSelector = "[data-focus]";
    await this.#loadOverview(true);
  }

  #startCancel(contract: PortalContract): void {
    this.#go({
      name: "cancel",
      contractId: contract.id,
      endDate: cancellationChoices(contract)[0] ?? "",
      key: newIdempotencyKey(),
    });
  }

  async #confirmCancel(contract: PortalContract): Promise<void> {
    const view = this._view;
    if (view.name !== "cancel") return;
    const body = view.endDate ? { endDate: view.endDate } : {};
    const result = await this.#act("cancel_contract", (api) =>
      api.cancelContract(contract.id, body, view.key),
    );
    if (!result) return;
    this.#go({ name: "cancelled", contractId: contract.id, result });
    this._notice = messages(this.#locale).cancelledHeading;
    emit(this, "selfservice-cancel", {
      contractId: contract.id,
      endDate: result.endDate,
      earliestEndDate: result.earliestEndDate,
      result,
    });
    void this.#loadOverview(true);
  }

  async #loadInvoices(more: boolean): Promise<void> {
    const cursor = more ? this._invoices.nextCursor : null;
    const page = await this.#act("load_invoices", (api) =>
      api.listInvoices({ limit: INVOICE_PAGE, cursor }),
    );
    if (!page) return;
    this._invoices = {
      items: more ? [...this._invoices.items, ...page.data] : page.data,
      nextCursor: page.nextCursor,
      loaded: true,
    };
    this._notice = "";
  }

  /** The PDF needs the bearer token, so it is fetched here and saved through a blob URL. */
  async #download(invoice: PortalInvoice): Promise<void> {
    const pdf = await this.#act("download_invoice", (api) => api.invoicePdf(invoice.id));
    if (!pdf) return;
    this._notice = "";
    const url = URL.createObjectURL(pdf);
    const link = document.createElement("a");
    link.href = url;
    link.download = `${invoice.number}.pdf`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  #showInvoices(): void {
    this.#go({ name: "invoices" });
    if (!this._invoices.loaded) void this.#loadInvoices(false);
  }

  async #loadAccount(): Promise<void> {
    const account = await this.#act("load_account", (api) => api.getAccount());
    if (!account) return;
    this._account = { ...this._account, account };
  }

  #showAccount(): void {
    this.#go({ name: "account" });
    this._account = { ...this._account, created: null };
    void this.#loadAccount();
  }

  #editMandate(patch: Partial<Pick<MandateDraft, "iban" | "accountHolder" | "consent">>): void {
    const draft = this._account.draft;
    const changed = Object.entries(patch).some(
      ([field, value]) => draft[field as keyof typeof patch] !== value,
    );
    // Another body needs another Idempotency-Key; a re-click of the same form reuses the key.
    const errors = { ...draft.errors };
    for (const field of Object.keys(patch)) delete errors[field as MandateField];
    this._account = {
      ...this._account,
      draft: {
        ...draft,
        ...patch,
        errors,
        key: changed ? newIdempotencyKey() : draft.key,
      },
    };
  }

  async #submitMandate(): Promise<void> {
    const t = messages(this.#locale);
    const draft = this._account.draft;
    const errors = validateMandateDraft(t, draft);
    if (Object.keys(errors).length > 0) {
      this.#mandateErrors(errors);
      return;
    }
    if (this._busy) return;
    this._busy = true;
    this._error = undefined;
    this._notice = t.working;
    try {
      const mandate = await this.#api().createMandate(
        { iban: draft.iban, accountHolder: draft.accountHolder, consent: draft.consent },
        draft.key,
      );
      this._account = { account: null, draft: newMandateDraft(), created: mandate };
      this.#focusSelector = "[data-focus]";
      this._notice = t.mandateCreatedHeading;
      emit(this, "selfservice-mandate-created", { mandate });
      void this.#refreshAccount();
    } catch (error) {
      const fields = error instanceof PortalApiError ? (error.problem.errors ?? []) : [];
      const known = fields.filter((e): e is { field: MandateField; message: string } =>
        ["iban", "accountHolder", "consent"].includes(e.field),
      );
      this.#fail("create_mandate", error);
      if (error instanceof PortalApiError && error.status === 422 && known.length > 0) {
        // The field messages say it better than the box; they come in the customer's language.
        this._error = undefined;
        this.#mandateErrors(Object.fromEntries(known.map((e) => [e.field, e.message])));
        this._notice = t.mandateFailed;
      }
    } finally {
      this._busy = false;
      if (this._notice === t.working) this._notice = "";
    }
  }

  #mandateErrors(errors: Partial<Record<MandateField, string>>): void {
    this._account = { ...this._account, draft: { ...this._account.draft, errors } };
    const first = (["iban", "accountHolder", "consent"] as const).find((field) => errors[field]);
    this.#focusSelector = first === "accountHolder" ? "#account-holder" : `#${first}`;
  }

  /** After a new mandate: the view shows the confirmation; the payment state is fetched anew behind it. */
  async #refreshAccount(): Promise<void> {
    try {
      const account = await this.#api().getAccount();
      this._account = { ...this._account, account };
    } catch (error) {
      this.#fail("load_account", error);
    }
  }

  #retry(): void {
    this._expired = false;
    this.#renewedToken = null;
    void this.#loadOverview();
  }

  // --- rendering -----------------------------------------------------------------------------

  override render(): TemplateResult {
    const locale = this.#locale;
    const t = messages(locale);
    const f = formatters(locale);
    const onInvoices = this._view.name === "invoices";
    const onAccount = this._view.name === "account";
    return html`<div class="base" part="base" lang=${locale}>
      ${
        this._overview && !this._expired
          ? html`<nav part="nav" aria-label=${t.portalLabel}>
              <button
                type="button"
                part="nav-button"
                aria-current=${onInvoices || onAccount ? nothing : "page"}
                @click=${() => this.#go({ name: "list" })}
              >
                ${t.navContracts}
              </button>
              <button
                type="button"
                part="nav-button"
                aria-current=${onInvoices ? "page" : nothing}
                @click=${() => this.#showInvoices()}
              >
                ${t.navInvoices}
              </button>
              <button
                type="button"
                part="nav-button"
                aria-current=${onAccount ? "page" : nothing}
                @click=${() => this.#showAccount()}
              >
                ${t.navAccount}
              </button>
            </nav>`
          : nothing
      }
      <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${this._notice}</div>
      ${this.#renderError(t)} ${this.#renderBody(t, f)}
    </div>`;
  }

  #renderError(t: Messages): TemplateResult | typeof nothing {
    const error = this._error;
    if (!error || this._expired) return nothing;
    const specific = Object.hasOwn(t.problem, error.code)
      ? t.problem[error.code as ProblemText]
      : undefined;
    const message = MERCHANT_SETUP_CODES.has(error.code)
      ? t.errorUnavailable
      : error.status === 0
        ? t.errorNetwork
        : error.status === 404
          ? t.errorNotFound
          : error.status === 409
            ? t.errorConflict
            : error.status === 400 || error.status === 422
              ? t.errorRejected
              : error.operation === "load_contracts"
                ? t.errorLoad
                : t.errorGeneric;
    return html`<div class="error" part="error" role="alert">
      <p>${message}</p>
      ${specific ? html`<p class="detail">${specific}</p>` : nothing}
      ${
        error.operation === "load_contracts" || error.status === 409
          ? html`<button type="button" part="button" @click=${() => this.#retry()}>
              ${t.retry}
            </button>`
          : nothing
      }
    </div>`;
  }

  #renderBody(t: Messages, f: Formatters): TemplateResult | typeof nothing {
    if (this._expired) {
      return html`<div class="error" part="error" role="alert">
        <p>${t.sessionExpired}</p>
        ${this.fetchSession ? html`<button type="button" part="button" @click=${() => this.#retry()}>${t.retry}</button>` : nothing}
      </div>`;
    }
    const overview = this._overview;
    if (!overview) {
      if (this._loadState === "idle") return html`<p part="empty" class="empty">${t.noSession}</p>`;
      if (this._loadState === "loading")
        return html`<p part="loading" class="loading">${t.loading}</p>`;
      return nothing;
    }
    const base = { t, f, busy: this._busy };
    const view = this._view;
    if (view.name === "list")
      return renderContractList({
        ...base,
        overview,
        onOpen: (id) => this.#go({ name: "detail", contractId: id }),
      });
    if (view.name === "invoices")
      return renderInvoices({
        ...base,
        invoices: this._invoices,
        onMore: () => void this.#loadInvoices(true),
        onDownload: (invoice) => void this.#download(invoice),
        hrefOf: (path) => `${this.apiBase.replace(/\/+$/, "")}${path}`,
      });
    if (view.name === "account")
      return renderAccount({
        ...base,
        locale: this.#locale,
        state: this._account,
        onDraft: (patch) => this.#editMandate(patch),
        onSubmit: () => void this.#submitMandate(),
        onBack: () => this.#showAccount(),
      });
    const contract = this.#contract(view.contractId);
    if (!contract) return nothing;
    const toDetail = () => this.#go({ name: "detail", contractId: contract.id });
    switch (view.name) {
      case "detail":
        return renderContractDetail({
          ...base,
          contract,
          allowedActions: overview.allowedActions,
          onBack: () => this.#go({ name: "list" }),
          onStartChange: (type, itemId) => this.#startChange(contract, type, itemId),
          onWithdraw: (changeId) => void this.#withdraw(contract, changeId),
          onStartCancel: () => this.#startCancel(contract),
        });
      case "change":
        return renderChangeForm({
          ...base,
          contract,
          draft: view.draft,
          onDraft: (patch) => this.#editDraft(patch),
          onSubmit: () => void this.#submitChange(contract),
          onBack: toDetail,
        });
      case "preview":
        return renderPreview({
          ...base,
          contract,
          request: view.request,
          preview: view.preview,
          onBack: () => this.#go({ name: "change", contractId: contract.id, draft: view.draft }),
          onConfirm: () => void this.#confirmChange(contract),
        });
      case "result":
        return renderResult({ ...base, label: view.label, result: view.result, onBack: toDetail });
      case "cancel":
        return renderCancel({
          ...base,
          contract,
          endDate: view.endDate,
          // Another end date is another request body: it needs its own Idempotency-Key.
          onChoose: (endDate) => (this._view = { ...view, endDate, key: newIdempotencyKey() }),
          onConfirm: () => void this.#confirmCancel(contract),
          onBack: toDetail,
        });
      case "cancelled":
        return renderCancelled({ ...base, result: view.result, onBack: toDetail });
    }
  }
}

function newMandateDraft(): MandateDraft {
  return { iban: "", accountHolder: "", consent: false, errors: {}, key: newIdempotencyKey() };
}
