// <tarif-app>: the back office's shell. Resumes or asks for a sign-in, then shows the navigation
// and the screen of the current hash route; language switch (German default, English), sign-out
// of this session or everywhere, and focus moved to the new screen's heading on navigation.
import { LitElement, css, html, nothing } from "lit";
import { Api, ApiError, type SessionInfo } from "./api.js";
import { messages, type Locale, type Messages } from "./i18n.js";
import { NAV_ROUTES, SETTINGS_SECTIONS, href, parseRoute, type Route } from "./router.js";
import { formValues } from "./screen.js";
import { shared } from "./styles.js";

type State =
  | { kind: "starting" }
  | { kind: "signed-out"; reason?: string }
  | { kind: "in"; session: SessionInfo };

export class TarifApp extends LitElement {
  static override styles = [
    shared,
    css`
      .skip {
        position: absolute;
        left: -999px;
      }
      .skip:focus {
        left: 0.5rem;
        top: 0.5rem;
        background: #fff;
        padding: 0.3rem;
        z-index: 1;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        justify-content: space-between;
        padding: 0.6rem 1rem;
        background: #14324f;
        color: #fff;
      }
      header .who {
        font-size: 0.9em;
      }
      header button.secondary {
        border-color: #fff;
      }
      .layout {
        display: grid;
        grid-template-columns: 13rem 1fr;
        min-height: calc(100vh - 3.5rem);
      }
      nav ul {
        list-style: none;
        margin: 0;
        padding: 0.8rem 0;
      }
      nav a {
        display: block;
        padding: 0.45rem 1rem;
        text-decoration: none;
        color: #14324f;
      }
      nav a[aria-current="page"] {
        background: #dde7f1;
        font-weight: 600;
      }
      nav {
        background: #f3f5f7;
        border-right: 1px solid #d5dae0;
      }
      main {
        padding: 1rem 1.25rem;
        min-width: 0;
      }
      nav.subnav {
        background: none;
        border: none;
        border-bottom: 1px solid #d5dae0;
      }
      nav.subnav ul {
        display: flex;
        flex-wrap: wrap;
        padding: 0;
      }
      nav.subnav a {
        padding: 0.35rem 0.7rem;
      }
      .sign-in {
        max-width: 24rem;
        margin: 3rem auto;
        padding: 0 1rem;
      }
      @media (max-width: 760px) {
        .layout {
          grid-template-columns: 1fr;
        }
        nav {
          border-right: none;
          border-bottom: 1px solid #d5dae0;
        }
        nav ul {
          display: flex;
          flex-wrap: wrap;
          padding: 0.3rem;
        }
        nav a {
          padding: 0.35rem 0.6rem;
        }
        main {
          padding: 0.75rem;
        }
      }
    `,
  ];

  static override properties = {
    apiBase: { attribute: "api-base" },
    locale: { reflect: true },
    state: { state: true },
    route: { state: true },
    busy: { state: true },
    signInError: { state: true },
  };
  declare apiBase: string;
  declare locale: Locale;
  declare state: State;
  declare route: Route;
  declare busy: boolean;
  declare signInError: string;
  api: Api | undefined;

  private readonly onHash = () => {
    this.route = parseRoute(location.hash);
    void this.updateComplete.then(() => this.focusHeading());
  };

  constructor() {
    super();
    this.apiBase = "";
    this.locale = "de";
    this.state = { kind: "starting" };
    this.route = parseRoute(location.hash);
    this.busy = false;
    this.signInError = "";
  }

  get t(): Messages {
    return messages[this.locale];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("hashchange", this.onHash);
    this.api = new Api(this.apiBase);
    this.api.onSessionEnded = () => {
      this.state = { kind: "signed-out", reason: this.t.signIn.ended };
    };
    void this.api.resume().then(
      (session) => (this.state = session ? { kind: "in", session } : { kind: "signed-out" }),
      () => (this.state = { kind: "signed-out" }),
    );
  }

  override disconnectedCallback(): void {
    window.removeEventListener("hashchange", this.onHash);
    super.disconnectedCallback();
  }

  private focusHeading() {
    const screen = this.renderRoot.querySelector("main > :not(nav)");
    const heading = (screen?.shadowRoot ?? this.renderRoot).querySelector<HTMLElement>("h1");
    heading?.setAttribute("tabindex", "-1");
    heading?.focus();
  }

  private async signIn(event: SubmitEvent) {
    event.preventDefault();
    const { email = "", password = "" } = formValues(event.target as HTMLFormElement);
    this.busy = true;
    this.signInError = "";
    try {
      const session = await this.api!.signIn(email, password);
      this.state = { kind: "in", session };
      await this.updateComplete;
      this.focusHeading();
    } catch (error) {
      const code = error instanceof ApiError ? error.problem.code : "";
      this.signInError =
        code === "login_throttled"
          ? this.t.signIn.throttled
          : code === "invalid_credentials"
            ? this.t.signIn.wrong
            : this.t.error(error instanceof ApiError ? error.problem.detail : String(error));
    } finally {
      this.busy = false;
    }
  }

  private async signOut(everywhere: boolean) {
    await this.api!.signOut(everywhere).catch(() => undefined);
    this.state = { kind: "signed-out" };
  }

  private setLocale(event: Event) {
    this.locale = (event.target as HTMLSelectElement).value as Locale;
    document.documentElement.lang = this.locale;
  }

