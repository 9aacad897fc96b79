// finAPI failures in the domain's words: an outage (5xx, no answer, a broken answer, a bound of
// ours) is `upstream_unavailable`, rejected credentials and refused requests are rule errors,
// and a bounded description goes into sync status and events (finAPI's texts are untrusted).
import { DomainError } from "../../domain/errors.ts";
import { FinapiError } from "./errors.ts";

/** A short, bounded description for sync status and events. */
export function describeFinapiError(error: unknown): { code: string; message: string } {
  if (error instanceof FinapiError) {
    const where = error.status > 0 ? `HTTP ${error.status}` : error.kind;
    return {
      code: error.code.slice(0, 64),
      message: `finAPI: ${where} ${error.code}: ${error.message}`.slice(0, 500),
    };
  }
  if (error instanceof DomainError)
    return { code: error.code, message: error.message.slice(0, 500) };
  return {
    code: "internal_error",
    message: "The sync failed unexpectedly; it is retried on the next run.",
  };
}

export function isFinapiOutage(error: FinapiError): boolean {
  return (
    error.status === 0 ||
    error.status >= 500 ||
    error.kind === "invalid_response" ||
    error.kind === "limit"
  );
}

/** A FinapiError as the DomainError a use case throws; anything else passes unchanged. */
export function domainErrorOf(error: unknown): unknown {
  if (!(error instanceof FinapiError)) return error;
  if (error.kind === "oauth" && error.status === 401)
    return new DomainError(
      "finapi_credentials_rejected",
      "finAPI rejected the client credentials; check clientId and clientSecret.",
    );
  const { message } = describeFinapiError(error);
  if (isFinapiOutage(error)) return new DomainError("upstream_unavailable", message);
  return new DomainError("finapi_rejected", message);
}

/** Runs finAPI calls for a use case, turning their failures into domain errors. */
export async function callFinapi<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw domainErrorOf(error);
  }
}
