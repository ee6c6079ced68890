import { LRUCache } from "lru-cache";
import { CONFUSABLES, LETTER_VARIANTS, STROKES } from "./confusables.ts";
import { SUBSTITUTIONS } from "./substitutions.ts";

/** Steps of the text normalization pipeline; each may be turned off per rule. */
export interface NormalizationOptions {
  nfkc: boolean;
  case_folding: boolean;
  diacritics: boolean;
  confusables: boolean;
  zero_width: boolean;
  leetspeak: boolean;
  repeated_letters: boolean;
  separators: boolean;
}

export const NORMALIZATION_STEPS = [
  "nfkc",
  "case_folding",
  "diacritics",
  "confusables",
  "zero_width",
  "leetspeak",
  "repeated_letters",
  "separators",
] as const satisfies ReadonlyArray<keyof NormalizationOptions>;

export const FULL_NORMALIZATION: Readonly<NormalizationOptions> = Object.freeze({
  nfkc: true,
  case_folding: true,
  diacritics: true,
  confusables: true,
  zero_width: true,
  leetspeak: true,
  repeated_letters: true,
  separators: true,
});

/** A bit per enabled step: rules with the same profile share one matcher and one text pass. */
export function profileKey(options: NormalizationOptions): number {
  let key = 0;
  NORMALIZATION_STEPS.forEach((step, bit) => {
    if (options[step]) key |= 1 << bit;
  });
  return key;
}

/** What a character is, once folded, for tokenization. */
export const CharClass = {
  /** Ends a word: spaces, punctuation, symbols. */
  Separator: 1,
  /** Part of a word. */
  Letter: 2,
  /** An ASCII digit: literal in numbers, leetspeak inside words ("h3ll0"). */
  Digit: 3,
  /** Dropped without ending the word: zero-width characters, combining marks. */
  Ignorable: 4,
  /** '$' '@' '€': leetspeak anywhere in a word with letters ("$hit", "a$$"). */
  LeetAnywhere: 5,
  /** '!' '|' '*': leetspeak only between word characters ("sh!t", "f**k"), else punctuation. */
  LeetInterior: 6,
  /** Folds to several characters ("ﬁ" → "fi", "ß" → "ss"): see CharTable.expansion. */
  Expansion: 7,
  /**
   * A combining mark that is a letter in its script (a Thai or Devanagari vowel sign): part of
   * the word after a letter of such a script, dropped as decoration after a Latin one ("fऀuऀcऀk").
   */
  ScriptMark: 8,
} as const;

const COMBINING_MARK = /\p{M}/u;
/**
 * Marks that decorate a letter without making another one: accents (Latin, Greek, Cyrillic),
 * Hebrew points, Arabic vowel signs, and Arabic tatweel (elongation, "عـــاهرة"). Vowel signs that
 * are letters (Thai, Devanagari and the other Indic scripts) are not in this set.
 */
const DECORATION =
  /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]+/gu;
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const LETTER_OR_NUMBER = /[\p{L}\p{N}\p{M}]/u;
const LEET_ANYWHERE = new Set(
  SUBSTITUTIONS.filter((s) => s.where === "anywhere" && !/\d/.test(s.char)).map((s) => s.char),
);
const LEET_INTERIOR = new Set(SUBSTITUTIONS.filter((s) => s.where === "between").map((s) => s.char));

/**
 * Heap one profile's cache of characters outside the BMP may hold. The BMP is a fixed table, but
 * there are a million astral code points, and a message of distinct ones would otherwise add its
 * characters to the cache for good (about 250 bytes each, per profile): 2 MiB keeps the emoji and
 * the rarer scripts a conversation uses, and recomputes the rest.
 */
export const ASTRAL_CACHE_BYTES = 2 * 1024 * 1024;
/**
 * What folding does to each astral code point, whatever the profile, worked out on first sight
 * (one byte each, 1 MiB once a process): nothing, for most of them (CJK ideographs, historic
 * scripts, emoji, unassigned code points), so their entry is their two surrogates with the
 * class of the character; or something, and then the entry is computed and cached per profile.
 * A text of random astral characters would otherwise keep the cache computing, a few
 * microseconds each, tens of milliseconds a message.
 */
const ASTRAL_UNKNOWN = 0;
const ASTRAL_PLAIN_LETTER = 1;
const ASTRAL_PLAIN_OTHER = 2;
const ASTRAL_FOLDED = 3;
let astralKinds: Uint8Array | undefined;
/** NFKC with case folding, which also drops default-ignorable characters. */
const CHANGES_WHEN_FOLDED = /^\p{Changes_When_NFKC_Casefolded}$/u;

