import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtInRuleSet, builtInRulesYaml, parseRuleSet } from "../../src/rules/index.ts";
import { textMatchingWork } from "../../src/rules/text/work.ts";
import type { Decision, RuleSet } from "../../src/rules/types.ts";
import { input } from "./helpers.ts";

// Text matching does linear, bounded work on any text the sender chose, counted rather than
// timed:
//
// - textMatchingWork() (src/rules/text/work.ts): characters scanned, automaton steps, dictionary
//   steps of compound reading, candidates decided and characters handed to ICU;
// - the injectable clock: the automaton reads it once every 4096 steps of its walks, and the
//   evaluator between rules (after a match, or 4096 steps of text work), so the budget is checked
//   inside long walks;
// - Intl.Segmenter: every character handed to ICU's word segmentation (scripts written without
//   spaces) goes through Segmenter.prototype.segment.

const N = 20_000;
const BUDGET_MS = 100;
/** Steps of work a character may cost at most, on any shape (see the counted linearity test). */
const WORK_PER_CHARACTER = 16;

const ZALGO = `a${"\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030a\u030b"}`;

/** Hostile shapes: each is repeated to the length wanted. */
const SHAPES: Record<string, string> = {
  "a run of dots": ".",
  "single letters spaced (a a a …)": "a ",
  "letters spelled out with dots (a.b.c.…)": "a.b.c.",
  "leet symbols ($@!|*)": "$@!|*",
  "a spelled-out term with stars (f*u*c*k*)": "f*u*c*k*",
  "ambiguous 1 and l (1l1l…)": "1l",
  "zalgo stacks": ZALGO,
  "alternating scripts (aяж中ไب)": "aяж中ไب",
  "Korean insult repeated, unspaced (병신아…)": "병신아",
  "Korean insult repeated, spaced": "병신아 ",
  "Arabic with tatweel": "عـاهرة ",
  "Chinese curse repeated (你妈的傻逼)": "你妈的傻逼",
  "Thai insult repeated (มึงเป็นควาย)": "มึงเป็นควาย",
  "Japanese sentence repeated (お前のちんこ小さい)": "お前のちんこ小さい",
  emoji: "😂🖕",
  "one word of 20,000 chars (fuckfuck…)": "fuck",
  "zero-width characters between letters": "f\u200bu\u200dc\u00adk ",
};

/** `unit` repeated to exactly `length` UTF-16 units, never splitting a surrogate pair. */
function fill(unit: string, length: number): string {
  const copies = Math.ceil(length / unit.length);
  const text = unit.repeat(copies).slice(0, length);
  return /[\ud800-\udbff]$/.test(text) ? text.slice(0, -1) : text;
}

/** The kind of a decision: its action and the rules that matched, in order. */
const kindOf = (decision: Decision) => ({
  action: decision.action,
  rules: decision.matches.map((match) => match.rule_id),
});

let clockReads = 0;
/** The built-in rules with a clock that counts its reads and never advances (so never times out). */
const countedRules: RuleSet = parseRuleSet(builtInRulesYaml(), "built-in", {
  baseDir: fileURLToPath(new URL("../../src/rules/data/", import.meta.url)),
  now: () => {
    clockReads++;
    return 0;
  },
});

function clockReadsOf(text: string): { reads: number; work: number; decision: Decision } {
  clockReads = 0;
  const before = textMatchingWork();
  const decision = countedRules.evaluate(input({ text }));
  return { reads: clockReads, work: textMatchingWork() - before, decision };
}

/** Characters handed to ICU's word segmentation while `run` runs. */
function segmentedCharacters(run: () => void): number {
  const original = Intl.Segmenter.prototype.segment;
  let characters = 0;
  Intl.Segmenter.prototype.segment = function (this: Intl.Segmenter, text: string) {
    characters += String(text).length;
    return original.call(this, text);
  };
  try {
    run();
  } finally {
    Intl.Segmenter.prototype.segment = original;
  }
  return characters;
}

describe("hostile text evaluates completely (built-in rules)", () => {
  // Whether it does so within the budget is timing, measured by `npm run bench:rules` (hostile
  // section); here the clock never advances, so a busy machine cannot turn slowness into an error.
  it("the built-in budget is 100 ms", () => {
    expect(builtInRuleSet().evaluation_budget_ms).toBe(BUDGET_MS);
  });

  it.each(Object.entries(SHAPES))("%s: 20,000 chars evaluate without error", (_name, unit) => {
    const text = fill(unit, N);
    const decision = countedRules.evaluate(input({ text }));
    expect(decision.error).toBeUndefined();
    for (const match of decision.matches) {
      for (const condition of match.conditions) {
        for (const span of condition.spans ?? []) expect(span.text).toBe(text.slice(span.start, span.end));
      }
    }
  });
});

