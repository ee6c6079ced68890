import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { builtInRulesYaml, parseRuleSet, RulesLoadError } from "../../src/rules/index.ts";
import { RULES_YAML } from "../support/load-driver.ts";
import { SOAK } from "./random.ts";

// The rules loader reads files operators write by hand: whatever the text, it either compiles or
// throws a RulesLoadError naming what is wrong. Any other exception (a TypeError deep in a
// validator, a RangeError from the YAML parser) would crash a reload instead of keeping the
// running rules, and would tell the operator nothing.

const RUNS = SOAK ? 5000 : 400;

function loadOutcome(text: string): "ok" | "refused" {
  try {
    parseRuleSet(text, "fuzz.yaml", { readFile: () => "listed\nterms\n" });
    return "ok";
  } catch (error) {
    if (error instanceof RulesLoadError) return "refused";
    throw new Error(
      `parseRuleSet threw ${(error as Error)?.name}: ${(error as Error)?.message}\n---\n${text}`,
    );
  }
}

const CONDITION_KEYS = [
  "text_has_any",
  "text_has_any_file",
  "text_matches",
  "link_domain_in",
  "ip_in",
  "user_agent_matches",
  "sdk_matches",
  "ext_matches",
  "request_type_in",
  "user_id_in",
  "user_role_in",
  "cid_in",
  "channel_type_in",
  "metadata",
  "mentions_over",
  "attachments_over",
  "rate",
  "not_a_condition",
];

/** Documents shaped like rules files, with hostile values where the values go. */
const ruleDocument = fc
  .record(
    {
      default_action: fc.oneof(fc.constantFrom("approve", "reject", "review", "maybe"), fc.jsonValue()),
      on_error: fc.oneof(fc.constantFrom("approve", "reject", "review"), fc.jsonValue()),
      review_timeout_action: fc.oneof(fc.constantFrom("approve", "reject", "expire"), fc.jsonValue()),
      review_timeout_margin_ms: fc.oneof(fc.integer(), fc.double(), fc.string()),
      evaluation_budget_ms: fc.oneof(fc.integer(), fc.constant(Number.MAX_SAFE_INTEGER), fc.string()),
      rules: fc.oneof(
        fc.array(
          fc.record(
            {
              id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
              action: fc.oneof(fc.constantFrom("approve", "reject", "review"), fc.jsonValue()),
              mode: fc.oneof(fc.constantFrom("enforce", "shadow"), fc.jsonValue()),
              sample_for_review: fc.oneof(fc.double(), fc.constantFrom(0, 0.01, 1, 1.5), fc.jsonValue()),
              when: fc.dictionary(
                fc.constantFrom(...CONDITION_KEYS),
                fc.oneof(
                  fc.array(fc.string({ unit: "binary", maxLength: 30 }), { maxLength: 5 }),
                  fc.array(
                    fc.constantFrom("(a+)+$", "[", "\\", "(?<x>a)", "203.0.113.0/24", "::/0", "999.1.1.1/33"),
                  ),
                  fc.jsonValue({ maxDepth: 3 }),
                ),
                { maxKeys: 4 },
              ),
              unless: fc.dictionary(fc.constantFrom(...CONDITION_KEYS), fc.jsonValue({ maxDepth: 2 }), {
                maxKeys: 2,
              }),
              normalization: fc.jsonValue({ maxDepth: 2 }),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 4 },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      extra_key: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  )
  .map((doc) => stringify(doc));

const mutated = (source: string) =>
  fc
    .array(
      fc.record({
        at: fc.nat(),
        drop: fc.nat({ max: 8 }),
        insert: fc.oneof(
          fc.string({ maxLength: 6 }),
          fc.constantFrom(":", "- ", "\n  ", "&a ", "*a", "!!binary ", "{", "[", "'", '"', "\t"),
        ),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      let text = source;
      for (const { at, drop, insert } of edits) {
        const i = at % (text.length + 1);
        text = text.slice(0, i) + insert + text.slice(i + drop);
      }
      return text;
    });

describe("hostile input: rules loader", () => {
  it("arbitrary text: compiles or RulesLoadError, nothing else", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (text) => {
        loadOutcome(text);
      }),
      { numRuns: RUNS },
    );
  });

  it("rules-shaped documents with hostile values: compiles or RulesLoadError", () => {
    fc.assert(
      fc.property(ruleDocument, (text) => {
        loadOutcome(text);
      }),
      { numRuns: RUNS },
    );
  });

  it("mutations of real rules files: compiles or RulesLoadError", () => {
    fc.assert(
      fc.property(fc.oneof(mutated(RULES_YAML), mutated(builtInRulesYaml())), (text) => {
        loadOutcome(text);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    [
      "an alias bomb",
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\nrules: [*d]\n`,
    ],
    ["nesting 10 000 deep", `rules: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`],
    ["a flow map nesting 5 000 deep", `rules: ${"{a: ".repeat(5000)}1${"}".repeat(5000)}\n`],
    ["a tag the schema does not know", "rules: !!js/function 'function () {}'\n"],
    ["binary", "rules: !!binary AAEC\n"],
    ["a duplicate key", "rules: []\nrules: []\n"],
    ["a byte-order mark and NULs", "\ufeffrules: [\u0000]\n"],
    ["a number too large for a budget", "evaluation_budget_ms: 1e400\nrules: []\n"],
    [
      "a catastrophic regular expression",
      "rules:\n  - id: r\n    action: reject\n    when:\n      text_matches: ['(a+)+$', '(a|a)*b']\n",
    ],
    [
      "an invalid regular expression",
      "rules:\n  - id: r\n    action: reject\n    when:\n      text_matches: ['(']\n",
    ],
    [
      "a 100 000-term list",
      `rules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: [${Array.from({ length: 100_000 }, (_, i) => `t${i}`).join(", ")}]\n`,
    ],
  ])("%s: compiles or RulesLoadError", (_name, text) => {
    expect(["ok", "refused"]).toContain(loadOutcome(text));
  });
});
