// @tarif/client: the merchant API of Tarif as a typed fetch client. Paths, parameters, bodies
// and responses come from the OpenAPI document (schema.d.ts, generated); openapi-fetch does the
// requests, so a wrong path, a string `limit` or an unknown field is a type error.
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

export interface TarifClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** Where Tarif runs, e.g. `https://billing.example.com`. */
  baseUrl: string;
  /** The merchant API key (`sk_…`); keep it on your server. */
  apiKey: string;
}

export type TarifClient = Client<paths>;

export function createTarifClient({ baseUrl, apiKey, headers, ...options }: TarifClientOptions) {
  return createClient<paths>({
    ...options,
    baseUrl,
    headers: {
      ...(headers as Record<string, string> | undefined),
      authorization: `Bearer ${apiKey}`,
    },
  });
}
