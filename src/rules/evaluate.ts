import { calibrationSample } from "./calibration-sample.ts";
import type { CompiledRule, CompiledRuleSpec } from "./compile.ts";
import type { EvaluationContext, LinkHost } from "./conditions/types.ts";
import { extractLinkHosts, linkScanWork } from "./links.ts";
import { type ScanBudget, ScanBudgetExceeded } from "./text/automaton.ts";
import type { MessageTermHits, TermHit, TermIndex } from "./text/term-index.ts";
import { textMatchingWork } from "./text/work.ts";
import type {
  Decision,
  EvaluationInput,
  MatchedCondition,
  RateQuery,
  RuleAction,
  RuleMatch,
  RuleSet,
  RuleSetContent,
  RuleSummary,
} from "./types.ts";
import { warmUpReading } from "./warm-up.ts";

const STRICTNESS: Record<RuleAction, number> = { approve: 0, review: 1, reject: 2 };

/**
 * Rules that did not match, evaluated in a row without reading the clock: such a rule costs
 * nanoseconds, a clock read tens of them, so a long list of cheap rules is still stopped within a
 * bounded number of them.
 */
const CHEAP_RULES_PER_CLOCK_READ = 16;
/**
 * Steps of text work (see textWorkSoFar) done without reading the clock at most, between rules:
 * as often as the automaton's walks read it inside a long text. A short message's scan is far
 * below it, so it costs no clock read of its own.
 */
const WORK_PER_CLOCK_READ = 4096;

/** Text work done in this process so far (scans, walks, link extraction): moves when a rule did any. */
function textWorkSoFar(): number {
  return textMatchingWork() + linkScanWork();
}

/** The strictest of two actions: reject > review > approve. */
export function stricter(a: RuleAction, b: RuleAction): RuleAction {
  return STRICTNESS[a] >= STRICTNESS[b] ? a : b;
}

export class EvaluationBudgetExceeded extends Error {
  override readonly name = "EvaluationBudgetExceeded";
}

export interface RuleSetOptions {
  /** Clock for the time budget; injectable so tests can exhaust it deterministically. */
  now?: () => number;
}

interface CompiledRuleSetOptions extends RuleSetOptions {
  /** Term list files the rules read (absolute paths): a change to them changes the rules. */
  listFiles?: readonly string[];
  /** The text the version hashes (rules file and list files). */
  content?: RuleSetContent;
}

/** A compiled rule set: evaluate() is synchronous, pure and never throws. */
export class CompiledRuleSet implements RuleSet {
  readonly default_action: RuleAction;
  readonly on_error: RuleAction;
  readonly review_timeout_action: CompiledRuleSpec["review_timeout_action"];
  readonly review_timeout_margin_ms: number;
  readonly evaluation_budget_ms: number;
  private readonly rules: CompiledRule[];
  private readonly shadowRules: CompiledRule[];
  readonly content: RuleSetContent;
  private readonly now: () => number;
  private readonly usesRate: boolean;
  /** The longest window any `rate` condition counts over; 0 when no rule uses `rate`. */
  readonly longestRateWindowMs: number;
  /** Term list files the rules read (absolute paths), watched for changes like the rules file. */
  readonly listFiles: readonly string[];
  private warmedUp = false;

  constructor(
    private readonly spec: CompiledRuleSpec,
    readonly version: string,
    readonly source: string,
    options: CompiledRuleSetOptions = {},
  ) {
    this.listFiles = options.listFiles ?? [];
    this.default_action = spec.default_action;
    this.on_error = spec.on_error;
    this.review_timeout_action = spec.review_timeout_action;
    this.review_timeout_margin_ms = spec.review_timeout_margin_ms;
    this.evaluation_budget_ms = spec.evaluation_budget_ms;
    this.rules = spec.rules;
    this.shadowRules = spec.shadowRules;
    this.content = options.content ?? { text: "", lists: {} };
    // Bound rather than wrapped: a clock read is a good part of a short message's evaluation.
    this.now = options.now ?? performance.now.bind(performance);
    const conditions = [...spec.rules, ...spec.shadowRules].flatMap((rule) => [...rule.when, ...rule.unless]);
    this.usesRate = conditions.some((c) => c.rateQueries);
    this.longestRateWindowMs = Math.max(0, ...conditions.map((c) => c.rateWindowMs ?? 0));
  }

