import { describe, expect, it } from "vitest";
import { parseRuleSet } from "../../src/rules/index.ts";
import type { Decision, MatchedSpan } from "../../src/rules/types.ts";
import { builtInRulesSteady, input, STEADY_CLOCK } from "./helpers.ts";

// Scripts and languages: a term's forms follow its language (guessed from its script for an
// inline term: Hangul → Korean, Arabic → Arabic, Cyrillic → Russian, Latin → English); scripts
// written without spaces are split into words by ICU; vowel signs that are letters stay letters;
// a Cyrillic term matches only Cyrillic text.

function termRules(terms: readonly string[]) {
  const yaml = `default_action: approve\nrules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: ${JSON.stringify(terms)}\n`;
  return parseRuleSet(yaml, "rules.yaml", STEADY_CLOCK);
}

function categoryRules(selection: string) {
  const yaml = `default_action: approve\nrules:\n  - id: r\n    action: reject\n    when:\n      text_has_category: ${selection}\n`;
  return parseRuleSet(yaml, "rules.yaml", STEADY_CLOCK);
}

function spansOf(decision: Decision): MatchedSpan[] {
  return decision.matches.flatMap((match) => match.conditions.flatMap((condition) => condition.spans ?? []));
}

interface Case {
  lang: string;
  term: string;
  text: string;
  /** The original text of the span expected, or null when the text must pass. */
  span: string | null;
  why: string;
}

const CASES: Case[] = [
  // Chinese: ICU word boundaries, no doubled characters, no single-character suffixes.
  { lang: "zh", term: "傻逼", text: "你是傻逼吗", span: "傻逼", why: "a word between ICU boundaries" },
  {
    lang: "zh",
    term: "性",
    text: "我的性格很好",
    span: null,
    why: "性 is the first half of 性格 (character)",
  },
  { lang: "zh", term: "奶", text: "周末我去看望奶奶了", span: null, why: "奶奶 (grandma) is a doubled word" },
  { lang: "zh", term: "性", text: "安全性很重要", span: null, why: "性 is the suffix of 安全性 (safety)" },
  { lang: "zh", term: "你妈", text: "你妈妈做的菜", span: null, why: "妈妈 (mum) is a doubled word" },
  { lang: "zh", term: "你妈", text: "你妈的", span: "你妈", why: "the curse itself" },
  // Japanese: katakana folds to hiragana.
  {
    lang: "ja",
    term: "ちんこ",
    text: "お前のちんこ小さい",
    span: "ちんこ",
    why: "a word inside unspaced text",
  },
  { lang: "ja", term: "ちんこ", text: "チンコ", span: "チンコ", why: "katakana matches the hiragana term" },
  {
    lang: "ja",
    term: "ちんこ",
    text: "お前のチンコ小さい",
    span: "チンコ",
    why: "katakana inside a sentence",
  },
  // Korean: particles and suffixes written attached to the noun.
  { lang: "ko", term: "병신", text: "병신들", span: "병신들", why: "plural suffix 들" },
  { lang: "ko", term: "병신", text: "병신아", span: "병신아", why: "vocative particle 아" },
  { lang: "ko", term: "병신", text: "이 병신아 꺼져", span: "병신아", why: "inside a sentence" },
  // Arabic: attached article and conjunctions, ta marbuta, tatweel.
  { lang: "ar", term: "عاهرة", text: "العاهرة", span: "العاهرة", why: "with the article ال" },
  { lang: "ar", term: "عاهرة", text: "وعاهرة", span: "وعاهرة", why: "with the conjunction و" },
  { lang: "ar", term: "عاهرة", text: "عـــاهرة", span: "عـــاهرة", why: "stretched with tatweel" },
  {
    lang: "ar",
    term: "زب",
    text: "الزبون",
    span: null,
    why: "a two-letter term takes no affixes (customer)",
  },
  { lang: "ar", term: "زب", text: "زب", span: "زب", why: "the two-letter term itself" },
  // Russian: case endings after the stem.
  { lang: "ru", term: "сука", text: "суку", span: "суку", why: "accusative" },
  { lang: "ru", term: "мудак", text: "мудаки", span: "мудаки", why: "plural" },
  { lang: "ru", term: "сука", text: "Ну ты и сука, брат", span: "сука", why: "inside a sentence" },
  // Thai: vowel signs are letters, not accents to strip.
  { lang: "th", term: "หี", text: "หู ตา จมูก", span: null, why: "หู (ear) differs from หี by its vowel sign" },
  { lang: "th", term: "หี", text: "หี", span: "หี", why: "the term itself" },
  { lang: "th", term: "ควาย", text: "มึงเป็นควาย", span: "ควาย", why: "a word inside unspaced text" },
  // Devanagari: vowel signs are letters too.
  { lang: "hi", term: "चूत", text: "चित या पट", span: null, why: "चित differs from चूत by its vowel signs" },
  { lang: "hi", term: "चूत", text: "तू चूत है", span: "चूत", why: "the term itself" },
];

