// <tarif-catalogue>: articles, template groups and contract templates — plan article, interval,
// term, notice, allowed add-ons, change points ("Upgrade-Zeitpunkte"), template group and
// downgrade timing — with forms to create them and to edit a template.
import { html, nothing } from "lit";
import { toCents, type Page } from "../api.js";
import { Screen, formValues } from "../screen.js";
import type { Article, ChangePoint, ContractTemplate, TemplateGroup } from "../types.js";

const SIMPLE_POINTS = ["immediately", "next_period", "next_month", "end_of_term"] as const;

/** The change points ticked in a form; the custom one with its two day limits. */
function changePointsOf(data: FormData): ChangePoint[] {
  const points: ChangePoint[] = data
    .getAll("changePoints")
    .map(String)
    .filter((type): type is (typeof SIMPLE_POINTS)[number] =>
      (SIMPLE_POINTS as readonly string[]).includes(type),
    )
    .map((type) => ({ type }));
  if (data.get("customPoint") === "on")
    points.push({
      type: "custom",
      minLeadDays: Number(data.get("minLeadDays") ?? 0),
      maxHorizonDays: Number(data.get("maxHorizonDays") ?? 0),
    });
  return points;
}

export class TarifCatalogue extends Screen {
  static override properties = {
    ...Screen.properties,
    articles: { state: true },
    groups: { state: true },
    templates: { state: true },
    editing: { state: true },
  };
  declare articles: Article[];
  declare groups: TemplateGroup[];
  declare templates: ContractTemplate[];
  declare editing: string | null;

  constructor() {
    super();
    this.articles = [];
    this.groups = [];
    this.templates = [];
    this.editing = null;
  }

  protected async load() {
    const [articles, groups, templates] = await Promise.all([
      this.api.get<Page<Article>>("/articles?limit=100"),
      this.api.get<Page<TemplateGroup>>("/template-groups?limit=100"),
      this.api.get<Page<ContractTemplate>>("/contract-templates?limit=100"),
    ]);
    this.articles = articles.data;
    this.groups = groups.data;
    this.templates = templates.data;
  }

  private async createArticle(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const v = formValues(form);
    const ok = await this.act(async () => {
      const unitAmount = toCents(v.price ?? "");
      const article = await this.api.post<Article>("/articles", {
        kind: v.kind,
        name: v.name,
        unitAmount: unitAmount ?? -1,
        taxRate: Math.round(Number((v.taxRate ?? "19").replace(",", ".")) * 100),
      });
      this.articles = [...this.articles, article];
      return this.t.saved;
    });
    if (ok) form.reset();
  }

  private async createGroup(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const ok = await this.act(async () => {
      const group = await this.api.post<TemplateGroup>("/template-groups", {
        name: formValues(form).name,
      });
      this.groups = [...this.groups, group];
      return this.t.saved;
    });
    if (ok) form.reset();
  }

  private templateBody(form: HTMLFormElement) {
    const v = formValues(form);
    const data = new FormData(form);
    return {
      name: v.name,
      templateGroupId: v.templateGroupId,
      minimumTermMonths: Number(v.minimumTermMonths ?? 0),
      noticePeriodDays: Number(v.noticePeriodDays ?? 0),
      allowedAddonArticleIds: data.getAll("allowedAddonArticleIds").map(String),
      changePoints: changePointsOf(data),
      downgradeTiming: v.downgradeTiming,
    };
  }

  private async createTemplate(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const v = formValues(form);
    const ok = await this.act(async () => {
      const template = await this.api.post<ContractTemplate>("/contract-templates", {
        ...this.templateBody(form),
        planArticleId: v.planArticleId,
        billingInterval: v.billingInterval,
      });
      this.templates = [...this.templates, template];
      return this.t.saved;
    });
    if (ok) form.reset();
  }

