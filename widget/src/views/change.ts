// The change form: what to change (tariff, add-on, removal, quantity) and when, with a date
// picker that offers only the contract's allowed change dates, and its validation.
import { html, nothing, type TemplateResult } from "lit";
import type { Messages } from "../i18n.js";
import type {
  ChangeRequest,
  ChangeType,
  PortalChangeDates,
  PortalContract,
} from "../portal-api.js";
import { backButton, fieldError, heading, itemLabel, type ViewBase } from "./shared.js";

export interface ChangeDraft {
  type: ChangeType;
  templateId?: string;
  articleId?: string;
  itemId?: string;
  /** Raw text of the quantity field; parsed on submit so a half-typed number is not lost. */
  quantity: string;
  /** A date from `changeDates.dates`, or "custom" for the range field. */
  dateChoice: string;
  customDate: string;
  /** Per-field messages after a refused submit. */
  errors: Partial<Record<"target" | "quantity" | "date", string>>;
}

export function newDraft(type: ChangeType, contract: PortalContract, itemId?: string): ChangeDraft {
  const item = contract.items.find((candidate) => candidate.id === itemId);
  const { dates, ranges } = contract.changeDates;
  return {
    type,
    ...(itemId ? { itemId } : {}),
    quantity: type === "change_quantity" && item ? String(item.quantity) : "1",
    // The earliest fixed date is the usual choice; a range alone starts at its first day.
    dateChoice: dates[0] ?? (ranges.length > 0 ? "custom" : ""),
    customDate: ranges[0]?.from ?? "",
    errors: {},
  };
}

export function isAllowedDate(allowed: PortalChangeDates, date: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(date) &&
    (allowed.dates.includes(date) ||
      allowed.ranges.some((range) => date >= range.from && date <= range.to))
  );
}

/** The request the draft stands for, or the draft with its field errors. */
export function validateDraft(
  t: Messages,
  contract: PortalContract,
  draft: ChangeDraft,
): { request: ChangeRequest } | { errors: ChangeDraft["errors"] } {
  const errors: ChangeDraft["errors"] = {};
  const effectiveDate = draft.dateChoice === "custom" ? draft.customDate : draft.dateChoice;
  if (!isAllowedDate(contract.changeDates, effectiveDate)) errors.date = t.errorDate;
  const quantity = Number(draft.quantity);
  const quantityOk = (max: number) =>
    Number.isInteger(quantity) && quantity >= 1 && quantity <= max;
  let request: ChangeRequest | undefined;
  switch (draft.type) {
    case "switch_template":
      if (!draft.templateId) errors.target = t.errorChooseTariff;
      else request = { type: draft.type, templateId: draft.templateId, effectiveDate };
      break;
    case "add_addon": {
      const addon = contract.addonOptions.find((option) => option.articleId === draft.articleId);
      // An add-on that can be booked once only has no quantity field to fill in.
      const single = addon?.maxQuantity === 1;
      if (!addon) errors.target = t.errorChooseAddon;
      else if (!single && !quantityOk(addon.maxQuantity))
        errors.quantity = t.errorQuantity(addon.maxQuantity);
      else
        request = {
          type: draft.type,
          articleId: addon.articleId,
          quantity: single ? 1 : quantity,
          effectiveDate,
        };
      break;
    }
    case "remove_item":
      request = { type: draft.type, itemId: draft.itemId ?? "", effectiveDate };
      break;
    case "change_quantity": {
      const item = contract.items.find((candidate) => candidate.id === draft.itemId);
      const max = item?.maxQuantity ?? 1;
      if (!quantityOk(max)) errors.quantity = t.errorQuantity(max);
      else if (quantity === item?.quantity) errors.quantity = t.errorQuantityUnchanged;
      else request = { type: draft.type, itemId: draft.itemId ?? "", quantity, effectiveDate };
      break;
    }
  }
  return request && Object.keys(errors).length === 0 ? { request } : { errors };
}

export interface ChangeProps extends ViewBase {
  contract: PortalContract;
  draft: ChangeDraft;
  onDraft(patch: Partial<ChangeDraft>): void;
  onSubmit(): void;
  onBack(): void;
}

export function renderChangeForm(v: ChangeProps): TemplateResult {
  const { t, contract, draft } = v;
  const noDates =
    contract.changeDates.dates.length === 0 && contract.changeDates.ranges.length === 0;
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    v.onSubmit();
  };
  return html`
    <section>
      ${backButton(t.backToContract, v.onBack)} ${heading(t.changeTitle[draft.type])}
      <form part="form" novalidate @submit=${submit}>
        ${renderTarget(v)}
        ${noDates ? html`<p class="notice" part="notice">${t.noDates}</p>` : renderDatePicker(v)}
        <div class="actions" part="actions">
          <button
            type="submit"
            part="button button-primary"
            class="primary"
            aria-disabled=${v.busy || noDates ? "true" : "false"}
          >
            ${t.showPreview}
          </button>
        </div>
      </form>
    </section>
  `;
}

