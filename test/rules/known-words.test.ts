import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtInRulesYaml, parseRuleSet } from "../../src/rules/index.ts";
import { textMatchingWork } from "../../src/rules/text/work.ts";
import type { RuleSet } from "../../src/rules/types.ts";
import { input } from "./helpers.ts";

// A message of plain ASCII words that were all judged before takes a short way: each word is
// looked up by how it is written (src/rules/text/known-words.ts), and only the walks that go on
// from one word into the next (phrases, split words) are walked. The short way must decide
// every message exactly as the full way does, whatever was taught first and in what order.

const TERMS = [
  "fuck",
  "shit",
  "ass",
  "hell",
  "cock",
  "bitch",
  "anal",
  "kill yourself",
  "fu ck",
  "two girls one cup",
];
const YAML = `rules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: ${JSON.stringify(TERMS)}\n`;
const shortWay = (): RuleSet => parseRuleSet(YAML, "r.yaml", { now: () => 0 });
const fullWay = (): RuleSet => parseRuleSet(YAML, "r.yaml", { now: () => 0, knownWords: false });

/**
 * Plain words around the terms: words holding one ("hello", "assignment"), halves of a split one
 * ("fu", "ck"), words of a phrase, single letters, the same word cased differently, and the
 * ambiguous letters ("heII" folds like "hell").
 */
const WORDS = [
  "hello",
  "Hello",
  "HELL",
  "heII",
  "hell",
  "shell",
  "assignment",
  "class",
  "classic",
  "fuck",
  "fucked",
  "fuckface",
  "bitchass",
  "fu",
  "ck",
  "fuu",
  "kill",
  "yourself",
  "two",
  "girls",
  "one",
  "cup",
  "cups",
  "the",
  "you",
  "see",
  "a",
  "I",
  "u",
  "f",
  "k",
  "c",
  "s",
  "h",
  "t",
  "wow",
  "ok",
];
const SEPARATORS = [" ", " ", ", ", ". ", "  ", "-", "!! ", "? ", "\n", " 😂 ", "😂", "\u200b", "é "];

const parts = fc.array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS)), {
  minLength: 1,
  maxLength: 8,
});
const join = (words: ReadonlyArray<readonly [string, string]>) => words.map(([w, s]) => `${w}${s}`).join("");

/** Work counted for one evaluation: the short way counts the characters it read, nothing more. */
function workOf(rules: RuleSet, text: string): number {
  const before = textMatchingWork();
  rules.evaluate(input({ text }));
  return textMatchingWork() - before;
}

describe("known words", () => {
  it("a message whose words other messages taught decides as the full way does (property)", () => {
    let shortWays = 0;
    let runs = 0;
    fc.assert(
      fc.property(parts, fc.nat(), (words, turn) => {
        const taught = shortWay();
        // The same words in other orders, first: every word of the message is then known.
        const rotated = words.map((_, i) => words[(i + turn) % words.length] as readonly [string, string]);
        taught.evaluate(input({ text: join(rotated) }));
        taught.evaluate(input({ text: join([...words].reverse()) }));
        const text = join(words);
        runs++;
        if (workOf(taught, text) === text.length) shortWays++;
        expect(taught.evaluate(input({ text }))).toEqual(fullWay().evaluate(input({ text })));
      }),
      { numRuns: 500 },
    );
    // The property is about the short way: most of the messages above took it.
    expect(shortWays / runs).toBeGreaterThan(0.1);
  });

  it("the short way finds a phrase, a split word and a spelled-out word across known words", () => {
    const taught = shortWay();
    for (const text of [
      "kill the cup",
      "you yourself",
      "fu you",
      "ck you",
      "a f",
      "u k",
      "two one girls cup",
    ])
      taught.evaluate(input({ text }));
    for (const text of ["kill yourself", "fu ck", "two girls one cup"]) {
      expect(taught.evaluate(input({ text })).action, text).toBe("reject");
    }
    for (const text of ["a", "s", "h", "i", "t", "as is", "hi to", "sit"]) taught.evaluate(input({ text }));
    for (const text of ["f u c k", "a s s", "s h i t"])
      expect(taught.evaluate(input({ text })).action, text).toBe("reject");
    expect(taught.evaluate(input({ text: "kill the cup" })).action).toBe("approve");
  });

  it("the built-in rules decide a chat corpus alike the short way and the full way", () => {
    const builtIn = (knownWords: boolean) =>
      parseRuleSet(builtInRulesYaml(), "built-in", {
        baseDir: fileURLToPath(new URL("../../src/rules/data/", import.meta.url)),
        now: () => 0,
        knownWords,
      });
    const texts = fc.sample(parts.map(join), { seed: 7, numRuns: 600 });
    const short = builtIn(true);
    const full = builtIn(false);
    // A first pass teaches the words; the second is read the short way where it can be.
    for (const text of texts) short.evaluate(input({ text }));
    let shortWays = 0;
    for (const text of texts) {
      // The short way counts the characters it read, plus one pass for the term written in symbols (🖕).
      if (workOf(short, text) <= text.length * 2) shortWays++;
      expect(short.evaluate(input({ text })), text).toEqual(full.evaluate(input({ text })));
    }
    expect(texts.some((text) => full.evaluate(input({ text })).action !== "approve")).toBe(true);
    expect(shortWays).toBeGreaterThan(texts.length / 10);
  });
});
