import { MAX_WALKS_ON, nextWordBit } from "./automaton.ts";
import { CharClass, type CharTable } from "./normalize.ts";
import { joinSymbolOf } from "./scanner.ts";
import { finishWordHash, slotsFor } from "./walk-cache.ts";

// Words already judged, by how they are written: the short way through a message made only of
// such words.
//
// Most chat is plain ASCII words that hold no term. The walks of a word depend only on the word
// (see walk-cache.ts), and so does the deciding step's verdict on the terms inside it (see
// word-decisions.ts). When every word of a message is known to find nothing that counts, the
// message holds no term: it is not normalized, walked or decided at all, only read once, a word
// at a time, and each word looked up here. Words are ASCII letters or digits alone, between
// separators (an emoji is one); one-character words in a row are read only where the trie cannot
// spell on from one into the next ("f u c k"). Any other message takes the full path, which
// teaches this table the verdicts of its words (tests check that both ways decide alike).
//
// A word's verdict:
// - a count (>= 0): the word's walks find nothing, or only terms inside it that the deciding
//   step never keeps ("hell" in "hello", "ass" in "assignment"), except that this many walks go
//   on into the next word, as a phrase ("two girls...") or a split word ("fu ck"): they are kept
//   with it (see Automaton.walkSummary), and the message is silent only where none of them finds
//   anything in the next word (Automaton.findsInWord); WORD_SILENT (0) for none;
// - the same count with WORD_HAS_HITS: the word is a term, or holds terms, that the deciding
//   step keeps whatever the words around ("bitch", "fuckface": a decision it keeps by word, see
//   word-decisions.ts); the hits it kept are kept with the word, where they lie in it, and a
//   message of such words and silent ones gets them without the full path;
// - WORD_OTHER: anything else (a term whose decision depends on the message, a word written
//   with a leet symbol, too long to cache...).
//
// What a word's walks find in the word after it is kept too, by the pair of their slots (see
// pairFinds): the common words that may begin a phrase or a split word ("be", "at") are followed
// by the same few words again and again.
//
// The table is four-way set-associative: every word of a message must be found for the message
// to take the short way, so two common words may not push each other out as they would in a
// direct-mapped table. It is keyed by the word's characters exactly as written: "hello" and
// "HeIIo" are different words here, though they fold alike. A word's last eight characters are
// packed into its record as two keys of four 7-bit characters (see WordKey): reading a word
// packs them as it goes, and finding it compares two numbers, not its characters one by one;
// only a longer word's first characters are compared from a table of their own.

/** Verdicts (see above), and what lookup() answers for a word not judged yet. */
export const WORD_SILENT = 0;
export const WORD_OTHER = -2;
export const WORD_UNKNOWN = -3;
/** The flag of a verdict whose word holds hits kept whatever the words around (see above). */
export const WORD_HAS_HITS = 1 << 8;
/** The walks-on count of a verdict (>= 0). */
const WALKS_ON_MASK = 0xff;

/** What KnownWords.silent answers: the text finds nothing, */
export const KNOWN_WORDS_SILENT = 1;
/** ...or it finds only the hits of its words that hold some (see hitWordCount), */
export const KNOWN_WORDS_HITS = 2;
/** ...or it may (the full path will tell), */
export const KNOWN_WORDS_FAILED = 0;
/** ...or it has a word not judged yet (the full path will tell, and can teach it). */
export const KNOWN_WORDS_UNKNOWN = -1;

/** Longer words are not kept: they are rare, and keys stay short. */
const MAX_KNOWN_WORD = 24;
/** Words with hits a text may have and still take the short way; hits a word may keep. */
const MAX_HIT_WORDS = 64;
export const MAX_KNOWN_HITS = 8;

/** A hit the deciding step kept in a known word: where it lies in the word as written. */
export interface KnownHit {
  /** The condition slot of the hit's term (see TermOutput). */
  slot: number;
  term: number;
  /** UTF-16 offsets from the word's first character. */
  start: number;
  end: number;
  normalized: string;
}
/**
 * Slots of a full-size table (a power of two): 8,192 words of up to 24 characters, with their
 * verdicts and walks, and the pairs of words kept (see pairFinds), about 450 KiB.
 */
