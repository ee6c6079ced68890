import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRuleSet } from "../../src/rules/index.ts";
import { builtInAllowList } from "../../src/rules/text/allow-list.ts";
import { LONG_TEXT } from "../../src/rules/text/code-units.ts";
import { NEVER_INNOCENT_ROOTS } from "../../src/rules/text/lexicon.ts";
import { FULL_NORMALIZATION } from "../../src/rules/text/normalize.ts";
import { ScannedText, Scanner } from "../../src/rules/text/scanner.ts";
import type { TermHit } from "../../src/rules/text/term-index.ts";
import { TermMatcher } from "../../src/rules/text/term-matcher.ts";
import { input } from "./helpers.ts";

const LIST = ["fuck", "shit", "ass", "2 girls 1 cup", "2g1c", "🖕", "bitch"];
// A clock that never advances: these properties are about results, and a busy machine must not
// turn a slow evaluation into a budget error (the budget has tests and a benchmark of its own).
const rules = parseRuleSet(
  `rules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: ${JSON.stringify(LIST)}\n`,
  "r.yaml",
  { now: () => 0 },
);

function scan(term: string, text: string): TermHit[] {
  const matcher = new TermMatcher(FULL_NORMALIZATION);
  matcher.addTerms(0, [term], []);
  matcher.compile();
  const out: TermHit[][] = [];
  matcher.scan(text, "text", out);
  return out[0] ?? [];
}

const lowerWord = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"), minLength: min, maxLength: max });

