import { describe, expect, it } from "vitest";
import { parseRuleSet } from "../../src/rules/index.ts";
import {
  CharClass,
  CharTable,
  FULL_NORMALIZATION,
  NORMALIZATION_STEPS,
  type NormalizationOptions,
} from "../../src/rules/text/normalize.ts";
import type { TermHit } from "../../src/rules/text/term-index.ts";
import { TermMatcher } from "../../src/rules/text/term-matcher.ts";
import { input } from "./helpers.ts";

const TERMS = [
  "fuck",
  "shit",
  "ass",
  "asshole",
  "cunt",
  "penis",
  "cock",
  "kill",
  "bitch",
  "bastard",
  "2 girls 1 cup",
  "2g1c",
  "🖕",
];

function rulesWith(normalization = "") {
  const yaml = `rules:\n  - id: r\n    action: reject\n${normalization}    when:\n      text_has_any: ${JSON.stringify(TERMS)}\n`;
  return parseRuleSet(yaml, "rules.yaml");
}

const full = rulesWith();
const matchedTerm = (text: string) =>
  full.evaluate(input({ text })).matches[0]?.conditions[0]?.spans?.map((s) => s.normalized) ?? [];

// Each obfuscation the pipeline exists for, with the step responsible.
const CAUGHT: Array<[step: string, text: string, normalized: string]> = [
  ["case folding", "FUCK", "fuck"],
  ["case folding (ß → ss)", "AßHOLE", "asshole"],
  ["NFKC (fullwidth)", "ｆｕｃｋ", "fuck"],
  ["NFKC (mathematical bold)", "𝐟𝐮𝐜𝐤", "fuck"],
  ["NFKC (circled letters)", "ⓕⓤⓒⓚ", "fuck"],
  ["diacritics (precomposed)", "fück", "fuck"],
  ["diacritics (combining mark)", "fu\u0301ck", "fuck"],
  ["diacritics (stroked letters)", "ßhit", "shit"],
  ["confusables (Cyrillic)", "fuсk", "fuck"],
  ["confusables (Cyrillic, whole word)", "ѕһіt", "shit"],
  ["confusables (Greek)", "ΑSS", "ass"],
  ["confusables (Armenian)", "fսck", "fuck"],
  ["confusables (small capitals)", "ꜰᴜᴄᴋ", "fuck"],
  ["zero-width space", "f\u200buck", "fuck"],
  ["zero-width joiner", "f\u200du\u200dc\u200dk", "fuck"],
  ["soft hyphen", "sh\u00adit", "shit"],
  ["word joiner", "bi\u2060tch", "bitch"],
  ["leetspeak digits", "sh1t", "shit"],
  ["leetspeak 1 as l", "ki11", "kill"],
  ["leetspeak symbols", "$h!t", "shit"],
  ["leetspeak @ and $", "@$$", "ass"],
  ["leetspeak 0 and 3", "c0ck", "cock"],
  ["leetspeak 3", "p3nis", "penis"],
  ["leetspeak wildcard", "f*ck", "fuck"],
  ["leetspeak double wildcard", "a**hole", "asshole"],
  ["stars between letters", "f*u*c*k", "fuck"],
  ["stars between many letters", "b*@*s*t*a*r*d", "bastard"],
  ["repeated letters", "fuuuuuck", "fuck"],
  ["repeated letters (doubled in the term)", "assss", "ass"],
  ["repeated letters after leetspeak", "a$$$$", "ass"],
  ["separators: dots", "f.u.c.k", "fuck"],
  ["separators: spaces", "f u c k", "fuck"],
  ["separators: hyphens", "f-u-c-k", "fuck"],
  ["separators: mixed", "s_h.i t", "shit"],
  ["separators with repeated letters", "a s s", "ass"],
  ["separators with a letter repeated first", "a a a s s", "ass"],
  ["separators with letters repeated", "f f u u u c k", "fuck"],
  ["separators with leetspeak", "s h 1 t", "shit"],
  ["separators with a lone leet symbol", "b.@.s.t.a.r.d", "bastard"],
  ["separators after one-letter words", "u r a c u n t", "cunt"],
  ["separators after I", "I f u c k", "fuck"],
  ["separators before one-letter words", "f u c k u", "fuck"],
  ["separators after a spaced word", "a f.u.c.k", "fuck"],
  ["phrase across punctuation", "2 girls, 1 cup", "2 girls 1 cup"],
  ["digits kept in words with digits and letters", "2G1C", "2gic"],
  ["symbol term", "ok 🖕 bye", "🖕"],
  ["trailing punctuation", "shit!!!", "shit"],
  ["markdown emphasis", "**shit**", "shit"],
  ["everything at once", "Ｆ.ü.с.k", "fuck"],
];

