import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stricter } from "../../src/rules/evaluate.ts";
import { parseRuleSet } from "../../src/rules/index.ts";
import type { EvaluationInput, RuleAction } from "../../src/rules/types.ts";
import { input } from "./helpers.ts";

const RULES = `
default_action: approve
on_error: review
review_timeout_action: reject
review_timeout_margin_ms: 5000
rules:
  - id: slurs
    action: reject
    when:
      text_has_any: [badword, "another phrase"]
    unless:
      user_role_in: [admin, moderator]
  - id: links-to-bad-domains
    action: reject
    when:
      link_domain_in: [evil.example]
  - id: risky-network
    action: review
    when:
      ip_in: [203.0.113.0/24, "2001:db8::/32"]
  - id: friendly
    action: approve
    when:
      text_has_any: [hello]
`;

describe("rule set evaluation", () => {
  const rules = parseRuleSet(RULES, "rules.yaml");

  it("exposes the top-level settings", () => {
    expect(rules.default_action).toBe("approve");
    expect(rules.on_error).toBe("review");
    expect(rules.review_timeout_action).toBe("reject");
    expect(rules.review_timeout_margin_ms).toBe(5000);
    expect(rules.source).toBe("rules.yaml");
    expect(rules.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it("applies default_action when no rule matches", () => {
    const decision = rules.evaluate(input({ text: "a perfectly fine message" }));
    expect(decision).toEqual({ action: "approve", matches: [], ruleset_version: rules.version });
  });

  it("rejects a listed term and explains the span", () => {
    const decision = rules.evaluate(input({ text: "you BADWORD!" }));
    expect(decision.action).toBe("reject");
    expect(decision.matches).toHaveLength(1);
    const match = decision.matches[0]!;
    expect(match.rule_id).toBe("slurs");
    expect(match.conditions[0]!.key).toBe("text_has_any");
    expect(match.conditions[0]!.spans).toEqual([
      { field: "text", start: 4, end: 11, text: "BADWORD", normalized: "badword" },
    ]);
  });

  it("matches phrases", () => {
    expect(rules.evaluate(input({ text: "yet another   phrase here" })).action).toBe("reject");
  });

  it("exempts with unless", () => {
    const decision = rules.evaluate(input({ text: "badword", user: { id: "mod", role: "moderator" } }));
    expect(decision.action).toBe("approve");
    expect(decision.matches).toEqual([]);
  });

  it("picks the strictest action among matching rules", () => {
    const decision = rules.evaluate(
      input({ text: "hello, see https://www.evil.example/x" }, { requestInfo: { ip: "203.0.113.9" } }),
    );
    expect(decision.action).toBe("reject");
    expect(decision.matches.map((m) => m.rule_id).sort()).toEqual([
      "friendly",
      "links-to-bad-domains",
      "risky-network",
    ]);
  });

  it("review beats approve", () => {
    const decision = rules.evaluate(input({ text: "hello" }, { requestInfo: { ip: "2001:db8::1" } }));
    expect(decision.action).toBe("review");
  });

  it("an approve rule is reported even when it changes nothing", () => {
    const decision = rules.evaluate(input({ text: "hello" }));
    expect(decision.action).toBe("approve");
    expect(decision.matches.map((m) => m.rule_id)).toEqual(["friendly"]);
  });

  it("the version changes with the content", () => {
    expect(parseRuleSet(`${RULES}\n# comment`, "rules.yaml").version).not.toBe(rules.version);
    expect(parseRuleSet(RULES, "other.yaml").version).toBe(rules.version);
  });

  it("describes the rules as written", () => {
    const described = rules.describe() as { rules: Array<{ id: string }>; version: string };
    expect(described.version).toBe(rules.version);
    expect(described.rules.map((r) => r.id)).toEqual([
      "slurs",
      "links-to-bad-domains",
      "risky-network",
      "friendly",
    ]);
  });
});

describe("time budget and errors", () => {
  it("applies on_error when the time budget runs out, keeping the matches found before", () => {
    let clock = 0;
    const rules = parseRuleSet(
      "on_error: review\nevaluation_budget_ms: 10\nrules:\n  - id: a\n    action: approve\n    when: {text_has_any: [x]}\n  - id: b\n    action: approve\n    when: {text_has_any: [y]}\n",
      "rules.yaml",
      { now: () => (clock += 6) },
    );
    const decision = rules.evaluate(input({ text: "x y" }));
    expect(decision.action).toBe("review");
    expect(decision.matches.map((m) => m.rule_id)).toEqual(["a"]);
    expect(decision.error).toMatch(/time budget of 10ms \(at rule "b"\)/);
  });

  it("applies on_error when the text scan itself runs out of time", () => {
    let clock = 0;
    const rules = parseRuleSet(
      "on_error: reject\nevaluation_budget_ms: 15\nrules:\n  - id: a\n    action: approve\n    when: {text_has_any: [word]}\n",
      "rules.yaml",
      { now: () => (clock += 10) },
    );
    const decision = rules.evaluate(input({ text: "word ".repeat(20_000) }));
    expect(decision.action).toBe("reject");
    expect(decision.error).toMatch(/time budget of 15ms \(text matching ran out of its time budget\)/);
  });

  it("applies on_error when a condition throws", () => {
    const rules = parseRuleSet(
      "on_error: reject\nrules:\n  - id: a\n    action: approve\n    when: {mentions_over: 1}\n",
      "r.yaml",
    );
    const hostile = input({});
    Object.defineProperty(hostile.message, "mentioned_users", {
      get() {
        throw new Error("boom");
      },
    });
    const decision = rules.evaluate(hostile);
    expect(decision.action).toBe("reject");
    expect(decision.error).toBe("evaluation failed: boom");
  });

  it("defaults the top-level settings", () => {
    const rules = parseRuleSet("rules: []\n", "r.yaml");
    expect(rules.default_action).toBe("approve");
    expect(rules.on_error).toBe("review");
    expect(rules.review_timeout_action).toBe("expire");
    expect(rules.review_timeout_margin_ms).toBe(5000);
    expect(rules.evaluate(input({ text: "anything" })).action).toBe("approve");
  });

  it("default_action reject rejects unmatched messages", () => {
    const rules = parseRuleSet("default_action: reject\nrules: []\n", "r.yaml");
    expect(rules.evaluate(input({ text: "anything" })).action).toBe("reject");
  });
});

/**
 * A message whose `mentioned_users` is read once per `mentions_over` rule: the `cutAt`-th read
 * moves the injected clock past the budget (or throws `thrown`), so evaluation fails at that rule
 * whatever the text matcher does with the clock meanwhile.
 */
function failingAt(cutAt: number, text: string, thrown?: unknown) {
  let clock = 0;
  let reads = 0;
  const message = input({ text });
  Object.defineProperty(message.message, "mentioned_users", {
    get() {
      reads++;
      if (reads === cutAt) {
        if (thrown !== undefined) throw thrown;
        clock += 1_000;
      }
      return [{ id: "a" }, { id: "b" }];
    },
  });
  return { message, now: () => clock };
}

const BUDGET_RULES = (onError: RuleAction) => `
on_error: ${onError}
evaluation_budget_ms: 100
rules:
  - id: profanity
    action: reject
    when: {text_has_any: [badword]}
  - id: mass-mentions
    action: review
    when: {mentions_over: 1}
`;

describe("a failed evaluation is never more lenient than the matches it found", () => {
  const evaluate = (onError: RuleAction, message: EvaluationInput, now: () => number) =>
    parseRuleSet(BUDGET_RULES(onError), "rules.yaml", { now }).evaluate(message);

  it("on_error approve cannot approve a message a rule already rejected (budget exhausted)", () => {
    // A padded message: the profanity rule matched, then time ran out at the next rule.
    const { message, now } = failingAt(1, `badword ${"padding ".repeat(2_000)}`);
    const decision = evaluate("approve", message, now);
    expect(decision.action).toBe("reject");
    expect(decision.matches.map((m) => m.rule_id)).toEqual(["profanity"]);
    expect(decision.matches[0]?.conditions[0]?.key).toBe("text_has_any");
    expect(decision.error).toMatch(/time budget of 100ms \(at rule "mass-mentions"\)/);
  });

  it("on_error approve cannot approve a message a rule already rejected (a condition threw)", () => {
    const { message, now } = failingAt(1, "a badword", new Error("boom"));
    const decision = evaluate("approve", message, now);
    expect(decision).toMatchObject({ action: "reject", error: "evaluation failed: boom" });
    expect(decision.matches.map((m) => m.rule_id)).toEqual(["profanity"]);
  });

  it("on_error applies when it is the stricter, or when nothing matched yet", () => {
    const clean = failingAt(1, "clean text");
    expect(evaluate("review", clean.message, clean.now)).toMatchObject({ action: "review", matches: [] });
    const cleanToo = failingAt(1, "clean text");
    expect(evaluate("approve", cleanToo.message, cleanToo.now)).toMatchObject({
      action: "approve",
      matches: [],
    });
    // An approve rule matched before the failure does not soften on_error: reject.
    const hello = failingAt(1, "hello");
    const decision = parseRuleSet(
      "on_error: reject\nrules:\n  - id: hi\n    action: approve\n    when: {text_has_any: [hello]}\n  - id: m\n    action: review\n    when: {mentions_over: 1}\n",
      "rules.yaml",
      { now: hello.now },
    ).evaluate(hello.message);
    expect(decision.action).toBe("reject");
    expect(decision.matches.map((m) => m.rule_id)).toEqual(["hi"]);
  });

  it("holds for any rules, any on_error and any point of failure (property)", () => {
    const action = fc.constantFrom<RuleAction>("approve", "review", "reject");
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 6 }),
        action,
        action,
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        (actions, onError, defaultAction, cutAt, throwInstead) => {
          const yaml = `default_action: ${defaultAction}\non_error: ${onError}\nrules:\n${actions
            .map((a, i) => `  - id: r${i}\n    action: ${a}\n    when: {mentions_over: 1}\n`)
            .join("")}`;
          const { message, now } = failingAt(cutAt, "text", throwInstead ? new Error("boom") : undefined);
          const decision = parseRuleSet(yaml, "r.yaml", { now }).evaluate(message);
          if (cutAt > actions.length) {
            expect(decision.error).toBeUndefined();
            expect(decision.action).toBe(actions.reduce(stricter));
            return;
          }
          const before = actions.slice(0, cutAt - 1);
          expect(decision.error).toBeDefined();
          expect(decision.matches.map((m) => m.rule_id)).toEqual(before.map((_, i) => `r${i}`));
          expect(decision.action).toBe(before.reduce(stricter, onError));
        },
      ),
    );
  });

  it("never throws, whatever is thrown or however the clock fails", () => {
    const rules = parseRuleSet(BUDGET_RULES("review"), "rules.yaml");
    const unprintable = failingAt(1, "badword", Object.create(null));
    const decision = rules.evaluate(unprintable.message);
    expect(decision).toMatchObject({
      action: "reject",
      error: "evaluation failed: an unprintable value was thrown",
    });
    const brokenClock = parseRuleSet(BUDGET_RULES("review"), "rules.yaml", {
      now: () => {
        throw new Error("no clock");
      },
    });
    expect(brokenClock.evaluate(input({ text: "hi" }))).toMatchObject({
      action: "review",
      matches: [],
      error: "evaluation failed: no clock",
    });
  });
});