const DEFAULT_KNOWN_WORD_SLOTS = 8192;

/** The fewest slots a table gets, however many share the memory (see knownWordSlotsFor). */
const MIN_KNOWN_WORD_SLOTS = 256;

/** Slots for a table given `share` (0-1] of the default: a power of two, at least the minimum. */
export function knownWordSlotsFor(share: number): number {
  return slotsFor(share, DEFAULT_KNOWN_WORD_SLOTS, MIN_KNOWN_WORD_SLOTS);
}

/** What nonAsciiClass answers for anything but a separator (no CharClass: never read as one). */
const NOT_A_SEPARATOR = -1;

/** Slots a word may take in its set. */
const WAYS = 4;
/** Int32 of a slot's record (see KnownWords.records), and where its fields lie in it. */
const RECORD = 4;
const LAST_FOUR = 0;
const FOUR_BEFORE = 1;
const LENGTH_AND_VERDICT = 2;
const FIRST_SYMBOLS = 3;
/** The low bits of LENGTH_AND_VERDICT hold the word's length (0: an empty slot), the rest its verdict. */
const LENGTH_BITS = 5;
const LENGTH_MASK = (1 << LENGTH_BITS) - 1;

/** Characters packed into a word's keys (see WordKey); a longer word's others are kept apart. */
const PACKED = 8;
/** Four 7-bit characters. */
const KEY_MASK = 0x0fffffff;

/** Pairs of words (see pairFinds) whose walks-on are kept: a power of two, 32 KiB of records. */
const PAIRS = 2048;
const PAIR_SHIFT = 32 - Math.log2(PAIRS);
/** Int32 per pair record: the two slots (+1, 0 when empty) and their versions. */
const PAIR_RECORD = 4;

/** How the walks a word's verdict keeps go on into the next word (the matcher's Automaton). */
export interface WalksOn {
  findsInWord(walkOn: number, symbols: Int32Array, runs: Int32Array, count: number): boolean;
  firstSymbols(walkOn: number): number;
  joinsOn(first: number, next: number): boolean;
}

export interface KnownWordsOptions {
  /** The scanner's entries for ASCII characters (folded symbol << 4 | CharClass). */
  asciiEntries: Int32Array;
  /** The scanner's table, for the characters outside ASCII. */
  table: CharTable;
  walks: WalksOn;
  slots?: number;
}

export class KnownWords {
  /**
   * RECORD Int32 per slot: the word's keys (its last eight characters, see WordKey), its length
   * (0 when empty) and verdict, and the first symbols of a next word its walks go on into
   * (Automaton.firstSymbols). The four ways of a set lie side by side, 64 bytes: a lookup reads
   * one cache line.
   */
  private readonly records: Int32Array;
  /** MAX_KNOWN_WORD - PACKED per slot: the characters of a longer word before its packed ones. */
  private readonly prefixes: Uint8Array;
  /** MAX_WALKS_ON per slot: the walks its word's verdict counts. */
  private readonly walksOn: Int32Array;
  private readonly walks: WalksOn;
  private readonly table: CharTable;
  /** The word being read by silent(): its symbols (folded, repeats as runs). */
  private readonly wordSymbols = new Int32Array(MAX_KNOWN_WORD);
  private readonly wordRuns = new Int32Array(MAX_KNOWN_WORD);
  /** Per set: the way the next word replaces when all are taken. */
  private readonly turns: Uint8Array;
  /**
   * Per slot: how many times a word was put there. A kept pair (see pairFinds) names its slots
   * with their versions, so a pair stops counting once either slot holds another word.
   */
  private readonly versions: Int32Array;
  /** PAIR_RECORD per pair: the word's slot + 1, the next word's, and their versions. */
  private readonly pairs = new Int32Array(PAIRS * PAIR_RECORD);
  /** Per pair: 1 when the word's walks find something in the next word. */
  private readonly pairAnswers = new Uint8Array(PAIRS);
  /** Sets - 1: a word may sit in any of the WAYS slots of its set. */
  private readonly mask: number;
  private readonly entries: Int32Array;
  /** Whether the text silent() last answered for was ASCII alone (as far as it read). */
  readAsciiOnly = true;
  /** Per slot: the hits of a word with WORD_HAS_HITS. */
  private readonly hits: Array<readonly KnownHit[] | undefined>;
  /**
   * The words with hits of the text silent() last answered KNOWN_WORDS_HITS for, in order:
   * their slots and where they begin in the text.
   */
  hitWordCount = 0;
  readonly hitWordSlots = new Int32Array(MAX_HIT_WORDS);
  readonly hitWordStarts = new Int32Array(MAX_HIT_WORDS);

