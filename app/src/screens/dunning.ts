// <tarif-dunning>: Settings → Mahnwesen: return fees passed on, handling fee, re-presented debits,
// the days and fees of the three dunning levels, default interest with the Basiszinssatz per date
// and the B2B flat fee (PATCH /api/v1/settings/dunning); field errors shown at the field.
import { html, nothing } from "lit";
import { toCents } from "../api.js";
import { Screen, formValues } from "../screen.js";

import type { DunningSettings as Dunning } from "../types.js";

const LEVELS = [0, 1, 2] as const;

/** "29,90" → 2990 cents; what is not an amount is sent as is, so the API names the field. */
function cents(text: string | undefined): number | string {
  return toCents(text ?? "") ?? text ?? "";
}

/** A percentage like "-0,88" or "3,62" → basis points; null when it is not one. */
export function toBasisPoints(text: string): number | null {
  const match = /^\s*(-?)(\d{1,2})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  const bp = Number(match[2]) * 100 + Number((match[3] ?? "0").padEnd(2, "0"));
  return match[1] ? -bp : bp;
}

export class TarifDunning extends Screen {
  static override properties = {
    ...Screen.properties,
    settings: { state: true },
    rateRows: { state: true },
  };
  declare settings: Dunning | undefined;
  declare rateRows: number;

  protected async load() {
    this.settings = await this.api.get<Dunning>("/settings/dunning");
    this.rateRows = this.settings.baseRates.length + 1;
  }

  private euro(cents: number): string {
    return (cents / 100).toFixed(2).replace(".", this.locale === "en" ? "." : ",");
  }

  private percent(bp: number): string {
    return (bp / 100).toFixed(2).replace(".", this.locale === "en" ? "." : ",");
  }

  private async save(event: SubmitEvent) {
    event.preventDefault();
    const f = formValues(event.target as HTMLFormElement);
    const baseRates: { validFrom: string; rateBp: number | string }[] = [];
    for (let row = 0; row < this.rateRows; row++) {
      const validFrom = f[`baseRates.${row}.validFrom`]?.trim() ?? "";
      const rate = f[`baseRates.${row}.rateBp`]?.trim() ?? "";
      if (!validFrom && !rate) continue;
      baseRates.push({ validFrom, rateBp: toBasisPoints(rate) ?? rate });
    }
    const int = (text: string | undefined) =>
      /^\s*\d+\s*$/.test(text ?? "") ? Number(text) : (text ?? "");
    await this.act(async () => {
      this.settings = await this.api.patch<Dunning>("/settings/dunning", {
        passOnReturnFee: f.passOnReturnFee === "on",
        handlingFee: cents(f.handlingFee),
        representDebits: f.representDebits === "on",
        reminderDays: LEVELS.map((level) => int(f[`reminderDays.${level}`])),
        levelFees: LEVELS.map((level) => cents(f[`levelFees.${level}`])),
        defaultInterest: f.defaultInterest === "on",
        b2bFlatFee: f.b2bFlatFee === "on",
        baseRates,
      });
      this.rateRows = this.settings.baseRates.length + 1;
      return this.t.saved;
    });
  }

  private check(name: keyof Dunning, label: string, checked: boolean) {
    return html`<label class="check"
      ><input type="checkbox" name=${name} ?checked=${checked} ?disabled=${!this.isOwner} />
      ${label}</label
    >`;
  }

  override render() {
    const t = this.t.dunning;
    const s = this.settings;
    return this.renderSettingsPage(
      t.heading,
      s
        ? html`<form @submit=${this.save} novalidate>
            ${this.renderReadOnlyNote()}
            <fieldset>
              <legend>${t.returns}</legend>
              ${this.check("passOnReturnFee", t.passOnReturnFee, s.passOnReturnFee)}
              ${this.field("handlingFee", t.handlingFee, this.euro(s.handlingFee), {
                hint: t.euroHint,
              })}
              ${this.check("representDebits", t.representDebits, s.representDebits)}
            </fieldset>
            <fieldset>
              <legend>${t.levels}</legend>
              ${LEVELS.map(
                (level) =>
                  html`<div class="row">
                    ${this.field(
                      `reminderDays.${level}`,
                      t.days(t.levelNames[level]!),
                      s.reminderDays[level],
                      { type: "number" },
                    )}
                    ${this.field(
                      `levelFees.${level}`,
                      t.fee(t.levelNames[level]!),
                      this.euro(s.levelFees[level] ?? 0),
                    )}
                  </div>`,
              )}
            </fieldset>
            <fieldset>
              <legend>${t.interest}</legend>
              ${this.check("defaultInterest", t.defaultInterest, s.defaultInterest)}
              ${this.check("b2bFlatFee", t.b2bFlatFee, s.b2bFlatFee)}
              <p class="muted">${t.baseRateHint}</p>
              ${Array.from({ length: this.rateRows }, (_, row) => {
                const rate = s.baseRates[row];
                return html`<div class="row">
                  ${this.field(`baseRates.${row}.validFrom`, t.validFrom, rate?.validFrom, {
                    type: "date",
                  })}
                  ${this.field(
                    `baseRates.${row}.rateBp`,
                    t.baseRate,
                    rate ? this.percent(rate.rateBp) : "",
                  )}
                </div>`;
              })}
              ${
                this.isOwner
                  ? html`<button
                      type="button"
                      class="secondary"
                      @click=${() => (this.rateRows += 1)}
                    >
                      ${t.addRate}
                    </button>`
                  : nothing
              }
            </fieldset>
            ${this.renderOwnerSave()}
          </form>`
        : nothing,
    );
  }
}
