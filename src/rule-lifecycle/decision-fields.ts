import type { RuleMatch } from "../rules/types.ts";

const WOULD_HAVE: Record<RuleMatch["action"], string> = {
  approve: "approved",
  review: "held",
  reject: "rejected",
};

/** "shadow: would have rejected (links), would have held (caps)"; null when no shadow rule matched. */
export function shadowSummary(shadowMatches: readonly RuleMatch[]): string | null {
  if (shadowMatches.length === 0) return null;
  const byAction = new Map<string, string[]>();
  for (const match of shadowMatches) {
    const ids = byAction.get(match.action) ?? [];
    ids.push(match.rule_id);
    byAction.set(match.action, ids);
  }
  const parts = (["reject", "review", "approve"] as const)
    .filter((action) => byAction.has(action))
    .map((action) => `would have ${WOULD_HAVE[action]} (${byAction.get(action)!.join(", ")})`);
  return `shadow: ${parts.join(", ")}`;
}

/**
 * What the rules history adds to a decision as every route shows it: the shadow rules that
 * matched (and a line saying what they would have done), and the reject rules whose rejection
 * this decision sent to review as a calibration sample.
 */
export function ruleLifecycleFields(row: {
  shadowMatches: unknown;
  shadowError: string | null;
  sampledRules: string[] | null;
}) {
  const shadowMatches = (row.shadowMatches ?? []) as RuleMatch[];
  return {
    shadow_matches: shadowMatches,
    shadow: shadowSummary(shadowMatches),
    shadow_error: row.shadowError,
    sampled_rules: row.sampledRules,
  };
}
