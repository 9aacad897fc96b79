// <tarif-emails>: Settings → E-Mails: which e-mails Tarif sends to the merchant's customers, one
// switch per kind (PATCH /api/v1/settings/emails); a kind switched off is left to the webhook.
import { html, nothing } from "lit";
import { Screen } from "../screen.js";
import type { EmailKind } from "../types.js";

/** Every kind the API knows, each once (the type check fails when one is missing or unknown). */
const KIND_ORDER = {
  invoice_issued: 1,
  change_confirmed: 2,
  cancellation_confirmed: 3,
  debit_returned: 4,
  dunning_level_reached: 5,
} satisfies Record<EmailKind, number>;
/** The kinds in the order the screen lists them. */
export const EMAIL_KINDS = Object.keys(KIND_ORDER) as EmailKind[];

export class TarifEmails extends Screen {
  static override properties = { ...Screen.properties, kinds: { state: true } };
  declare kinds: Record<EmailKind, boolean> | undefined;

  protected async load() {
    this.kinds = (
      await this.api.get<{ kinds: Record<EmailKind, boolean> }>("/settings/emails")
    ).kinds;
  }

  private async save(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const on = new Set(data.getAll("kinds").map(String));
    await this.act(async () => {
      this.kinds = (
        await this.api.patch<{ kinds: Record<EmailKind, boolean> }>("/settings/emails", {
          kinds: Object.fromEntries(EMAIL_KINDS.map((kind) => [kind, on.has(kind)])),
        })
      ).kinds;
      return this.t.saved;
    });
  }

  override render() {
    const t = this.t.emails;
    const kinds = this.kinds;
    return this.renderSettingsPage(
      t.heading,
      kinds
        ? html`<form @submit=${this.save}>
            ${this.renderReadOnlyNote()}
            <fieldset ?disabled=${!this.isOwner}>
              <legend>${t.legend}</legend>
              ${EMAIL_KINDS.map(
                (kind) =>
                  html`<label class="check"
                      ><input
                        type="checkbox"
                        name="kinds"
                        value=${kind}
                        ?checked=${kinds[kind]}
                        aria-invalid=${this.fieldErrors[`kinds.${kind}`] ? "true" : "false"}
                      />
                      ${t.kinds[kind]}</label
                    >${
                      this.fieldErrors[`kinds.${kind}`]
                        ? html`<span class="field-error"
                            >${this.fieldErrors[`kinds.${kind}`]}</span
                          >`
                        : nothing
                    }`,
              )}
            </fieldset>
            <p class="muted">${t.hint}</p>
            ${this.renderOwnerSave()}
          </form>`
        : nothing,
    );
  }
}
