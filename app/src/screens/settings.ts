// <tarif-settings>: Settings → Kundencenter: portal on/off, the actions customers may take
// themselves, how changes are billed, and the websites allowed to embed the portal.
import { html } from "lit";
import type { PortalAction, ProrationMode } from "../../../widget/src/billing-types.js";
import { Screen, formValues } from "../screen.js";

interface CustomerCenter {
  portalEnabled: boolean;
  allowedActions: PortalAction[];
  prorationMode: ProrationMode;
  allowedOrigins: string[];
}

/** Every PortalAction (declared in widget/src/billing-types.ts), in the order they are listed. */
const ACTIONS = [
  "switch_up",
  "switch_down",
  "add_addon",
  "remove_item",
  "change_quantity",
  "cancel",
  "update_mandate",
] as const satisfies readonly PortalAction[];
// Compile-time check that the form offers every action the type declares.
type UnlistedAction = Exclude<PortalAction, (typeof ACTIONS)[number]>;
const _everyActionListed: [UnlistedAction] extends [never] ? true : UnlistedAction = true;
const MODES = [
  "interim_invoice",
  "next_invoice",
  "none",
] as const satisfies readonly ProrationMode[];

export class TarifSettings extends Screen {
  static override properties = { ...Screen.properties, settings: { state: true } };
  declare settings: CustomerCenter | undefined;

  protected async load() {
    this.settings = await this.api.get<CustomerCenter>("/settings/customer-center");
  }

  private async save(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const values = formValues(form);
    const data = new FormData(form);
    await this.act(async () => {
      this.settings = await this.api.patch<CustomerCenter>("/settings/customer-center", {
        portalEnabled: values.portalEnabled === "on",
        allowedActions: data.getAll("allowedActions").map(String),
        prorationMode: values.prorationMode,
        allowedOrigins: (values.allowedOrigins ?? "")
          .split(/\s+/)
          .map((line) => line.trim())
          .filter(Boolean),
      });
      return this.t.saved;
    });
  }

  override render() {
    const t = this.t.settings;
    const s = this.settings;
    return this.renderSettingsPage(
      t.heading,
      s
        ? html`<form @submit=${this.save}>
            ${this.renderReadOnlyNote()}
            <fieldset ?disabled=${!this.isOwner}>
              <legend>${t.heading}</legend>
              <label class="check"
                ><input type="checkbox" name="portalEnabled" ?checked=${s.portalEnabled} />
                ${t.portalEnabled}</label
              >
            </fieldset>
            <fieldset ?disabled=${!this.isOwner}>
              <legend>${t.allowedActions}</legend>
              ${ACTIONS.map(
                (action) =>
                  html`<label class="check"
                    ><input
                      type="checkbox"
                      name="allowedActions"
                      value=${action}
                      ?checked=${s.allowedActions.includes(action)}
                    />
                    ${t.actions[action]}</label
                  >`,
              )}
            </fieldset>
            <label
              >${t.prorationMode}
              <select name="prorationMode" ?disabled=${!this.isOwner}>
                ${MODES.map(
                  (mode) =>
                    html`<option value=${mode} ?selected=${s.prorationMode === mode}>
                      ${t.proration[mode]}
                    </option>`,
                )}
              </select></label
            >
            <label
              >${t.allowedOrigins}
              <textarea
                name="allowedOrigins"
                rows="3"
                ?disabled=${!this.isOwner}
                .value=${s.allowedOrigins.join("\n")}
              ></textarea>
            </label>
            ${this.renderOwnerSave()}
          </form>`
        : "",
    );
  }
}
