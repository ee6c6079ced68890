import { describe, expect, it } from "vitest";
import { parseRuleSet, RulesLoadError } from "../../src/rules/index.ts";
import type { Decision } from "../../src/rules/types.ts";
import { builtInRulesSteady, input, STEADY_CLOCK } from "./helpers.ts";

// `text_has_category` on the built-in catalog (src/rules/terms/catalog.ts and
// src/rules/data/term-curation.yaml), and the built-in rules built on it.

function categoryYaml(selection: string): string {
  return `default_action: approve\nrules:\n  - id: r\n    action: reject\n    when:\n      text_has_category: ${selection}\n`;
}

const compiled = new Map<string, ReturnType<typeof parseRuleSet>>();
function categoryRules(selection: string) {
  let rules = compiled.get(selection);
  if (!rules) {
    rules = parseRuleSet(categoryYaml(selection), "rules.yaml", STEADY_CLOCK);
    compiled.set(selection, rules);
  }
  return rules;
}

const detailOf = (decision: Decision) => decision.matches[0]?.conditions[0]?.detail;

// [selection, text, matches, a fragment of the detail when it matches].
const SELECTIONS: Array<[selection: string, text: string, matches: boolean, detail?: string]> = [
  ["[slur]", "nigger", true, "'nigger' (slur, severe, en)"],
  ["[slur]", "you are a nigger", true, "(slur, severe, en)"],
  // Listed without a root of its own in the package; the curation names its spelling.
  ["[slur]", "honkey", true, "'honkey' (slur, severe, en)"],
  ["[slur]", "fuck", false],
  ["[slur]", "damn", false],
  ["{categories: [profanity], min_severity: severe}", "fuck", true, "'fuck' (profanity, severe, en)"],
  ["{categories: [profanity], min_severity: severe}", "damn", false],
  ["{categories: [profanity], min_severity: severe}", "shit", false],
  ["{categories: [profanity]}", "damn", true, "'damn' (profanity, mild, en)"],
  ["{languages: [de]}", "Arschloch", true, "'arschloch' (insult, severe, de)"],
  ["{languages: [de]}", "fuck", false],
  ["{categories: any, languages: [de]}", "Arschloch", true, "(insult, severe, de)"],
  ["any", "fuck", true, "'fuck' (profanity, severe, en)"],
  ["any", "Arschloch", true, "'arschloch' (insult, severe, de)"],
  ["any", "a perfectly pleasant message", false],
  ["[violence]", "kill yourself", true, "'kill yourself' (violence, severe, en)"],
  ["[violence]", "I will kill this bug", false],
];

describe("text_has_category selects built-in terms by category, severity and language", () => {
  it.each(SELECTIONS)("%s on %j → %s", (selection, text, matches, detail) => {
    const decision = categoryRules(selection).evaluate(input({ text }));
    expect(decision.error).toBeUndefined();
    if (!matches) {
      expect(decision.matches).toEqual([]);
      return;
    }
    expect(decision.action).toBe("reject");
    const condition = decision.matches[0]?.conditions[0];
    expect(condition?.key).toBe("text_has_category");
    expect(detailOf(decision)).toContain(detail);
    for (const span of condition?.spans ?? []) expect(span.text).toBe(text.slice(span.start, span.end));
  });

  it("the detail names category, severity and language, as '(profanity, severe, en)'", () => {
    const detail = detailOf(categoryRules("any").evaluate(input({ text: "fuck" })));
    expect(detail).toMatch(/'fuck' \(profanity, severe, en\)/);
  });
});

/** The load error of `yaml`, which must fail to load. */
function loadError(yaml: string): RulesLoadError {
  try {
    parseRuleSet(yaml, "rules.yaml", STEADY_CLOCK);
  } catch (error) {
    expect(error).toBeInstanceOf(RulesLoadError);
    return error as RulesLoadError;
  }
  throw new Error("expected the rules to be refused");
}

describe("text_has_category load errors name the field", () => {
  it.each([
    ["an unknown category", "[slurs]", "when.text_has_category.categories[0]", /slurs/],
    [
      "an unknown category in the long form",
      "{categories: [profanity, cursing]}",
      "when.text_has_category.categories[1]",
      /cursing/,
    ],
    [
      "an unknown language",
      "{languages: [xx]}",
      "when.text_has_category.languages[0]",
      /unknown language "xx"/,
    ],
    [
      "an unknown option key",
      "{language: [de]}",
      "when.text_has_category.language",
      /unknown key "language"/,
    ],
    ["an unknown severity", "{min_severity: extreme}", "when.text_has_category.min_severity", /extreme/],
  ])("%s", (_case, selection, field, reason) => {
    const error = loadError(categoryYaml(selection));
    expect(error.field).toBe(field);
    expect(error.ruleId).toBe("r");
    expect(error.message).toContain(`field "${field}"`);
    expect(error.reason).toMatch(reason);
  });
});

describe("the built-in rules", () => {
  const builtIn = builtInRulesSteady();

  it.each([
    ["nigger", "reject", "slurs-and-threats"],
    ["you filthy nigger", "reject", "slurs-and-threats"],
    ["kill yourself", "reject", "slurs-and-threats"],
    ["just kys", "reject", "slurs-and-threats"],
    ["fuck", "review", "swearing"],
    ["oh damn", "review", "swearing"],
  ] as const)("%j → %s by %s", (text, action, ruleId) => {
    const decision = builtIn.evaluate(input({ text }));
    expect(decision.error).toBeUndefined();
    expect(decision.action).toBe(action);
    expect(decision.matches.map((match) => match.rule_id)).toContain(ruleId);
  });

  it("'fuck' is swearing only", () => {
    expect(builtIn.evaluate(input({ text: "fuck" })).matches.map((m) => m.rule_id)).toEqual(["swearing"]);
  });

  it.each(["sexy", "stupid", "you look sexy", "that was stupid", "hello there", "a cocktail in Scunthorpe"])(
    "%j → approve",
    (text) => {
      const decision = builtIn.evaluate(input({ text }));
      expect(decision.matches).toEqual([]);
      expect(decision.action).toBe("approve");
    },
  );

  it("moderators are exempt", () => {
    const decision = builtIn.evaluate(input({ text: "kill yourself", user: { id: "m", role: "moderator" } }));
    expect(decision.action).toBe("approve");
  });
});
