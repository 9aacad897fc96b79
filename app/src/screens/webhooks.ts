// <tarif-webhooks>: webhook endpoints (the signing secret shown once, after creating or
// rotating), enabling and disabling, and the event log with each event's attempts and redelivery.
import { html, nothing } from "lit";
import type { Page } from "../api.js";
import { Screen, formValues } from "../screen.js";

interface Endpoint {
  id: string;
  url: string;
  status: string;
  disabledReason: string | null;
  eventTypes: string[];
}

interface WebhookEvent {
  id: string;
  type: string;
  createdAt: string;
}

interface EventDetail extends WebhookEvent {
  attempts: {
    id: string;
    attemptedAt?: string;
    createdAt?: string;
    status?: number | null;
    responseStatus?: number | null;
    error?: string | null;
  }[];
}

export class TarifWebhooks extends Screen {
  static override properties = {
    ...Screen.properties,
    endpoints: { state: true },
    events: { state: true },
    secret: { state: true },
    opened: { state: true },
  };
  declare endpoints: Endpoint[];
  declare events: WebhookEvent[];
  declare secret: { endpointId: string; value: string } | null;
  declare opened: EventDetail | null;

  constructor() {
    super();
    this.endpoints = [];
    this.events = [];
    this.secret = null;
    this.opened = null;
  }

  protected async load() {
    const [endpoints, events] = await Promise.all([
      this.api.get<Page<Endpoint>>("/webhook-endpoints?limit=100"),
      this.api.get<Page<WebhookEvent>>("/webhook-events?limit=50"),
    ]);
    this.endpoints = endpoints.data;
    this.events = events.data;
  }

  private async create(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const { url } = formValues(form);
    const ok = await this.act(async () => {
      const created = await this.api.post<Endpoint & { secret: string }>("/webhook-endpoints", {
        url,
      });
      this.secret = { endpointId: created.id, value: created.secret };
      await this.load();
    });
    if (ok) form.reset();
  }

  private async rotate(endpoint: Endpoint) {
    await this.act(async () => {
      const rotated = await this.api.post<{ secret: string }>(
        `/webhook-endpoints/${endpoint.id}/rotate-secret`,
        {},
      );
      this.secret = { endpointId: endpoint.id, value: rotated.secret };
    });
  }

  private async toggle(endpoint: Endpoint) {
    await this.act(async () => {
      await this.api.patch(`/webhook-endpoints/${endpoint.id}`, {
        enabled: endpoint.status !== "enabled",
      });
      await this.load();
      return this.t.saved;
    });
  }

  private async open(event: WebhookEvent) {
    await this.act(async () => {
      this.opened = await this.api.get<EventDetail>(`/webhook-events/${event.id}`);
    });
  }

  private async redeliver(event: WebhookEvent) {
    await this.act(async () => {
      await this.api.post(`/webhook-events/${event.id}/redeliver`, {});
      return this.t.webhooks.redelivered;
    });
  }

  override render() {
    const t = this.t.webhooks;
    return html`<h1>${t.heading}</h1>
      ${this.renderLoading()} ${this.renderNotice()}
      ${
        this.secret
          ? html`<div class="notice" role="status">
              <p>${t.secretOnce}</p>
              <p><code>${this.secret.value}</code></p>
            </div>`
          : nothing
      }
      <section aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">${t.endpoints}</h2>
        <div class="table-wrap" tabindex="0">
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">${this.t.customers.status}</th>
                <th scope="col"><span class="muted">${this.t.edit}</span></th>
              </tr>
            </thead>
            <tbody>
              ${this.endpoints.map(
                (e) =>
                  html`<tr>
                    <td>${e.url}</td>
                    <td>
                      ${e.status}${e.disabledReason ? html` <span class="muted">(${e.disabledReason})</span>` : nothing}
                    </td>
                    <td>
                      ${
                        this.isOwner
                          ? html`<button class="secondary" @click=${() => this.rotate(e)}>
                                ${t.rotate}<span class="skip-label"> · ${e.url}</span></button
                              ><button class="secondary" @click=${() => this.toggle(e)}>
                                ${e.status === "enabled" ? t.disable : t.enable}<span
                                  class="skip-label"
                                >
                                  · ${e.url}</span
                                >
                              </button>`
                          : nothing
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        ${
          this.isOwner
            ? html`<form @submit=${this.create}>
                <div class="row">
                  <label
                    >${t.newEndpoint}<input name="url" type="url" required placeholder="https://"
                  /></label>
                  <button type="submit" ?disabled=${this.busy}>${this.t.create}</button>
                </div>
              </form>`
            : nothing
        }
      </section>
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">${t.events}</h2>
        ${
          this.opened
            ? html`<div>
                <h3>${this.opened.type} · ${this.opened.id}</h3>
                <ul>
                  ${
                    this.opened.attempts.length === 0
                      ? html`<li>${this.t.none}</li>`
                      : this.opened.attempts.map(
                          (a) =>
                            html`<li>
                              ${a.attemptedAt ?? a.createdAt ?? ""}:
                              ${a.responseStatus ?? a.status ?? ""} ${a.error ?? ""}
                            </li>`,
                        )
                  }
                </ul>
              </div>`
            : nothing
        }
        <div class="table-wrap" tabindex="0">
          <table>
            <thead>
              <tr>
                <th scope="col">${t.type}</th>
                <th scope="col">${this.t.invoices.date}</th>
                <th scope="col"><span class="muted">${t.attempts}</span></th>
              </tr>
            </thead>
            <tbody>
              ${this.events.map(
                (e) =>
                  html`<tr>
                    <td>${e.type}</td>
                    <td>${new Date(e.createdAt).toLocaleString(this.locale)}</td>
                    <td>
                      <button class="secondary" @click=${() => this.open(e)}>
                        ${t.attempts}<span class="skip-label"> · ${e.id}</span>
                      </button>
                      ${
                        this.isOwner
                          ? html`<button class="secondary" @click=${() => this.redeliver(e)}>
                              ${t.redeliver}<span class="skip-label"> · ${e.id}</span>
                            </button>`
                          : nothing
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </section>`;
  }
}