  constructor(options: KnownWordsOptions) {
    const slots = options.slots ?? DEFAULT_KNOWN_WORD_SLOTS;
    if (slots < WAYS || (slots & (slots - 1)) !== 0)
      throw new Error("KnownWords slots must be a power of two, at least 4");
    this.records = new Int32Array(slots * RECORD);
    this.prefixes = new Uint8Array(slots * (MAX_KNOWN_WORD - PACKED));
    this.walksOn = new Int32Array(slots * MAX_WALKS_ON);
    this.walks = options.walks;
    this.table = options.table;
    this.turns = new Uint8Array(slots / WAYS);
    this.versions = new Int32Array(slots);
    this.hits = new Array(slots).fill(undefined);
    this.mask = slots / WAYS - 1;
    this.entries = options.asciiEntries;
  }

  /** Heap the table holds, fixed at creation. */
  get bytes(): number {
    return (
      this.records.byteLength +
      this.prefixes.byteLength +
      this.walksOn.byteLength +
      this.turns.byteLength +
      this.versions.byteLength +
      this.pairs.byteLength +
      this.pairAnswers.byteLength
    );
  }

  /**
   * KNOWN_WORDS_SILENT when `text` is made of known words that find nothing, in plain ASCII:
   * letters, separators, and '!' '|' '*' ending a word (punctuation there). Anything else (a
   * digit, a leet symbol inside a word, single letters in a row, another script, a word that may
   * find something) answers KNOWN_WORDS_FAILED at once, and a word not judged yet
   * KNOWN_WORDS_UNKNOWN: the text takes the full path. Reads each character once.
   */
  silent(text: string): number {
    this.readAsciiOnly = true;
    this.hitWordCount = 0;
    const entries = this.entries;
    const records = this.records;
    const length = text.length;
    // The previous word's slot and how many of its walks go on into this word.
    let previousSlot = 0;
    let walksOn = 0;
    // The previous word when it was one character: its symbol (folded), and whether a walk of
    // the word before went on into it; else -1.
    let previousSingle = -1;
    let previousJoin = -1;
    let enteredSingle = false;
    let i = 0;
    while (i < length) {
      let code = text.charCodeAt(i);
      if (code >= 128) {
        this.readAsciiOnly = false;
        // Outside ASCII, a separator only ("😂"): no letter of another script, no mark.
        const codePoint = text.codePointAt(i) as number;
        if (!this.isSeparator(codePoint)) return KNOWN_WORDS_FAILED;
        i += codePoint > 0xffff ? 2 : 1;
        continue;
      }
      let klass = (entries[code] as number) & 15;
      // Outside a word, '!' '|' '*' are punctuation like any separator.
      if (klass === CharClass.Separator || klass === CharClass.LeetInterior) {
        i++;
        continue;
      }
      // A word of letters, or a number: letters and digits mixed are leetspeak ("sh1t", "45s").
      const wordClass = klass;
      if (wordClass !== CharClass.Letter && wordClass !== CharClass.Digit) return KNOWN_WORDS_FAILED;
      const start = i;
      // The word's last eight characters, packed as they are read (see WordKey).
      let lastFour = 0;
      let fourBefore = 0;
      for (;;) {
        fourBefore = ((fourBefore << 7) | (lastFour >>> 21)) & KEY_MASK;
        lastFour = ((lastFour << 7) | code) & KEY_MASK;
        i++;
        if (i === length) {
          klass = CharClass.Separator; // the text's end ends the word
          break;
        }
        code = text.charCodeAt(i);
        klass = code < 128 ? (entries[code] as number) & 15 : this.nonAsciiClass(text, i);
        if (klass !== wordClass) break;
      }
      const end = i;
      if (klass === CharClass.Letter || klass === CharClass.Digit) return KNOWN_WORDS_FAILED;
      // '!' '|' '*' right after a word: punctuation if the word ends there ("wow!!"), leetspeak
      // if it goes on ("sh!t").
      while (i < length && klass === CharClass.LeetInterior) {
        i++;
        if (i < length) {
          code = text.charCodeAt(i);
          klass = code < 128 ? (entries[code] as number) & 15 : this.nonAsciiClass(text, i);
        }
      }
      if (i < length && klass !== CharClass.Separator) return KNOWN_WORDS_FAILED;
      if (end - start > MAX_KNOWN_WORD) return KNOWN_WORDS_UNKNOWN;
      const first = (entries[text.charCodeAt(start)] as number) >>> 4;
      // Words of one character in a row may spell a word out ("f u c k"): only where the trie
      // has no way from one into the next is nothing spelled (and not through a walk that came
      // into the first from the word before, nor a letter repeated: "c c a a").
      const single = end - start === 1 ? first : -1;
      if (single >= 0 && previousSingle >= 0) {
        const joined = joinSymbolOf(single, wordClass);
        if (enteredSingle || joined === previousJoin || this.walks.joinsOn(previousSingle, joined))
          return KNOWN_WORDS_FAILED;
      }
      previousJoin = single >= 0 ? joinSymbolOf(single, wordClass) : -1;
      const entered =
        walksOn > 0 &&
        (((records[previousSlot * RECORD + FIRST_SYMBOLS] as number) >>> nextWordBit(first)) & 1) === 1;
      const slot = this.slotOf(text, start, end, lastFour, fourBefore);
      if (entered && this.pairFinds(previousSlot, walksOn, slot, text, start, end)) return KNOWN_WORDS_FAILED;
      if (slot < 0) return KNOWN_WORDS_UNKNOWN;
      previousSingle = single;
      enteredSingle = entered && single >= 0;
      walksOn = (records[slot * RECORD + LENGTH_AND_VERDICT] as number) >> LENGTH_BITS;
      if (walksOn < 0) return KNOWN_WORDS_FAILED;
      if ((walksOn & WORD_HAS_HITS) !== 0) {
        if (this.hitWordCount === MAX_HIT_WORDS) return KNOWN_WORDS_FAILED;
        this.hitWordSlots[this.hitWordCount] = slot;
        this.hitWordStarts[this.hitWordCount++] = start;
        walksOn &= WALKS_ON_MASK;
      }
      previousSlot = slot;
    }
    return this.hitWordCount > 0 ? KNOWN_WORDS_HITS : KNOWN_WORDS_SILENT;
  }