  /**
   * Reads the warm-up texts with this rule set's own term matchers once, with a time budget
   * shaped like a message's that never runs out (see warmUpReading): for the rules a service is
   * about to serve. Returns the hits the texts had (0 when already warmed).
   */
  warmUp(): number {
    if (this.warmedUp) return 0;
    this.warmedUp = true;
    let hits = 0;
    for (const terms of [this.spec.terms, this.spec.shadowTerms]) {
      if (terms.normalizations.length === 0) continue;
      hits += warmUpReading((text) => {
        const input: EvaluationInput = { message: { id: "warm-up", text }, metadata: {}, requestInfo: null };
        return terms.warmUp(text, new MessageContext(input, terms, Number.POSITIVE_INFINITY, this.now));
      });
    }
    return hits;
  }

  /** Whether warmUp has run. */
  get isWarm(): boolean {
    return this.warmedUp;
  }

  describe(): unknown {
    return {
      version: this.version,
      source: this.source,
      default_action: this.default_action,
      on_error: this.on_error,
      review_timeout_action: this.review_timeout_action,
      review_timeout_margin_ms: this.review_timeout_margin_ms,
      evaluation_budget_ms: this.evaluation_budget_ms,
      rules: this.spec.raw.rules ?? [],
      shadow_rules: this.shadowRules.map((rule) => rule.id),
    };
  }

  ruleSummaries(): RuleSummary[] {
    const order = new Map(
      ((this.spec.raw.rules as Array<{ id?: unknown }>) ?? []).map((r, i) => [String(r?.id), i]),
    );
    return [...this.rules, ...this.shadowRules]
      .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
      .map((rule) => ({
        id: rule.id,
        action: rule.action,
        mode: rule.mode,
        sample_for_review: rule.sampleForReview,
      }));
  }

  rateQueries(input: Omit<EvaluationInput, "rateCounts">): RateQuery[] {
    if (!this.usesRate) return [];
    const byKey = new Map<string, RateQuery>();
    for (const rule of [...this.rules, ...this.shadowRules]) {
      for (const condition of [...rule.when, ...rule.unless]) {
        for (const query of condition.rateQueries?.(input) ?? []) byKey.set(query.key, query);
      }
    }
    return [...byKey.values()];
  }

  /**
   * Every rule in order; the strictest action among the rules that match, else default_action.
   * When evaluation throws or runs out of its time budget, the rules not yet evaluated are unknown:
   * the action is the strictest of on_error and every match found so far, so running out of time
   * (a padded message, say) never makes a decision more lenient than one already reached, and the
   * decision keeps those matches next to the error.
   */
  evaluate(input: EvaluationInput): Decision {
    const decision = this.evaluateEnforced(input);
    if (this.shadowRules.length > 0) Object.assign(decision, this.evaluateShadow(input));
    return decision;
  }

  private evaluateEnforced(input: EvaluationInput): Decision {
    const matches: RuleMatch[] = [];
    let action: RuleAction | null = null;
    try {
      const ctx = this.startEvaluation(input, this.spec.terms);
      for (const rule of this.rules) {
        const match = this.evaluateRule(rule, ctx);
        if (!match) continue;
        matches.push(match);
        action = action === null ? rule.action : stricter(action, rule.action);
      }
      const decision: Decision = {
        action: action ?? this.default_action,
        matches,
        ruleset_version: this.version,
      };
      const sampled = decision.action === "reject" ? this.calibrationSample(input, matches) : null;
      if (sampled) {
        decision.action = "review";
        decision.sampled_rules = sampled;
      }
      return decision;
    } catch (error) {
      return {
        action: action === null ? this.on_error : stricter(action, this.on_error),
        matches,
        ruleset_version: this.version,
        error: this.describeFailure(error),
      };
    }
  }

  /**
   * A rejection goes to review as a calibration sample only when every reject rule that matched
   * samples, and the draw (stable per message, see calibrationSample) falls within the largest
   * of their shares: a sample never overrides a rule that rejects without sampling.
   */
  private calibrationSample(input: EvaluationInput, matches: readonly RuleMatch[]): string[] | null {
    const rejecting = this.rules.filter(
      (rule) => rule.action === "reject" && matches.some((m) => m.rule_id === rule.id),
    );
    if (rejecting.length === 0 || rejecting.some((rule) => rule.sampleForReview === null)) return null;
    const share = Math.max(...rejecting.map((rule) => rule.sampleForReview ?? 0));
    return calibrationSample(input.message.id, share) ? rejecting.map((rule) => rule.id) : null;
  }

