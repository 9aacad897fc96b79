// <tarif-company>: Settings → Firmendaten: the seller data every invoice prints (legal name,
// address, VAT ID or tax number, contact, register entry, managing directors, small business,
// bank account, logo), saved with PUT /api/v1/settings/company; the server's field errors shown
// at the field. The logo is checked here by the API's own rules before it is sent.
import { html, nothing } from "lit";
import { Screen, formValues } from "../screen.js";
import type { CompanySettings as Company, LogoType } from "../types.js";

/** The logo types the API takes, each once (the type check fails when they drift apart). */
const LOGO_TYPE_SET = {
  "image/png": true,
  "image/jpeg": true,
  "image/svg+xml": true,
} satisfies Record<LogoType, true>;
export const LOGO_TYPES = Object.keys(LOGO_TYPE_SET) as LogoType[];
/** The API's size limit (worker/flows/company-settings.ts), which the schema does not state. */
export const MAX_LOGO_BYTES = 256 * 1024;

type Logo = { contentType: string; data: string } | null | undefined;

export class TarifCompany extends Screen {
  static override properties = {
    ...Screen.properties,
    company: { state: true },
    preview: { state: true },
    logoError: { state: true },
  };
  declare company: Company | undefined;
  /** Object URL of the newly chosen logo. */
  declare preview: string;
  declare logoError: string;
  /** undefined: keep the stored logo; null: remove it; an object: the new one. */
  private logo: Logo = undefined;

  constructor() {
    super();
    this.preview = "";
    this.logoError = "";
  }

  protected async load() {
    this.company = await this.api.get<Company>("/settings/company");
  }

  private async chooseLogo(event: Event) {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    const t = this.t.company;
    this.logoError = "";
    if (this.preview) URL.revokeObjectURL(this.preview);
    this.preview = "";
    this.logo = undefined;
    if (!file) return;
    if (!(LOGO_TYPES as string[]).includes(file.type)) {
      this.logoError = t.logoType;
      input.value = "";
      return;
    }
    if (file.size > MAX_LOGO_BYTES) {
      this.logoError = t.logoSize(Math.ceil(file.size / 1024));
      input.value = "";
      return;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = "";
    for (let at = 0; at < bytes.length; at += 0x8000)
      binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
    this.logo = { contentType: file.type, data: btoa(binary) };
    this.preview = URL.createObjectURL(file);
  }

  private async save(event: SubmitEvent) {
    event.preventDefault();
    const f = formValues(event.target as HTMLFormElement);
    const optional = (text: string | undefined) => (text?.trim() ? text.trim() : null);
    const logo = f.removeLogo === "on" ? null : this.logo;
    await this.act(async () => {
      this.company = await this.api.put<Company>("/settings/company", {
        legalName: f.legalName ?? "",
        address: {
          line1: f["address.line1"] ?? "",
          line2: optional(f["address.line2"]),
          postalCode: f["address.postalCode"] ?? "",
          city: f["address.city"] ?? "",
          country: (f["address.country"] ?? "").toUpperCase(),
        },
        vatId: optional(f.vatId),
        taxNumber: optional(f.taxNumber),
        email: f.email ?? "",
        phone: optional(f.phone),
        registerEntry: optional(f.registerEntry),
        managingDirectors: optional(f.managingDirectors),
        smallBusiness: f.smallBusiness === "on",
        iban: optional(f.iban?.replace(/\s+/g, "").toUpperCase()),
        bic: optional(f.bic?.toUpperCase()),
        ...(logo === undefined ? {} : { logo }),
      });
      this.logo = undefined;
      return this.t.saved;
    });
  }

  override render() {
    const t = this.t.company;
    const c = this.company;
    return this.renderSettingsPage(
      t.heading,
      c
        ? html`${
              c.missingForInvoices.length
                ? html`<p class="notice error">${t.missing(c.missingForInvoices.join(", "))}</p>`
                : nothing
            }
            <form @submit=${this.save} novalidate>
              ${this.renderReadOnlyNote()}
              <fieldset>
                <legend>${t.seller}</legend>
                ${this.field("legalName", t.legalName, c.legalName, { required: true, max: 200 })}
                ${this.field("address.line1", t.line1, c.address?.line1, {
                  required: true,
                  max: 100,
                  autocomplete: "address-line1",
                })}
                ${this.field("address.line2", t.line2, c.address?.line2, { max: 100 })}
                ${this.field("address.postalCode", t.postalCode, c.address?.postalCode, {
                  required: true,
                  max: 16,
                })}
                ${this.field("address.city", t.city, c.address?.city, { required: true, max: 60 })}
                ${this.field("address.country", t.country, c.address?.country ?? "DE", {
                  required: true,
                  max: 2,
                  hint: t.countryHint,
                })}
              </fieldset>
              <fieldset>
                <legend>${t.tax}</legend>
                ${this.field("vatId", t.vatId, c.vatId, { max: 20, hint: t.vatHint })}
                ${this.field("taxNumber", t.taxNumber, c.taxNumber, { max: 30 })}
                <label class="check"
                  ><input
                    type="checkbox"
                    name="smallBusiness"
                    ?checked=${c.smallBusiness ?? false}
                    ?disabled=${!this.isOwner}
                  />
                  ${t.smallBusiness}</label
                >
              </fieldset>
              <fieldset>
                <legend>${t.contact}</legend>
                ${this.field("email", t.email, c.email, { type: "email", required: true, max: 254 })}
                ${this.field("phone", t.phone, c.phone, { type: "tel", max: 40 })}
                ${this.field("registerEntry", t.registerEntry, c.registerEntry, { max: 200 })}
                ${this.field("managingDirectors", t.managingDirectors, c.managingDirectors, {
                  max: 200,
                })}
                ${this.field("iban", t.iban, c.iban, { max: 34 })}
                ${this.field("bic", t.bic, c.bic, { max: 11 })}
              </fieldset>
              <fieldset>
                <legend>${t.logo}</legend>
                <p class="muted">
                  ${c.logo ? t.logoStored(c.logo.contentType) : t.noLogo} ${t.logoRules}
                </p>
                <label
                  >${t.logoFile}
                  <input
                    type="file"
                    name="logoFile"
                    accept=${LOGO_TYPES.join(",")}
                    ?disabled=${!this.isOwner}
                    aria-invalid=${this.logoError || this.fieldErrors["logo.data"] ? "true" : "false"}
                    aria-describedby="logo-note"
                    @change=${this.chooseLogo}
                /></label>
                <span id="logo-note" class="field-error" role="alert"
                  >${
                    this.logoError ||
                    this.fieldErrors["logo.data"] ||
                    this.fieldErrors["logo.contentType"] ||
                    ""
                  }</span
                >
                ${
                  this.preview
                    ? html`<img class="logo-preview" src=${this.preview} alt=${t.preview} />`
                    : nothing
                }
                ${
                  c.logo
                    ? html`<label class="check"
                        ><input type="checkbox" name="removeLogo" ?disabled=${!this.isOwner} />
                        ${t.removeLogo}</label
                      >`
                    : nothing
                }
              </fieldset>
              ${this.renderOwnerSave()}
            </form>`
        : nothing,
    );
  }
}