  /** The hits of the word in `slot` (one of hitWordSlots). */
  hitsOf(slot: number): readonly KnownHit[] {
    return this.hits[slot] ?? [];
  }

  /**
   * Whether a walk of the word in `slot` (`count` of them) finds anything in the next word,
   * text[start, end), in `nextSlot` (-1 when it is not known). The answer depends only on the
   * two words: it is kept by their slots, and walked only for a pair not seen yet.
   */
  private pairFinds(
    slot: number,
    count: number,
    nextSlot: number,
    text: string,
    start: number,
    end: number,
  ): boolean {
    if (nextSlot < 0) return this.walksFind(slot, count, text, start, end);
    const pairs = this.pairs;
    const versions = this.versions;
    // The top bits of a multiplicative hash of both slots.
    const at = Math.imul(slot ^ Math.imul(nextSlot, 0x85ebca6b), 0x9e3779b1) >>> PAIR_SHIFT;
    const record = at * PAIR_RECORD;
    if (
      pairs[record] === slot + 1 &&
      pairs[record + 1] === nextSlot + 1 &&
      pairs[record + 2] === versions[slot] &&
      pairs[record + 3] === versions[nextSlot]
    )
      return this.pairAnswers[at] === 1;
    const finds = this.walksFind(slot, count, text, start, end);
    pairs[record] = slot + 1;
    pairs[record + 1] = nextSlot + 1;
    pairs[record + 2] = versions[slot] as number;
    pairs[record + 3] = versions[nextSlot] as number;
    this.pairAnswers[at] = finds ? 1 : 0;
    return finds;
  }

