import { CONDITIONS, EXPENSIVE_KEYS } from "./conditions/index.ts";
import type { CompiledCondition, CompileEnv } from "./conditions/types.ts";
import { SpecError } from "./errors.ts";
import { FULL_NORMALIZATION, NORMALIZATION_STEPS, type NormalizationOptions } from "./text/normalize.ts";
import { type TermIndex, TermIndexBuilder } from "./text/term-index.ts";
import type { ReviewTimeoutAction, RuleAction } from "./types.ts";
import {
  expectBoolean,
  expectNonNegativeInteger,
  expectObject,
  expectOneOf,
  expectPositiveInteger,
  expectString,
  isPlainObject,
  type Path,
  rejectUnknownKeys,
} from "./validate.ts";

export const RULE_ACTIONS: readonly RuleAction[] = ["approve", "reject", "review"];
const REVIEW_TIMEOUT_ACTIONS: readonly ReviewTimeoutAction[] = ["approve", "reject", "expire"];
const TOP_LEVEL_KEYS = [
  "default_action",
  "on_error",
  "review_timeout_action",
  "review_timeout_margin_ms",
  "evaluation_budget_ms",
  "rules",
] as const;
const RULE_KEYS = [
  "id",
  "description",
  "action",
  "mode",
  "sample_for_review",
  "when",
  "unless",
  "normalization",
] as const;
export const RULE_MODES = ["enforce", "shadow"] as const;
export type RuleMode = (typeof RULE_MODES)[number];

export const DEFAULT_EVALUATION_BUDGET_MS = 100;

export interface CompiledRule {
  id: string;
  action: RuleAction;
  /** `shadow`: evaluated and recorded, never acted on. */
  mode: RuleMode;
  /** Share (0-1] of the messages this reject rule matches that go to review as calibration samples. */
  sampleForReview: number | null;
  /** Every one must match (cheap ones first). */
  when: CompiledCondition[];
  /** Any one matching exempts the message. */
  unless: CompiledCondition[];
}

export interface CompiledRuleSpec {
  default_action: RuleAction;
  on_error: RuleAction;
  review_timeout_action: ReviewTimeoutAction;
  review_timeout_margin_ms: number;
  evaluation_budget_ms: number;
  /** The rules that decide, in the order written. */
  rules: CompiledRule[];
  terms: TermIndex;
  /**
   * Shadow rules, with a term index of their own: the enforced rules scan exactly the terms they
   * would scan without them, so adding a shadow rule cannot change their work or their budget.
   */
  shadowRules: CompiledRule[];
  shadowTerms: TermIndex;
  /** The document as written, for describe(). */
  raw: Record<string, unknown>;
}

export interface CompileHooks {
  readListFile(relativePath: string, path: Path): string;
  /** See ParseOptions.knownWords. */
  knownWords?: boolean;
}

/** Validates a parsed rules document and compiles it; throws SpecError naming the offending path. */
export function compileRulesDocument(doc: unknown, hooks: CompileHooks): CompiledRuleSpec {
  const top = expectObject(doc ?? {}, [], "a mapping at the top level");
  rejectUnknownKeys(top, TOP_LEVEL_KEYS, []);

  const rawRules = top.rules ?? [];
  if (!Array.isArray(rawRules)) throw new SpecError(["rules"], "expected a list of rules");

  const terms = new TermIndexBuilder({ knownWords: hooks.knownWords ?? true });
  const shadowTerms = new TermIndexBuilder({ knownWords: hooks.knownWords ?? true });
  const seenIds = new Map<string, number>();
  const compiled = rawRules.map((rawRule, index) => {
    const rule = compileRule(rawRule, ["rules", index], { enforce: terms, shadow: shadowTerms }, hooks);
    const earlier = seenIds.get(rule.id);
    if (earlier !== undefined) {
      throw new SpecError(
        ["rules", index, "id"],
        `duplicate rule id "${rule.id}" (also rule #${earlier + 1})`,
      );
    }
    seenIds.set(rule.id, index);
    return rule;
  });

  return {
    default_action:
      top.default_action === undefined
        ? "approve"
        : expectOneOf(top.default_action, RULE_ACTIONS, ["default_action"]),
    on_error: top.on_error === undefined ? "review" : expectOneOf(top.on_error, RULE_ACTIONS, ["on_error"]),
    review_timeout_action:
      top.review_timeout_action === undefined
        ? "expire"
        : expectOneOf(top.review_timeout_action, REVIEW_TIMEOUT_ACTIONS, ["review_timeout_action"]),
    review_timeout_margin_ms:
      top.review_timeout_margin_ms === undefined
        ? 5000
        : expectNonNegativeInteger(top.review_timeout_margin_ms, ["review_timeout_margin_ms"]),
    evaluation_budget_ms:
      top.evaluation_budget_ms === undefined
        ? DEFAULT_EVALUATION_BUDGET_MS
        : expectPositiveInteger(top.evaluation_budget_ms, ["evaluation_budget_ms"]),
    rules: compiled.filter((rule) => rule.mode === "enforce"),
    terms: terms.build(),
    shadowRules: compiled.filter((rule) => rule.mode === "shadow"),
    shadowTerms: shadowTerms.build(),
    raw: top,
  };
}