describe("normalization catches obfuscations", () => {
  it.each(CAUGHT)("%s: %j", (_step, text, normalized) => {
    expect(matchedTerm(`well ${text} then`)).toContain(normalized);
  });

  it.each([
    ["a a a s s", "a a a s s"],
    ["u a a s s", "a a s s"],
    ["c c c o o c k", "c c c o o c k"],
  ])("a spelled-out word with a letter repeated first spans the whole run: %j", (text, span) => {
    const spans = full.evaluate(input({ text: `well ${text} then` })).matches[0]?.conditions[0]?.spans ?? [];
    expect(spans.map((s) => s.text)).toContain(span);
  });
});

// Innocent words containing a listed term, and texts a careless normalizer would turn into one.
const INNOCENT = [
  "Scunthorpe",
  "assassin",
  "cocktail",
  "Penistone",
  "class",
  "bass",
  "assume",
  "passage",
  "shiitake",
  "cockpit",
  "Hancock",
  "peacock",
  "skill",
  "as",
  "was",
  "has",
  "455",
  "5000",
  "2024",
  "1 cup",
  "$ 5",
  "@ noon",
  "me@home",
  // Spelled out, a word is its whole run of letters: "class" does not contain the word "ass".
  "c l a s s",
  "g r a s s",
  "b a s s",
  "a s s e t s",
  "s c u n t h o r p e",
  "c.o.c.k.t.a.i.l",
];

describe("innocent words pass", () => {
  it.each(INNOCENT)("%j", (text) => {
    const decision = full.evaluate(input({ text: `we met at ${text} yesterday` }));
    expect(decision.action).toBe("approve");
    expect(decision.matches).toEqual([]);
  });

  it("does not read ordinary Russian or Greek as English terms", () => {
    for (const text of ["Привет, как дела?", "Это очень интересная книга", "Καλημέρα, τι κάνεις;"]) {
      expect(full.evaluate(input({ text })).action).toBe("approve");
    }
  });
});

describe("spans map back to the original text", () => {
  it.each([
    ["hey f.u.c.k you", 4, 11],
    ["xx ｆｕｃｋ!", 3, 7],
    ["𝐟𝐮𝐜𝐤 it", 0, 8],
    ["a f\u200bu\u200bck b", 2, 8],
    ["fu\u0301ck", 0, 5],
    ["oh fuuuuck", 3, 10],
    ["ok AßHOLE", 3, 9],
  ] as const)("%j → [%i, %i)", (text, start, end) => {
    const span = full.evaluate(input({ text })).matches[0]?.conditions[0]?.spans?.[0];
    expect(span?.start).toBe(start);
    expect(span?.end).toBe(end);
    expect(span?.text).toBe(text.slice(start, end));
  });
});

// Turning a step off must stop exactly the obfuscations that step handles.
const OPT_OUTS: Array<[step: keyof NormalizationOptions, caughtOnlyWithIt: string, stillCaught: string]> = [
  ["case_folding", "FUCK", "fuck"],
  ["nfkc", "ｆｕｃｋ", "fuck"],
  ["diacritics", "fück", "fuck"],
  ["confusables", "fuсk", "fuck"],
  ["zero_width", "f\u200buck", "fuck"],
  ["leetspeak", "sh1t", "shit"],
  ["repeated_letters", "fuuuck", "fuck"],
  ["separators", "f.u.c.k", "fuck"],
];

describe("per-rule opt-out of normalization steps", () => {
  it.each(OPT_OUTS)("%s: false", (step, caughtOnlyWithIt, stillCaught) => {
    const rules = rulesWith(`    normalization: {${step}: false}\n`);
    expect(full.evaluate(input({ text: caughtOnlyWithIt })).action).toBe("reject");
    expect(rules.evaluate(input({ text: caughtOnlyWithIt })).action).toBe("approve");
    expect(rules.evaluate(input({ text: stillCaught })).action).toBe("reject");
  });

  it("rules with different profiles in one set each use their own", () => {
    const rules = parseRuleSet(
      "rules:\n  - id: strict\n    action: reject\n    when: {text_has_any: [shit]}\n  - id: literal\n    action: review\n    normalization: {leetspeak: false}\n    when: {text_has_any: [sh1t]}\n",
      "r.yaml",
    );
    const decision = rules.evaluate(input({ text: "sh1t" }));
    expect(decision.matches.map((m) => m.rule_id).sort()).toEqual(["literal", "strict"]);
    expect(rules.evaluate(input({ text: "shit" })).matches.map((m) => m.rule_id)).toEqual(["strict"]);
  });

  it("without repeated-letter folding a doubled letter must match exactly", () => {
    const rules = rulesWith("    normalization: {repeated_letters: false}\n");
    expect(rules.evaluate(input({ text: "ass" })).action).toBe("reject");
    expect(rules.evaluate(input({ text: "asss" })).action).toBe("approve");
    expect(rules.evaluate(input({ text: "as" })).action).toBe("approve");
  });
});

