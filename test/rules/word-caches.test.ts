import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtInRulesYaml, parseRuleSet } from "../../src/rules/index.ts";
import { FULL_NORMALIZATION } from "../../src/rules/text/normalize.ts";
import { ScannedText, Scanner } from "../../src/rules/text/scanner.ts";
import { WalkCache, wordHash } from "../../src/rules/text/walk-cache.ts";
import { WordDecisions } from "../../src/rules/text/word-decisions.ts";
import type { RuleSet } from "../../src/rules/types.ts";
import { input } from "./helpers.ts";

// Words are judged through caches kept from one message to the next: what the automaton's walks
// do inside a word (src/rules/text/walk-cache.ts) and what the deciding step keeps of the terms
// inside it (src/rules/text/word-decisions.ts). A cache must never make a message's judgement
// depend on the messages judged before it: rules that judged others first decide exactly as
// fresh ones do.

const TERMS = [
  "fuck",
  "shit",
  "ass",
  "hell",
  "cum",
  "cock",
  "bitch",
  "anal",
  "twat",
  "kill yourself",
  "fu ck",
];
const YAML = `rules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: ${JSON.stringify(TERMS)}\n`;
// A clock that never advances: these are results, not timing.
const fresh = (): RuleSet => parseRuleSet(YAML, "r.yaml", { now: () => 0 });

/**
 * Words that hold a term, are one, are one obfuscated, or are innocent around one; and words
 * normalized alike but written differently ("hello", "hell0", "he11o"), which may be judged
 * differently.
 */
const WORDS = [
  "hello",
  "Hello",
  "hell0",
  "he11o",
  "HELL",
  "hellhole",
  "cla$$",
  "a$$ignment",
  "$hell",
  "c0cktail",
  "cocksure",
  "shell",
  "assignment",
  "classic",
  "class",
  "cocktail",
  "therapist",
  "Scunthorpe",
  "cumulative",
  "analysis",
  "fuck",
  "fucked",
  "fuckface",
  "bitchass",
  "assfucker",
  "sh1t",
  "f*ck",
  "a$$",
  "asss",
  "as",
  "fu",
  "ck",
  "kill",
  "yourself",
  "the",
  "a",
  "u",
  "f",
  "k",
  "c",
  "twatt",
  "heII",
  "сука",
  "傻逼吗",
  "😂",
];
const SEPARATORS = [" ", " ", ", ", ". ", "  ", "-", "\n", "!"];

const message = fc
  .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS)), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.map(([word, separator]) => `${word}${separator}`).join(""));

describe("caches kept across messages", () => {
  it("rules that judged other messages first decide every message as fresh rules do (property)", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), message, (before, target) => {
        const used = fresh();
        for (const text of before) used.evaluate(input({ text }));
        expect(used.evaluate(input({ text: target }))).toEqual(fresh().evaluate(input({ text: target })));
      }),
      { numRuns: 300 },
    );
  });

  it("the built-in rules decide the same messages alike in either order", () => {
    const builtIn = () =>
      parseRuleSet(builtInRulesYaml(), "built-in", {
        baseDir: fileURLToPath(new URL("../../src/rules/data/", import.meta.url)),
        now: () => 0,
      });
    const texts = fc.sample(message, { seed: 11, numRuns: 400 });
    const forwards = builtIn();
    const backwards = builtIn();
    const inOrder = texts.map((text) => forwards.evaluate(input({ text })));
    const reversed = [...texts].reverse().map((text) => backwards.evaluate(input({ text })));
    reversed.reverse();
    expect(inOrder.some((decision) => decision.matches.length > 0)).toBe(true);
    for (let i = 0; i < texts.length; i++) expect(reversed[i], texts[i]).toEqual(inOrder[i]);
  });

  it("a term that is also a word of another language is decided by each message's language", () => {
    // "retard" is French for "late", "negro" Spanish for "black": whether the whole word counts
    // depends on the words around it, so its decision is never kept for the next message.
    const texts = [
      "Je suis en retard, désolé.",
      "you are a retard",
      "je suis encore en retard",
      "what a retard",
      "el gato negro duerme en la casa",
      "hey negro",
      "el perro negro come en la casa",
    ];
    const builtIn = () =>
      parseRuleSet(builtInRulesYaml(), "built-in", {
        baseDir: fileURLToPath(new URL("../../src/rules/data/", import.meta.url)),
        now: () => 0,
      });
    const actions = (order: readonly string[]) => {
      const rules = builtIn();
      const decided = new Map(order.map((text) => [text, rules.evaluate(input({ text })).action]));
      return texts.map((text) => decided.get(text));
    };
    const expected = ["approve", "reject", "approve", "reject", "approve", "reject", "approve"];
    expect(actions(texts)).toEqual(expected);
    expect(actions([...texts].reverse())).toEqual(expected);
    // Each message judged after every other, twice over.
    expect(actions([...texts, ...texts])).toEqual(expected);
  });
});