function renderTarget(v: ChangeProps): TemplateResult {
  const { t, f, contract, draft } = v;
  const perPeriod = t.perInterval[contract.tariff.billingInterval];
  switch (draft.type) {
    case "switch_template":
      return html`<fieldset
        part="fieldset"
        aria-describedby=${draft.errors.target ? "target-error" : nothing}
      >
        <legend>${t.newTariff}</legend>
        ${contract.switchOptions.map(
          (option) =>
            html`<label class="choice">
              <input
                type="radio"
                name="target"
                .value=${option.templateId}
                .checked=${draft.templateId === option.templateId}
                @change=${() => v.onDraft({ templateId: option.templateId })}
              />
              <span
                ><strong>${option.name}</strong> –
                ${f.money(option.periodAmount, contract.currency)}
                ${t.perInterval[option.billingInterval]} (${t.net})
                <span class="badge" part="badge">${t.kind[option.kind]}</span></span
              >
            </label>`,
        )}
        ${fieldError("target-error", draft.errors.target)}
      </fieldset>`;
    case "add_addon": {
      const addon = contract.addonOptions.find((option) => option.articleId === draft.articleId);
      return html`<fieldset
          part="fieldset"
          aria-describedby=${draft.errors.target ? "target-error" : nothing}
        >
          <legend>${t.addon}</legend>
          ${contract.addonOptions.map(
            (option) =>
              html`<label class="choice">
                <input
                  type="radio"
                  name="target"
                  .value=${option.articleId}
                  .checked=${draft.articleId === option.articleId}
                  @change=${() => v.onDraft({ articleId: option.articleId })}
                />
                <span
                  ><strong>${option.name}</strong> –
                  ${f.money(option.periodAmount, contract.currency)} ${perPeriod} (${t.net})</span
                >
              </label>`,
          )}
          ${fieldError("target-error", draft.errors.target)}
        </fieldset>
        ${addon?.maxQuantity === 1 ? nothing : quantityField(v, t.quantity, addon?.maxQuantity ?? 1)}`;
    }
    case "remove_item": {
      const item = contract.items.find((candidate) => candidate.id === draft.itemId);
      return html`<p>${t.removeConfirm(item ? itemLabel(item.name, item.quantity) : "")}</p>`;
    }
    case "change_quantity": {
      const item = contract.items.find((candidate) => candidate.id === draft.itemId);
      return quantityField(v, t.newQuantity(item?.name ?? ""), item?.maxQuantity ?? 1);
    }
  }
}

function quantityField(v: ChangeProps, label: string, max: number): TemplateResult {
  const error = v.draft.errors.quantity;
  return html`<div class="field" part="field">
    <label for="quantity">${label}</label>
    <input
      id="quantity"
      part="input"
      type="number"
      inputmode="numeric"
      min="1"
      max=${max}
      step="1"
      .value=${v.draft.quantity}
      aria-invalid=${error ? "true" : "false"}
      aria-describedby=${error ? "quantity-hint quantity-error" : "quantity-hint"}
      @input=${(event: InputEvent) => v.onDraft({ quantity: (event.target as HTMLInputElement).value })}
    />
    <span id="quantity-hint" class="muted">${v.t.quantityHint(max)}</span>
    ${fieldError("quantity-error", error)}
  </div>`;
}

function renderDatePicker(v: ChangeProps): TemplateResult {
  const { t, f, contract, draft } = v;
  const { dates, ranges, points } = contract.changeDates;
  const error = draft.errors.date;
  const first = ranges[0];
  const last = ranges[ranges.length - 1];
  return html`<fieldset
    part="fieldset date-picker"
    aria-describedby=${error ? "date-error" : nothing}
  >
    <legend>${t.effectiveFrom}</legend>
    ${dates.map((date) => {
      const labels = points
        .filter((point) => point.date === date)
        .map((point) => t.point[point.type]);
      const text = labels.length > 0 ? `${labels.join(" / ")} (${f.date(date)})` : f.date(date);
      return html`<label class="choice">
        <input
          type="radio"
          name="date"
          .value=${date}
          .checked=${draft.dateChoice === date}
          @change=${() => v.onDraft({ dateChoice: date })}
        />
        <span>${text}</span>
      </label>`;
    })}
    ${
      first && last
        ? html`<label class="choice">
              <input
                type="radio"
                name="date"
                value="custom"
                .checked=${draft.dateChoice === "custom"}
                @change=${() => v.onDraft({ dateChoice: "custom" })}
              />
              <span>${t.point.custom}</span>
            </label>
            <div class="field nested" part="field">
              <label for="custom-date">${t.customDate}</label>
              <input
                id="custom-date"
                part="input"
                type="date"
                min=${first.from}
                max=${last.to}
                .value=${draft.customDate}
                aria-invalid=${error && draft.dateChoice === "custom" ? "true" : "false"}
                aria-describedby=${error ? "range-hint date-error" : "range-hint"}
                @input=${(event: InputEvent) => v.onDraft({ dateChoice: "custom", customDate: (event.target as HTMLInputElement).value })}
              />
              <span id="range-hint" class="muted"
                >${ranges.map((range) => t.rangeHint(f.date(range.from), f.date(range.to))).join("; ")}</span
              >
            </div>`
        : nothing
    }
    ${fieldError("date-error", error)}
  </fieldset>`;
}
