import {
  CharClass,
  type CharTable,
  charTableFor,
  LEET_READINGS,
  type NormalizationOptions,
} from "./normalize.ts";
import { SYMBOL_I_OR_L, SYMBOL_WILDCARD } from "./symbols.ts";

/** Token flags. */
export const TOKEN_SINGLE = 1; // one symbol, not repeated: a candidate for "f u c k" joining
export const TOKEN_JOIN_START = 2; // a single letter: a joined word may start here
export const TOKEN_HAS_SOFT = 4; // holds a leet symbol that may also be punctuation ("me@home")

const ASTERISK = 0x2a;

/**
 * The normalized form of one text: words (tokens) of symbols, each symbol with its repeat count
 * and the original text range it came from. Buffers are typed arrays reused across scans: the
 * hot path allocates nothing per character.
 */
export class ScannedText {
  symbols: Int32Array = new Int32Array(256);
  runs: Int32Array = new Int32Array(256);
  starts: Int32Array = new Int32Array(256);
  ends: Int32Array = new Int32Array(256);
  /** 1 where the symbol came from '$' '@' '!' '|' '*': read as a letter, or as a word break. */
  soft: Uint8Array = new Uint8Array(256);
  length = 0;

  tokenStarts: Int32Array = new Int32Array(64);
  tokenEnds: Int32Array = new Int32Array(64);
  tokenFlags: Uint8Array = new Uint8Array(64);
  /** The symbol a single-character token contributes to a joined word (leetspeak applied). */
  tokenJoinSymbols: Int32Array = new Int32Array(64);
  tokenCount = 0;

  reset(): void {
    this.length = 0;
    this.tokenCount = 0;
  }

  growSymbols(): void {
    const size = this.symbols.length * 2;
    this.symbols = grow(this.symbols, size);
    this.runs = grow(this.runs, size);
    this.starts = grow(this.starts, size);
    this.ends = grow(this.ends, size);
    const soft = new Uint8Array(size);
    soft.set(this.soft);
    this.soft = soft;
  }

  growTokens(): void {
    const size = this.tokenStarts.length * 2;
    this.tokenStarts = grow(this.tokenStarts, size);
    this.tokenEnds = grow(this.tokenEnds, size);
    this.tokenJoinSymbols = grow(this.tokenJoinSymbols, size);
    const flags = new Uint8Array(size);
    flags.set(this.tokenFlags);
    this.tokenFlags = flags;
  }
}

function grow(array: Int32Array, size: number): Int32Array {
  const out = new Int32Array(size);
  out.set(array);
  return out;
}

/**
 * Single pass over the text: folds each character through the profile's CharTable, splits
 * words, drops zero-width characters and combining marks, collapses repeated letters, and
 * resolves leetspeak inside words that contain a letter (so "2024" stays a number but "h3ll0"
 * reads "hello").
 */
export class Scanner {
  readonly table: CharTable;
  private readonly collapse: boolean;
  private readonly leet: boolean;

  // State of the word being built.
  private out!: ScannedText;
  private tokenOpen = false;
  private tokenStart = 0;
  private hasLetter = false;
  private hasDigit = false;
  private needsLeet = false;
  /** Index where trailing '!', '|', '*' began (dropped if the word ends on them), or -1. */
  private pendingInterior = -1;
  private hasSoft = false;
  private readonly forTerms: boolean;

  constructor(options: NormalizationOptions, opts: { forTerms?: boolean } = {}) {
    this.table = charTableFor(options);
    this.collapse = options.repeated_letters;
    this.leet = options.leetspeak;
    this.forTerms = opts.forTerms ?? false;
  }