  /**
   * Shadow rules run after the decision is made, on a term index and a time budget of their own,
   * and whatever they find or throw is only recorded.
   */
  private evaluateShadow(input: EvaluationInput): Pick<Decision, "shadow_matches" | "shadow_error"> {
    const shadowMatches: RuleMatch[] = [];
    try {
      const ctx = this.startEvaluation(input, this.spec.shadowTerms);
      for (const rule of this.shadowRules) {
        const match = this.evaluateRule(rule, ctx);
        if (match) shadowMatches.push(match);
      }
      return { shadow_matches: shadowMatches };
    } catch (error) {
      return { shadow_matches: shadowMatches, shadow_error: this.describeFailure(error) };
    }
  }

  private startEvaluation(input: EvaluationInput, terms: TermIndex): MessageContext {
    return new MessageContext(input, terms, this.now() + this.evaluation_budget_ms, this.now);
  }

  /** Why evaluation stopped; never throws, whatever was thrown. */
  private describeFailure(error: unknown): string {
    if (error instanceof EvaluationBudgetExceeded) return error.message;
    if (error instanceof ScanBudgetExceeded) {
      return `evaluation exceeded its time budget of ${this.evaluation_budget_ms}ms (${error.message})`;
    }
    let reason: string;
    try {
      reason = String(error instanceof Error ? error.message : error);
    } catch {
      reason = "an unprintable value was thrown";
    }
    return `evaluation failed: ${reason}`;
  }

  private evaluateRule(rule: CompiledRule, ctx: MessageContext): RuleMatch | null {
    let conditions: MatchedCondition[] | undefined;
    let matched = true;
    for (const condition of rule.when) {
      const found = condition.test(ctx);
      if (!found) {
        matched = false;
        break;
      }
      conditions ??= [];
      conditions.push(found);
    }
    if (matched) {
      for (const exemption of rule.unless) {
        if (exemption.test(ctx)) {
          matched = false;
          break;
        }
      }
    }
    // The clock is read after a rule that matched (its match counts only if found in time), once
    // WORK_PER_CLOCK_READ steps of text work were done since the last read (a long scan stops the
    // rules after it; the walks also read the clock inside long texts), and after every run of
    // CHEAP_RULES_PER_CLOCK_READ rules.
    if (
      matched ||
      textWorkSoFar() - ctx.workAtClockRead > WORK_PER_CLOCK_READ ||
      ++ctx.rulesSinceClockRead >= CHEAP_RULES_PER_CLOCK_READ
    ) {
      ctx.rulesSinceClockRead = 0;
      ctx.workAtClockRead = textWorkSoFar();
      this.checkBudget(ctx.deadline, rule.id);
    }
    return matched ? { rule_id: rule.id, action: rule.action, conditions: conditions ?? [] } : null;
  }

  private checkBudget(deadline: number, ruleId: string): void {
    if (this.now() > deadline) {
      throw new EvaluationBudgetExceeded(
        `evaluation exceeded its time budget of ${this.evaluation_budget_ms}ms (at rule "${ruleId}")`,
      );
    }
  }
}

/**
 * Lazily derived views of one message, shared by all conditions during one evaluation; also the
 * time budget the text scans check inside their walks.
 */
class MessageContext implements EvaluationContext, ScanBudget {
  private hosts: LinkHost[] | undefined;
  private hits: MessageTermHits | undefined;
  /** Rules evaluated, and the text work done (textWorkSoFar), when the clock was last read. */
  rulesSinceClockRead = 0;
  workAtClockRead = textWorkSoFar();

  constructor(
    readonly input: EvaluationInput,
    private readonly terms: TermIndex,
    readonly deadline: number,
    readonly now: () => number,
  ) {}

  termHits(slot: number): readonly TermHit[] {
    this.hits ??= this.terms.forMessage(this.input.message, this);
    return this.hits.of(slot);
  }

  linkHosts(): readonly LinkHost[] {
    this.hosts ??= extractLinkHosts(this.input.message);
    return this.hosts;
  }
}
