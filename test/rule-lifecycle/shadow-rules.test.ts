import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseRuleSet, RulesLoadError } from "../../src/rules/index.ts";
import { input } from "../rules/helpers.ts";

// Shadow rules are how a moderator tries a rule on live traffic: whatever they are, the enforced
// decision must be exactly what it would be without them. Random rule sets, random messages.

const WORDS = ["spam", "scam", "hello", "damn", "free", "money", "click", "fuck", "kitten", "SHOUT"];
const USERS = ["u1", "u2", "u3"];

const condition = fc.oneof(
  fc.record({ text_has_any: fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }) }),
  fc.record({ text_matches: fc.constantFrom(["(?i)free\\s+money"], ["click"], ["^h"]) }),
  fc.record({ user_id_in: fc.uniqueArray(fc.constantFrom(...USERS), { minLength: 1, maxLength: 2 }) }),
  fc.record({ mentions_over: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ caps_ratio_over: fc.record({ ratio: fc.constantFrom(0.5, 0.8), min_length: fc.constant(3) }) }),
);

const rule = fc.record(
  {
    action: fc.constantFrom("approve", "review", "reject"),
    mode: fc.constantFrom("enforce", "shadow"),
    when: fc.array(condition, { minLength: 1, maxLength: 2 }).map((list) => Object.assign({}, ...list)),
    unless: fc.array(condition, { maxLength: 1 }).map((list) => Object.assign({}, ...list)),
    sample: fc.constantFrom(undefined, 0.3, 1),
  },
  { requiredKeys: ["action", "mode", "when"] },
);

type RandomRule = {
  action: string;
  mode: string;
  when: Record<string, unknown>;
  unless?: Record<string, unknown>;
  sample?: number;
};

function rulesYaml(rules: RandomRule[], defaultAction: string, keep: (rule: RandomRule) => boolean) {
  const out = rules.flatMap((r, index) => {
    if (!keep(r)) return [];
    const sampled = r.sample !== undefined && r.action === "reject" && r.mode === "enforce";
    return [
      {
        id: `r${index}`,
        action: r.action,
        ...(r.mode === "shadow" ? { mode: "shadow" } : {}),
        ...(sampled ? { sample_for_review: r.sample } : {}),
        when: r.when,
        ...(r.unless && Object.keys(r.unless).length > 0 ? { unless: r.unless } : {}),
      },
    ];
  });
  // A budget no busy machine exhausts: this property is about matching, not time (the test
  // below is about time, on an injected clock).
  return stringify({ default_action: defaultAction, evaluation_budget_ms: 600_000, rules: out });
}

const message = fc.record({
  id: fc.string({ minLength: 1, maxLength: 12 }),
  words: fc.array(fc.constantFrom(...WORDS, "x", "FREE MONEY"), { maxLength: 6 }),
  user: fc.constantFrom(...USERS),
  mentions: fc.integer({ min: 0, max: 4 }),
});

const toInput = (m: { id: string; words: string[]; user: string; mentions: number }) =>
  input({
    id: m.id,
    text: m.words.join(" "),
    user: { id: m.user, role: "user" },
    mentioned_users: Array.from({ length: m.mentions }, (_, i) => ({ id: `m${i}` })),
  });

