import { describe, expect, it } from "vitest";
import { parseRuleSet } from "../../src/rules/index.ts";
import { buildCatalog } from "../../src/rules/terms/catalog.ts";
import { builtInRulesSteady, input, STEADY_CLOCK } from "./helpers.ts";

// Innocent words that hold a term, by the mechanism that tells them from abuse: a word made from
// an innocent word by a derivational affix, a compound whose only other parts are function
// words, a plural in first place. Each innocent case has a control right beside it that the same
// terms still catch, so a case passes only because of the mechanism it names.

/** A single reject rule over `terms`, with extra keys for its `when` block. */
function termRules(terms: readonly string[], extraWhen = "") {
  const yaml = `default_action: approve\nrules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: ${JSON.stringify(terms)}\n${extraWhen}`;
  return parseRuleSet(yaml, "rules.yaml", STEADY_CLOCK);
}

function actionOf(terms: readonly string[], text: string, extraWhen = ""): string {
  return termRules(terms, extraWhen).evaluate(input({ text: `well ${text} then` })).action;
}

describe("a word made from an innocent word by a derivational affix is innocent", () => {
  // [terms, innocent word, its base and affix, a control the same terms catch]
  it.each([
    [["nigger"], "sniggerless", "allow-listed 'snigger' + 'less'", "niggerless"],
    [["nigger"], "unsniggering", "'un' + allow-listed 'sniggering'", "unniggering"],
    [["nigga"], "niggardise", "allow-listed 'niggard' + 'ise'", "niggaise"],
    [["groid"], "antinegroid", "'anti' + dictionary 'negroid'", "antigroid"],
    [["shite"], "marshites", "dictionary 'marsh' + 'ites'", "shites"],
  ] as const)("%j: %j (%s) passes, %j is caught", (terms, innocent, _why, control) => {
    expect(actionOf(terms, innocent)).toBe("approve");
    expect(actionOf(terms, control)).toBe("reject");
  });

  it("a rule's own text_allow words are bases too", () => {
    const allow = "      text_allow: [blorfland]\n";
    expect(actionOf(["blorf"], "blorflandism", allow)).toBe("approve");
    // Control: without the allowed base the same word is a compound of the term.
    expect(actionOf(["blorf"], "blorflandism")).toBe("reject");
  });

  it("the term's own endings are no derivation: 'twattish' is the term", () => {
    expect(actionOf(["twat"], "twattish")).toBe("reject");
  });
});

describe("a compound needs content beside the term, not only function words", () => {
  it.each([
    ["blorfher", "blorfhouse"],
    ["herblorf", "houseblorf"],
    ["ofblorfon", "pieceofblorf"],
  ])("%j passes, %j is caught", (functionWordsOnly, withContent) => {
    expect(actionOf(["blorf"], functionWordsOnly)).toBe("approve");
    expect(actionOf(["blorf"], withContent)).toBe("reject");
  });

  it("digits and a second term are content: 'blorf99', 'blorfherzorkle'", () => {
    expect(actionOf(["blorf"], "blorf99")).toBe("reject");
    expect(actionOf(["blorf", "zorkle"], "blorfherzorkle")).toBe("reject");
  });
});

describe("an English compound takes its first part in the singular", () => {
  it.each([[["knob"]], [["knob", "knobs"]]] as const)(
    "%j: 'knobshead' passes, 'knobhead' is caught",
    (terms) => {
      expect(actionOf(terms, "knobshead")).toBe("approve");
      expect(actionOf(terms, "knobhead")).toBe("reject");
      // The plural is still the term as a whole word.
      expect(actionOf(terms, "knobs")).toBe("reject");
    },
  );
});

describe("a term that is a common English word takes its inflections, not '-er', '-ish' or '-y'", () => {
  // "chunk" is among SCOWL's 35,000 commonest words: "chunkish" and "chunker" would be words made
  // from the ordinary word. "twat" is not: its "-ish" is the term.
  it.each(["chunkish", "chunker", "chunkers"])("%j passes with 'chunk' in the list", (word) => {
    expect(actionOf(["chunk"], word)).toBe("approve");
  });

  it.each([
    [["chunk"], "chunks"],
    [["twat"], "twattish"],
  ] as const)("%j still catches %j", (terms, word) => {
    expect(actionOf(terms, word)).toBe("reject");
  });
});

describe("a word the dictionary knows only as a noun takes no verb endings", () => {
  // "gazebo" has no past and no "-ing" in the dictionary: it is no verb. "bonk" is one, and
  // "blorf" is in no dictionary at all, so nothing says it is no verb.
  it.each(["gazeboed", "gazeboing", "gazeboer"])("%j passes with 'gazebo' in the list", (word) => {
    expect(actionOf(["gazebo"], word)).toBe("approve");
  });

  it.each([
    [["gazebo"], "gazebos"],
    [["gazebo"], "gazeboish"],
    [["bonk"], "bonker"],
    [["blorf"], "blorfed"],
    [["blorf"], "blorfing"],
  ] as const)("%j still catches %j", (terms, word) => {
    expect(actionOf(terms, word)).toBe("reject");
  });
});