  /** Whether a walk of the word in `slot` (`count` of them) finds anything in the word text[start, end). */
  private walksFind(slot: number, count: number, text: string, start: number, end: number): boolean {
    // The word's symbols as the scanner folds them.
    const entries = this.entries;
    const symbols = this.wordSymbols;
    const runs = this.wordRuns;
    let length = 0;
    for (let at = start; at < end; at++) {
      const symbol = (entries[text.charCodeAt(at)] as number) >>> 4;
      if (length > 0 && symbols[length - 1] === symbol) runs[length - 1] = (runs[length - 1] as number) + 1;
      else {
        symbols[length] = symbol;
        runs[length++] = 1;
      }
    }
    for (let k = 0; k < count; k++) {
      if (this.walks.findsInWord(this.walksOn[slot * MAX_WALKS_ON + k] as number, symbols, runs, length))
        return true;
    }
    return false;
  }

  /** The class of the character at text[i], outside ASCII: a separator, or anything else. */
  private nonAsciiClass(text: string, i: number): number {
    return this.isSeparator(text.codePointAt(i) as number) ? CharClass.Separator : NOT_A_SEPARATOR;
  }

  private isSeparator(codePoint: number): boolean {
    const entry = this.table.entry(codePoint);
    if ((entry & 15) === CharClass.Separator) return true;
    if ((entry & 15) !== CharClass.Expansion) return false;
    // A character folded to several, all separators (an emoji, read as its two halves).
    const parts = this.table.expansion(entry);
    for (const part of parts) if ((part & 15) !== CharClass.Separator) return false;
    return parts.length > 0;
  }

  /** The verdict on the word text[start, end) (ASCII letters), or WORD_UNKNOWN. */
  lookup(text: string, start: number, end: number): number {
    const key = wordKey(text, start, end);
    const slot = this.slotOf(text, start, end, key.lastFour, key.fourBefore);
    return slot < 0
      ? WORD_UNKNOWN
      : (this.records[slot * RECORD + LENGTH_AND_VERDICT] as number) >> LENGTH_BITS;
  }

  /** The slot holding the word text[start, end), whose keys are given (see WordKey), or -1. */
  private slotOf(text: string, start: number, end: number, lastFour: number, fourBefore: number): number {
    const length = end - start;
    if (length > MAX_KNOWN_WORD) return -1;
    const records = this.records;
    const first = (setHash(text, start, end, lastFour, fourBefore) & this.mask) * WAYS;
    for (let slot = first; slot < first + WAYS; slot++) {
      const record = slot * RECORD;
      if (
        records[record + LAST_FOUR] === lastFour &&
        records[record + FOUR_BEFORE] === fourBefore &&
        ((records[record + LENGTH_AND_VERDICT] as number) & LENGTH_MASK) === length &&
        (length <= PACKED || this.samePrefix(slot, text, start, end - PACKED))
      )
        return slot;
    }
    return -1;
  }

  /** Whether text[start, end) are the characters the longer word in `slot` begins with. */
  private samePrefix(slot: number, text: string, start: number, end: number): boolean {
    const prefixes = this.prefixes;
    for (let i = start, at = slot * (MAX_KNOWN_WORD - PACKED); i < end; i++, at++)
      if (prefixes[at] !== text.charCodeAt(i)) return false;
    return true;
  }

