import { codeUnitsOf } from "./code-units.ts";
import {
  CharClass,
  type CharTable,
  charTableFor,
  LEET_READINGS,
  type NormalizationOptions,
} from "./normalize.ts";
import { AMBIGUOUS_LETTERS, NUMBER_UNITS, SUBSTITUTIONS } from "./substitutions.ts";
import { SYMBOL_WILDCARD, symbolReading } from "./symbols.ts";
import { addToWordHash, finishWordHash, WORD_HASH_SEED, wordHash } from "./walk-cache.ts";
import { countWork } from "./work.ts";

/** Token flags. */
export const TOKEN_SINGLE = 1; // one symbol, not repeated: a candidate for "f u c k" joining
export const TOKEN_JOIN_START = 2; // a single letter: a joined word may start here
export const TOKEN_HAS_SOFT = 4; // holds a leet symbol that may also be punctuation ("me@home")

/** Characters read as any one letter ("f*ck", "f#ck", "f^ck"): they never merge into runs. */
const WILDCARD_CHARS = new Set(
  SUBSTITUTIONS.filter((s) => s.reads === "any").map((s) => s.char.charCodeAt(0)),
);
/** WILDCARD_CHARS for ASCII, as a table: a leet word asks for each of its symbols. */
const ASCII_WILDCARDS = Uint8Array.from({ length: 128 }, (_, code) => (WILDCARD_CHARS.has(code) ? 1 : 0));

function isWildcardChar(symbol: number): boolean {
  return symbol < 128 ? ASCII_WILDCARDS[symbol] === 1 : WILDCARD_CHARS.has(symbol);
}
export const SOFT_LEET = 1;
export const SOFT_DIGIT = 2;
const MAX_WILDCARDS_PER_WORD = 4;

// CharClass values as plain constants, so the hot loop compares against immediates.
const NO_PARTS: Int32Array = new Int32Array(0);
const CLASS_LETTER = CharClass.Letter;
const CLASS_DIGIT = CharClass.Digit;
const CLASS_LEET_ANYWHERE = CharClass.LeetAnywhere;
const CLASS_LEET_INTERIOR = CharClass.LeetInterior;
const CLASS_IGNORABLE = CharClass.Ignorable;
const CLASS_EXPANSION = CharClass.Expansion;
const CLASS_SCRIPT_MARK = CharClass.ScriptMark;
/** Scripts from Devanagari on write vowels as combining marks that are letters. */
const FIRST_SCRIPT_WITH_LETTER_MARKS = 0x0900;

