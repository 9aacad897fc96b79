// Which D1 database holds a merchant (DESIGN "Scale path"): every table is keyed by merchant, so
// merchants are spread over several D1 databases, one binding per shard — `DB`, then
// `DB_SHARD_1`, `DB_SHARD_2`, … (numbered without gaps) — and this is the one routing rule the
// request middleware and the job consumers use.
//
// The rule: a merchant pinned in `D1_SHARDS` (JSON, merchant id → binding name) lives there;
// every other merchant lives in the shard its id hashes to (FNV-1a of the id, modulo the number
// of bound shards). With only `DB` bound, everything is in `DB`. Adding a shard binding moves
// the hash of existing merchants, so pin them first (or move their rows) before adding one.
import type { Bindings } from "../env.ts";

/** The bound shards in order: `DB` first, then `DB_SHARD_1`, `DB_SHARD_2`, … up to the first gap. */
export function shardsOf(env: Bindings): D1Database[] {
  const shards = [env.DB];
  for (let n = 1; env[`DB_SHARD_${n}`] !== undefined; n++) shards.push(env[`DB_SHARD_${n}`]!);
  return shards;
}

/** The binding name of the shard a merchant lives in (see the rule above). */
export function shardNameFor(env: Bindings, merchantId: string): string {
  const pinned = pinsOf(env)[merchantId];
  if (pinned !== undefined) return pinned;
  const count = shardsOf(env).length;
  const index = fnv1a(merchantId) % count;
  return index === 0 ? "DB" : `DB_SHARD_${index}`;
}

/** The D1 database that holds this merchant's rows. */
export function databaseFor(env: Bindings, merchantId: string): D1Database {
  const name = shardNameFor(env, merchantId);
  const shard = name === "DB" ? env.DB : (env as unknown as Record<string, unknown>)[name];
  if (!isD1(shard)) throw new Error(`D1_SHARDS names ${name}, which is not a bound D1 database`);
  return shard;
}

/**
 * Looks a credential up shard by shard (`DB` first) until one knows it: an API key, session or
 * portal token does not say which merchant it belongs to. With one shard, one lookup.
 */
export async function findInShards<T>(
  env: Bindings,
  lookup: (d1: D1Database) => Promise<T | undefined>,
): Promise<T | undefined> {
  for (const shard of shardsOf(env)) {
    const found = await lookup(shard);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Runs an outbox's page in every shard, from `start` round: a continuation starts after the
 * first shard that had more, so a shard with a long backlog cannot starve the shards after it.
 * Returns where the continuation starts, or null when no shard had more.
 */
export async function eachShardInTurn(
  env: Bindings,
  start: number,
  page: (d1: D1Database) => Promise<boolean>,
): Promise<number | null> {
  const shards = shardsOf(env);
  let next: number | null = null;
  for (let turn = 0; turn < shards.length; turn++) {
    const index = (start + turn) % shards.length;
    if ((await page(shards[index]!)) && next === null) next = (index + 1) % shards.length;
  }
  return next;
}

function pinsOf(env: Bindings): Record<string, string> {
  if (env.D1_SHARDS === undefined || env.D1_SHARDS.trim() === "") return {};
  const parsed: unknown = JSON.parse(env.D1_SHARDS);
  const valid =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every(
      (name) => typeof name === "string" && /^DB(_SHARD_\d+)?$/.test(name),
    );
  if (!valid)
    throw new RangeError(
      'D1_SHARDS must be a JSON object of merchant id → "DB" or "DB_SHARD_<n>", got ' +
        JSON.stringify(env.D1_SHARDS),
    );
  return parsed as Record<string, string>;
}

function isD1(value: unknown): value is D1Database {
  return typeof value === "object" && value !== null && "prepare" in value && "batch" in value;
}

/** 32-bit FNV-1a: stable across deployments and runtimes, spreads similar ids apart. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
