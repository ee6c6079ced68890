import { fileURLToPath } from "node:url";
import type { PendingMessage, RequestInfo } from "../../src/hooks/payload.ts";
import { builtInRulesYaml, parseRuleSet } from "../../src/rules/index.ts";
import type { Decision, EvaluationInput } from "../../src/rules/types.ts";

/** An evaluation input with sensible defaults; override what the test is about. */
export function input(
  message: Partial<PendingMessage> = {},
  extra: {
    metadata?: Record<string, string>;
    requestInfo?: RequestInfo | null;
    rateCounts?: Map<string, number>;
  } = {},
): EvaluationInput {
  return {
    message: { id: "m1", text: "", cid: "messaging:general", user: { id: "u1", role: "user" }, ...message },
    metadata: extra.metadata ?? {},
    requestInfo: extra.requestInfo ?? null,
    ...(extra.rateCounts ? { rateCounts: extra.rateCounts } : {}),
  };
}

/** Rules with a single `reject` rule whose `when` is the given YAML fragment (indented by the caller). */
export function singleRule(when: string, extra = ""): string {
  return `default_action: approve\nrules:\n  - id: r\n    action: reject\n${extra}    when:\n${when
    .split("\n")
    .map((line) => `      ${line}`)
    .join("\n")}\n`;
}

/** Evaluates one message against a single-rule set; returns the decision. */
export function decide(when: string, evaluation: EvaluationInput, extra = ""): Decision {
  return parseRuleSet(singleRule(when, extra), "rules.yaml").evaluate(evaluation);
}

/**
 * Options for rule sets whose tests are about results, not time: a clock that never advances, so
 * a busy machine cannot turn a slow evaluation into a budget error. The budget has tests of its
 * own (evaluate.test.ts) and `npm run bench:rules` measures the time.
 */
export const STEADY_CLOCK = { now: () => 0 } as const;

let builtInSteady: ReturnType<typeof parseRuleSet> | undefined;

/** The built-in rules on a clock that never advances (see STEADY_CLOCK); compiled once per file. */
export function builtInRulesSteady(): ReturnType<typeof parseRuleSet> {
  builtInSteady ??= parseRuleSet(builtInRulesYaml(), "built-in", {
    baseDir: fileURLToPath(new URL("../../src/rules/data/", import.meta.url)),
    ...STEADY_CLOCK,
  });
  return builtInSteady;
}
