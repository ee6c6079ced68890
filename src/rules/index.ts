export { builtInRuleSet, builtInRulesYaml } from "./builtin.ts";
export { RulesLoadError } from "./errors.ts";
export { CompiledRuleSet, type RuleSetOptions } from "./evaluate.ts";
export {
  type ActivationListener,
  type ActivationTrigger,
  LiveRuleSet,
  type ReloadResult,
  type RulesLogger,
} from "./live-rules.ts";
export { loadRuleSetFile, type ParseOptions, parseRuleSet } from "./load.ts";
export type {
  Decision,
  EvaluationInput,
  MatchedCondition,
  MatchedSpan,
  RateQuery,
  ReviewTimeoutAction,
  RuleAction,
  RuleMatch,
  RuleSet,
  RuleSetContent,
  RuleSummary,
} from "./types.ts";