describe("the scanner hashes each word while it reads it", () => {
  // The hash is worked out a symbol at a time in the ASCII loop, and over the finished word
  // elsewhere (leetspeak, other scripts): both must give the hash the cache is keyed by, or a
  // word would be walked afresh every time instead of replayed.
  const scanner = new Scanner(FULL_NORMALIZATION);
  const scanned = new ScannedText();
  const samples = [
    "hello there, how are you",
    "Heeelllo  wooorld!!! aaa bb c",
    "sh1t a$$ f*ck f u c k heII",
    "naïve café 你是傻逼吗 straße",
    "mixed ascii then ünïcödé then ascii again",
    "x=1 https://example.com/path?q=2 45s 3rd",
  ];
  it.each(samples)("every word of %j has the hash of its symbols", (text) => {
    scanner.scan(text, scanned);
    expect(scanned.tokenCount).toBeGreaterThan(0);
    for (let t = 0; t < scanned.tokenCount; t++) {
      const start = scanned.tokenStarts[t] as number;
      const end = scanned.tokenEnds[t] as number;
      expect(scanned.tokenHashes[t], `word ${t} of ${JSON.stringify(text)}`).toBe(
        wordHash(scanned, start, end),
      );
    }
  });

  it("holds for any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (text) => {
        scanner.scan(text, scanned);
        for (let t = 0; t < scanned.tokenCount; t++) {
          const start = scanned.tokenStarts[t] as number;
          const end = scanned.tokenEnds[t] as number;
          if (scanned.tokenHashes[t] !== wordHash(scanned, start, end)) return false;
        }
        return true;
      }),
    );
  });
});

describe("the caches are bounded in bytes", () => {
  const distinctWords = (count: number) =>
    Array.from({ length: count }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36)}`);

  it("the walk cache holds a fixed table, whatever it is given to hold", () => {
    const cache = new WalkCache(64);
    const bytes = cache.bytes;
    const scanner = new Scanner(FULL_NORMALIZATION);
    const scanned = new ScannedText();
    const events = new Int32Array([2, 7]);
    for (const word of distinctWords(5_000)) {
      scanner.scan(word, scanned);
      const start = scanned.tokenStarts[0] as number;
      const end = scanned.tokenEnds[0] as number;
      const hash = scanned.tokenHashes[0] as number;
      if (cache.find(scanned, start, end, hash) < 0) cache.store(scanned, start, end, hash, events, 1);
    }
    expect(cache.bytes).toBe(bytes);
    expect(bytes).toBe(64 * 32 * 4);
  });

  it("kept decisions stay within their byte budget", () => {
    const decisions = new WordDecisions(16_384);
    for (const word of distinctWords(5_000)) decisions.remember(word, 1, 1);
    expect(decisions.bytes).toBeGreaterThan(8_000);
    expect(decisions.bytes).toBeLessThanOrEqual(16_384);
  });
});