  override render() {
    const t = this.t;
    if (this.state.kind === "starting") return html`<p role="status">${t.loading}</p>`;
    if (this.state.kind === "signed-out") return this.renderSignIn(this.state.reason);
    const { session } = this.state;
    return html`
      <button class="skip" @click=${this.skip}>${t.skipToContent}</button>
      <header>
        <strong>${t.appName} · ${session.merchant.name}</strong>
        <span class="who">${t.signedInAs(session.user.email, t.roles[session.user.role])}</span>
        <span class="row">
          ${this.renderLanguage()}
          <button class="secondary" @click=${() => this.signOut(false)}>${t.signOut}</button>
          <button class="secondary" @click=${() => this.signOut(true)}>
            ${t.signOutEverywhere}
          </button>
        </span>
      </header>
      <div class="layout">
        <nav aria-label=${t.mainNavigation}>
          <ul>
            ${NAV_ROUTES.map(
              (name) =>
                html`<li>
                  <a href=${href({ name })} aria-current=${this.current(name) ? "page" : nothing}
                    >${t.nav[name]}</a
                  >
                </li>`,
            )}
          </ul>
        </nav>
        <main id="main">${this.renderScreen(session)}</main>
      </div>
    `;
  }

  private skip() {
    this.focusHeading();
  }

  private current(name: (typeof NAV_ROUTES)[number]): boolean {
    const route = this.route.name === "contract" ? "customers" : this.route.name;
    return route === name;
  }

  private renderLanguage() {
    return html`<label class="check"
      >${this.t.language}
      <select @change=${this.setLocale} .value=${this.locale}>
        <option value="de" ?selected=${this.locale === "de"}>Deutsch</option>
        <option value="en" ?selected=${this.locale === "en"}>English</option>
      </select></label
    >`;
  }

  private renderSignIn(reason: string | undefined) {
    const t = this.t.signIn;
    return html`<div class="sign-in">
      <h1>${this.t.appName}</h1>
      <form @submit=${this.signIn} aria-labelledby="sign-in-heading">
        <h2 id="sign-in-heading">${t.heading}</h2>
        ${reason ? html`<p class="notice" role="status">${reason}</p>` : nothing}
        <label
          >${t.email}<input name="email" type="email" autocomplete="username" required
        /></label>
        <label
          >${t.password}<input
            name="password"
            type="password"
            autocomplete="current-password"
            required
        /></label>
        ${
          this.signInError
            ? html`<p class="notice error" role="alert">${this.signInError}</p>`
            : nothing
        }
        <button type="submit" ?disabled=${this.busy}>${t.submit}</button>
      </form>
      <p>${this.renderLanguage()}</p>
    </div>`;
  }

  private renderScreen(session: SessionInfo) {
    const common = { api: this.api!, t: this.t, locale: this.locale, role: session.user.role };
    const r = this.route;
    switch (r.name) {
      case "settings": {
        const section = r.section;
        const tabs = [undefined, ...SETTINGS_SECTIONS] as const;
        return html`<nav class="subnav" aria-label=${this.t.settingsNav.label}>
            <ul>
              ${tabs.map(
                (tab) =>
                  html`<li>
                    <a
                      href=${href({ name: "settings", ...(tab ? { section: tab } : {}) })}
                      aria-current=${tab === section ? "page" : nothing}
                      >${this.t.settingsNav[tab ?? "customerCenter"]}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          ${
            section === "company"
              ? html`<tarif-company
                  .api=${common.api}
                  .t=${common.t}
                  locale=${common.locale}
                  user-role=${common.role}
                ></tarif-company>`
              : section === "dunning"
                ? html`<tarif-dunning
                    .api=${common.api}
                    .t=${common.t}
                    locale=${common.locale}
                    user-role=${common.role}
                  ></tarif-dunning>`
                : section === "emails"
                  ? html`<tarif-emails
                      .api=${common.api}
                      .t=${common.t}
                      locale=${common.locale}
                      user-role=${common.role}
                    ></tarif-emails>`
                  : html`<tarif-settings
                      .api=${common.api}
                      .t=${common.t}
                      locale=${common.locale}
                      user-role=${common.role}
                    ></tarif-settings>`
          }`;
      }
      case "catalogue":
        return html`<tarif-catalogue
          .api=${common.api}
          .t=${common.t}
          locale=${common.locale}
          user-role=${common.role}
        ></tarif-catalogue>`;
      case "customers":
        return html`<tarif-customers
          .api=${common.api}
          .t=${common.t}
          locale=${common.locale}
          user-role=${common.role}
        ></tarif-customers>`;
      case "contract":
        return html`<tarif-contract
          .api=${common.api}
          .t=${common.t}
          locale=${common.locale}
          user-role=${common.role}
          contract-id=${r.id}
        ></tarif-contract>`;
      case "invoices":
        return html`<tarif-invoices
          .api=${common.api}
          .t=${common.t}
          locale=${common.locale}
          user-role=${common.role}
          invoice-id=${r.id ?? ""}
        ></tarif-invoices>`;
      case "payments":
        return html`<tarif-payments
          .api=${common.api}
          .t=${common.t}
          locale=${common.locale}
          user-role=${common.role}
        ></tarif-payments>`;
      case "sepa":
        return html`<tarif-sepa
          .api=${common.api}
          .t=${common.t}
          locale=${common.locale}
          user-role=${common.role}
        ></tarif-sepa>`;
      case "webhooks":
        return html`<tarif-webhooks
          .api=${common.api}
          .t=${common.t}
          locale=${common.locale}
          user-role=${common.role}
        ></tarif-webhooks>`;
      default:
        return html`<tarif-start
          .api=${common.api}
          .t=${common.t}
          locale=${common.locale}
          user-role=${common.role}
        ></tarif-start>`;
    }
  }
}