// What the word being scanned contains (bits).
const WORD_HAS_LETTER = 1;
const WORD_HAS_DIGIT = 2;
const WORD_NEEDS_LEET = 4;
const WORD_HAS_SOFT = 8;
/** The bit of a symbol's key (see walk-cache.ts symbolKey) saying it is a run of two or more. */
const RUN_KEY = 4;

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
  /**
   * How the symbol was written: 0 a letter; SOFT_LEET where it came from '$' '@' '!' '|' '*'
   * (read as a letter, or as a word break); SOFT_DIGIT where it came from a digit.
   */
  soft: Uint8Array = new Uint8Array(256);
  length = 0;

  tokenStarts: Int32Array = new Int32Array(64);
  tokenEnds: Int32Array = new Int32Array(64);
  tokenFlags: Uint8Array = new Uint8Array(64);
  /** The symbol a single-character token contributes to a joined word (leetspeak applied). */
  tokenJoinSymbols: Int32Array = new Int32Array(64);
  /** Each word's wordHash (see walk-cache.ts): the key its walks are cached under. */
  tokenHashes: Int32Array = new Int32Array(64);
  tokenCount = 0;
  /** Words that are a single letter (TOKEN_SINGLE): without any, nothing is spelled out. */
  singleLetters = 0;

  reset(): void {
    this.length = 0;
    this.tokenCount = 0;
    this.singleLetters = 0;
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
    this.tokenHashes = grow(this.tokenHashes, size);
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
  /** Entries of the ASCII range, read without a call in the hot loop. */
  private readonly ascii = new Int32Array(128);
  private readonly collapse: boolean;
  private readonly leet: boolean;
  /** Terms are written plainly: '!' '|' '*' in a term are punctuation, never leetspeak. */
  private readonly forTerms: boolean;
  private out!: ScannedText;
  private readonly asciiFastPath: boolean;

  /** The folded symbol << 4 | CharClass of each ASCII character, as messages are read. */
  get asciiEntries(): Int32Array {
    return this.ascii;
  }

  /**
   * True when every ASCII character is read one for one (no character is dropped or expanded):
   * ASCII text is then read by the ASCII loop alone.
   */
  get readsAsciiWordsPlainly(): boolean {
    return this.asciiFastPath;
  }

  constructor(options: NormalizationOptions, opts: { forTerms?: boolean } = {}) {
    this.table = charTableFor(options);
    this.collapse = options.repeated_letters;
    this.leet = options.leetspeak;
    this.forTerms = opts.forTerms ?? false;
    for (let code = 0; code < 128; code++) this.ascii[code] = this.table.entry(code);
    if (!this.forTerms && options.leetspeak) {
      // In messages, "l" and "I" may stand for each other ("heII", "shlt"); terms are literal.
      for (const [letter, reads] of AMBIGUOUS_LETTERS) {
        const code = letter.charCodeAt(0);
        const folded = String.fromCharCode((this.ascii[code] as number) >>> 4);
        const symbol = symbolReading(reads);
        // Only where the profile folds the letter into one it may stand for (case folding on).
        if (symbol !== undefined && reads.includes(folded)) this.ascii[code] = (symbol << 4) | CLASS_LETTER;
      }
    }
    // Terms go through the general loop so that message scanning alone shapes the fast one.
    this.asciiFastPath =
      !this.forTerms &&
      this.ascii.every((entry) => {
        const klass = entry & 15;
        return klass !== CLASS_IGNORABLE && klass !== CLASS_EXPANSION;
      });
  }

  /**
   * Normalizes `text` into `out`. The loops keep their state in locals (not fields) and write
   * the output arrays directly, which is what makes a character cost a few nanoseconds.
   */
  scan(text: string, out: ScannedText): ScannedText {
    // The text is read once: by the ASCII pass, then by the general one from where it stopped.
    countWork(text.length);
    const codes = codeUnitsOf(text);
    if (!this.asciiFastPath) return this.scanGeneral(text, codes, out, 0);
    const stoppedAt = this.scanAscii(text, codes, out);
    return stoppedAt < 0 ? out : this.scanGeneral(text, codes, out, stoppedAt);
  }

  // Where the ASCII pass stopped, at its first other character: the general pass goes on from
  // there with the state of the word being built (see scanGeneral's locals of the same names).
  private resumeLength = 0;
  private resumeTokenOpen = false;
  private resumeTokenStart = 0;
  private resumeWord = 0;
  private resumePendingInterior = -1;

  /** Scans from `from`: 0, or where scanAscii stopped (with its state). */
  private scanGeneral(text: string, codes: Uint16Array | null, out: ScannedText, from: number): ScannedText {
    if (from === 0) out.reset();
    this.out = out;
    const table = this.table;
    const ascii = this.ascii;
    const collapse = this.collapse;
    const interiorLeet = !this.forTerms;
    let symbols = out.symbols;
    let runs = out.runs;
    let starts = out.starts;
    let ends = out.ends;
    let soft = out.soft;
    let length = from === 0 ? 0 : this.resumeLength;
    // The word being built.
    let tokenOpen = from === 0 ? false : this.resumeTokenOpen;
    let tokenStart = from === 0 ? 0 : this.resumeTokenStart;
    let word = from === 0 ? 0 : this.resumeWord; // WORD_* bits
    // Where trailing '!' '|' '*' began: dropped if the word ends on them.
    let pendingInterior = from === 0 ? -1 : this.resumePendingInterior;

    const textLength = text.length;
    let i = from;
    // An expansion ("ﬁ" → "fi") feeds several entries for one original range: they are drawn
    // from `parts` before the next character is read, in the same loop.
    let parts = NO_PARTS;
    let partIndex = 0;
    let start = 0;
    let end = 0;
    for (;;) {
      let current: number;
      if (partIndex < parts.length) {
        current = parts[partIndex++] as number;
      } else {
        if (i >= textLength) break;
        let codePoint = codes === null ? text.charCodeAt(i) : (codes[i] as number);
        start = i;
        if (codePoint < 128) {
          current = ascii[codePoint] as number;
          end = i + 1;
        } else {
          end = i + 1;
          if (codePoint >= 0xd800 && codePoint <= 0xdbff && end < textLength) {
            const low = codes === null ? text.charCodeAt(end) : (codes[end] as number);
            if (low >= 0xdc00 && low <= 0xdfff) {
              codePoint = ((codePoint - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
              end++;
            }
          }
          current = table.entry(codePoint);
          if ((current & 15) === CLASS_EXPANSION) {
            parts = table.expansion(current);
            partIndex = 0;
            i = end;
            continue;
          }
        }
        i = end;
      }
      let klass = current & 15;
      if (klass === CLASS_SCRIPT_MARK) {
        // A vowel sign after a letter of its script is a letter; after a Latin one, decoration.
        const previous = tokenOpen && length > tokenStart ? (symbols[length - 1] as number) : 0;
        klass =
          previous >= FIRST_SCRIPT_WITH_LETTER_MARKS && previous <= 0xffff ? CLASS_LETTER : CLASS_IGNORABLE;
      }
      if (
        klass === CLASS_LETTER ||
        klass === CLASS_DIGIT ||
        klass === CLASS_LEET_ANYWHERE ||
        // "sh!t" is leet, "shit!" and "!shit" are punctuation.
        (klass === CLASS_LEET_INTERIOR && tokenOpen && interiorLeet)
      ) {
        const symbol = current >>> 4;
        if (!tokenOpen) {
          tokenOpen = true;
          tokenStart = length;
          word = 0;
          pendingInterior = -1;
        }
        let isSoft = 0;
        if (klass === CLASS_LETTER) {
          word |= WORD_HAS_LETTER;
          pendingInterior = -1;
        } else if (klass === CLASS_DIGIT) {
          word |= WORD_HAS_DIGIT | WORD_NEEDS_LEET;
          pendingInterior = -1;
          isSoft = SOFT_DIGIT;
        } else {
          word |= WORD_NEEDS_LEET | WORD_HAS_SOFT;
          isSoft = 1;
          if (klass === CLASS_LEET_ANYWHERE) pendingInterior = -1;
          else if (pendingInterior < 0) pendingInterior = length;
        }
        const last = length - 1;
        if (collapse && last >= tokenStart && symbols[last] === symbol && !isWildcardChar(symbol)) {
          runs[last] = (runs[last] as number) + 1;
          ends[last] = end;
        } else {
          if (length === symbols.length) {
            out.length = length;
            out.growSymbols();
            symbols = out.symbols;
            runs = out.runs;
            starts = out.starts;
            ends = out.ends;
            soft = out.soft;
          }
          symbols[length] = symbol;
          runs[length] = 1;
          starts[length] = start;
          ends[length] = end;
          soft[length] = isSoft;
          length++;
        }
      } else if (klass === CLASS_IGNORABLE) {
        // Dropped, but part of the span: "f\u200bu" maps back to both characters.
        if (tokenOpen) ends[length - 1] = end;
      } else if (tokenOpen) {
        tokenOpen = false;
        if (word === WORD_HAS_LETTER && out.tokenCount < out.tokenStarts.length) {
          // The common word: letters only, nothing to resolve. Recorded inline.
          const t = out.tokenCount++;
          out.tokenStarts[t] = tokenStart;
          out.tokenEnds[t] = length;
          out.tokenJoinSymbols[t] = symbols[tokenStart] as number;
          out.tokenHashes[t] = wordHash(out, tokenStart, length);
          if (length - tokenStart === 1 && runs[tokenStart] === 1) {
            out.tokenFlags[t] = TOKEN_SINGLE | TOKEN_JOIN_START;
            out.singleLetters++;
          } else out.tokenFlags[t] = 0;
        } else {
          out.length = pendingInterior >= 0 ? pendingInterior : length;
          this.endToken(tokenStart, word);
          length = out.length;
        }
      }
    }
    if (tokenOpen) {
      out.length = pendingInterior >= 0 ? pendingInterior : length;
      this.endToken(tokenStart, word);
    } else {
      out.length = length;
    }
    return out;
  }

  /**
   * The same loop as scanGeneral for ASCII characters (most chat): no surrogates, no expansions,
   * no ignorable characters, hence a smaller loop that compiles to tighter code. Returns -1 when
   * the text is all ASCII, else the position of its first other character, having saved the
   * state of the word being built for scanGeneral to go on from there.
   */
  private scanAscii(text: string, codes: Uint16Array | null, out: ScannedText): number {
    out.reset();
    this.out = out;
    const ascii = this.ascii;
    const collapse = this.collapse;
    const interiorLeet = !this.forTerms;
    let symbols = out.symbols;
    let runs = out.runs;
    let starts = out.starts;
    let ends = out.ends;
    let soft = out.soft;
    // The words found, in locals too (written back before endToken, which records its own).
    let tokenStarts = out.tokenStarts;
    let tokenEnds = out.tokenEnds;
    let tokenJoinSymbols = out.tokenJoinSymbols;
    let tokenHashes = out.tokenHashes;
    let tokenFlags = out.tokenFlags;
    let tokenCount = 0;
    let length = 0;
    // The word being built.
    let tokenOpen = false;
    let tokenStart = 0;
    let word = 0; // WORD_* bits
    let pendingInterior = -1; // where trailing '!' '|' '*' began: dropped if the word ends on them
    // The word's running hash (see walk-cache.ts), and the key of its last symbol, folded in once
    // that symbol's run is over. Only a word of letters alone is recorded with it.
    let hash = 0;
    let lastKey = 0;

    const textLength = text.length;
    for (let i = 0; i < textLength; i++) {
      const code = codes === null ? text.charCodeAt(i) : (codes[i] as number);
      if (code >= 128) {
        this.resumeLength = length;
        this.resumeTokenOpen = tokenOpen;
        this.resumeTokenStart = tokenStart;
        this.resumeWord = word;
        this.resumePendingInterior = pendingInterior;
        out.tokenCount = tokenCount;
        return i;
      }
      const current = ascii[code] as number;
      const start = i;
      const end = i + 1;
      const klass = current & 15;
      if (klass === CLASS_LETTER) {
        // Most characters: a letter (never a wildcard, never leetspeak), the branch below for one.
        const symbol = current >>> 4;
        if (!tokenOpen) {
          tokenOpen = true;
          tokenStart = length;
          word = WORD_HAS_LETTER;
          hash = WORD_HASH_SEED;
        } else {
          word |= WORD_HAS_LETTER;
          if (collapse && length > tokenStart && symbols[length - 1] === symbol) {
            runs[length - 1] = (runs[length - 1] as number) + 1;
            ends[length - 1] = end;
            lastKey |= RUN_KEY;
            pendingInterior = -1;
            continue;
          }
          hash = addToWordHash(hash, lastKey);
        }
        pendingInterior = -1;
        lastKey = symbol << 3;
        if (length === symbols.length) {
          out.length = length;
          out.growSymbols();
          symbols = out.symbols;
          runs = out.runs;
          starts = out.starts;
          ends = out.ends;
          soft = out.soft;
        }
        symbols[length] = symbol;
        runs[length] = 1;
        starts[length] = start;
        ends[length] = end;
        soft[length] = 0;
        length++;
      } else if (
        klass === CLASS_DIGIT ||
        klass === CLASS_LEET_ANYWHERE ||
        // "sh!t" is leet, "shit!" and "!shit" are punctuation.
        (klass === CLASS_LEET_INTERIOR && tokenOpen && interiorLeet)
      ) {
        const symbol = current >>> 4;
        if (!tokenOpen) {
          tokenOpen = true;
          tokenStart = length;
          word = 0;
          pendingInterior = -1;
        }
        let isSoft = 0;
        if (klass === CLASS_DIGIT) {
          word |= WORD_HAS_DIGIT | WORD_NEEDS_LEET;
          pendingInterior = -1;
          isSoft = SOFT_DIGIT;
        } else {
          word |= WORD_NEEDS_LEET | WORD_HAS_SOFT;
          isSoft = 1;
          if (klass === CLASS_LEET_ANYWHERE) pendingInterior = -1;
          else if (pendingInterior < 0) pendingInterior = length;
        }
        const last = length - 1;
        if (collapse && last >= tokenStart && symbols[last] === symbol && !isWildcardChar(symbol)) {
          runs[last] = (runs[last] as number) + 1;
          ends[last] = end;
        } else {
          if (length === symbols.length) {
            out.length = length;
            out.growSymbols();
            symbols = out.symbols;
            runs = out.runs;
            starts = out.starts;
            ends = out.ends;
            soft = out.soft;
          }
          symbols[length] = symbol;
          runs[length] = 1;
          starts[length] = start;
          ends[length] = end;
          soft[length] = isSoft;
          length++;
        }
      } else if (tokenOpen) {
        tokenOpen = false;
        if (word === WORD_HAS_LETTER && tokenCount < tokenStarts.length) {
          // The common word: letters only, nothing to resolve. Recorded inline.
          tokenStarts[tokenCount] = tokenStart;
          tokenEnds[tokenCount] = length;
          tokenJoinSymbols[tokenCount] = symbols[tokenStart] as number;
          tokenHashes[tokenCount] = finishWordHash(addToWordHash(hash, lastKey), length - tokenStart);
          if (length - tokenStart === 1 && runs[tokenStart] === 1) {
            tokenFlags[tokenCount] = TOKEN_SINGLE | TOKEN_JOIN_START;
            out.singleLetters++;
          } else tokenFlags[tokenCount] = 0;
          tokenCount++;
        } else {
          out.tokenCount = tokenCount;
          out.length = pendingInterior >= 0 ? pendingInterior : length;
          this.endToken(tokenStart, word);
          length = out.length;
          tokenCount = out.tokenCount;
          tokenStarts = out.tokenStarts;
          tokenEnds = out.tokenEnds;
          tokenJoinSymbols = out.tokenJoinSymbols;
          tokenHashes = out.tokenHashes;
          tokenFlags = out.tokenFlags;
        }
      }
    }
    out.tokenCount = tokenCount;
    if (tokenOpen) {
      out.length = pendingInterior >= 0 ? pendingInterior : length;
      this.endToken(tokenStart, word);
    } else {
      out.length = length;
    }
    return -1;
  }

  /** Closes the word occupying symbols [start, out.length): leetspeak, then its token record. */
  private endToken(start: number, word: number): void {
    const out = this.out;
    if (out.length === start) return;
    let hasLetter = (word & WORD_HAS_LETTER) !== 0;
    if (!hasLetter && (word & WORD_HAS_DIGIT) === 0) {
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
      hasLetter = true;
    }
    if (this.leet && hasLetter && (word & WORD_NEEDS_LEET) !== 0 && !this.isNumberWithUnit(start)) {
      if (this.spelledWithStars(start)) {
        this.splitSpelledWord(start);
        return;
      }
      this.resolveLeet(start);
    }
    const single = out.length - start === 1 && out.runs[start] === 1;
    let flags = this.leet && (word & WORD_HAS_SOFT) !== 0 ? TOKEN_HAS_SOFT : 0;
    let joinSymbol = out.symbols[start] as number;
    if (single) {
      flags |= TOKEN_SINGLE;
      if (hasLetter) flags |= TOKEN_JOIN_START;
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
    out.tokenHashes[t] = wordHash(out, start, out.length);
    if ((flags & TOKEN_SINGLE) !== 0) out.singleLetters++;
  }

  /**
   * "f*u*c*k", "f!u!c!k", "f|u|c|k": single characters alternating with one repeated leet
   * symbol. The symbol is a separator here, exactly like the dots of "f.u.c.k" (however long
   * the word, no branching).
   */
  private spelledWithStars(start: number): boolean {
    const { symbols, runs, soft, length } = this.out;
    const size = length - start;
    if (size < 5 || size % 2 === 0) return false;
    const separator = symbols[start + 1] as number;
    if (soft[start + 1] !== SOFT_LEET) return false;
    for (let i = start; i < length; i++) {
      const isSeparator = symbols[i] === separator;
      if (isSeparator !== ((i - start) % 2 === 1) || runs[i] !== 1) return false;
    }
    return true;
  }

  /** Digits followed by a unit ("45s", "3rd", "10k"): a number, not a word in leetspeak. */
  private isNumberWithUnit(start: number): boolean {
    const { symbols, runs, soft, length } = this.out;
    let i = start;
    while (i < length && soft[i] === SOFT_DIGIT) i++;
    if (i === start || i === length) return false;
    let unit = "";
    for (; i < length; i++) {
      if (soft[i] !== 0 || (symbols[i] as number) > 0x7f) return false;
      unit += String.fromCharCode(symbols[i] as number).repeat(runs[i] as number);
    }
    return NUMBER_UNITS.has(unit);
  }

  /** Records each character of a star-spelled word as its own single-letter token. */
  private splitSpelledWord(start: number): void {
    const out = this.out;
    const end = out.length;
    let write = start;
    for (let read = start; read < end; read += 2) {
      out.symbols[write] = leetSymbol(out.symbols[read] as number);
      out.runs[write] = 1;
      out.starts[write] = out.starts[read] as number;
      out.ends[write] = out.ends[read] as number;
      out.soft[write] = 0;
      write++;
    }
    for (let at = start; at < write; at++) {
      out.length = at + 1;
      const symbol = out.symbols[at] as number;
      this.recordToken(at, TOKEN_SINGLE | (symbol !== SYMBOL_WILDCARD ? TOKEN_JOIN_START : 0), symbol);
    }
  }

  /** Rewrites the word's leet characters in place, then merges runs the rewrite made adjacent. */
  private resolveLeet(start: number): void {
    const out = this.out;
    const { symbols, runs, ends } = out;
    // Each '*' multiplies the readings of a word; past a few, they stay literal stars (which no
    // term contains) so a hostile "a*****...b" costs no more than any other word.
    let stars = 0;
    for (let i = start; i < out.length; i++) if (isWildcardChar(symbols[i] as number)) stars++;
    const starsAreWildcards = stars <= MAX_WILDCARDS_PER_WORD;
    let write = start;
    for (let read = start; read < out.length; read++) {
      const raw = symbols[read] as number;
      const symbol = !starsAreWildcards && isWildcardChar(raw) ? raw : leetSymbol(raw);
      // Identical symbols merge into one run, leet or not ("a$s" reads "ass"); the run stays soft,
      // so the word may still break before it ("ai!ok" is "ai ok" as well as "aiiok").
      if (this.collapse && write > start && symbols[write - 1] === symbol && symbol !== SYMBOL_WILDCARD) {
        runs[write - 1] = (runs[write - 1] as number) + (runs[read] as number);
        ends[write - 1] = ends[read] as number;
        // "a$s": one run, still soft (the word may break before it); digits only if all were.
        const before = out.soft[write - 1] as number;
        const after = out.soft[read] as number;
        out.soft[write - 1] =
          before === SOFT_LEET || after === SOFT_LEET ? SOFT_LEET : before === after ? before : 0;
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
  const symbol =
    readings === "any"
      ? SYMBOL_WILDCARD
      : readings.length > 1
        ? (symbolReading(readings) as number)
        : (readings[0] as string).charCodeAt(0);
  LEET_SYMBOLS.set(char.charCodeAt(0), symbol);
}

/** LEET_SYMBOLS for ASCII, as a table (0: not a leet character). */
const ASCII_LEET_SYMBOLS = Int32Array.from({ length: 128 }, (_, code) => LEET_SYMBOLS.get(code) ?? 0);

function leetSymbol(symbol: number): number {
  if (symbol < 128) return ASCII_LEET_SYMBOLS[symbol] || symbol;
  return LEET_SYMBOLS.get(symbol) ?? symbol;
}

/**
 * The symbol a word of one ASCII character (folded to `symbol`, of class `klass`) joins a
 * spelled-out word with (ScannedText.tokenJoinSymbols): a letter as itself, a digit as the
 * letter it stands for ("f u c k 1 n g").
 */
export function joinSymbolOf(symbol: number, klass: number): number {
  return klass === CLASS_DIGIT ? leetSymbol(symbol) : symbol;
}