describe("inline terms in other scripts", () => {
  it.each(CASES)("$lang: $term in $text ($why)", ({ term, text, span }) => {
    const decision = termRules([term]).evaluate(input({ text }));
    expect(decision.error).toBeUndefined();
    if (span === null) {
      expect(decision.matches).toEqual([]);
      expect(decision.action).toBe("approve");
    } else {
      expect(decision.action).toBe("reject");
      const spans = spansOf(decision);
      expect(spans.map((s) => s.text)).toContain(span);
      for (const s of spans) expect(s.text).toBe(text.slice(s.start, s.end));
    }
  });
});

describe("allow-listed words in scripts written without spaces", () => {
  // There a word is found where it lies: an allow-listed word clears the term inside it wherever
  // it is written, while the term elsewhere in the same text still counts.
  function allowRules(term: string, allow: string) {
    const yaml = `default_action: approve\nrules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: ${JSON.stringify([term])}\n      text_allow: ${JSON.stringify([allow])}\n`;
    return parseRuleSet(yaml, "rules.yaml", STEADY_CLOCK);
  }

  it.each([{ term: "ควาย", allow: "ควายป่า", passes: "เราเห็นควายป่าที่สวนสัตว์", caught: "เราเห็นควายที่สวนสัตว์" }])(
    "$allow clears $term inside it",
    ({ term, allow, passes, caught }) => {
      expect(termRules([term]).evaluate(input({ text: passes })).action).toBe("reject");
      const rules = allowRules(term, allow);
      expect(rules.evaluate(input({ text: passes })).action).toBe("approve");
      expect(rules.evaluate(input({ text: caught })).action).toBe("reject");
      expect(rules.evaluate(input({ text: `${passes} ${caught}` })).action).toBe("reject");
    },
  );

  it("the built-in allow-list holds Thai words built on a term (ขี้ in ขี้เล่น, playful)", () => {
    const rules = categoryRules("{categories: [profanity], languages: [th]}");
    expect(rules.evaluate(input({ text: "ลูกแมวตัวนี้ขี้เล่นมาก" })).action).toBe("approve");
    expect(rules.evaluate(input({ text: "มีขี้อยู่บนพื้น" })).action).toBe("reject");
  });
});

describe("a Cyrillic term matches only Cyrillic text", () => {
  // Folded, "ссать" and its forms look like Latin letters ("ссате" → "ccate"), "сука" like "cyka".
  it.each([
    ["ссать", "braccate"],
    ["ссать", "the braccate pigeon"],
    ["сука", "cyka"],
    ["сука", "pyka cyka"],
  ])("%j does not fire on the Latin %j", (term, text) => {
    expect(termRules([term]).evaluate(input({ text })).matches).toEqual([]);
  });

  it.each([
    ["ссать", "не хочу ссать", "ссать"],
    ["сука", "Ну ты и сука", "сука"],
    // One Latin look-alike inside a Cyrillic word does not hide it.
    ["сука", "ты сyка", "сyка"],
  ])("%j fires in the Russian %j", (term, text, span) => {
    const decision = termRules([term]).evaluate(input({ text }));
    expect(spansOf(decision).map((s) => s.text)).toEqual([span]);
  });
});