describe("properties", () => {
  it("normalization and evaluation never throw, and spans are slices of the original text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        const decision = rules.evaluate(input({ text }));
        expect(decision.error).toBeUndefined();
        for (const match of decision.matches) {
          for (const condition of match.conditions) {
            for (const span of condition.spans ?? []) {
              expect(span.start).toBeGreaterThanOrEqual(0);
              expect(span.end).toBeLessThanOrEqual(text.length);
              expect(span.start).toBeLessThan(span.end);
              expect(span.text).toBe(text.slice(span.start, span.end));
            }
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("normalization never throws on strings mixing the characters it treats specially", () => {
    const special = fc.constantFrom(
      ..."aAsS1l|!*$@0 .-_\u200b\u200d\u00ad\u0301ßﬁ½Ⓐ𝐟ｆсοᴀ\ud800\udc00".split(""),
      "😂",
      "🖕",
      "\ud83d",
    );
    fc.assert(
      fc.property(fc.array(special, { maxLength: 60 }), (chars) => {
        const decision = rules.evaluate(input({ text: chars.join("") }));
        expect(decision.error).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it("a term never fires inside a longer word whose other part is not a word", () => {
    // Consonant clusters no dictionary holds, and no inflection ends with: "qxzj" never reads as
    // a word, so the longer word is not a compound of the term.
    const nonWord = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(..."qxzj"), minLength: min, maxLength: max });
    fc.assert(
      fc.property(lowerWord(3, 8), nonWord(0, 4), nonWord(0, 4), (term, prefix, suffix) => {
        fc.pre(prefix.length + suffix.length > 0);
        // A prefix ending (or suffix starting) with the term's own edge letter only repeats that
        // letter, which repeated-letter folding reads as the term itself ("ffuck").
        fc.pre(prefix === "" || prefix.at(-1) !== term[0]);
        fc.pre(suffix === "" || suffix[0] !== term.at(-1));
        // Roots never innocent ("fuck") count inside any word no list has: not this property.
        fc.pre(!NEVER_INNOCENT_ROOTS.some((root) => term.includes(root)));
        expect(scan(term, `hi ${prefix}${term}${suffix} there`)).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it("a term always matches itself as a word, whatever separates it from its neighbours", () => {
    const separator = fc.constantFrom(" ", ", ", ". ", "\n", "!", "(", ")", '"', " - ", "\t");
    fc.assert(
      fc.property(lowerWord(2, 10), separator, separator, (term, before, after) => {
        // A word the built-in allow-list holds ("fica", "kunst") is innocent where it stands alone,
        // even when a rule lists it (see allow-list.txt): not this property.
        fc.pre(!builtInAllowList().has(term));
        // Punctuation around it: nothing there can be read as letters.
        const text = `##${before}${term}${after}##`;
        const hits = scan(term, text);
        expect(hits).toHaveLength(1);
        expect(hits[0]?.original).toBe(term);
      }),
      { numRuns: 2000 },
    );
  });

  it("a term spelled out letter by letter is caught", () => {
    fc.assert(
      fc.property(lowerWord(2, 8), fc.constantFrom(".", " ", "-", "_", " . "), (term, separator) => {
        const spelled = [...term].join(separator);
        const hits = scan(term, `well ${spelled} then`);
        expect(hits.length).toBeGreaterThan(0);
        expect(hits[0]?.original).toBe(spelled);
      }),
      { numRuns: 2000 },
    );
  });

  it("the ASCII fast path and the general loop normalize alike", () => {
    const scanner = new Scanner(FULL_NORMALIZATION);
    const asciiChar = fc.constantFrom(..."aabcdeffghiklmnossstuu011345789@$!|*. -_,'\n\t".split(""));
    const tokens = (scanned: ScannedText) =>
      Array.from({ length: scanned.tokenCount }, (_, t) => {
        const from = scanned.tokenStarts[t] as number;
        const to = scanned.tokenEnds[t] as number;
        return {
          flags: scanned.tokenFlags[t],
          join: scanned.tokenJoinSymbols[t],
          symbols: [...scanned.symbols.slice(from, to)],
          runs: [...scanned.runs.slice(from, to)],
          starts: [...scanned.starts.slice(from, to)],
          ends: [...scanned.ends.slice(from, to)],
          soft: [...scanned.soft.slice(from, to)],
        };
      });
    fc.assert(
      fc.property(fc.array(asciiChar, { maxLength: 40 }), (chars) => {
        const text = chars.join("");
        const fast = tokens(scanner.scan(text, new ScannedText()));
        // A trailing non-ASCII word sends the same text through the general loop.
        const general = tokens(scanner.scan(`${text} \u00e9`, new ScannedText()));
        expect(general.slice(0, -1)).toEqual(fast);
        expect(general.at(-1)?.symbols).toEqual([0x65]);
      }),
      { numRuns: 3000 },
    );
  });

  it("a long text, read from a copy of its code units, scans as its parts do", () => {
    // A sample ending in a space, repeated past LONG_TEXT: each repetition's words are the
    // sample's, moved by the repetition's offset, whichever loop and way of reading they took.
    const scanner = new Scanner(FULL_NORMALIZATION);
    const char = fc.constantFrom(
      ..."abcfkstu01345@$!|*.-'".split(""),
      "é",
      "ё",
      "中",
      "ก",
      "ุ",
      "😂",
      "​",
      "ﬁ",
    );
    const shifted = (scanned: ScannedText, from: number, to: number, by: number) =>
      Array.from({ length: to - from }, (_, i) => {
        const t = from + i;
        const first = scanned.tokenStarts[t] as number;
        const last = scanned.tokenEnds[t] as number;
        return {
          flags: scanned.tokenFlags[t],
          symbols: [...scanned.symbols.slice(first, last)],
          runs: [...scanned.runs.slice(first, last)],
          starts: [...scanned.starts.slice(first, last)].map((start) => start - by),
          ends: [...scanned.ends.slice(first, last)].map((end) => end - by),
        };
      });
    fc.assert(
      fc.property(fc.array(char, { minLength: 1, maxLength: 30 }), (chars) => {
        const sample = `${chars.join("")} `;
        const repeats = Math.ceil((LONG_TEXT + 1) / sample.length);
        const one = scanner.scan(sample, new ScannedText());
        const words = one.tokenCount;
        const expected = shifted(one, 0, words, 0);
        const long = scanner.scan(sample.repeat(repeats), new ScannedText());
        expect(long.tokenCount).toBe(words * repeats);
        for (const r of [0, repeats - 1])
          expect(shifted(long, r * words, (r + 1) * words, r * sample.length)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