describe("TermMatcher", () => {
  function hits(
    terms: string[],
    text: string,
    options: NormalizationOptions = FULL_NORMALIZATION,
  ): TermHit[] {
    const matcher = new TermMatcher(options);
    matcher.addTerms(0, terms, []);
    matcher.compile();
    const out: TermHit[][] = [];
    matcher.scan(text, "text", out);
    return out[0] ?? [];
  }

  it("reports each occurrence once, even when two leet readings reach it", () => {
    expect(hits(["2g1c"], "2g1c and 2g1c").map((h) => h.start)).toEqual([0, 9]);
  });

  it("normalizes words for explanations", () => {
    const matcher = new TermMatcher(FULL_NORMALIZATION);
    expect(matcher.normalizedWords("Ｈéllo, W0RLD!! f.u")).toEqual(["hello", "world", "f", "u"]);
  });

  it("reads at most four stars of a word as wildcards", () => {
    expect(hits(["abcdef"], "a****f")).toHaveLength(1);
    expect(hits(["abcdefg"], "a*****g")).toEqual([]);
    // Beyond that the stars are punctuation-like: the letters around them still count as words.
    expect(hits(["ab"], "ab*****g")).toHaveLength(1);
  });

  it("stays fast on hostile runs of wildcards", () => {
    const started = performance.now();
    hits(["a".repeat(40), `a${"x".repeat(30)}b`], `a${"*".repeat(5000)}b `.repeat(20));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("bounds the spans kept per condition", () => {
    expect(hits(["spam"], "spam ".repeat(500))).toHaveLength(50);
  });

  it("shares one automaton state per common prefix", () => {
    const states = (terms: string[]) => {
      const matcher = new TermMatcher(FULL_NORMALIZATION);
      matcher.addTerms(0, terms, []);
      matcher.compile();
      return matcher.stateCount - 1; // without the root
    };
    // "ab" and the "ab" of "abc"/"abd" (and of their inflected forms) are the same states.
    expect(states(["abc", "abd", "ab"])).toBeLessThan(states(["abc"]) + states(["abd"]) + states(["ab"]) - 2);
  });
});

describe("characters outside the BMP", () => {
  // Those folding leaves as they are (most of them) are entered without folding or caching
  // (CharTable.plainAstral): every one, under these profiles, must read exactly as folding it would.
  it.each([
    ["every step", FULL_NORMALIZATION],
    [
      "no step",
      Object.fromEntries(NORMALIZATION_STEPS.map((step) => [step, false])) as unknown as NormalizationOptions,
    ],
  ] as const)("enter as their folded form under %s", (_name, options) => {
    const table = new CharTable(options);
    const parts = (entry: number) =>
      (entry & 15) === CharClass.Expansion ? [...table.expansion(entry)] : [entry];
    for (let codePoint = 0x10000; codePoint <= 0x10ffff; codePoint++) {
      const written = parts(table.entry(codePoint));
      const folded = parts(table.computedEntry(codePoint));
      if (written.join() !== folded.join())
        expect({ codePoint, written }).toEqual({ codePoint, written: folded });
    }
  });

  it("a text of random CJK ideographs is read as letters of an unspaced script, and spans stay in it", () => {
    let text = "";
    for (let i = 0; text.length < 2000; i++) text += String.fromCodePoint(0x20000 + ((i * 7919) % 0xa6d0));
    const matcher = new TermMatcher(FULL_NORMALIZATION);
    const term = String.fromCodePoint(0x20000 + 7919 * 3, 0x20000 + 7919 * 4);
    matcher.addTerms(0, [term], []);
    matcher.compile();
    const out: TermHit[][] = [];
    matcher.scan(text, "text", out);
    expect(out[0]?.map((hit) => text.slice(hit.start, hit.end))).toContain(term);
  });
});