  /**
   * Keeps the verdict on the word text[start, end), which must be ASCII letters or digits:
   * WORD_OTHER, or the count of its walks that go on into the next word, given in `walksOn`,
   * with WORD_HAS_HITS when `hits` are given (at most MAX_KNOWN_HITS).
   */
  remember(
    text: string,
    start: number,
    end: number,
    verdict: number,
    walksOn?: Int32Array,
    hits?: readonly KnownHit[],
  ): void {
    const length = end - start;
    if (length > MAX_KNOWN_WORD || length < 1) return;
    const key = wordKey(text, start, end);
    const set = setHash(text, start, end, key.lastFour, key.fourBefore) & this.mask;
    const first = set * WAYS;
    // An empty way, else the ways of the set in turn.
    let slot = first;
    while (
      slot < first + WAYS &&
      ((this.records[slot * RECORD + LENGTH_AND_VERDICT] as number) & LENGTH_MASK) !== 0
    )
      slot++;
    if (slot === first + WAYS) {
      slot = first + (this.turns[set] as number);
      this.turns[set] = ((this.turns[set] as number) + 1) % WAYS;
    }
    this.versions[slot] = (this.versions[slot] as number) + 1;
    const record = slot * RECORD;
    this.records[record + LAST_FOUR] = key.lastFour;
    this.records[record + FOUR_BEFORE] = key.fourBefore;
    // More hits than are kept: the word is left to the full path.
    const kept = hits !== undefined && hits.length > MAX_KNOWN_HITS ? WORD_OTHER : verdict;
    const hasHits = hits !== undefined && hits.length > 0 && kept >= 0;
    this.records[record + LENGTH_AND_VERDICT] =
      ((hasHits ? kept | WORD_HAS_HITS : kept) << LENGTH_BITS) | length;
    this.hits[slot] = hasHits ? hits : undefined;
    let firstSymbols = 0;
    for (let k = 0; k < kept; k++) {
      const walkOn = (walksOn as Int32Array)[k] as number;
      this.walksOn[slot * MAX_WALKS_ON + k] = walkOn;
      firstSymbols |= this.walks.firstSymbols(walkOn);
    }
    this.records[record + FIRST_SYMBOLS] = firstSymbols;
    for (let i = start, at = slot * (MAX_KNOWN_WORD - PACKED); i < end - PACKED; i++, at++)
      this.prefixes[at] = text.charCodeAt(i);
  }
}

/** True when text[start, end) is ASCII letters only, or digits only: the words this table knows. */
export function isPlainAsciiWord(text: string, start: number, end: number): boolean {
  if (end - start > MAX_KNOWN_WORD || end <= start) return false;
  const digits = isDigit(text.charCodeAt(start));
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (digits ? !isDigit(code) : (code | 0x20) < 0x61 || (code | 0x20) > 0x7a) return false;
  }
  return true;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * A word's last eight characters (ASCII, 7 bits each) packed into two numbers, as silent() packs
 * them while it reads: with the word's length they are the word itself up to eight characters,
 * and the last eight of a longer one.
 */
interface WordKey {
  lastFour: number;
  fourBefore: number;
}

function wordKey(text: string, start: number, end: number): WordKey {
  let lastFour = 0;
  let fourBefore = 0;
  for (let i = start; i < end; i++) {
    fourBefore = ((fourBefore << 7) | (lastFour >>> 21)) & KEY_MASK;
    lastFour = ((lastFour << 7) | text.charCodeAt(i)) & KEY_MASK;
  }
  return { lastFour, fourBefore };
}

/**
 * The hash that picks a word's set, from its keys and, for a longer word, its first characters
 * (else words ending alike, "...ication", would all share one set).
 */
function setHash(text: string, start: number, end: number, lastFour: number, fourBefore: number): number {
  let hash = Math.imul(lastFour, 0x9e3779b1) ^ fourBefore;
  for (let i = start; i < end - PACKED; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return finishWordHash(hash, end - start);
}
