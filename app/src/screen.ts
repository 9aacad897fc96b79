// What every screen of the back office shares: the API client, texts, formatting and the role of
// the signed-in person, one loading state, and one place for the outcome of an action (a polite
// status line, or an alert with the server's problem detail).
import { LitElement, html, nothing, type PropertyValues } from "lit";
import { formatters, type Formatters } from "../../widget/src/format.js";
import { ApiError, type Api, type Role } from "./api.js";
import type { Locale, Messages } from "./i18n.js";
import { shared, srOnly } from "./styles.js";

export interface Notice {
  kind: "ok" | "error";
  text: string;
}

export abstract class Screen extends LitElement {
  static override styles = [shared, srOnly];
  static override properties = {
    api: { attribute: false },
    t: { attribute: false },
    locale: {},
    userRole: { attribute: "user-role" },
    loaded: { state: true },
    busy: { state: true },
    notice: { state: true },
    fieldErrors: { state: true },
  };
  declare api: Api;
  declare t: Messages;
  declare locale: Locale;
  declare userRole: Role;
  declare loaded: boolean;
  declare busy: boolean;
  declare notice: Notice | null;
  /** The server's 4xx field errors of the last action, by field name ("address.city"). */
  declare fieldErrors: Record<string, string>;

  constructor() {
    super();
    this.loaded = false;
    this.busy = false;
    this.notice = null;
    this.fieldErrors = {};
  }

  get fmt(): Formatters {
    return formatters(this.locale ?? "de");
  }

  /** Changes the catalogue, settings and contracts. */
  get isOwner(): boolean {
    return this.userRole === "owner";
  }

  /** Books payments. */
  get canBook(): boolean {
    return this.userRole === "owner" || this.userRole === "accountant";
  }

  protected abstract load(): Promise<void>;

  protected override firstUpdated(changed: PropertyValues): void {
    super.firstUpdated(changed);
    void this.reload();
  }

  async reload(): Promise<void> {
    try {
      await this.load();
      this.loaded = true;
    } catch (error) {
      this.notice = { kind: "error", text: this.describe(error) };
      this.loaded = true;
    }
  }

  protected describe(error: unknown): string {
    return this.t.error(error instanceof ApiError ? error.problem.detail : String(error));
  }

  /** Runs one action: buttons are disabled meanwhile, the outcome is announced. */
  protected async act(action: () => Promise<string | void>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.notice = null;
    this.fieldErrors = {};
    try {
      const text = await action();
      if (text) this.notice = { kind: "ok", text };
      return true;
    } catch (error) {
      this.notice = { kind: "error", text: this.describe(error) };
      if (error instanceof ApiError && error.problem.errors)
        this.fieldErrors = Object.fromEntries(
          error.problem.errors.map((e) => [e.field.replace(/^json\./, ""), e.message]),
        );
      return false;
    } finally {
      this.busy = false;
    }
  }

  protected renderNotice() {
    if (!this.notice) return html`<div role="status" aria-live="polite"></div>`;
    return this.notice.kind === "error"
      ? html`<p class="notice error" role="alert">${this.notice.text}</p>`
      : html`<p class="notice" role="status" aria-live="polite">${this.notice.text}</p>`;
  }

  /** A labelled input with the server's error for its field shown at it (and announced). */
  protected field(
    name: string,
    label: string,
    value: string | number | null | undefined,
    options: {
      type?: string;
      required?: boolean;
      max?: number;
      step?: string;
      hint?: string;
      autocomplete?: string;
    } = {},
  ) {
    const error = this.fieldErrors[name];
    const id = `f-${name.replace(/\W/g, "-")}`;
    return html`<label
      ><span>${label}${options.required ? html`<span aria-hidden="true"> *</span>` : nothing}</span>
      <input
        name=${name}
        type=${options.type ?? "text"}
        .value=${value === null || value === undefined ? "" : String(value)}
        ?required=${options.required ?? false}
        ?disabled=${!this.isOwner}
        maxlength=${options.type === "number" || !options.max ? nothing : options.max}
        step=${options.step ?? nothing}
        autocomplete=${options.autocomplete ?? nothing}
        aria-invalid=${error ? "true" : "false"}
        aria-describedby=${error || options.hint ? `${id}-note` : nothing}
      />${
        error || options.hint
          ? html`<span id="${id}-note" class=${error ? "field-error" : "muted"}
              >${error ?? options.hint}</span
            >`
          : nothing
      }</label
    >`;
  }

  protected renderLoading() {
    return this.loaded ? nothing : html`<p role="status">${this.t.loading}</p>`;
  }

  /** Said at the top of a form that only owners may save. */
  protected renderReadOnlyNote() {
    return this.isOwner ? nothing : html`<p class="muted">${this.t.readOnly}</p>`;
  }

  /** A form's save button, for owners only (disabled while a request is in flight). */
  protected renderOwnerSave() {
    return html`<div>
      <button type="submit" ?disabled=${this.busy || !this.isOwner}>${this.t.save}</button>
    </div>`;
  }

  /** A page under Settings: its heading, the loading and saved notices, then its content. */
  protected renderSettingsPage(heading: string, content: unknown) {
    return html`<h1>${this.t.nav.settings} → ${heading}</h1>
      ${this.renderLoading()} ${this.renderNotice()} ${content}`;
  }
}

/** Reads a form's fields by name. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries(
    [...new FormData(form).entries()].map(([key, value]) => [key, String(value)]),
  );
}