describe("terms that are ordinary English words first need context (term-curation.yaml, needs_context)", () => {
  const mildRule = (category: string) =>
    parseRuleSet(
      `rules:\n  - id: r\n    action: reject\n    when:\n      text_has_category: {categories: [${category}], min_severity: mild}\n`,
      "rules.yaml",
      STEADY_CLOCK,
    );

  it.each([
    ["I'll nip out to the shop", "slur"],
    ["a hardcore gamer since the nineties", "sexual"],
    ["she'll snatch the last slice", "sexual"],
    ["this level sucks, the boss is too strong", "sexual"],
    ["practise the fingering of that chord", "sexual"],
  ])("%j passes the built-in rules, and a rule asking for mild %s terms holds it", (text, category) => {
    expect(builtInRulesSteady().evaluate(input({ text })).action).toBe("approve");
    const decision = mildRule(category).evaluate(input({ text }));
    expect(decision.action).toBe("reject");
    expect(decision.matches[0]?.conditions[0]?.detail).toMatch(/, mild, en\)/);
  });

  it("a needs_context entry must be an English word: the catalog refuses one that is not, naming it", () => {
    const curation =
      "roots: {}\nterms: {}\ndefaults: {}\nneeds_context:\n  blorfzz: no such word\nexclude: []\n";
    expect(() => buildCatalog(curation)).toThrow(
      /needs_context lists "blorfzz", which is no English dictionary word/,
    );
  });
});

describe("'-man' is no insult head: it names a trade or a family", () => {
  it("'knobman' passes where 'knobhead' is caught", () => {
    expect(actionOf(["knob"], "knobman")).toBe("approve");
    expect(actionOf(["knob"], "knobhead")).toBe("reject");
  });
});

describe("'-in' for '-ing' is the same word", () => {
  // "chunking" is a dictionary word, so a form of "chunk" gives way to it, written either way.
  it("'chunkin' passes with 'chunk' in the list, as 'chunking' does; 'blorfin' is caught", () => {
    expect(actionOf(["chunk"], "chunking")).toBe("approve");
    expect(actionOf(["chunk"], "chunkin")).toBe("approve");
    expect(actionOf(["blorf"], "blorfin")).toBe("reject");
  });
});

describe("an allow-listed idiom clears the term inside it, wherever it stands", () => {
  // The built-in allow-list's idioms apply to inline terms as to the built-in data.
  const terms = ["spick", "spic", "coon", "honky", "honkey"];

  it.each([
    "spick and span",
    "the kitchen is Spick-and-Span now",
    "a spic and span room",
    "my Maine Coon sleeps",
    "two maine coons",
    "a honky-tonk bar",
    "honky tonk piano",
    "Honkey - tonk",
    "HONKEY-TONKS",
  ])("%j passes", (text) => {
    expect(termRules(terms).evaluate(input({ text })).action).toBe("approve");
  });

  it.each([
    ["you spick", "spick"],
    ["dirty coon", "coon"],
    // Part of the idiom is no idiom.
    ["spick and", "spick"],
    ["maine dirty coon", "coon"],
    // Its words in another order, or apart by more than spaces and dashes.
    ["span and spick", "spick"],
    ["spick, and span", "spick"],
    ["coon maine", "coon"],
    // The idiom clears its own words, not the term again next to it.
    ["honkey tonk honkey", "honkey"],
  ])("%j is caught (%j)", (text, term) => {
    const decision = termRules(terms).evaluate(input({ text }));
    expect(decision.action).toBe("reject");
    const spans = decision.matches.flatMap((m) => m.conditions.flatMap((c) => c.spans ?? []));
    expect(spans.map((span) => span.text.toLowerCase())).toEqual([term]);
  });

  it("the built-in rules let the idioms pass and still catch the terms", () => {
    const rules = builtInRulesSteady();
    for (const text of ["spick and span", "maine coon", "honkey-tonk", "honky tonk"])
      expect(rules.evaluate(input({ text })).action, text).toBe("approve");
    for (const text of ["you spick", "dirty coon", "honkey", "honky"])
      expect(rules.evaluate(input({ text })).action, text).not.toBe("approve");
  });
});

describe("text_allow takes phrases", () => {
  const allow = '      text_allow: ["blorf and zorkle", "blorfhouse tower"]\n';

  it.each(["blorf and zorkle", "blorf-and-zorkle", "the Blorf and Zorkle show"])(
    "%j passes with the phrase allowed, and is caught without it",
    (text) => {
      expect(termRules(["blorf"], allow).evaluate(input({ text })).action).toBe("approve");
      expect(termRules(["blorf"]).evaluate(input({ text })).action).toBe("reject");
    },
  );

  it.each(["blorf", "blorf and friends", "zorkle and blorf"])("%j is still caught", (text) => {
    expect(termRules(["blorf"], allow).evaluate(input({ text })).action).toBe("reject");
  });

  // A word's decision is kept and reused (WordDecisions); a word of an allowed phrase depends on
  // its neighbours, so neither order may carry one decision over to the other.
  it.each([
    [["blorfhouse tower", "blorfhouse", "blorfhouse tower"]],
    [["blorfhouse", "blorfhouse tower", "blorfhouse"]],
  ])("a compound inside an allowed phrase is decided by its neighbours each time: %j", (texts) => {
    const rules = termRules(["blorf"], allow);
    for (const text of texts)
      expect(rules.evaluate(input({ text })).action, text).toBe(
        text.includes("tower") ? "approve" : "reject",
      );
  });
});