function compileRule(
  raw: unknown,
  path: Path,
  termsByMode: Record<RuleMode, TermIndexBuilder>,
  hooks: CompileHooks,
): CompiledRule {
  const rule = expectObject(raw, path, "a rule (a mapping with id, action, when)");
  // The id first, so every later error can name the rule.
  if (rule.id === undefined) throw new SpecError(path, 'a rule needs an "id"');
  const id = typeof rule.id === "number" ? String(rule.id) : expectString(rule.id, [...path, "id"]);
  rejectUnknownKeys(rule, RULE_KEYS, path);
  if (rule.description !== undefined) expectString(rule.description, [...path, "description"]);
  if (rule.action === undefined) throw new SpecError([...path, "action"], 'a rule needs an "action"', true);
  const action = expectOneOf(rule.action, RULE_ACTIONS, [...path, "action"]);
  const mode = rule.mode === undefined ? "enforce" : expectOneOf(rule.mode, RULE_MODES, [...path, "mode"]);
  const sampleForReview = compileSampleShare(rule.sample_for_review, action, mode, [
    ...path,
    "sample_for_review",
  ]);
  const terms = termsByMode[mode];
  const normalization = compileNormalization(rule.normalization, [...path, "normalization"]);

  if (rule.when === undefined) throw new SpecError([...path, "when"], 'a rule needs a "when" block', true);
  const env: CompileEnv = { ruleId: id, normalization, terms, readListFile: hooks.readListFile };
  const when = compileBlock(rule.when, [...path, "when"], env);
  if (when.length === 0) throw new SpecError([...path, "when"], "expected at least one condition");
  const unless = rule.unless === undefined ? [] : compileBlock(rule.unless, [...path, "unless"], env);
  return { id, action, mode, sampleForReview, when, unless };
}

/** Calibration samples measure a rule's rejections: only an enforced reject rule has any. */
function compileSampleShare(raw: unknown, action: RuleAction, mode: RuleMode, path: Path): number | null {
  if (raw === undefined) return null;
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw <= 0 || raw > 1) {
    throw new SpecError(path, "expected a share of messages between 0 and 1, e.g. 0.01 for 1 in 100");
  }
  if (action !== "reject") {
    throw new SpecError(
      path,
      `only a rule with action: reject can send samples to review (this rule's action is ${action}: its messages are already ${action === "review" ? "reviewed" : "approved"})`,
      true,
    );
  }
  if (mode === "shadow") {
    throw new SpecError(
      path,
      "a shadow rule changes nothing, so it cannot send samples to review; remove sample_for_review or mode: shadow",
      true,
    );
  }
  return raw;
}

function compileNormalization(raw: unknown, path: Path): NormalizationOptions {
  if (raw === undefined) return FULL_NORMALIZATION;
  const obj = expectObject(
    raw,
    path,
    `a mapping of normalization steps (${NORMALIZATION_STEPS.join(", ")}) to true/false`,
  );
  rejectUnknownKeys(obj, NORMALIZATION_STEPS, path);
  const options: NormalizationOptions = { ...FULL_NORMALIZATION };
  for (const step of NORMALIZATION_STEPS) {
    if (obj[step] !== undefined) options[step] = expectBoolean(obj[step], [...path, step]);
  }
  return options;
}

function compileBlock(raw: unknown, path: Path, env: CompileEnv): CompiledCondition[] {
  if (!isPlainObject(raw)) throw new SpecError(path, "expected a mapping of condition keys");
  rejectUnknownKeys(raw, [...CONDITIONS.keys()], path);
  const conditions: CompiledCondition[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const definition = CONDITIONS.get(key);
    if (!definition) continue; // unreachable: rejectUnknownKeys above
    const compiled = definition.compile(value, [...path, key], env, raw);
    if (compiled) conditions.push(compiled);
  }
  // Stable sort: cheap conditions first, otherwise the order written.
  return conditions.sort((a, b) => Number(EXPENSIVE_KEYS.has(a.key)) - Number(EXPENSIVE_KEYS.has(b.key)));
}
