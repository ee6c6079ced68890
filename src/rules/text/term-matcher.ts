import { type Automaton, type HitSink, type ScanBudget, type TermOutput, TrieBuilder } from "./automaton.ts";
import { SpecError } from "../errors.ts";
import type { NormalizationOptions } from "./normalize.ts";
import { ScannedText, Scanner } from "./scanner.ts";
import { BOUNDARY_KEY, edgeKey, I_OR_L_READINGS, SYMBOL_I_OR_L } from "./symbols.ts";
import type { TermHit } from "./term-index.ts";
import type { Path } from "../validate.ts";

/** A term whose leetspeak readings multiply beyond this is refused ("1l1l1l1l1l1l1l"). */
const MAX_VARIANTS_PER_TERM = 64;
/** Spans kept per condition and message: enough to explain, bounded for hostile input. */
export const MAX_HITS_PER_CONDITION = 50;

/**
 * Whole-word matcher for the terms of one normalization profile: terms are normalized by the
 * same scanner as messages and compiled into one automaton, whatever the number of rules.
 */
export class TermMatcher implements HitSink {
  private readonly textScanner: Scanner;
  private readonly termScanner: Scanner;
  private builder: TrieBuilder | undefined = new TrieBuilder();
  private states = 0;
  // The text being scanned, for hit(): set by scan(), which is synchronous.
  private currentText = "";
  private currentField = "";
  private currentOut: TermHit[][] = [];
  private automaton: Automaton | undefined;
  private readonly buffer = new ScannedText();
  /**
   * Terms with no letters or digits (an emoji such as "🖕"): words cannot hold them, so they are
   * found by plain substring search. Lists have a handful at most, so the cost stays flat.
   */
  private readonly symbolTerms: Array<{ slot: number; term: number; needle: string }> = [];

  constructor(readonly options: NormalizationOptions) {
    this.textScanner = new Scanner(options);
    this.termScanner = new Scanner(options, { forTerms: true });
  }

  addTerms(slot: number, terms: readonly string[], path: Path): void {
    terms.forEach((term, index) => {
      const needle = term.trim().normalize("NFKC");
      if (this.termScanner.scan(term, new ScannedText()).tokenCount === 0) {
        if (needle === "") throw new SpecError(path, "a term cannot be blank");
        this.symbolTerms.push({ slot, term: index, needle });
        return;
      }
      const variants = this.termPaths(term, path);
      const builder = this.builder;
      if (!builder) throw new Error("TermMatcher.addTerms after compile");
      for (const { keys, normalized } of variants) builder.add(keys, { slot, term: index, normalized });
    });
  }

  compile(): void {
    if (!this.builder) throw new Error("TermMatcher.compile called twice");
    this.states = this.builder.stateCount;
    this.automaton = this.builder.compile({
      joinSeparatedLetters: this.options.separators,
      repeatedLetters: this.options.repeated_letters,
    });
    // The Map-based trie is only needed to build; the compiled arrays are a fraction of its size.
    this.builder = undefined;
  }

  get stateCount(): number {
    return this.states;
  }

  /** The normalized words of a text, for explanations and tests ("F.U.C.K" → ["f","u","c","k"]). */
  normalizedWords(text: string): string[] {
    const scanned = this.textScanner.scan(text, new ScannedText());
    const words: string[] = [];
    for (let t = 0; t < scanned.tokenCount; t++) {
      let word = "";
      for (let i = scanned.tokenStarts[t] as number; i < (scanned.tokenEnds[t] as number); i++) {
        word += symbolText(scanned.symbols[i] as number, 0).repeat(Math.min(scanned.runs[i] as number, 2));
      }
      words.push(word);
    }
    return words;
  }

  /** Appends the hits of `text` to `out[slot]`. */
  scan(text: string, field: string, out: TermHit[][], budget?: ScanBudget): void {
    const automaton = this.automaton;
    if (!automaton) throw new Error("TermMatcher.scan before compile");
    for (const { slot, term, needle } of this.symbolTerms) {
      let at = text.indexOf(needle);
      while (at !== -1) {
        const list = out[slot] ?? [];
        out[slot] = list;
        if (list.length >= MAX_HITS_PER_CONDITION) break;
        list.push({ term, field, start: at, end: at + needle.length, original: needle, normalized: needle });
        at = text.indexOf(needle, at + needle.length);
      }
    }
    const scanned = this.textScanner.scan(text, this.buffer);
    if (scanned.tokenCount === 0) return;
    this.currentText = text;
    this.currentField = field;
    this.currentOut = out;
    automaton.scan(scanned, this, budget);
  }

  hit(output: TermOutput, start: number, end: number): void {
    const out = this.currentOut;
    const field = this.currentField;
    let list = out[output.slot];
    if (!list) {
      list = [];
      out[output.slot] = list;
    }
    if (list.length >= MAX_HITS_PER_CONDITION) return;
    // The same span can be reached by two readings (a '1' read as i and as l).
    for (let i = list.length - 1; i >= 0; i--) {
      const seen = list[i] as TermHit;
      if (seen.field !== field || seen.start !== start) break;
      if (seen.term === output.term && seen.end === end) return;
    }
    list.push({
      term: output.term,
      field,
      start,
      end,
      original: this.currentText.slice(start, end),
      normalized: output.normalized,
    });
  }

  /** Every automaton path of a term: one per reading of its ambiguous leet characters. */
  private termPaths(term: string, path: Path): Array<{ keys: number[]; normalized: string }> {
    const scanned = this.termScanner.scan(term, new ScannedText());
    // Each position: its possible (edge key, display text) readings; the boundary between words
    // is a position with one reading.
    const positions: Array<ReadonlyArray<readonly [number, string]>> = [];
    let variantCount = 1;
    for (let t = 0; t < scanned.tokenCount; t++) {
      if (t > 0) positions.push([[BOUNDARY_KEY, " "]]);
      for (let i = scanned.tokenStarts[t] as number; i < (scanned.tokenEnds[t] as number); i++) {
        const symbol = scanned.symbols[i] as number;
        const doubled = (scanned.runs[i] as number) >= 2;
        const readings = symbol === SYMBOL_I_OR_L ? I_OR_L_READINGS : [symbol];
        positions.push(
          readings.map((r) => [edgeKey(r, doubled), symbolText(r, 0).repeat(doubled ? 2 : 1)] as const),
        );
        variantCount *= readings.length;
      }
    }
    if (variantCount > MAX_VARIANTS_PER_TERM) {
      throw new SpecError(
        path,
        `term "${term}" has too many leetspeak readings (over ${MAX_VARIANTS_PER_TERM})`,
      );
    }
    const variants: Array<{ keys: number[]; normalized: string }> = [];
    // Odometer over the readings: variant v picks reading (v / stride) % count at each position.
    for (let v = 0; v < variantCount; v++) {
      const keys: number[] = [];
      let normalized = "";
      let stride = 1;
      for (const readings of positions) {
        const [key, text] = readings[Math.floor(v / stride) % readings.length] as readonly [number, string];
        stride *= readings.length;
        keys.push(key);
        normalized += text;
      }
      variants.push({ keys, normalized });
    }
    return variants;
  }
}

function symbolText(symbol: number, _run: number): string {
  if (symbol === SYMBOL_I_OR_L) return "i";
  if (symbol > 0xffff) return "*";
  return String.fromCharCode(symbol);
}

/** Terms are identified by TermOutput; re-exported for callers that only need the shape. */
export type { TermOutput };
