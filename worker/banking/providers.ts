// The registry of bank providers: the one place that turns a provider id into its adapter,
// configured for the environment. Crons, jobs and routes ask here and never name an adapter, so
// a second provider is one folder beside banking/finapi plus one entry below.
import type { BankProviderId } from "../../schema/banking.ts";
import type { Bindings } from "../env.ts";
import { runtimeFromEnv } from "./finapi/connect.ts";
import { finapiProvider } from "./finapi/provider.ts";
import type { SyncOptions } from "./finapi/sync.ts";
import type { BankProvider } from "./provider.ts";

/** Each provider's tuning beyond what the environment sets (page sizes, leases; tests use it). */
export interface BankProviderOptions {
  finapi: SyncOptions;
}

const PROVIDERS: {
  [K in BankProviderId]: (env: Bindings, overrides: BankProviderOptions[K]) => BankProvider;
} = {
  finapi: (env, overrides) => finapiProvider(env, { ...runtimeFromEnv(env), ...overrides }),
};

export function bankProvider<K extends BankProviderId>(
  env: Bindings,
  kind: K,
  overrides: BankProviderOptions[K] = {},
): BankProvider {
  return PROVIDERS[kind](env, overrides);
}