describe("work grows linearly with the text (counted)", () => {
  it.each(Object.entries(SHAPES))("%s: n and 4n copies", (_name, unit) => {
    const once = clockReadsOf(fill(unit, N));
    const fourTimes = clockReadsOf(fill(unit, 4 * N));
    expect(once.decision.error).toBeUndefined();
    expect(fourTimes.decision.error).toBeUndefined();
    // The same kind of decision: a longer text of the same shape is neither stricter nor laxer.
    expect(kindOf(fourTimes.decision)).toEqual(kindOf(once.decision));
    // Automaton steps (4096 per clock read, plus the evaluator's reads between rules): linear,
    // with a few reads of slack for the evaluator's. Quadratic work would read 16 times
    // as often on 4n as on n.
    expect(fourTimes.reads).toBeLessThanOrEqual(4 * once.reads + 8);
    // And small per character: at most 4 automaton steps a character, plus the evaluator's reads.
    expect(fourTimes.reads).toBeLessThanOrEqual(32 + (4 * (4 * N)) / 4096);
    // All of text matching's work, counted step by step: linear within a few percent (the
    // fixed-size windows of ICU and the language vote are the constant), and a few dozen steps a
    // character at most on any shape.
    expect(once.work).toBeGreaterThan(0);
    expect(fourTimes.work).toBeLessThanOrEqual(4 * once.work * 1.05 + 1_000);
    expect(fourTimes.work).toBeLessThanOrEqual(WORK_PER_CHARACTER * 4 * N);
  });

  it("the work counter counts every part of text matching (a guard against counting nothing)", () => {
    // Scanning and walking alone: a long text of plain words with no term.
    expect(clockReadsOf(fill("hello there ", N)).work).toBeGreaterThanOrEqual(N);
    // Deciding and reading compounds: words with a term inside cost more than words of the same
    // shape without one.
    const plain = clockReadsOf(fill("xuckxace ", N)).work;
    const compounds = clockReadsOf(fill("fuckface ", N)).work;
    expect(compounds).toBeGreaterThan(plain);
  });

  it("the clock counter does count automaton steps (a guard against counting nothing)", () => {
    const short = clockReadsOf("hello").reads;
    const long = clockReadsOf(fill("a ", 4 * N)).reads;
    expect(long).toBeGreaterThan(short + 10);
  });

  it.each([
    "Chinese curse repeated (你妈的傻逼)",
    "Japanese sentence repeated (お前のちんこ小さい)",
    "Thai insult repeated (มึงเป็นควาย)",
  ])("%s: characters handed to ICU are bounded, whatever the length", (name) => {
    const unit = SHAPES[name] as string;
    const once = segmentedCharacters(() => countedRules.evaluate(input({ text: fill(unit, N) })));
    const fourTimes = segmentedCharacters(() => countedRules.evaluate(input({ text: fill(unit, 4 * N) })));
    // 2,048 characters per text and scan at most, plus one hit's context either side.
    expect(once).toBeGreaterThan(0);
    expect(once).toBeLessThanOrEqual(2_048 + 64);
    expect(fourTimes).toBeLessThanOrEqual(2_048 + 64);
  });

  it("segmentation is used at all (a guard against counting nothing)", () => {
    const characters = segmentedCharacters(() => countedRules.evaluate(input({ text: "你是傻逼吗" })));
    expect(characters).toBeGreaterThan(0);
  });
});

describe("spans map back into the original text", () => {
  const pieces = fc.constantFrom(
    ..."aAsSfFuUcCkKiIlL1!|*$@04+#^ .-_,".split(""),
    "fuck",
    "shit",
    "sh1t",
    "f*ck",
    "b!+ch",
    "a$$",
    "nigger",
    "kill yourself",
    "\u0301", // combining acute
    "\u0308", // combining diaeresis
    "\u200b", // zero-width space
    "\u200d", // zero-width joiner
    "\u00ad", // soft hyphen
    "\u2060", // word joiner
    "傻逼",
    "你妈",
    "的",
    "ちんこ",
    "チンコ",
    "병신",
    "아",
    "ควาย",
    "หี",
    "\u0e35", // Thai vowel sign
    "عاهرة",
    "ال",
    "ـ", // tatweel
    "сука",
    "ｆｕｃｋ",
    "𝐟𝐮𝐜𝐤",
    "😂",
    "🖕",
    "ß",
  );
  const ruleSets: Array<[name: string, rules: RuleSet]> = [
    ["built-in", builtInRuleSet()],
    [
      "inline, several scripts",
      parseRuleSet(
        `rules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: ${JSON.stringify([
          "fuck",
          "shit",
          "ass",
          "bitch",
          "傻逼",
          "ちんこ",
          "병신",
          "ควาย",
          "عاهرة",
          "сука",
          "🖕",
          "kill yourself",
        ])}\n`,
        "rules.yaml",
      ),
    ],
  ];

  it.each(ruleSets)("%s: span.text === text.slice(start, end) for every span", (_name, rules) => {
    let spansSeen = 0;
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        const decision = rules.evaluate(input({ text }));
        expect(decision.error).toBeUndefined();
        for (const match of decision.matches) {
          for (const condition of match.conditions) {
            for (const span of condition.spans ?? []) {
              spansSeen++;
              expect(span.start).toBeGreaterThanOrEqual(0);
              expect(span.start).toBeLessThan(span.end);
              expect(span.end).toBeLessThanOrEqual(text.length);
              expect(span.text).toBe(text.slice(span.start, span.end));
            }
          }
        }
      }),
      { numRuns: 1500 },
    );
    // The property is not vacuous: the texts do produce spans.
    expect(spansSeen).toBeGreaterThan(100);
  });
});
