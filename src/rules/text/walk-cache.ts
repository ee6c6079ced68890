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

/** Slots for a cache given `share` (0-1] of DEFAULT_SLOTS: a power of two, at least MIN_SLOTS. */
export function slotsFor(share: number): number {
  let slots = MIN_SLOTS;
  while (slots * 2 <= DEFAULT_SLOTS * share) slots *= 2;
  return slots;
}

/** What a recorded event was: the walk found a term inside the word, hit a soft break, or ended. */
export const WalkEvent = { Inner: 0, SoftBreak: 1, WordEnd: 2 } as const;

export class WalkCache {
  /** Slots of SLOT_SIZE entries: [hash, length | events << 8, key..., events...]. */
  readonly table: Int32Array;
  private readonly mask: number;
  /** The slot the last find() looked at, and the hash it computed: store() fills that slot. */
  private slot = 0;
  private hash = 0;
  /** Events of the word the last find() found. */
  foundEvents = 0;
  /** The key of the word the last find() looked for: a key per symbol (see find). */
  private readonly key = new Int32Array(MAX_CACHED_WORD);

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
   * or -1 when the word is not cached (store() then caches it).
   */
  find(text: ScannedText, start: number, end: number): number {
    const length = end - start;
    const { symbols, runs, soft } = text;
    const key = this.key;
    // A symbol's key: the symbol, whether it is a run (the walks only ask "one, or more?") and how
    // it was written (a letter, a leet symbol, a digit).
    let hash = 0x811c9dc5 ^ length;
    for (let i = 0; i < length; i++) {
      const at = start + i;
      const part = ((symbols[at] as number) << 3) | ((runs[at] as number) > 1 ? 4 : 0) | (soft[at] as number);
      key[i] = part;
      hash = Math.imul(hash ^ part, 0x01000193);
    }
    hash ^= hash >>> 15;
    const base = (hash & this.mask) * SLOT_SIZE;
    this.slot = base;
    this.hash = hash;
    const table = this.table;
    const header = table[base + 1] as number;
    // An empty slot's header is 0: no cached word is shorter than two symbols.
    if (table[base] !== hash || (header & 0xff) !== length) return -1;
    for (let i = 0, at = base + HEADER; i < length; i++, at++) if (table[at] !== key[i]) return -1;
    this.foundEvents = header >>> 8;
    return base + HEADER + length;
  }

  /**
   * Caches the word find() last missed (of `length` symbols) with `count` events (two entries
   * each) from `events`.
   * Returns false, caching nothing, when they do not fit in a slot.
   */
  store(length: number, events: Int32Array, count: number): boolean {
    if (length > MAX_CACHED_WORD || count > maxEvents(length)) return false;
    const table = this.table;
    const base = this.slot;
    table[base] = this.hash;
    table[base + 1] = length | (count << 8);
    let at = base + HEADER;
    for (let i = 0; i < length; i++) table[at++] = this.key[i] as number;
    for (let i = 0; i < 2 * count; i++) table[at++] = events[i] as number;
    return true;
  }
}
