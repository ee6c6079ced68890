import type { NormalizationOptions } from "../text/normalize.ts";
import type { TermHit, TermIndexBuilder } from "../text/term-index.ts";
import type { EvaluationInput, MatchedCondition, RateQuery } from "../types.ts";
import type { Path } from "../validate.ts";

/**
 * Per-evaluation state shared by every condition: derived views of the message (text scans,
 * link domains) are computed once, on first use, however many rules ask for them.
 */
export interface EvaluationContext {
  readonly input: EvaluationInput;
  /** Term hits for a text condition slot (see TermIndexBuilder); empty when none. */
  termHits(slot: number): readonly TermHit[];
  /** Lower-cased ASCII (punycode) host names of every link in the text and attachments. */
  linkHosts(): readonly LinkHost[];
}

export interface LinkHost {
  host: string;
  field: string;
  start: number;
  end: number;
  text: string;
}

export interface CompiledCondition {
  readonly key: string;
  test(ctx: EvaluationContext): MatchedCondition | null;
  /** Only `rate`: what the caller must count before evaluation. */
  rateQueries?(input: Omit<EvaluationInput, "rateCounts">): RateQuery[];
  /** Only `rate`: how far back it counts (a backtest reads that much history before its window). */
  readonly rateWindowMs?: number;
}

/** What a condition may use while compiling: where to read list files, the rule's options. */
export interface CompileEnv {
  readonly ruleId: string;
  readonly normalization: NormalizationOptions;
  readonly terms: TermIndexBuilder;
  /** Reads a file named in the rules, resolved relative to the rules file. */
  readListFile(relativePath: string, path: Path): string;
}

export interface ConditionDefinition {
  readonly key: string;
  /**
   * Validates the raw YAML value and compiles it; throws SpecError (with `path`) when invalid.
   * `block` holds the sibling keys, for keys that combine with another (text_has_any_file).
   */
  compile(
    raw: unknown,
    path: Path,
    env: CompileEnv,
    block: Record<string, unknown>,
  ): CompiledCondition | null;
}
