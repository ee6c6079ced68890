import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtInRuleSet, loadRuleSetFile, parseRuleSet, RulesLoadError } from "../../src/rules/index.ts";
import { input } from "./helpers.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/rules/${name}`, import.meta.url));

describe("loadRuleSetFile", () => {
  const rules = loadRuleSetFile(fixture("good.yaml"));

  it("reads the file and resolves list files relative to it", () => {
    expect(rules.source).toBe(fixture("good.yaml"));
    expect(rules.review_timeout_action).toBe("reject");
    expect(rules.review_timeout_margin_ms).toBe(2000);
    const decision = rules.evaluate(input({ text: "time to FROBNICATE" }));
    expect(decision.action).toBe("reject");
    expect(decision.matches.map((m) => m.rule_id)).toEqual(["custom-list", "inline-and-file"]);
  });

  it("merges inline terms with the file's (one condition, OR)", () => {
    const decision = rules.evaluate(input({ text: "wibble" }));
    expect(decision.action).toBe("review");
    expect(decision.matches[0]?.conditions[0]?.detail).toBe("term 'wibble'");
    expect(rules.evaluate(input({ text: "a zorg   blaster!" })).action).toBe("reject");
  });

  it("skips comments and blank lines of list files", () => {
    expect(rules.evaluate(input({ text: "terms for the fixture rules" })).action).toBe("approve");
  });

  it("includes list files in the version", () => {
    const yaml = "rules:\n  - id: a\n    action: reject\n    when: {text_has_any_file: list.txt}\n";
    const one = parseRuleSet(yaml, "r.yaml", { readFile: () => "alpha\n" });
    const two = parseRuleSet(yaml, "r.yaml", { readFile: () => "beta\n" });
    expect(one.version).not.toBe(two.version);
  });

  it("refuses a missing rules file with a RulesLoadError", () => {
    expect(() => loadRuleSetFile(fixture("missing.yaml"))).toThrow(RulesLoadError);
    expect(() => loadRuleSetFile(fixture("missing.yaml"))).toThrow(/cannot read rules file \(ENOENT\)/);
  });

  it("refuses an empty list file", () => {
    expect(() =>
      parseRuleSet(
        "rules:\n  - id: a\n    action: reject\n    when: {text_has_any_file: l.txt}\n",
        "r.yaml",
        {
          readFile: () => "# nothing\n\n",
        },
      ),
    ).toThrow(/term list file "l.txt" has no terms/);
  });
});

describe("built-in rule set", () => {
  const rules = builtInRuleSet();

  it("is documented and sensible: hold, don't destroy", () => {
    expect(rules.source).toBe("built-in");
    expect(rules.default_action).toBe("approve");
    expect(rules.on_error).toBe("review");
    expect(rules.review_timeout_action).toBe("expire");
  });

  it.each([
    ["you bastard", "sexual-and-insults"],
    ["b.a.s.t.a.r.d", "sexual-and-insults"],
    ["2 girls 1 cup", "sexual-and-insults"],
    ["what the fuck", "swearing"],
    ["damn it", "swearing"],
    ["🖕", "sexual-and-insults"],
  ])("holds %j for review (rule %s), even obfuscated", (text, rule) => {
    const decision = rules.evaluate(input({ text }));
    expect(decision.action).toBe("review");
    expect(decision.matches.map((m) => m.rule_id)).toContain(rule);
  });

  it("lets moderators speak freely", () => {
    expect(rules.evaluate(input({ text: "you bastard", user: { id: "m", role: "moderator" } })).action).toBe(
      "approve",
    );
  });

  it("approves ordinary and Scunthorpe-like messages", () => {
    for (const text of ["see you in Scunthorpe", "the assassin's cocktail", "hello there", "class is at 5"]) {
      expect(rules.evaluate(input({ text })).action).toBe("approve");
    }
  });

  it("holds mass mentions", () => {
    const mentioned_users = Array.from({ length: 11 }, (_, i) => ({ id: `u${i}` }));
    expect(rules.evaluate(input({ text: "hi", mentioned_users })).matches[0]?.rule_id).toBe("mass-mentions");
  });

  it("is compiled once", () => {
    expect(builtInRuleSet()).toBe(rules);
  });
});