describe("shadow rules", () => {
  it("never change the decision, and record exactly what they would have matched", () => {
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("approve", "review", "reject"),
        fc.array(message, { minLength: 1, maxLength: 5 }),
        (rules, defaultAction, messages) => {
          const withShadows = parseRuleSet(
            rulesYaml(rules, defaultAction, () => true),
            "with.yaml",
          );
          const enforcedOnly = parseRuleSet(
            rulesYaml(rules, defaultAction, (r) => r.mode === "enforce"),
            "without.yaml",
          );
          const shadowsEnforced = parseRuleSet(
            rulesYaml(
              rules.map((r) => ({ ...r, mode: "enforce", sample: undefined })),
              defaultAction,
              () => true,
            ),
            "all.yaml",
          );
          const shadowIds = new Set(rules.flatMap((r, i) => (r.mode === "shadow" ? [`r${i}`] : [])));
          for (const m of messages) {
            const evaluation = toInput(m);
            const decided = withShadows.evaluate(evaluation);
            const baseline = enforcedOnly.evaluate(evaluation);
            expect(decided.action).toBe(baseline.action);
            expect(decided.matches).toEqual(baseline.matches);
            expect(decided.sampled_rules).toEqual(baseline.sampled_rules);
            expect(decided.error).toBe(baseline.error);
            // What each shadow rule would have matched, had it been enforced.
            const wouldHave = shadowsEnforced
              .evaluate(evaluation)
              .matches.filter((x) => shadowIds.has(x.rule_id));
            expect(decided.shadow_matches ?? []).toEqual(wouldHave);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a shadow rule that runs out of time leaves the decision as it was and says so", () => {
    const yaml = `
evaluation_budget_ms: 50
rules:
  - id: enforced
    action: review
    when: { text_has_any: [spam] }
  - id: trial
    action: reject
    mode: shadow
    when: { text_has_any: [spam] }
`;
    const evaluation = input({ text: "spam here" });
    // Count the clock reads of the enforced rules alone; time jumps right after the shadow rules
    // start their own budget (one more read).
    let reads = 0;
    const counted = parseRuleSet(
      yaml.replace("mode: shadow", "mode: enforce").replace(/ {2}- id: trial[\s\S]*/, ""),
      "a.yaml",
      {
        now: () => {
          reads++;
          return 0;
        },
      },
    );
    counted.evaluate(evaluation);
    const enforcedReads = reads;
    let calls = 0;
    const ruleset = parseRuleSet(yaml, "b.yaml", { now: () => (calls++ <= enforcedReads ? 0 : 1_000_000) });
    const decision = ruleset.evaluate(evaluation);
    expect(decision.action).toBe("review");
    expect(decision.error).toBeUndefined();
    expect(decision.matches.map((m) => m.rule_id)).toEqual(["enforced"]);
    expect(decision.shadow_matches).toEqual([]);
    expect(decision.shadow_error).toMatch(/time budget of 50ms \(at rule "trial"\)/);
  });

  it("mode and sample_for_review are checked at load, with what to do", () => {
    const load = (extra: string, action = "reject") =>
      parseRuleSet(
        `rules:\n  - id: r\n    action: ${action}\n${extra}    when: { text_has_any: [x] }\n`,
        "r.yaml",
      );
    expect(() => load("    mode: dry-run\n")).toThrow(
      /mode.*expected one of enforce \| shadow, got "dry-run"/,
    );
    expect(() => load("    sample_for_review: 2\n")).toThrow(/between 0 and 1/);
    expect(() => load("    sample_for_review: 0\n")).toThrow(/between 0 and 1/);
    expect(() => load("    sample_for_review: 0.1\n", "review")).toThrow(
      /only a rule with action: reject can send samples/,
    );
    expect(() => load("    mode: shadow\n    sample_for_review: 0.1\n")).toThrow(RulesLoadError);
    expect(() => load("    mode: shadow\n    sample_for_review: 0.1\n")).toThrow(
      /remove sample_for_review or mode: shadow/,
    );
  });
});

describe("calibration samples", () => {
  const rules = (share: number, extra = "") =>
    parseRuleSet(
      `evaluation_budget_ms: 600000\nrules:\n  - id: links\n    action: reject\n    sample_for_review: ${share}\n    when: { text_has_any: [scam] }\n${extra}`,
      "s.yaml",
    );

  it("send about the given share of a rule's rejections to review, the same messages every time", () => {
    const ruleset = rules(0.2);
    const decisions = Array.from({ length: 2000 }, (_, i) =>
      ruleset.evaluate(input({ id: `msg-${i}`, text: "scam" })),
    );
    const sampled = decisions.filter((d) => d.action === "review");
    for (const d of sampled) expect(d.sampled_rules).toEqual(["links"]);
    for (const d of decisions.filter((x) => x.action === "reject")) expect(d.sampled_rules).toBeUndefined();
    // 2000 draws at 0.2: 400 expected; 300-500 is more than 5 standard deviations either side.
    expect(sampled.length).toBeGreaterThan(300);
    expect(sampled.length).toBeLessThan(500);
    const again = Array.from(
      { length: 2000 },
      (_, i) => ruleset.evaluate(input({ id: `msg-${i}`, text: "scam" })).action,
    );
    expect(again).toEqual(decisions.map((d) => d.action));
  });

  it("never overrule a rule that rejects without sampling, and leave approvals alone", () => {
    const ruleset = rules(1, "  - id: hard\n    action: reject\n    when: { text_has_any: [fraud] }\n");
    expect(ruleset.evaluate(input({ text: "scam" }))).toMatchObject({
      action: "review",
      sampled_rules: ["links"],
    });
    const both = ruleset.evaluate(input({ text: "scam fraud" }));
    expect(both.action).toBe("reject");
    expect(both.sampled_rules).toBeUndefined();
    expect(ruleset.evaluate(input({ text: "hello" }))).toMatchObject({ action: "approve" });
  });
});
