import type { PendingMessage, RequestInfo } from "../hooks/payload.ts";

export type RuleAction = "approve" | "reject" | "review";
export type ReviewTimeoutAction = "approve" | "reject" | "expire";

/** What a rule set judges: the message, the sender's metadata and request signals. */
export interface EvaluationInput {
  message: PendingMessage;
  metadata: Record<string, string>;
  requestInfo: RequestInfo | null;
  /** Messages already counted per rate key (see RuleSet.rateQueries); absent keys count 0. */
  rateCounts?: ReadonlyMap<string, number>;
}

/** The original text span a condition matched, and what it looked like after normalization. */
export interface MatchedSpan {
  field: string;
  start: number;
  end: number;
  text: string;
  normalized: string;
}

export interface MatchedCondition {
  key: string;
  /** Human-readable: which listed value matched ("term 'badword'", "ip in 203.0.113.0/24"). */
  detail: string;
  spans?: MatchedSpan[];
}

export interface RuleMatch {
  rule_id: string;
  action: RuleAction;
  conditions: MatchedCondition[];
}

export interface Decision {
  action: RuleAction;
  matches: RuleMatch[];
  ruleset_version: string;
  /**
   * Set when evaluation threw or ran out of its time budget: `action` is then the strictest of
   * on_error and the matches found before (kept in `matches`).
   */
  error?: string;
  /**
   * Shadow rules that matched, each with the action it would have taken. Never part of `action`.
   * Absent when the rule set has no shadow rules.
   */
  shadow_matches?: RuleMatch[];
  /** Why the shadow rules could not all be evaluated (the enforced decision stands). */
  shadow_error?: string;
  /**
   * Set when a rejection was sent to review as a calibration sample: the reject rules that
   * matched (each has `sample_for_review`). `action` is then `review`.
   */
  sampled_rules?: string[];
}

export interface RuleSummary {
  id: string;
  action: RuleAction;
  mode: "enforce" | "shadow";
  sample_for_review: number | null;
}

export interface RuleSetContent {
  /** The rules file as written. */
  text: string;
  /** Term list files by the path the rules name them with, as read. */
  lists: Record<string, string>;
}

/** A rate condition the caller must count before evaluation (counted in Postgres). */
export interface RateQuery {
  /** Key under which the count is passed back in EvaluationInput.rateCounts. */
  key: string;
  by: "user" | "ip";
  value: string;
  windowMs: number;
}

export interface RuleSet {
  /** Content hash of the source text: recorded with every decision. */
  version: string;
  /** Where the rules came from: a file path, or "built-in". */
  source: string;
  /** What the version is a hash of: the rules text and every term list file it reads. */
  content: RuleSetContent;
  default_action: RuleAction;
  on_error: RuleAction;
  review_timeout_action: ReviewTimeoutAction;
  review_timeout_margin_ms: number;
  /** The rules as written (ids, actions, when/unless), for GET /api/rules. */
  describe(): unknown;
  /** Each rule's id, action and mode, in the order written. */
  ruleSummaries(): RuleSummary[];
  /** Rate counts evaluate() will need for this input; empty when no rule uses `rate`. */
  rateQueries(input: Omit<EvaluationInput, "rateCounts">): RateQuery[];
  evaluate(input: EvaluationInput): Decision;
}
