import { describe, expect, it } from "vitest";
import { parseRuleSet, RulesLoadError } from "../../src/rules/index.ts";

function loadError(yaml: string, opts = {}): RulesLoadError {
  try {
    parseRuleSet(yaml, "rules.yaml", opts);
  } catch (error) {
    if (error instanceof RulesLoadError) return error;
    throw error;
  }
  throw new Error("expected the rules to be refused");
}

describe("rules file load errors", () => {
  it("names file, line, rule and field for a bad value", () => {
    const error = loadError(`rules:
  - id: ok
    action: reject
    when:
      text_has_any: [a]
  - id: slurs
    action: reject
    when:
      text_has_any: 12
`);
    expect(error.file).toBe("rules.yaml");
    expect(error.line).toBe(9);
    expect(error.ruleId).toBe("slurs");
    expect(error.field).toBe("when.text_has_any");
    expect(error.message).toBe(
      'rules.yaml:9: rule "slurs": field "when.text_has_any": expected a list of strings',
    );
  });

  const cases: Array<[string, string, RegExp, { line?: number; ruleId?: string; field?: string }]> = [
    [
      "unknown top-level key",
      "default_actoin: approve\n",
      /unknown key "default_actoin"/,
      { line: 1, field: "default_actoin" },
    ],
    [
      "bad default_action",
      "default_action: allow\n",
      /expected one of approve \| reject \| review/,
      { line: 1, field: "default_action" },
    ],
    ["bad on_error", "on_error: maybe\n", /expected one of/, { field: "on_error" }],
    [
      "bad review_timeout_action",
      "review_timeout_action: review\n",
      /approve \| reject \| expire/,
      { field: "review_timeout_action" },
    ],
    [
      "negative margin",
      "review_timeout_margin_ms: -1\n",
      /non-negative integer/,
      { field: "review_timeout_margin_ms" },
    ],
    ["rules not a list", "rules: {a: 1}\n", /list of rules/, { field: "rules" }],
    [
      "unknown rule key",
      "rules:\n  - id: a\n    action: reject\n    wehn: {}\n",
      /unknown key "wehn"/,
      { line: 4, ruleId: "a", field: "wehn" },
    ],
    [
      "unknown condition key",
      "rules:\n  - id: a\n    action: reject\n    when:\n      text_has: [x]\n",
      /unknown key "text_has"/,
      { line: 5, ruleId: "a", field: "when.text_has" },
    ],
    [
      "missing id",
      "rules:\n  - action: reject\n    when: {text_has_any: [x]}\n",
      /needs an "id"/,
      { line: 2, ruleId: "#1" },
    ],
    [
      "missing action",
      "rules:\n  - id: a\n    when: {text_has_any: [x]}\n",
      /needs an "action"/,
      { ruleId: "a", field: "action" },
    ],
    [
      "bad action",
      "rules:\n  - id: a\n    action: delete\n    when: {text_has_any: [x]}\n",
      /expected one of/,
      { line: 3, ruleId: "a", field: "action" },
    ],
    [
      "missing when",
      "rules:\n  - id: a\n    action: reject\n",
      /needs a "when"/,
      { ruleId: "a", field: "when" },
    ],
    [
      "empty when",
      "rules:\n  - id: a\n    action: reject\n    when: {}\n",
      /at least one condition/,
      { ruleId: "a", field: "when" },
    ],
    [
      "duplicate ids",
      "rules:\n  - id: a\n    action: reject\n    when: {text_has_any: [x]}\n  - id: a\n    action: review\n    when: {text_has_any: [y]}\n",
      /duplicate rule id "a"/,
      { line: 5, ruleId: "a", field: "id" },
    ],
    [
      "empty term list",
      "rules:\n  - id: a\n    action: reject\n    when: {text_has_any: []}\n",
      /list of strings/,
      { ruleId: "a", field: "when.text_has_any" },
    ],
    [
      "non-string term",
      "rules:\n  - id: a\n    action: reject\n    when:\n      text_has_any: [ok, {x: 1}]\n",
      /list of strings/,
      { line: 5, field: "when.text_has_any[1]" },
    ],
    [
      "bad ip",
      "rules:\n  - id: a\n    action: reject\n    when:\n      ip_in: [10.0.0.0/8, 300.1.1.1]\n",
      /"300.1.1.1" is not an IP address/,
      { line: 5, field: "when.ip_in[1]" },
    ],
    [
      "bad domain",
      "rules:\n  - id: a\n    action: reject\n    when:\n      link_domain_in: [localhost]\n",
      /not a domain name/,
      { field: "when.link_domain_in[0]" },
    ],
    [
      "bad normalization step",
      "rules:\n  - id: a\n    action: reject\n    normalization: {leet: false}\n    when: {text_has_any: [x]}\n",
      /unknown key "leet"/,
      { line: 4, field: "normalization.leet" },
    ],
    [
      "missing list file",
      "rules:\n  - id: a\n    action: reject\n    when:\n      text_has_any_file: nope.txt\n",
      /cannot read term list file "nope.txt" \(ENOENT\)/,
      { line: 5, field: "when.text_has_any_file" },
    ],
    ["invalid YAML", "rules:\n  - id: a\n   action: [\n", /invalid YAML/, {}],
    ["duplicate YAML keys", "default_action: approve\ndefault_action: reject\n", /invalid YAML/, { line: 2 }],
    [
      "bad mentions_over",
      "rules:\n  - id: a\n    action: reject\n    when: {mentions_over: -3}\n",
      /non-negative integer/,
      { field: "when.mentions_over" },
    ],
    [
      "bad caps ratio",
      "rules:\n  - id: a\n    action: reject\n    when: {caps_ratio_over: 2}\n",
      /ratio from 0 to 1/,
      { field: "when.caps_ratio_over" },
    ],
    [
      "backreference",
      "rules:\n  - id: re\n    action: reject\n    when:\n      text_matches: ['(a)\\1']\n",
      /pattern .* is not supported: .*invalid escape/,
      { line: 5, ruleId: "re", field: "when.text_matches[0]" },
    ],
    [
      "lookahead",
      "rules:\n  - id: re\n    action: reject\n    when:\n      text_matches: ['ok', '(?=x)y']\n",
      /not supported: .*Perl syntax/,
      { ruleId: "re", field: "when.text_matches[1]" },
    ],
    [
      "invalid user agent pattern",
      "rules:\n  - id: ua\n    action: reject\n    when: {user_agent_matches: ['[']}\n",
      /missing closing \]/,
      { ruleId: "ua", field: "when.user_agent_matches[0]" },
    ],
    [
      "oversized pattern",
      "rules:\n  - id: big\n    action: reject\n    when: {sdk_matches: ['(a{1,1000}){1,30}']}\n",
      /too large|not supported/,
      { ruleId: "big", field: "when.sdk_matches[0]" },
    ],
    [
      "rate without max",
      "rules:\n  - id: f\n    action: review\n    when: {rate: {per: 10s}}\n",
      /rate needs "max"/,
      { field: "when.rate.max" },
    ],
    [
      "rate bad window",
      "rules:\n  - id: f\n    action: review\n    when: {rate: {max: 3, per: 10 seconds}}\n",
      /window such as "10s"/,
      { field: "when.rate.per" },
    ],
    [
      "rate window too long",
      "rules:\n  - id: f\n    action: review\n    when: {rate: {max: 3, per: 2d}}\n",
      /at most 1d/,
      { field: "when.rate.per" },
    ],
    [
      "rate bad by",
      "rules:\n  - id: f\n    action: review\n    when: {rate: {max: 3, per: 1m, by: channel}}\n",
      /user \| ip/,
      { field: "when.rate.by" },
    ],
    [
      "rate unknown key",
      "rules:\n  - id: f\n    action: review\n    when: {rate: {max: 3, per: 1m, burst: 2}}\n",
      /unknown key "burst"/,
      { field: "when.rate.burst" },
    ],
    [
      "ext_has without key",
      "rules:\n  - id: e\n    action: review\n    when: {ext_has: ['=1']}\n",
      /key=value/,
      { field: "when.ext_has[0]" },
    ],
    [
      "metadata value not a string",
      "rules:\n  - id: m\n    action: review\n    when: {metadata: {plan: {a: 1}}}\n",
      /list of strings/,
      { field: "when.metadata.plan" },
    ],
    [
      "caps unknown key",
      "rules:\n  - id: c\n    action: review\n    when: {caps_ratio_over: {ratio: 0.5, min: 3}}\n",
      /unknown key "min"/,
      { field: "when.caps_ratio_over.min" },
    ],
    [
      "blank term",
      "rules:\n  - id: t\n    action: review\n    when: {text_has_any: ['   ']}\n",
      /blank/,
      { field: "when.text_has_any" },
    ],
    [
      "term with too many readings",
      "rules:\n  - id: t\n    action: review\n    when: {text_has_any: ['a1b1c1d1e1f1g1']}\n",
      /too many leetspeak readings/,
      { field: "when.text_has_any" },
    ],
    [
      "unknown unless key",
      "rules:\n  - id: u\n    action: review\n    when: {mentions_over: 3}\n    unless: {role_in: [admin]}\n",
      /unknown key "role_in"/,
      { ruleId: "u", field: "unless.role_in" },
    ],
    ["bad budget", "evaluation_budget_ms: 0\n", /positive integer/, { field: "evaluation_budget_ms" }],
    ["top level not a mapping", "- a\n- b\n", /mapping at the top level/, {}],
    [
      "empty metadata",
      "rules:\n  - id: a\n    action: reject\n    when: {metadata: {}}\n",
      /at least one metadata key/,
      { field: "when.metadata" },
    ],
  ];

  it.each(cases)("refuses %s", (_name, yaml, message, expected) => {
    const error = loadError(yaml);
    expect(error).toBeInstanceOf(RulesLoadError);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith("rules.yaml")).toBe(true);
    if (expected.line !== undefined) expect(error.line).toBe(expected.line);
    if (expected.ruleId !== undefined) expect(error.ruleId).toBe(expected.ruleId);
    if (expected.field !== undefined) expect(error.field).toBe(expected.field);
  });
});
