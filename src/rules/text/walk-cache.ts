import type { ScannedText } from "./scanner.ts";

// A cache of what the automaton's walks do inside one word, keyed by the word as the scanner
// normalized it. Chat repeats its words: most messages are made of a few thousand common ones,
// and a walk from a word's start (or from each of its letters, for the terms inside) depends
// only on the word's symbols. What the walks did inside the word is kept as a short list of
// events (a term found inside the word, the word's end reached in some state, a leet symbol read
// as a break): replaying them in order does exactly what walking again would, including what
// depends on the words around (phrases, split words, spelled-out letters), which the replayed
// events go on to walk afresh. Most words hold no term and record no event at all.
//
// The cache is one fixed Int32Array (direct-mapped: a word that hashes to a taken slot replaces
// its occupant), so its size in bytes is set when it is created and never grows. A Map keyed by
// strings (or lru-cache) would cost an allocated key, a string hash and a list update per word,
// which is about what the walk it saves costs.

/** Words of more symbols than this are walked every time: they are rare, and keys stay short. */
export const MAX_CACHED_WORD = 24;
/** Int32 entries of a slot: a header, the word's key, and its events (two entries each). */
const SLOT_SIZE = 32;
const HEADER = 2;
/** Events a word may record and still be cached (the rest of the slot after its key). */
export function maxEvents(length: number): number {
  return (SLOT_SIZE - HEADER - length) >> 1;
}
/** Slots of a cache (a power of two): 4,096 of 128 bytes, 512 KiB. */
export const DEFAULT_SLOTS = 4096;
/** The fewest slots a cache gets, however many share the memory (see slotsFor). */
const MIN_SLOTS = 64;

/**
 * Slots for a table given `share` (0-1] of `full` slots: a power of two, at least `fewest`
 * (a walk cache's by default).
 */
export function slotsFor(share: number, full = DEFAULT_SLOTS, fewest = MIN_SLOTS): number {
  let slots = fewest;
  while (slots * 2 <= full * share) slots *= 2;
  return slots;
}

/** What a recorded event was: the walk found a term inside the word, hit a soft break, or ended. */
export const WalkEvent = { Inner: 0, SoftBreak: 1, WordEnd: 2 } as const;

export class WalkCache {
  /** Slots of SLOT_SIZE entries: [hash, length | events << 8 | inside events << 16, key..., events...]. */
  readonly table: Int32Array;
  private readonly mask: number;
  /**
   * Events of the word the last find() found: of the walks from its start, then (right after
   * them in `table`) of the walks from its inner letters.
   */
  foundEvents = 0;
  foundInsideEvents = 0;

  constructor(slots = DEFAULT_SLOTS) {
    if (slots <= 0 || (slots & (slots - 1)) !== 0) throw new Error("WalkCache slots must be a power of two");
    this.table = new Int32Array(slots * SLOT_SIZE);
    this.mask = slots - 1;
  }

  /** Heap the cache holds, fixed at creation. */
  get bytes(): number {
    return this.table.byteLength;
  }

  /**
   * Where the events of the word at symbols [start, end) begin in `table` (foundEvents of them),
   * or -1 when the word is not cached (store() then caches it). `hash` is the word's wordHash,
   * which the scanner works out while it reads the word (ScannedText.tokenHashes).
   */
  find(text: ScannedText, start: number, end: number, hash: number): number {
    const length = end - start;
    const base = (hash & this.mask) * SLOT_SIZE;
    const table = this.table;
    const header = table[base + 1] as number;
    // An empty slot's header is 0: no cached word is shorter than two symbols.
    if (table[base] !== hash || (header & 0xff) !== length) return -1;
    const { symbols, runs, soft } = text;
    for (let at = start, key = base + HEADER; at < end; at++, key++) {
      if (table[key] !== symbolKey(symbols[at] as number, runs[at] as number, soft[at] as number)) return -1;
    }
    this.foundEvents = (header >>> 8) & 0xff;
    this.foundInsideEvents = header >>> 16;
    return base + HEADER + length;
  }

  /**
   * Caches the word at symbols [start, end) of `text`, of wordHash `hash` (replacing the word
   * its slot held), with the events of
   * its walks (two entries each): `count` from `events`, then `insideCount` from `insideEvents`.
   * Returns false, caching nothing, when they do not fit in a slot.
   */
  store(
    text: ScannedText,
    start: number,
    end: number,
    hash: number,
    events: Int32Array,
    count: number,
    insideEvents?: Int32Array,
    insideCount = 0,
  ): boolean {
    const length = end - start;
    if (length > MAX_CACHED_WORD || count + insideCount > maxEvents(length)) return false;
    const table = this.table;
    const base = (hash & this.mask) * SLOT_SIZE;
    table[base] = hash;
    table[base + 1] = length | (count << 8) | (insideCount << 16);
    let at = base + HEADER;
    const { symbols, runs, soft } = text;
    for (let i = start; i < end; i++)
      table[at++] = symbolKey(symbols[i] as number, runs[i] as number, soft[i] as number);
    for (let i = 0; i < 2 * count; i++) table[at++] = events[i] as number;
    for (let i = 0; i < 2 * insideCount; i++) table[at++] = (insideEvents as Int32Array)[i] as number;
    return true;
  }
}

// A word's key and hash. A symbol's key: the symbol, whether it is a run (the walks only ask
// "one, or more?") and how it was written (a letter, a leet symbol, a digit). The hash is FNV-1a
// over the keys, then the length: the scanner folds each key in as soon as the symbol's run ends,
// so a word's hash costs it a multiply a symbol and no second pass.

export const WORD_HASH_SEED = 0x811c9dc5;
const WORD_HASH_PRIME = 0x01000193;

export function symbolKey(symbol: number, run: number, soft: number): number {
  return (symbol << 3) | (run > 1 ? 4 : 0) | soft;
}

/** Folds one symbol's key into a word's running hash. */
export function addToWordHash(hash: number, key: number): number {
  return Math.imul(hash ^ key, WORD_HASH_PRIME);
}

/** The hash of a word of `length` symbols, from the running hash of its keys. */
export function finishWordHash(hash: number, length: number): number {
  // murmur3's fmix32: FNV alone leaves the low bits (the slot) of short words alike.
  let mixed = hash ^ length;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return mixed ^ (mixed >>> 16);
}

/** The hash of the word at symbols [start, end), as the scanner computes it while reading. */
export function wordHash(text: ScannedText, start: number, end: number): number {
  const { symbols, runs, soft } = text;
  let hash = WORD_HASH_SEED;
  for (let i = start; i < end; i++)
    hash = addToWordHash(hash, symbolKey(symbols[i] as number, runs[i] as number, soft[i] as number));
  return finishWordHash(hash, end - start);
}
