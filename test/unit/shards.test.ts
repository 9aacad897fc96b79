// The outbox jobs' turn over the shards: each continuation starts after the first shard that had
// more, so a shard with a long backlog cannot starve the shards after it.
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../worker/env.ts";
import { eachShardInTurn } from "../../worker/store/shards.ts";

const shard = (name: string) => ({ name, prepare() {}, batch() {} }) as unknown as D1Database;
const three = {
  DB: shard("DB"),
  DB_SHARD_1: shard("DB_SHARD_1"),
  DB_SHARD_2: shard("DB_SHARD_2"),
} as unknown as Bindings;
const nameOf = (d1: D1Database) => (d1 as unknown as { name: string }).name;

describe("eachShardInTurn", () => {
  it("visits every shard once, from the start given, and wraps round", async () => {
    const visited: string[] = [];
    const next = await eachShardInTurn(three, 1, async (d1) => {
      visited.push(nameOf(d1));
      return false;
    });
    expect(visited).toEqual(["DB_SHARD_1", "DB_SHARD_2", "DB"]);
    expect(next).toBeNull();
  });

  it("continues after the first shard that had more", async () => {
    const busy = new Set(["DB", "DB_SHARD_2"]);
    expect(await eachShardInTurn(three, 0, async (d1) => busy.has(nameOf(d1)))).toBe(1);
    // A backlog in the first shard alone still lets the others go first next time.
    expect(await eachShardInTurn(three, 0, async (d1) => nameOf(d1) === "DB")).toBe(1);
    expect(await eachShardInTurn(three, 2, async (d1) => nameOf(d1) === "DB_SHARD_2")).toBe(0);
  });

  it("starts from the first shard when a continuation names a shard that is gone", async () => {
    const visited: string[] = [];
    await eachShardInTurn({ DB: shard("DB") } as unknown as Bindings, 2, async (d1) => {
      visited.push(nameOf(d1));
      return false;
    });
    expect(visited).toEqual(["DB"]);
  });
});
