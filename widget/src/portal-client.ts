// A small typed fetch client for the portal API (`/portal/v1`, shapes in portal-api.ts): bearer
// token, problem+json errors as PortalApiError, and one token renewal on 401 before giving up.
import type {
  CancelContractRequest,
  CancelContractResult,
  CancelScheduledChangeResult,
  ChangePreview,
  ChangeRequest,
  ChangeResult,
  NewMandateRequest,
  NewMandateResult,
  Page,
  PortalAccount,
  PortalInvoice,
  PortalOverview,
  Problem,
} from "./portal-api.js";

export interface PortalClientOptions {
  /** The Tarif origin (or any URL the `/portal/v1` paths resolve against); "" = this page's origin. */
  apiBase: string;
  /** The token to send now. */
  getToken: () => string | Promise<string>;
  /** Called once after a 401 to get a fresh token; without it a 401 means the session is over. */
  renewToken?: () => Promise<string>;
  /** Defaults to the global fetch, looked up per call so tests and hosts may replace it. */
  fetch?: typeof fetch;
}

/** A failed request: `status` 0 means no HTTP answer (offline, CORS, DNS). */
export class PortalApiError extends Error {
  override readonly name: string = "PortalApiError";
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }
}

/** The token was refused and renewing it did not help (or was not possible). */
export class SessionExpiredError extends PortalApiError {
  override readonly name = "SessionExpiredError";
}

/** Only for the Idempotency-Key: randomUUID needs a secure context, merchant test pages may not be. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Accepts both "https://host" and "https://host/portal/v1" so a merchant cannot get it wrong. */
function portalRoot(apiBase: string): string {
  return `${apiBase.replace(/\/+$/, "").replace(/\/portal\/v1$/, "")}/portal/v1`;
}

interface RequestInit_ {
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** How a successful response is read; JSON unless given. */
  read?: (response: Response) => Promise<unknown>;
  accept?: string;
}

export class PortalClient {
  #renewal: Promise<string> | null = null;

  constructor(private readonly options: PortalClientOptions) {}

  listContracts(signal?: AbortSignal): Promise<PortalOverview> {
    return this.#request("GET", "/contracts", { signal });
  }