describe("German forms and compounds (built-in data, languages: [de])", () => {
  // An inline Latin-script term inflects as English, so German forms are tested on the built-in
  // German terms, which carry their language.
  const german = categoryRules("{categories: any, languages: [de]}");

  it.each([
    ["Vollarschloch", "arschloch"],
    ["Arschlöcher", "Arschlöcher"],
    ["du Arschloch", "Arschloch"],
  ])("%j is caught (span %j)", (text, span) => {
    const decision = german.evaluate(input({ text }));
    expect(decision.action).toBe("reject");
    expect(spansOf(decision).map((s) => s.text)).toContain(span);
    expect(decision.matches[0]?.conditions[0]?.detail).toContain("'arschloch' (insult, severe, de)");
  });

  it.each(["Arsenal", "Schlossallee", "fuck"])("%j is no German term", (text) => {
    expect(german.evaluate(input({ text })).matches).toEqual([]);
  });
});

describe("a term of another language glues to words of its own language, not to English ones", () => {
  // [languages, word, why]: the built-in terms 'cazzo' (it) and 'cona' (pt) glued to words.
  it.each([
    ["it", "cazzobird", "'bird' is English (and French, Dutch), not Italian"],
    ["it", "birdcazzo", "the same, the term last"],
    ["it", "cazzoform", "'form' is English and German, not Italian"],
    ["pt", "conabird", "'bird' is not Portuguese"],
  ])("[%s] %j passes (%s)", (languages, text) => {
    expect(
      categoryRules(`{categories: any, languages: [${languages}]}`).evaluate(input({ text })).action,
    ).toBe("approve");
  });

  it.each([
    ["it", "cazzoduro", "'duro' is Italian"],
    ["it", "pianocazzo", "'piano' is Italian as well as English"],
    ["it", "cazzo99", "digits"],
    ["pt", "cona99", "digits"],
    ["de", "Vollarschloch", "'voll' is German"],
    ["de", "Drecksfotze", "German 'Dreck' and the linking 's'"],
    ["hi", "kuttaface", "romanized Hindi has no word list to tell its words from English ones"],
  ])("[%s] %j is caught (%s)", (languages, text) => {
    expect(
      categoryRules(`{categories: any, languages: [${languages}]}`).evaluate(input({ text })).action,
    ).toBe("reject");
  });
});

describe("a term of another language counts through a doubled letter only stretched or obfuscated", () => {
  // A doubled letter makes another word more often than it hides the term (Italian "annale",
  // Estonian "neeger"); the term itself, stretched further or written with symbols, still counts.
  it.each([
    ["pt", "conna", "approve"],
    ["it", "caazzo", "approve"],
    ["pt", "cona", "reject"],
    ["pt", "connna", "reject"],
    ["pt", "c0nna", "reject"],
    ["it", "cazzzo", "reject"],
    // Two letters are one doubled only when written alike: "ée" is the participle's ending.
    ["fr", "elle est baisée", "reject"],
  ])("[%s] %j → %s", (languages, text, action) => {
    expect(
      categoryRules(`{categories: any, languages: [${languages}]}`).evaluate(input({ text })).action,
    ).toBe(action);
  });

  it("an English term read through a doubled letter still counts ('blorrf')", () => {
    expect(termRules(["blorf"]).evaluate(input({ text: "blorrf" })).action).toBe("reject");
  });
});

// Written as the behaviour one would expect, marked `fails`: vitest reports them when they start
// to pass. An inline Latin-script term is taken for English: it takes no German endings, and as
// an ordinary German word ("arschloch" is in the German word list) it counts inside a compound
// only before an English insult head.
describe("known gaps: inline German terms", () => {
  it.fails.each(["Vollarschloch", "Arschlöcher"])("inline [arschloch] catches %j", (text) => {
    expect(termRules(["arschloch"]).evaluate(input({ text })).action).toBe("reject");
  });
});

describe("a term that is an ordinary word of the message's language", () => {
  const rules = builtInRulesSteady();
  it.each([
    ["Je suis en retard, désolé.", "approve"],
    ["el gato negro duerme en la casa", "approve"],
    ["you are a retard", "reject"],
    ["hey negro", "reject"],
  ] as const)("%j → %s", (text, action) => {
    expect(rules.evaluate(input({ text })).action).toBe(action);
  });
});
