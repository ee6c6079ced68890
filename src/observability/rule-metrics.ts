import type { Decision } from "../rules/types.ts";
import type { Registry } from "./registry.ts";

/**
 * Per-rule series. Label values are the ids of rules that matched, so there are at most as many
 * series as rules loaded since the process started. Reversal rates and precision need the
 * moderators' decisions: GET /api/rules/stats computes them from the log.
 */
export class RuleMetrics {
  private readonly matches;
  private readonly samples;

  constructor(registry: Registry) {
    this.matches = registry.counter(
      "gatehouse_rule_matches_total",
      "Messages each rule matched at receipt, by rule_id, mode (enforce, shadow) and the rule's action.",
    );
    this.samples = registry.counter(
      "gatehouse_rule_samples_total",
      "Rejections each rule sent to review as calibration samples (sample_for_review), by rule_id.",
    );
  }

  /** Counts a new message's decision (not a redelivery's). */
  observeDecision = (decision: Decision): void => {
    for (const match of decision.matches) {
      this.matches.inc({ rule_id: match.rule_id, mode: "enforce", action: match.action });
    }
    for (const match of decision.shadow_matches ?? []) {
      this.matches.inc({ rule_id: match.rule_id, mode: "shadow", action: match.action });
    }
    for (const ruleId of decision.sampled_rules ?? []) this.samples.inc({ rule_id: ruleId });
  };
}
