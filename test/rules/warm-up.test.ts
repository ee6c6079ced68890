import { describe, expect, it } from "vitest";
import { parseRuleSet } from "../../src/rules/index.ts";
import { charTableFor, FULL_NORMALIZATION } from "../../src/rules/text/normalize.ts";
import type { TermHit } from "../../src/rules/text/term-index.ts";
import { warmUpMatcher, warmUpOnce, warmUpTexts } from "../../src/rules/warm-up.ts";
import { STEADY_CLOCK } from "./helpers.ts";

// The warm-up reads texts of every shape once, at the first compile of rules with terms: they
// must reach the matching itself (every script, obfuscation and shape) and the link scan, or the
// first messages that take those paths still run code V8 has to compile again.
describe("warm-up", () => {
  const matcher = warmUpMatcher(FULL_NORMALIZATION);
  const hits = (text: string): TermHit[] => {
    const out: TermHit[][] = [];
    matcher.scan(text, "text", out);
    return out[0] ?? [];
  };

  it("runs once a process: the first compile of rules with terms ran it", () => {
    parseRuleSet(
      "rules:\n  - id: r\n    action: review\n    when:\n      text_has_any: [x]\n",
      "r.yaml",
      STEADY_CLOCK,
    );
    expect(warmUpOnce(FULL_NORMALIZATION)).toBe(0);
  });

  it("fills the character table of every profile rules compile, for the whole BMP", () => {
    const profiles = [
      { ...FULL_NORMALIZATION, confusables: false },
      { ...FULL_NORMALIZATION, leetspeak: false },
    ];
    for (const profile of profiles) expect(charTableFor(profile).bmpEntries).toBeLessThan(0x10000);
    const rule = (id: string, step: string) =>
      `  - id: ${id}\n    action: review\n    normalization: {${step}: false}\n    when:\n      text_has_any: [x]\n`;
    parseRuleSet(`rules:\n${rule("a", "confusables")}${rule("b", "leetspeak")}`, "r.yaml", STEADY_CLOCK);
    for (const profile of profiles) expect(charTableFor(profile).bmpEntries).toBe(0x10000);
    expect(charTableFor(FULL_NORMALIZATION).bmpEntries).toBe(0x10000);
  });

  it("its texts find its terms in every script, spelled out and obfuscated", () => {
    const texts = warmUpTexts();
    for (const sample of [
      "z o r b l a x",
      "z*o*r*b*l*a*x",
      "z0rbl4x",
      "зорблакс",
      "زوربلاكس",
      "ซอร์บแล็กซ์",
      "佐布拉",
      "ゾルブラ",
      "조르블락",
      "𝐳𝐨𝐫𝐛𝐥𝐚𝐱",
    ]) {
      const found = texts.filter((text) => text.includes(sample) && hits(text).length > 0);
      expect(found.length, sample).toBeGreaterThan(0);
    }
  });

  it("holds long texts and long words, which are read from copies of their code units", () => {
    const long = warmUpTexts().filter((text) => text.length >= 1024);
    expect(long.length).toBeGreaterThanOrEqual(2);
    expect(long.some((text) => !text.includes(" "))).toBe(true);
    expect(hits(long[0] as string).length).toBeGreaterThan(10);
  });
});