function astralKind(codePoint: number): number {
  astralKinds ??= new Uint8Array(0x100000);
  let kind = astralKinds[codePoint - 0x10000] as number;
  if (kind !== ASTRAL_UNKNOWN) return kind;
  const char = String.fromCodePoint(codePoint);
  const folded =
    CHANGES_WHEN_FOLDED.test(char) ||
    char.normalize("NFD") !== char ||
    CONFUSABLES.has(codePoint) ||
    STROKES.has(codePoint) ||
    LETTER_VARIANTS.has(codePoint);
  kind = folded ? ASTRAL_FOLDED : LETTER_OR_NUMBER.test(char) ? ASTRAL_PLAIN_LETTER : ASTRAL_PLAIN_OTHER;
  astralKinds[codePoint - 0x10000] = kind;
  return kind;
}

/** Measured heap of one cached entry (the LRU's bookkeeping), and of an expansion array. */
const ENTRY_BYTES = 140;
const EXPANSION_BYTES = 160;

/**
 * Per-character folding for one normalization profile: NFKC, case folding, diacritics and
 * confusables are all functions of a single character, so they are computed once per distinct
 * character and cached. The hot loop then does one array read per character instead of calling
 * String.prototype.normalize on every message.
 *
 * An entry packs (folded UTF-16 code << 4) | class; 0 means "not computed yet".
 */
export class CharTable {
  private readonly bmp = new Int32Array(0x10000);
  private readonly astral: LRUCache<number, number>;
  private readonly expansions: Int32Array[] = [];
  /** Expansion slots of astral entries the cache let go, for the next ones to reuse. */
  private readonly freeExpansions: number[] = [];
  /** The expansion slot rewritten for each astral character folding leaves as it is (see plainAstral). */
  private readonly plainAstralSlot = this.expansions.push(new Int32Array(2)) - 1;

  constructor(
    readonly options: Readonly<NormalizationOptions>,
    astralCacheBytes = ASTRAL_CACHE_BYTES,
  ) {
    this.astral = new LRUCache<number, number>({
      maxSize: astralCacheBytes,
      sizeCalculation: (entry) =>
        (entry & 15) === CharClass.Expansion
          ? ENTRY_BYTES + EXPANSION_BYTES + this.expansion(entry).byteLength
          : ENTRY_BYTES,
      dispose: (entry) => {
        if ((entry & 15) !== CharClass.Expansion) return;
        this.expansions[entry >>> 4] = NO_EXPANSION;
        this.freeExpansions.push(entry >>> 4);
      },
    });
  }

  /** The packed entry of a code point. */
  entry(codePoint: number): number {
    if (codePoint < 0x10000) {
      const cached = this.bmp[codePoint] as number;
      if (cached !== 0) return cached;
      const computed = this.compute(codePoint);
      this.bmp[codePoint] = computed;
      return computed;
    }
    const kind = astralKind(codePoint);
    if (kind !== ASTRAL_FOLDED) return this.plainAstral(codePoint, kind);
    let cached = this.astral.get(codePoint);
    if (cached === undefined) {
      cached = this.compute(codePoint);
      this.astral.set(codePoint, cached);
    }
    return cached;
  }

  /**
   * The packed entries a CharClass.Expansion entry stands for. Read it right after entry(): the
   * slot of an astral character is reused once the character leaves the cache.
   */
  expansion(entry: number): Int32Array {
    return this.expansions[entry >>> 4] as Int32Array;
  }

  /**
   * The entry of an astral character that folding leaves as it is: its two surrogates, of the
   * character's class, as compute() writes them. Written in one slot, not cached: entry()'s
   * callers read an expansion at once.
   */
  private plainAstral(codePoint: number, kind: number): number {
    const parts = this.expansions[this.plainAstralSlot] as Int32Array;
    const klass = kind === ASTRAL_PLAIN_LETTER ? CharClass.Letter : CharClass.Separator;
    const offset = codePoint - 0x10000;
    parts[0] = ((0xd800 + (offset >> 10)) << 4) | klass;
    parts[1] = ((0xdc00 + (offset & 0x3ff)) << 4) | klass;
    return (this.plainAstralSlot << 4) | CharClass.Expansion;
  }

  /** Computes every BMP entry now, so that no message pays for its characters' first sight. */
  fillBmp(): void {
    for (let codePoint = 0; codePoint < 0x10000; codePoint++) this.entry(codePoint);
  }

