import { describe, expect, it } from "vitest";
import { parseRuleSet } from "../../src/rules/index.ts";
import { FULL_NORMALIZATION } from "../../src/rules/text/normalize.ts";
import { warmUpOnce, warmUpRules, warmUpTexts } from "../../src/rules/warm-up.ts";
import { input, STEADY_CLOCK } from "./helpers.ts";

// The warm-up runs every path of an evaluation once, at the first compile of rules with terms:
// its texts must reach the matching itself (every script, obfuscation and shape), links and
// patterns, or the first messages that take those paths still run unoptimized code.
describe("warm-up", () => {
  const rules = parseRuleSet(warmUpRules(FULL_NORMALIZATION), "warm-up.yaml", STEADY_CLOCK);
  const ruleIds = (text: string) => rules.evaluate(input({ text })).matches.map((m) => m.rule_id);

  it("runs once a process: the first compile of rules with terms ran it", () => {
    expect(warmUpOnce(FULL_NORMALIZATION, () => rules)).toBe(0);
  });

  it("its texts find its terms in every script, spelled out and obfuscated", () => {
    const texts = warmUpTexts();
    for (const sample of [
      "z o r b l a x",
      "z*o*r*b*l*a*x",
      "зорблакс",
      "زوربلاكس",
      "ซอร์บแล็กซ์",
      "佐布拉",
      "ゾルブラ",
      "조르블락",
    ]) {
      expect(texts.some((text) => text.includes(sample) && ruleIds(text).includes("warm-up-terms"))).toBe(
        true,
      );
    }
  });

  it("its long texts, read from copies of their code units, take the link and pattern rules too", () => {
    const long = warmUpTexts().filter((text) => text.length >= 1024);
    expect(long.length).toBeGreaterThanOrEqual(2);
    expect(ruleIds(long[0] as string).sort()).toEqual(["warm-up-links", "warm-up-patterns", "warm-up-terms"]);
  });
});