  private async updateTemplate(event: SubmitEvent, id: string) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    await this.act(async () => {
      const updated = await this.api.patch<ContractTemplate>(
        `/contract-templates/${id}`,
        this.templateBody(form),
      );
      this.templates = this.templates.map((t) => (t.id === id ? updated : t));
      this.editing = null;
      return this.t.saved;
    });
  }

  private name(id: string, list: { id: string; name: string }[]) {
    return list.find((entry) => entry.id === id)?.name ?? id;
  }

  override render() {
    const t = this.t.catalogue;
    return html`<h1>${this.t.nav.catalogue}</h1>
      ${this.renderLoading()} ${this.renderNotice()} ${this.renderReadOnlyNote()}
      ${this.renderArticles()} ${this.renderGroups()}
      <section aria-labelledby="templates">
        <h2 id="templates">${t.templates}</h2>
        <div class="table-wrap" tabindex="0">
          <table>
            <thead>
              <tr>
                <th scope="col">${t.name}</th>
                <th scope="col">${t.groupShort}</th>
                <th scope="col">${t.plan}</th>
                <th scope="col">${t.interval}</th>
                <th scope="col">${t.changePoints}</th>
                <th scope="col"><span class="muted">${this.t.edit}</span></th>
              </tr>
            </thead>
            <tbody>
              ${this.templates.map(
                (template) =>
                  html`<tr>
                    <td>${template.name}</td>
                    <td>${this.name(template.templateGroupId, this.groups)}</td>
                    <td>${this.name(template.planArticleId, this.articles)}</td>
                    <td>${t.intervals[template.billingInterval]}</td>
                    <td>${template.changePoints.map((p) => t.points[p.type]).join(", ")}</td>
                    <td>
                      ${
                        this.isOwner
                          ? html`<button
                              class="secondary"
                              aria-label=${t.editTemplate(template.name)}
                              @click=${() => (this.editing = template.id)}
                            >
                              ${this.t.edit}
                            </button>`
                          : nothing
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        ${this.editing ? this.renderTemplateForm(this.templates.find((x) => x.id === this.editing)) : nothing}
        ${this.isOwner && !this.editing ? this.renderTemplateForm(undefined) : nothing}
      </section>`;
  }

  private renderArticles() {
    const t = this.t.catalogue;
    return html`<section aria-labelledby="articles">
      <h2 id="articles">${t.articles}</h2>
      <div class="table-wrap" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">${t.name}</th>
              <th scope="col">${t.kind}</th>
              <th scope="col" class="num">${t.price}</th>
              <th scope="col" class="num">${t.taxRate}</th>
            </tr>
          </thead>
          <tbody>
            ${this.articles.map(
              (a) =>
                html`<tr>
                  <td>${a.name}</td>
                  <td>${t.kinds[a.kind]}</td>
                  <td class="num">${this.fmt.money(a.unitAmount, a.currency)}</td>
                  <td class="num">${this.fmt.percent(a.taxRate)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${
        this.isOwner
          ? html`<form @submit=${this.createArticle} aria-label=${t.newArticle}>
              <h3>${t.newArticle}</h3>
              <div class="row">
                <label
                  >${t.kind}
                  <select name="kind">
                    ${["plan", "addon", "one_time"].map(
                      (kind) => html`<option value=${kind}>${t.kinds[kind]}</option>`,
                    )}
                  </select></label
                >
                <label>${t.name}<input name="name" required /></label>
                <label>${t.price}<input name="price" inputmode="decimal" required /></label>
                <label>${t.taxRate}<input name="taxRate" inputmode="decimal" value="19" /></label>
                <button type="submit" ?disabled=${this.busy}>${this.t.create}</button>
              </div>
            </form>`
          : nothing
      }
    </section>`;
  }

  private renderGroups() {
    const t = this.t.catalogue;
    return html`<section aria-labelledby="groups">
      <h2 id="groups">${t.groups}</h2>
      <ul>
        ${this.groups.map(
          (group) =>
            html`<li>
              ${group.name}:
              ${
                this.templates
                  .filter((template) => template.templateGroupId === group.id)
                  .map((template) => template.name)
                  .join(", ") || this.t.none
              }
            </li>`,
        )}
      </ul>
      ${
        this.isOwner
          ? html`<form @submit=${this.createGroup} aria-label=${t.newGroup}>
              <div class="row">
                <label>${t.newGroup}<input name="name" required /></label>
                <button type="submit" ?disabled=${this.busy}>${this.t.create}</button>
              </div>
            </form>`
          : nothing
      }
    </section>`;
  }

  private renderTemplateForm(template: ContractTemplate | undefined) {
    const t = this.t.catalogue;
    const plans = this.articles.filter((a) => a.kind === "plan");
    const addons = this.articles.filter((a) => a.kind === "addon");
    const points = template?.changePoints ?? [{ type: "immediately" }, { type: "next_period" }];
    const custom = points.find((p) => p.type === "custom") as
      Extract<ChangePoint, { type: "custom" }> | undefined;
    const heading = template ? t.editTemplate(template.name) : t.newTemplate;
    return html`<form
      @submit=${(e: SubmitEvent) =>
        template ? this.updateTemplate(e, template.id) : this.createTemplate(e)}
      aria-label=${heading}
    >
      <h3>${heading}</h3>
      <label>${t.name}<input name="name" required .value=${template?.name ?? ""} /></label>
      <label
        >${t.group}
        <select name="templateGroupId" required>
          ${this.groups.map(
            (g) =>
              html`<option value=${g.id} ?selected=${template?.templateGroupId === g.id}>
                ${g.name}
              </option>`,
          )}
        </select></label
      >
      ${
        template
          ? nothing
          : html`<label
                >${t.plan}
                <select name="planArticleId" required>
                  ${plans.map((a) => html`<option value=${a.id}>${a.name}</option>`)}
                </select></label
              >
              <label
                >${t.interval}
                <select name="billingInterval">
                  ${["month", "quarter", "year"].map(
                    (i) => html`<option value=${i}>${t.intervals[i]}</option>`,
                  )}
                </select></label
              >`
      }
      <div class="row">
        <label
          >${t.term}<input
            name="minimumTermMonths"
            type="number"
            min="0"
            max="120"
            .value=${String(template?.minimumTermMonths ?? 0)}
        /></label>
        <label
          >${t.notice}<input
            name="noticePeriodDays"
            type="number"
            min="0"
            max="730"
            .value=${String(template?.noticePeriodDays ?? 0)}
        /></label>
      </div>
      <fieldset>
        <legend>${t.addons}</legend>
        ${addons.map(
          (a) =>
            html`<label class="check"
              ><input
                type="checkbox"
                name="allowedAddonArticleIds"
                value=${a.id}
                ?checked=${template?.allowedAddonArticleIds.includes(a.id) ?? false}
              />
              ${a.name}</label
            >`,
        )}
      </fieldset>
      <fieldset>
        <legend>${t.changePoints}</legend>
        ${SIMPLE_POINTS.map(
          (type) =>
            html`<label class="check"
              ><input
                type="checkbox"
                name="changePoints"
                value=${type}
                ?checked=${points.some((p) => p.type === type)}
              />
              ${t.points[type]}</label
            >`,
        )}
        <label class="check"
          ><input type="checkbox" name="customPoint" ?checked=${custom !== undefined} />
          ${t.points.custom}</label
        >
        <div class="row">
          <label
            >${t.minLead}<input
              name="minLeadDays"
              type="number"
              min="0"
              .value=${String(custom?.minLeadDays ?? 0)}
          /></label>
          <label
            >${t.maxHorizon}<input
              name="maxHorizonDays"
              type="number"
              min="0"
              .value=${String(custom?.maxHorizonDays ?? 90)}
          /></label>
        </div>
      </fieldset>
      <label
        >${t.downgrade}
        <select name="downgradeTiming">
          ${["next_period", "like_upgrade"].map(
            (d) =>
              html`<option value=${d} ?selected=${template?.downgradeTiming === d}>
                ${t.downgrades[d]}
              </option>`,
          )}
        </select></label
      >
      <div class="row">
        <button type="submit" ?disabled=${this.busy}>
          ${template ? this.t.save : this.t.create}
        </button>
        ${
          template
            ? html`<button type="button" class="secondary" @click=${() => (this.editing = null)}>
                ${this.t.cancel}
              </button>`
            : nothing
        }
      </div>
    </form>`;
  }
}