  scan(text: string, out: ScannedText): ScannedText {
    out.reset();
    this.out = out;
    this.tokenOpen = false;
    const table = this.table;
    const length = text.length;
    let i = 0;
    while (i < length) {
      let codePoint = text.charCodeAt(i);
      let width = 1;
      if (codePoint >= 0xd800 && codePoint <= 0xdbff && i + 1 < length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          codePoint = ((codePoint - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          width = 2;
        }
      }
      const entry = table.entry(codePoint);
      if ((entry & 15) === CharClass.Expansion) {
        const parts = table.expansion(entry);
        for (let p = 0; p < parts.length; p++) this.accept(parts[p] as number, i, i + width);
      } else {
        this.accept(entry, i, i + width);
      }
      i += width;
    }
    this.endToken();
    return out;
  }

  private accept(entry: number, start: number, end: number): void {
    const klass = entry & 15;
    switch (klass) {
      case CharClass.Letter:
        this.push(entry >>> 4, start, end, 0);
        this.hasLetter = true;
        this.pendingInterior = -1;
        return;
      case CharClass.Digit:
        this.push(entry >>> 4, start, end, 0);
        this.hasDigit = true;
        this.needsLeet = true;
        this.pendingInterior = -1;
        return;
      case CharClass.LeetAnywhere:
        this.push(entry >>> 4, start, end, 1);
        this.needsLeet = true;
        this.pendingInterior = -1;
        return;
      case CharClass.LeetInterior:
        // Only between word characters: "sh!t" is leet, "shit!" is punctuation.
        if (!this.tokenOpen || this.forTerms) {
          this.endToken();
          return;
        }
        if (this.pendingInterior < 0) this.pendingInterior = this.out.length;
        this.push(entry >>> 4, start, end, 1);
        this.needsLeet = true;
        return;
      case CharClass.Ignorable: {
        const out = this.out;
        if (this.tokenOpen && out.length > 0) out.ends[out.length - 1] = end;
        return;
      }
      default:
        this.endToken();
    }
  }

  private push(symbol: number, start: number, end: number, soft: number): void {
    const out = this.out;
    if (!this.tokenOpen) {
      this.tokenOpen = true;
      this.tokenStart = out.length;
      this.hasLetter = false;
      this.hasDigit = false;
      this.needsLeet = false;
      this.pendingInterior = -1;
      this.hasSoft = false;
    }
    if (soft !== 0) this.hasSoft = true;
    const last = out.length - 1;
    if (this.collapse && last >= this.tokenStart && out.symbols[last] === symbol && symbol !== ASTERISK) {
      out.runs[last] = (out.runs[last] as number) + 1;
      out.ends[last] = end;
      return;
    }
    if (out.length === out.symbols.length) out.growSymbols();
    const at = out.length++;
    out.symbols[at] = symbol;
    out.runs[at] = 1;
    out.starts[at] = start;
    out.ends[at] = end;
    out.soft[at] = soft;
  }

  private endToken(): void {
    if (!this.tokenOpen) return;
    this.tokenOpen = false;
    const out = this.out;
    if (this.pendingInterior >= 0) out.length = this.pendingInterior;
    const start = this.tokenStart;
    if (out.length === start) return;
    if (!this.hasLetter && !this.hasDigit) {
      // Several '$' / '@' read as letters ("@$$"). A lone one is punctuation ("$ 5", "@ noon")
      // except as a letter spelled out between others ("b.@.d"): it is kept for joining only.
      if (out.length - start === 1 && this.leet && out.runs[start] === 1) {
        this.recordToken(start, TOKEN_SINGLE, leetSymbol(out.symbols[start] as number));
        return;
      }
      if (out.length - start < 2 || !this.leet) {
        out.length = start;
        return;
      }
      this.hasLetter = true;
    }
    if (this.leet && this.needsLeet && this.hasLetter) this.resolveLeet(start);
    const single = out.length - start === 1 && out.runs[start] === 1;
    let flags = this.hasSoft && this.leet ? TOKEN_HAS_SOFT : 0;
    let joinSymbol = out.symbols[start] as number;
    if (single) {
      flags |= TOKEN_SINGLE;
      if (this.hasLetter) flags |= TOKEN_JOIN_START;
      else if (this.leet) joinSymbol = leetSymbol(joinSymbol);
    }
    this.recordToken(start, flags, joinSymbol);
  }

  private recordToken(start: number, flags: number, joinSymbol: number): void {
    const out = this.out;
    if (out.tokenCount === out.tokenStarts.length) out.growTokens();
    const t = out.tokenCount++;
    out.tokenStarts[t] = start;
    out.tokenEnds[t] = out.length;
    out.tokenFlags[t] = flags;
    out.tokenJoinSymbols[t] = joinSymbol;
  }

  /** Rewrites the word's leet characters in place, then merges runs the rewrite made adjacent. */
  private resolveLeet(start: number): void {
    const out = this.out;
    const { symbols, runs, ends } = out;
    let write = start;
    for (let read = start; read < out.length; read++) {
      const symbol = leetSymbol(symbols[read] as number);
      // Runs merge only between symbols of the same kind: a leet symbol keeps its own position,
      // where the word may also break ("ai!ok" is "ai ok" as well as "aiiok").
      if (
        this.collapse &&
        write > start &&
        symbols[write - 1] === symbol &&
        symbol !== SYMBOL_WILDCARD &&
        out.soft[write - 1] === out.soft[read]
      ) {
        runs[write - 1] = (runs[write - 1] as number) + (runs[read] as number);
        ends[write - 1] = ends[read] as number;
        continue;
      }
      if (write !== read) {
        out.soft[write] = out.soft[read] as number;
        runs[write] = runs[read] as number;
        out.starts[write] = out.starts[read] as number;
        ends[write] = ends[read] as number;
      }
      symbols[write] = symbol;
      write++;
    }
    out.length = write;
  }
}

const LEET_SYMBOLS = new Map<number, number>();
for (const [char, readings] of LEET_READINGS) {
  LEET_SYMBOLS.set(
    char.charCodeAt(0),
    readings.length > 1 ? SYMBOL_I_OR_L : (readings[0] as string).charCodeAt(0),
  );
}
LEET_SYMBOLS.set(ASTERISK, SYMBOL_WILDCARD);

function leetSymbol(symbol: number): number {
  return LEET_SYMBOLS.get(symbol) ?? symbol;
}