  /** How many BMP characters have their entry computed (see fillBmp). */
  get bmpEntries(): number {
    let count = 0;
    for (let codePoint = 0; codePoint < 0x10000; codePoint++) if (this.bmp[codePoint] !== 0) count++;
    return count;
  }

  /** The entry of a code point as computed from its folded form, never from a shortcut (tests). */
  computedEntry(codePoint: number): number {
    return this.compute(codePoint);
  }

  /** Heap held by the cache of astral characters, as the cache counts it. */
  get astralCacheBytes(): number {
    return this.astral.calculatedSize;
  }

  /** The folded form of one character, as a string (for terms and explanations). */
  fold(codePoint: number): string {
    const char = String.fromCodePoint(codePoint);
    const { options } = this;
    if (options.zero_width && DEFAULT_IGNORABLE.test(char)) return "";
    let out = options.nfkc ? char.normalize("NFKC") : char;
    // Upper then lower approximates Unicode full case folding ("ß" → "SS" → "ss", "ς" → "σ").
    if (options.case_folding) out = foldKana(out.toUpperCase().toLowerCase());
    if (options.diacritics) {
      out = out.normalize("NFD").replace(DECORATION, "").normalize("NFC");
      out = mapEach(mapEach(out, STROKES), LETTER_VARIANTS);
    }
    if (options.confusables) out = mapEach(out, CONFUSABLES);
    return out;
  }

  private compute(codePoint: number): number {
    const folded = this.fold(codePoint);
    const chars = [...folded];
    if (chars.length === 0) return CharClass.Ignorable;
    if (chars.length === 1 && folded.length === 1) return this.classify(folded, codePoint);
    // Several characters (or one outside the BMP): each UTF-16 unit becomes a symbol.
    const parts: number[] = [];
    for (const char of chars) {
      if (char.length === 1) parts.push(this.classify(char, char.codePointAt(0) as number));
      else
        for (let i = 0; i < char.length; i++) parts.push((char.charCodeAt(i) << 4) | classOfWordChar(char));
    }
    if (parts.length === 1) return parts[0] as number;
    const slot = codePoint >= 0x10000 ? this.freeExpansions.pop() : undefined;
    if (slot !== undefined) {
      this.expansions[slot] = Int32Array.from(parts);
      return (slot << 4) | CharClass.Expansion;
    }
    this.expansions.push(Int32Array.from(parts));
    return ((this.expansions.length - 1) << 4) | CharClass.Expansion;
  }

  private classify(folded: string, original: number): number {
    const code = folded.charCodeAt(0);
    const klass = this.classOf(folded, original);
    return (code << 4) | klass;
  }

  private classOf(folded: string, original: number): number {
    if (this.options.zero_width && DEFAULT_IGNORABLE.test(String.fromCodePoint(original)))
      return CharClass.Ignorable;
    if (folded >= "0" && folded <= "9") return CharClass.Digit;
    if (this.options.leetspeak) {
      if (LEET_ANYWHERE.has(folded)) return CharClass.LeetAnywhere;
      if (LEET_INTERIOR.has(folded)) return CharClass.LeetInterior;
    }
    if (this.options.diacritics && COMBINING_MARK.test(folded)) return CharClass.ScriptMark;
    if (LETTER_OR_NUMBER.test(folded)) return CharClass.Letter;
    return CharClass.Separator;
  }
}

const NO_EXPANSION = new Int32Array(0);

function classOfWordChar(char: string): number {
  return LETTER_OR_NUMBER.test(char) ? CharClass.Letter : CharClass.Separator;
}

/** Katakana to hiragana ("チンコ" reads as "ちんこ"): the two kana are one alphabet twice. */
function foldKana(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    out +=
      (code >= 0x30a1 && code <= 0x30f6) || code === 0x30fd || code === 0x30fe
        ? String.fromCodePoint(code - 0x60)
        : char;
  }
  return out;
}

function mapEach(text: string, map: ReadonlyMap<number, string>): string {
  let out = "";
  for (const char of text) out += map.get(char.codePointAt(0) as number) ?? char;
  return out;
}

const tables = new Map<number, CharTable>();

/** The shared table of a profile (tables only grow with distinct characters seen). */
export function charTableFor(options: NormalizationOptions): CharTable {
  const key = profileKey(options);
  let table = tables.get(key);
  if (!table) {
    table = new CharTable({ ...options });
    tables.set(key, table);
  }
  return table;
}

/** Leetspeak readings of a folded character inside a word (see substitutions.ts). */
export const LEET_READINGS: ReadonlyMap<string, readonly string[] | "any"> = new Map(
  SUBSTITUTIONS.map((s) => [s.char, s.reads] as const),
);