  previewChange(contractId: string, body: ChangeRequest): Promise<ChangePreview> {
    return this.#request("POST", `/contracts/${encodeURIComponent(contractId)}/changes/preview`, {
      body,
    });
  }

  /** Send the same key again to retry: the API replays the first response instead of changing twice. */
  applyChange(
    contractId: string,
    body: ChangeRequest,
    idempotencyKey: string,
  ): Promise<ChangeResult> {
    return this.#request("POST", `/contracts/${encodeURIComponent(contractId)}/changes`, {
      body,
      idempotencyKey,
    });
  }

  cancelScheduledChange(
    contractId: string,
    changeId: string,
  ): Promise<CancelScheduledChangeResult> {
    return this.#request(
      "DELETE",
      `/contracts/${encodeURIComponent(contractId)}/changes/${encodeURIComponent(changeId)}`,
      {},
    );
  }

  cancelContract(
    contractId: string,
    body: CancelContractRequest,
    idempotencyKey: string,
  ): Promise<CancelContractResult> {
    return this.#request("POST", `/contracts/${encodeURIComponent(contractId)}/cancel`, {
      body,
      idempotencyKey,
    });
  }

  listInvoices(
    query: { limit?: number; cursor?: string | null } = {},
  ): Promise<Page<PortalInvoice>> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.cursor) params.set("cursor", query.cursor);
    const search = params.toString() ? `?${params}` : "";
    return this.#request("GET", `/invoices${search}`, {});
  }

  /** The invoice's PDF as stored at issue, fetched with the session token (`pdfPath` of a list item). */
  invoicePdf(invoiceId: string): Promise<Blob> {
    return this.#request("GET", `/invoices/${encodeURIComponent(invoiceId)}/pdf`, {
      read: (response) => response.blob(),
      accept: "application/pdf",
    });
  }

  getAccount(signal?: AbortSignal): Promise<PortalAccount> {
    return this.#request("GET", "/account", { signal });
  }

  /** Send the same key again to retry: a retried click gives one mandate, not two. */
  createMandate(body: NewMandateRequest, idempotencyKey: string): Promise<NewMandateResult> {
    return this.#request("POST", "/mandates", { body, idempotencyKey });
  }

  async #request<T>(method: string, path: string, init: RequestInit_): Promise<T> {
    let response = await this.#send(
      method,
      path,
      init,
      await sessionStep("session_unavailable", this.options.getToken),
    );
    if (response.status === 401 && this.options.renewToken) {
      response = await this.#send(
        method,
        path,
        init,
        await sessionStep("session_renewal_failed", () => this.#renew()),
      );
    }
    if (response.ok) return (init.read ? await init.read(response) : await response.json()) as T;
    const problem = await readProblem(response);
    if (response.status === 401) throw new SessionExpiredError(401, problem);
    throw new PortalApiError(response.status, problem);
  }

  /** Parallel requests that all hit 401 share one renewal instead of asking the host several times. */
  #renew(): Promise<string> {
    this.#renewal ??= this.options.renewToken!().finally(() => {
      this.#renewal = null;
    });
    return this.#renewal;
  }

  async #send(method: string, path: string, init: RequestInit_, token: string): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: init.accept ?? "application/json",
      Authorization: `Bearer ${token}`,
    };
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    if (init.idempotencyKey) headers["Idempotency-Key"] = init.idempotencyKey;
    const doFetch = this.options.fetch ?? globalThis.fetch;
    try {
      return await doFetch(portalRoot(this.options.apiBase) + path, {
        method,
        headers,
        body: init.body === undefined ? null : JSON.stringify(init.body),
        signal: init.signal ?? null,
        credentials: "omit",
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw await this.#noAnswer(error);
    }
  }

  /**
   * A browser hides why a cross-origin request failed. If the API still answers a request that
   * needs no CORS permission, it is up and has refused this page's origin; otherwise the
   * network is at fault.
   */
  async #noAnswer(error: unknown): Promise<PortalApiError> {
    const pageOrigin = globalThis.location?.origin;
    const api = new URL(portalRoot(this.options.apiBase), globalThis.location?.href);
    const doFetch = this.options.fetch ?? globalThis.fetch;
    const crossOrigin = pageOrigin !== undefined && api.origin !== pageOrigin;
    if (crossOrigin && (await answers(doFetch, `${api.href}/contracts`))) {
      return new PortalApiError(0, {
        type: "about:blank",
        title: "Origin not allowed",
        status: 0,
        code: "origin_not_allowed",
        detail:
          `The Tarif portal API at ${api.origin} refused this page's origin ${pageOrigin} (CORS). ` +
          `Add "${pageOrigin}" to allowedOrigins: PATCH /api/v1/settings/customer-center.`,
      });
    }
    return new PortalApiError(0, {
      type: "about:blank",
      title: "Network error",
      status: 0,
      code: "network_error",
      detail: String(error),
    });
  }
}

/** An opaque `no-cors` GET resolves whenever the server answers at all, whatever its CORS. */
async function answers(doFetch: typeof fetch, url: string): Promise<boolean> {
  try {
    await doFetch(url, { mode: "no-cors", credentials: "omit", cache: "no-store" });
    return true;
  } catch {
    return false;
  }
}

/** The host's token source failing (its own login expired, say) ends the session like a 401. */
async function sessionStep(code: string, step: () => string | Promise<string>): Promise<string> {
  try {
    return await step();
  } catch (error) {
    throw new SessionExpiredError(401, {
      type: "about:blank",
      title: "Session unavailable",
      status: 401,
      code,
      detail: String(error),
    });
  }
}

async function readProblem(response: Response): Promise<Problem> {
  const fallback: Problem = {
    type: "about:blank",
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    code: `http_${response.status}`,
  };
  try {
    const body = (await response.json()) as Partial<Problem>;
    return { ...fallback, ...body, status: response.status };
  } catch {
    return fallback;
  }
}
