// Ids sort by creation, also within one millisecond, which cursor pagination relies on.
import { describe, expect, it } from "vitest";
import { newId, randomToken, timingSafeEqual } from "../../worker/security.ts";

describe("newId", () => {
  it("has the prefix and 24 lower-case base32 characters", () => {
    expect(newId("ctr")).toMatch(/^ctr_[0-9a-hjkmnp-tv-z]{24}$/);
  });

  it("increases strictly for ids made in the same millisecond", () => {
    const ids = Array.from({ length: 1000 }, () => newId("inv", 1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("orders by time first", () => {
    expect(newId("inv", 1_800_000_000_001) > newId("inv", 1_800_000_000_000)).toBe(true);
  });
});

describe("secrets", () => {
  it("makes random tokens of the asked length", () => {
    expect(randomToken(32)).toHaveLength(32);
    expect(randomToken(32)).not.toBe(randomToken(32));
  });

  it("compares strings of any length without throwing", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
  });
});
