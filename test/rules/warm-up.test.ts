import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtInRulesYaml, parseRuleSet } from "../../src/rules/index.ts";
import type { ScanBudget } from "../../src/rules/text/automaton.ts";
import { charTableFor, FULL_NORMALIZATION } from "../../src/rules/text/normalize.ts";
import type { TermHit } from "../../src/rules/text/term-index.ts";
import { TermMatcher } from "../../src/rules/text/term-matcher.ts";
import { warmUpMatcher, warmUpOnce, warmUpTexts } from "../../src/rules/warm-up.ts";
import { input, STEADY_CLOCK } from "./helpers.ts";

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

// A rule set's own warm-up: what the service runs on the rules it serves (CompiledRuleSet.warmUp).
describe("a rule set's warm-up", () => {
  const NEVER_RUNS_OUT: ScanBudget = { deadline: Number.POSITIVE_INFINITY, now: () => 0 };
  const yaml = [
    "rules:",
    "  - id: made-up",
    "    action: reject",
    "    when:",
    "      text_has_any: [zorblax, quib, flarn wib, 조르블락, 佐布拉]",
    "  - id: swearing",
    "    action: review",
    "    when:",
    "      text_has_any: [fuck, shit, bitch]",
    "",
  ].join("\n");

  it("teaches the known words nothing, where reading the same text for a message does", () => {
    const matcher = new TermMatcher(FULL_NORMALIZATION);
    matcher.addTerms(0, ["zorblax"], []);
    matcher.compile();
    const text = "hello there, how are you doing today?";
    expect(matcher.warmUp(text, NEVER_RUNS_OUT)).toBe(0);
    expect(matcher.takesShortWay(text)).toBe(false);
    matcher.scan(text, "text", []);
    expect(matcher.takesShortWay(text)).toBe(true);
  });

  it("reads its texts with the rule set's own terms, once", () => {
    const ruleSet = parseRuleSet(yaml, "r.yaml", STEADY_CLOCK);
    expect(ruleSet.isWarm).toBe(false);
    expect(ruleSet.warmUp()).toBeGreaterThan(0);
    expect(ruleSet.isWarm).toBe(true);
    expect(ruleSet.warmUp()).toBe(0);
  });

  it("leaves every decision as it would have been", () => {
    const warmed = parseRuleSet(yaml, "r.yaml", STEADY_CLOCK);
    const cold = parseRuleSet(yaml, "r.yaml", STEADY_CLOCK);
    warmed.warmUp();
    const texts = [
      ...warmUpTexts(),
      "zorblax",
      "z o r b l a x",
      "hello there",
      "fuck this",
      "f.u.c.k",
      "shitty bitches",
      "a a a a",
    ];
    for (const [i, text] of texts.entries()) {
      const message = input({ id: `m${i}`, text });
      const { ruleset_version: _, ...decision } = warmed.evaluate(message);
      const { ruleset_version: __, ...expected } = cold.evaluate(message);
      expect(decision, text.slice(0, 40)).toEqual(expected);
    }
  });

  it("checks its time budget inside long texts as a message's scan does", () => {
    // The built-in lists: a handful of made-up terms makes no walk long enough to check it.
    let clockReads = 0;
    const counted = parseRuleSet(builtInRulesYaml(), "built-in", {
      baseDir: fileURLToPath(new URL("../../src/rules/data/", import.meta.url)),
      now: () => ++clockReads * 0,
    });
    clockReads = 0;
    counted.warmUp();
    expect(clockReads).toBeGreaterThan(0);
  });

  it("never runs out of time: a clock far past every message's deadline does not stop it", () => {
    let tick = 0;
    const late = parseRuleSet(yaml, "r.yaml", { now: () => (tick += 1_000_000) });
    // The same clock stops a message's evaluation at once...
    expect(late.evaluate(input({ text: "zorblax ".repeat(2000) })).error).toMatch(/time budget/);
    // ...while the warm-up reads every text and finds what a steady clock's does.
    const steady = parseRuleSet(yaml, "r.yaml", STEADY_CLOCK);
    expect(late.warmUp()).toBe(steady.warmUp());
  });
});

// V8 shares one map between `{ value, done }` literals and iterator results, and discards the
// optimized code that relied on its fields the first time a `{ value, ... }` literal's value is
// assigned (zod does for every schema). Checked in a fresh process, where nothing assigned one yet.
describe("settleIteratorResultFields", () => {
  const script = fileURLToPath(new URL("./scripts/settle-iterator-results.ts", import.meta.url));
  const run = (...args: string[]) => {
    const child = spawnSync(
      process.execPath,
      ["--allow-natives-syntax", "--import", "tsx", script, ...args],
      {
        encoding: "utf8",
      },
    );
    expect(child.status, child.stderr).toBe(0);
    return JSON.parse(child.stdout) as { optimizedBefore: boolean; optimizedAfter: boolean };
  };

  it("keeps optimized for-of loops through the first assignment of a { value } literal", (context) => {
    const unsettled = run();
    expect(unsettled.optimizedBefore).toBe(true);
    if (unsettled.optimizedAfter) {
      console.log("skipped: this V8 keeps optimized code through that assignment; nothing to settle");
      context.skip();
    }
    expect(run("settled")).toEqual({ optimizedBefore: true, optimizedAfter: true });
  });
});
