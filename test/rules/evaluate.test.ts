import { describe, expect, it } from "vitest";
import { parseRuleSet } from "../../src/rules/index.ts";
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
  it("applies on_error when the time budget runs out", () => {
    let clock = 0;
    const rules = parseRuleSet(
      "on_error: review\nevaluation_budget_ms: 10\nrules:\n  - id: a\n    action: approve\n    when: {text_has_any: [x]}\n  - id: b\n    action: approve\n    when: {text_has_any: [y]}\n",
      "rules.yaml",
      { now: () => (clock += 6) },
    );
    const decision = rules.evaluate(input({ text: "x y" }));
    expect(decision.action).toBe("review");
    expect(decision.matches).toEqual([]);
    expect(decision.error).toMatch(/time budget of 10ms/);
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
