import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtInRulesYaml, parseRuleSet } from "../../src/rules/index.ts";
import { nextWordBit } from "../../src/rules/text/automaton.ts";
import {
  KNOWN_WORDS_FAILED,
  KNOWN_WORDS_HITS,
  KNOWN_WORDS_SILENT,
  KNOWN_WORDS_UNKNOWN,
  KnownWords,
  MAX_KNOWN_HITS,
  WORD_OTHER,
  WORD_SILENT,
  WORD_UNKNOWN,
} from "../../src/rules/text/known-words.ts";
import { FULL_NORMALIZATION } from "../../src/rules/text/normalize.ts";
import { Scanner } from "../../src/rules/text/scanner.ts";
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
  "x",
  "1",
  "0",
  "4",
  "2024",
  "11",
];
const SEPARATORS = [" ", " ", ", ", ". ", "  ", "-", "!! ", "? ", "\n", " 😂 ", "😂", "\u200b", "é ", " 🖕 "];

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
    let shortWaysWithHits = 0;
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
        const short = workOf(taught, text) === text.length;
        const decision = taught.evaluate(input({ text }));
        if (short) shortWays++;
        if (short && decision.matches.length > 0) shortWaysWithHits++;
        expect(decision).toEqual(fullWay().evaluate(input({ text })));
      }),
      { numRuns: 500 },
    );
    // The property is about the short way: most of the messages above took it, and some of
    // those with the hits of terms their words keep ("fuck", "bitchass").
    expect(shortWays / runs).toBeGreaterThan(0.1);
    expect(shortWaysWithHits / runs).toBeGreaterThan(0.05);
  });

  it("the short way gives the hits of known words that keep theirs, where they lie", () => {
    const taught = shortWay();
    // Whole words that are terms or their forms, and words holding terms.
    taught.evaluate(input({ text: "hello you fuck fucked fuckface bitchass" }));
    for (const text of ["fuckface, hello you", "you  bitchass!! hello fucked 😂 fuck", "fuck you, fuck"]) {
      expect(workOf(taught, text), text).toBe(text.length);
      const decision = taught.evaluate(input({ text }));
      expect(decision, text).toEqual(fullWay().evaluate(input({ text })));
      const spans = decision.matches.flatMap((match) => match.conditions.flatMap((c) => c.spans ?? []));
      expect(spans.length, text).toBeGreaterThan(0);
      for (const span of spans) expect(text.slice(span.start, span.end)).toBe(span.text);
    }
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
    // Every one-character word on its own first: each is known, and only how they follow each
    // other can spell a term.
    for (const text of ["f", "u", "c", "k", "a", "s", "h", "i", "t", "0", "4", "1", "5", "a 1", "u 0"])
      taught.evaluate(input({ text }));
    for (const text of ["f u c k", "a s s", "s h i t", "a 5 5", "s h 1 t"])
      expect(taught.evaluate(input({ text })).action, text).toBe("reject");
    for (const text of ["5 h i t", "a 1 u", "t 0 k 4", "1 0 a"])
      expect(taught.evaluate(input({ text })), text).toEqual(fullWay().evaluate(input({ text })));
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

describe("KnownWords.silent", () => {
  const scanner = new Scanner(FULL_NORMALIZATION);
  const calls: string[] = [];
  let joins = new Set<string>();
  let finds = false;
  const walks = {
    findsInWord(walkOn: number, symbols: Int32Array, _runs: Int32Array, count: number) {
      calls.push(`finds ${walkOn} ${String.fromCharCode(...symbols.slice(0, count))}`);
      return finds;
    },
    // Walk-on 7 goes on into words beginning with "b".
    firstSymbols: (walkOn: number) => (walkOn === 7 ? 1 << nextWordBit(0x62) : 0),
    joinsOn: (first: number, next: number) => joins.has(String.fromCharCode(first, next)),
  };
  const known = (slots = 64) => {
    calls.length = 0;
    joins = new Set();
    finds = false;
    const table = new KnownWords({
      asciiEntries: scanner.asciiEntries,
      table: scanner.table,
      walks,
      slots,
    });
    const teach = (text: string, verdict = WORD_SILENT, walksOn?: number[]) =>
      table.remember(text, 0, text.length, verdict, walksOn ? Int32Array.from(walksOn) : undefined);
    return { table, teach };
  };

  it("is silent only when every word is known to find nothing", () => {
    const { table, teach } = known();
    expect(table.silent("hello there")).toBe(KNOWN_WORDS_UNKNOWN);
    teach("hello");
    teach("there");
    expect(table.silent("hello there")).toBe(KNOWN_WORDS_SILENT);
    expect(table.silent("hello, there!! 😂 hello")).toBe(KNOWN_WORDS_SILENT);
    expect(table.silent("Hello there")).toBe(KNOWN_WORDS_UNKNOWN);
    teach("bad", WORD_OTHER);
    expect(table.silent("hello bad")).toBe(KNOWN_WORDS_FAILED);
  });

  it("answers the words that keep hits, in order, with where they begin", () => {
    const { table, teach } = known();
    teach("hello");
    const hit = { slot: 0, term: 3, start: 0, end: 3, normalized: "bad" };
    table.remember("bad", 0, 3, WORD_SILENT, undefined, [hit]);
    expect(table.silent("hello bad, hello bad")).toBe(KNOWN_WORDS_HITS);
    expect(table.hitWordCount).toBe(2);
    expect([...table.hitWordStarts.slice(0, 2)]).toEqual([6, 17]);
    expect(table.hitsOf(table.hitWordSlots[0] as number)).toEqual([hit]);
    expect(table.silent("hello hello")).toBe(KNOWN_WORDS_SILENT);
    expect(table.hitWordCount).toBe(0);
    // A word with more hits than are kept is left to the full path.
    table.remember("worse", 0, 5, WORD_SILENT, undefined, Array(MAX_KNOWN_HITS + 1).fill(hit));
    expect(table.lookup("worse", 0, 5)).toBe(WORD_OTHER);
    expect(table.silent("hello worse")).toBe(KNOWN_WORDS_FAILED);
  });

  it("leaves to the full path whatever it does not read the way the scanner does", () => {
    const { table, teach } = known();
    for (const word of ["hello", "there", "sh", "t", "45", "s"]) teach(word);
    for (const text of ["sh!t", "hello4there", "45s", "héllo there", "hello\u200bthere", "a$$", "x@y"])
      expect(table.silent(text), text).not.toBe(KNOWN_WORDS_SILENT);
  });

  it("asks the trie whether words of one character in a row spell on", () => {
    const { table, teach } = known();
    for (const word of ["a", "5", "c", "x", "1"]) teach(word);
    expect(table.silent("a 5")).toBe(KNOWN_WORDS_SILENT);
    // The digit joins as the letter it stands for: "a" then "s".
    joins.add("as");
    expect(table.silent("a 5")).toBe(KNOWN_WORDS_FAILED);
    expect(table.silent("x 1")).toBe(KNOWN_WORDS_SILENT);
    // A letter repeated may begin a spelled-out word ("c c o o").
    expect(table.silent("c c")).toBe(KNOWN_WORDS_FAILED);
  });

  it("walks on into the next word only where its first symbol may take a step", () => {
    const { table, teach } = known();
    teach("see", 1, [7]);
    teach("bee");
    teach("tree");
    expect(table.silent("see tree")).toBe(KNOWN_WORDS_SILENT);
    expect(calls).toEqual([]);
    expect(table.silent("see bee")).toBe(KNOWN_WORDS_SILENT);
    expect(calls).toEqual(["finds 7 be"]);
    finds = true;
    // A walk that finds something fails the text, whether the next word is known or not.
    expect(table.silent("see bees")).toBe(KNOWN_WORDS_FAILED);
    teach("bees");
    expect(table.silent("see bees")).toBe(KNOWN_WORDS_FAILED);
    expect(calls).toEqual(["finds 7 be", "finds 7 bes", "finds 7 bes"]);
  });

  it("keeps what a word's walks find in the next word, until either word leaves its slot", () => {
    // One set of four slots, replaced in turn: the slots each word takes are known.
    const { table, teach } = known(4);
    for (const word of ["xa", "xb", "bee"]) teach(word);
    teach("see", 1, [7]);
    expect(table.silent("see bee")).toBe(KNOWN_WORDS_SILENT);
    expect(table.silent("see bee, see bee")).toBe(KNOWN_WORDS_SILENT);
    // Walked once: the pair's answer is kept.
    expect(calls).toEqual(["finds 7 be"]);
    // Were the walks to find something now, a pair read before would keep its answer...
    finds = true;
    expect(table.silent("see bee")).toBe(KNOWN_WORDS_SILENT);
    // ...until another word takes one of its slots: "bed" replaces "bee" in the third.
    for (const word of ["ya", "yb", "bed"]) teach(word);
    expect(table.lookup("bee", 0, 3)).toBe(WORD_UNKNOWN);
    expect(table.silent("see bed")).toBe(KNOWN_WORDS_FAILED);
    expect(calls).toEqual(["finds 7 be", "finds 7 bed"]);
  });

  it("tells apart words alike in their last eight characters, or in all but their length", () => {
    // One set of four slots: every word is looked for among the same four.
    const { table, teach } = known(4);
    teach("nullification", WORD_OTHER);
    teach("aaaaaaaa");
    expect(table.lookup("nullification", 0, 13)).toBe(WORD_OTHER);
    expect(table.lookup("amplification", 0, 13)).toBe(WORD_UNKNOWN);
    expect(table.lookup("aaaaaaaaa", 0, 9)).toBe(WORD_UNKNOWN);
    expect(table.lookup("aaaaaaa", 0, 7)).toBe(WORD_UNKNOWN);
    teach("amplification");
    expect(table.silent("aaaaaaaa amplification")).toBe(KNOWN_WORDS_SILENT);
    expect(table.silent("aaaaaaaa nullification")).toBe(KNOWN_WORDS_FAILED);
    // A slot a longer word left to a shorter one: what was before the shorter word's eight
    // characters is not part of it.
    const again = known(4).table;
    for (const w of ["bbaaaaaaaa", "x", "y", "z", "aaaaaaaa"]) again.remember(w, 0, w.length, WORD_OTHER);
    expect(again.lookup("bbaaaaaaaa", 0, 10)).toBe(WORD_UNKNOWN);
    expect(again.lookup("aaaaaaaa", 0, 8)).toBe(WORD_OTHER);
    expect(again.lookup("baaaaaaaa", 0, 9)).toBe(WORD_UNKNOWN);
  });

  it("answers a word's own verdict or none, never another word's (property)", () => {
    // Few letters, so that taught and untaught words share long endings and beginnings.
    const word = fc.stringMatching(/^[ab]{1,24}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(word, { maxLength: 40 }),
        fc.array(word, { maxLength: 20 }),
        (taught, asked) => {
          // One set of four slots: words are looked for among the others and push each other out.
          const { table, teach } = known(4);
          taught.forEach((w, k) => {
            teach(w, k % 2 === 0 ? WORD_OTHER : WORD_SILENT);
          });
          taught.forEach((w, k) => {
            expect([k % 2 === 0 ? WORD_OTHER : WORD_SILENT, WORD_UNKNOWN]).toContain(
              table.lookup(w, 0, w.length),
            );
          });
          for (const w of asked.filter((w) => !taught.includes(w)))
            expect(table.lookup(w, 0, w.length)).toBe(WORD_UNKNOWN);
        },
      ),
    );
  });

  it("does not follow a walk that went on into one character further into the next", () => {
    const { table, teach } = known();
    teach("see", 1, [7]);
    teach("b");
    teach("x");
    expect(table.silent("see b")).toBe(KNOWN_WORDS_SILENT);
    expect(table.silent("b x")).toBe(KNOWN_WORDS_SILENT);
    // A phrase that went on into "b" may go on spelling with "x" (see Automaton.wordEnd).
    expect(table.silent("see b x")).toBe(KNOWN_WORDS_FAILED);
  });
});
