// Error bodies and timestamps of the fake finAPI, in the exact shapes of reference/finapi.md §6:
// the Access standard error, the OAuth error, the Web Form 2.0 error and its validation error.
// Timestamps look like finAPI's ("2024-05-01T10:00:00.000+02:00", Europe/Berlin).

export type ErrorType = "BUSINESS" | "TECHNICAL";

export interface StandardErrorInput {
  code: string;
  message: string;
  type?: ErrorType;
  multiStepAuthentication?: unknown;
}

export interface ErrorContext {
  nowMs: number;
  requestId: string;
  method: string;
  path: string;
  authContext: string | null;
}

const berlinParts = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Berlin",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
  timeZoneName: "longOffset",
});

/** RFC 3339 in Europe/Berlin with milliseconds, as finAPI prints its dates. */
export function berlinTimestamp(ms: number): string {
  const parts: Record<string, string> = {};
  for (const part of berlinParts.formatToParts(new Date(ms))) parts[part.type] = part.value;
  const offset = (parts.timeZoneName ?? "GMT").replace("GMT", "") || "+00:00";
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, "0");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${millis}${offset}`;
}

/** The calendar date in Europe/Berlin: what finAPI's YYYY-MM-DD filters compare against. */
export function berlinDate(ms: number): string {
  return berlinTimestamp(ms).slice(0, 10);
}

export function standardErrorBody(
  context: ErrorContext,
  errors: StandardErrorInput[],
): Record<string, unknown> {
  return {
    errors: errors.map((error) => ({
      message: error.message,
      code: error.code,
      type: error.type ?? "BUSINESS",
      multiStepAuthentication: error.multiStepAuthentication ?? null,
    })),
    date: berlinTimestamp(context.nowMs),
    requestId: context.requestId,
    endpoint: `${context.method} ${context.path}`,
    authContext: context.authContext,
    bank: null,
  };
}

export function oauthErrorBody(error: string, description: string): Record<string, unknown> {
  return { error, error_description: description };
}

export function webFormErrorBody(
  context: ErrorContext,
  code: string,
  description: string,
): Record<string, unknown> {
  return {
    code,
    description,
    timestamp: berlinTimestamp(context.nowMs),
    endpoint: `${context.method} ${context.path}`,
  };
}

export interface FieldError {
  field: string;
  message: string;
}

export function webFormValidationBody(
  context: ErrorContext,
  errors: FieldError[],
): Record<string, unknown> {
  return {
    errors,
    timestamp: berlinTimestamp(context.nowMs),
    endpoint: `${context.method} ${context.path}`,
  };
}

/** The 510 body's multiStepAuthentication, as in the V2 sample (block 2). */
export function challengeResponseRequired(): Record<string, unknown> {
  const message =
    "Es ist eine zusätzliche Authentifizierung erforderlich. Bitte geben Sie folgenden Code an: 123456";
  return {
    hash: "678b13f4be9ed7d981a840af8131223a",
    status: "CHALLENGE_RESPONSE_REQUIRED",
    challengeMessage: message,
    answerFieldLabel: "TAN",
    redirectUrl: null,
    redirectContext: null,
    redirectContextField: null,
    twoStepProcedures: null,
    photoTanMimeType: null,
    photoTanData: null,
    opticalData: null,
    opticalDataAsReinerSct: false,
  };
}

/** Default code and message per status for standard (Access) errors injected as faults. */
export function defaultStandardError(status: number): StandardErrorInput {
  switch (status) {
    case 400:
      return { code: "BAD_REQUEST", message: "Bad request", type: "TECHNICAL" };
    case 403:
      return { code: "UNAUTHORIZED_ACCESS", message: "Access is denied", type: "TECHNICAL" };
    case 404:
      return { code: "UNKNOWN_ENTITY", message: "Resource not found", type: "TECHNICAL" };
    case 422:
      return {
        code: "ILLEGAL_FIELD_VALUE",
        message: "Illegal field value given",
        type: "TECHNICAL",
      };
    case 423:
      return { code: "LOCKED", message: "The requested resource is locked", type: "TECHNICAL" };
    case 501:
      return {
        code: "UNSUPPORTED_BANK",
        message: "The bank is currently not supported by finAPI.",
        type: "TECHNICAL",
      };
    case 510:
      return {
        code: "ADDITIONAL_AUTHENTICATION_REQUIRED",
        message:
          "Es ist eine zusätzliche Authentifizierung erforderlich. Bitte geben Sie folgenden Code an: 123456",
        type: "BUSINESS",
        multiStepAuthentication: challengeResponseRequired(),
      };
    default:
      return {
        code: "UNEXPECTED_ERROR",
        message: "An unexpected error occurred",
        type: "TECHNICAL",
      };
  }
}

/** Default Web Form 2.0 error code per status (webform.Error.code). */
export function defaultWebFormCode(status: number): string {
  switch (status) {
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 423:
      return "LOCKED";
    default:
      return "INTERNAL_SERVER_ERROR";
  }
}
