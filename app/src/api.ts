// The back office's only way to the server: the public merchant API at /api/v1, with the session
// cookie (sent by the browser, never readable here) and the session's CSRF token on every state
// change. Errors arrive as problem+json and become ApiError with the stable code.

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export type Role = "owner" | "accountant" | "viewer";

export interface SessionInfo {
  user: { id: string; email: string; role: Role };
  merchant: { id: string; name: string };
  csrfToken: string;
  expiresAt: string;
}

export class Api {
  csrfToken = "";
  /** Called when the server says the session has ended, so the app shows the sign-in again. */
  onSessionEnded: () => void = () => {};

  constructor(readonly base = "") {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (method !== "GET") headers["x-csrf-token"] = this.csrfToken;
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError({
        status: 0,
        code: "network_error",
        detail: "No answer from the server.",
      });
    }
    if (response.status === 204) return undefined as T;
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) {
      const problem = {
        status: response.status,
        code: "unknown",
        detail: "",
        ...payload,
      } as Problem;
      if (response.status === 401 && path !== "/auth/login" && path !== "/auth/session")
        this.onSessionEnded();
      throw new ApiError(problem);
    }
    return payload as T;
  }

  get<T>(path: string) {
    return this.request<T>("GET", path);
  }
  post<T>(path: string, body: unknown = {}) {
    return this.request<T>("POST", path, body);
  }
  put<T>(path: string, body: unknown) {
    return this.request<T>("PUT", path, body);
  }
  patch<T>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, body);
  }
  delete<T>(path: string) {
    return this.request<T>("DELETE", path);
  }

  async signIn(email: string, password: string): Promise<SessionInfo> {
    const session = await this.post<SessionInfo>("/auth/login", { email, password });
    this.csrfToken = session.csrfToken;
    return session;
  }

  /** The session of an earlier sign-in, if its cookie is still good. */
  async resume(): Promise<SessionInfo | null> {
    try {
      const session = await this.get<SessionInfo>("/auth/session");
      this.csrfToken = session.csrfToken;
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.problem.status === 401) return null;
      throw error;
    }
  }

  async signOut(everywhere: boolean): Promise<void> {
    await this.post(everywhere ? "/auth/logout-all" : "/auth/logout");
    this.csrfToken = "";
  }
}

/** Euro input ("29,90" or "29.90") to integer cents; null when it is not an amount. */
export function toCents(text: string): number | null {
  const match = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(
    (entry): entry is [string, string | number] =>
      entry[1] !== undefined && entry[1] !== null && entry[1] !== "",
  );
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : "";
}
