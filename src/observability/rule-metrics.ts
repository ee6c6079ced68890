import { Counter, type Registry } from "prom-client";
import type { Decision } from "../rules/types.ts";

/**
 * Per-rule series. Label values are the ids of rules that matched, so there are at most as many
 * series as rules loaded since the process started. Reversal rates and precision need the
 * moderators' decisions: GET /api/rules/stats computes them from the log.
 */
export class RuleMetrics {
  private readonly matches: Counter<"rule_id" | "mode" | "action">;
  private readonly samples: Counter<"rule_id">;

  constructor(registry: Registry) {
    this.matches = new Counter({
      name: "gatehouse_rule_matches_total",
      help: "Messages each rule matched at receipt, by rule_id, mode (enforce, shadow) and the rule's action.",
      labelNames: ["rule_id", "mode", "action"] as const,
      registers: [registry],
    });
    this.samples = new Counter({
      name: "gatehouse_rule_samples_total",
      help: "Rejections each rule sent to review as calibration samples (sample_for_review), by rule_id.",
      labelNames: ["rule_id"] as const,
      registers: [registry],
    });
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
