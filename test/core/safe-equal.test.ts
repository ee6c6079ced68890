import { describe, expect, it } from "vitest";
import { safeEqual } from "../../src/hooks/verify-signature.ts";

describe("constant-time comparison of keys and tokens", () => {
  it("matches only the exact value, whatever the lengths", () => {
    expect(safeEqual("key-123", "key-123")).toBe(true);
    expect(safeEqual("key-124", "key-123")).toBe(false);
    expect(safeEqual("key-12", "key-123")).toBe(false);
    expect(safeEqual("key-1234", "key-123")).toBe(false);
    expect(safeEqual("", "key-123")).toBe(false);
    expect(safeEqual("ключ-🔑", "ключ-🔑")).toBe(true);
  });

  it("follows a changed configured value (its digest is kept between calls)", () => {
    expect(safeEqual("old-key", "old-key")).toBe(true);
    expect(safeEqual("old-key", "new-key")).toBe(false);
    expect(safeEqual("new-key", "new-key")).toBe(true);
    // Many distinct configured values: the kept digests are bounded and still right.
    for (let i = 0; i < 40; i++) expect(safeEqual(`token-${i}`, `token-${i}`)).toBe(true);
    expect(safeEqual("token-3", "token-39")).toBe(false);
  });
});
