import { type ScannedText, SOFT_LEET, TOKEN_HAS_SOFT, TOKEN_JOIN_START, TOKEN_SINGLE } from "./scanner.ts";
import { BOUNDARY_KEY, readingsOf, SYMBOL_I_OR_L, SYMBOL_U_OR_V, SYMBOL_WILDCARD } from "./symbols.ts";
import { DEFAULT_SLOTS, MAX_CACHED_WORD, maxEvents, WalkCache, WalkEvent } from "./walk-cache.ts";
import { countWork } from "./work.ts";

/** What reaching a final state means: which condition slot, which of its terms. */
export interface TermOutput {
  slot: number;
  term: number;
  /** The term as normalized (the matched span's normalized form). */
  normalized: string;
  /** The form (the term or an inflection) as written, in plain form: a word equal to it is exact. */
  written: string;
  /** True for the term itself, false for an inflected form. */
  base: boolean;
  /** Where the term counts as a part of a compound word (see TermMatcher). */
  compoundPart: CompoundPart;
  /** A term never innocent anywhere (a severe one). */
  strong: boolean;
  /** The word list of the term's language (see ownWordList): it does not shield a word from it. */
  language: number;
  /** Holds a root never innocent anywhere (see NEVER_INNOCENT_ROOTS): counts inside any unknown word. */
  neverInnocent: boolean;
  /**
   * The word lists (bits as in wordLanguages) whose words may be the other parts of a compound
   * holding the term: its own language's ("voll|arschloch"), English for an English term.
   */
  compoundLanguages: number;
  /** The script of a term written in Cyrillic, Greek or Armenian: it matches only text in it. */
  script?: RegExp;
}

/** Where a term may stand inside a compound word. */
export const CompoundPart = { None: 0, First: 1, Anywhere: 2 } as const;
export type CompoundPart = (typeof CompoundPart)[keyof typeof CompoundPart];

/** How a hit lies in the text: decides which checks it must pass before it counts. */
export const HitKind = {
  /** Exactly one whole word (token), read from its first symbol to its last. */
  Whole: 0,
  /** Inside one word: a part of a compound ("bitchass"), or of an innocent word ("class"). */
  Inner: 1,
  /** Across words by construction: single letters spelled out ("f u c k"), a soft break. */
  Joined: 2,
  /** Two adjacent words read as one ("fu ck"). */
  Glued: 3,
  /** Several words of a phrase ("two girls one cup"). */
  Phrase: 4,
} as const;
export type HitKind = (typeof HitKind)[keyof typeof HitKind];

/**
 * Receives each term occurrence. `first`/`last` are symbol indexes (inclusive) into the scanned
 * text; `firstToken`/`lastToken` the words they lie in.
 */
export interface HitSink {
  hit(
    output: TermOutput,
    first: number,
    last: number,
    kind: HitKind,
    firstToken: number,
    lastToken: number,
  ): void;
}

/** Walk summaries (see Automaton.walkSummary). */
const WALKS_OTHER = -2;
export const WALKS_INNER = 1 << 30;
/** Walks of a word that may go on into the next word: at most this many are summarized. */
export const MAX_WALKS_ON = 4;

/** The symbols a message's letters fold to that read as one of several letters. */
const AMBIGUOUS_SYMBOLS = [SYMBOL_I_OR_L, SYMBOL_U_OR_V];
const LETTER_I = 0x69;
const LETTER_L = 0x6c;

/**
 * The bit standing for a symbol in a set of the symbols a next word may begin with (see
 * Automaton.firstSymbols): sets are kept in 32 bits, so symbols share bits, and a set says "may".
 */
export function nextWordBit(symbol: number): number {
  return symbol & 31;
}

/** Raised from inside a scan when its time budget runs out. */
export class ScanBudgetExceeded extends Error {
  override readonly name = "ScanBudgetExceeded";
}

export interface ScanBudget {
  deadline: number;
  now(): number;
}

// What a walk from a symbol read once may find (see Automaton.startsNoTerm).
const FIRST_NO_TERM = 0;
const FIRST_IS_TERM = 1;
const FIRST_THEN_PAIRS = 2;
/** Slots of the filter of pairs that begin terms: a few thousand pairs leave most of it empty. */
const PAIR_SLOTS = 1 << 16;

/** The slot of the symbol pair (a, b) in the pair filter: the top bits of a multiplicative hash. */
function pairIndex(a: number, b: number): number {
  return Math.imul((a << 16) | b, 0x9e3779b1) >>> 16;
}

/** One-letter words of chat ("a", "I", "u" for you, "r" for are, "n" for and, "y" for why). */
const ONE_LETTER_WORDS = new Uint8Array(128);
for (const letter of "aiounry") ONE_LETTER_WORDS[letter.charCodeAt(0)] = 1;

/** Read per single-letter word: a table, not a Set, so that "a a a a ..." costs little a word. */
function isOneLetterWord(symbol: number): boolean {
  return symbol < 128 ? ONE_LETTER_WORDS[symbol] === 1 : symbol === SYMBOL_I_OR_L; // "I" read as i or l
}

/** State ids in breadth-first order from the root: order[newId] = oldId. */
function breadthFirstOrder(edgeStart: Int32Array, edgeTargets: Int32Array): Int32Array {
  const count = edgeStart.length - 1;
  const order = new Int32Array(count);
  let head = 0;
  let tail = 1; // order[0] = 0: the root stays first
  while (head < tail) {
    const node = order[head++] as number;
    const last = edgeStart[node + 1] as number;
    for (let e = edgeStart[node] as number; e < last; e++) order[tail++] = edgeTargets[e] as number;
  }
  return order;
}

/** The same trie with state `order[i]` renamed `i`; each state's edges stay sorted by key. */
function renumber(
  order: Int32Array,
  edgeStart: Int32Array,
  edgeKeys: Int32Array,
  edgeTargets: Int32Array,
): { edgeStart: Int32Array; edgeKeys: Int32Array; edgeTargets: Int32Array } {
  const count = order.length;
  const newId = new Int32Array(count);
  for (let i = 0; i < count; i++) newId[order[i] as number] = i;
  const start = new Int32Array(count + 1);
  const keys = new Int32Array(edgeKeys.length);
  const targets = new Int32Array(edgeTargets.length);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const old = order[i] as number;
    start[i] = at;
    const last = edgeStart[old + 1] as number;
    for (let e = edgeStart[old] as number; e < last; e++) {
      keys[at] = edgeKeys[e] as number;
      targets[at] = newId[edgeTargets[e] as number] as number;
      at++;
    }
  }
  start[count] = at;
  return { edgeStart: start, edgeKeys: keys, edgeTargets: targets };
}

/** A state with this many edges gets a direct lookup table... */
const DENSE_MIN_EDGES = 6;
/** ...over at most this many keys from its smallest; keys beyond (other scripts) by a binary search. */
const DENSE_MAX_SPAN = 4096;

export interface AutomatonOptions {
  joinSeparatedLetters: boolean;
  repeatedLetters: boolean;
  /** Slots of its walk cache (see WalkCache): DEFAULT_SLOTS unless several share. */
  walkCacheSlots?: number;
}

/** The compiled trie: flat typed arrays, built once. */
export interface AutomatonTables {
  /** Edges of state n: indexes edgeStart[n] .. edgeStart[n+1]-1, sorted by key. */
  edgeStart: Int32Array;
  edgeKeys: Int32Array;
  edgeTargets: Int32Array;
  /** Direct tables: for a state with denseLength[n] > 0, dense[denseBase[n] + key - denseMin[n]]. */
  denseBase: Int32Array;
  denseMin: Int32Array;
  denseLength: Int32Array;
  dense: Int32Array;
  /**
   * The root's edges beyond its direct table (letters of Thai, kana, Han, Hangul...), in an open
   * addressing hash of (key, target) pairs, empty slots -1: a walk starts at every letter of an
   * unspaced text, and a binary search over these edges cost more than the rest of its step.
   */
  rootFar: Int32Array;
  /** Terms ending at state n: outputs[outputStart[n]] .. outputs[outputStart[n+1]-1]. */
  outputStart: Int32Array;
  outputs: readonly TermOutput[];
}

/** Where rootFar's probe for `key` starts: the top bits of a multiplicative hash, as a pair index. */
function farSlot(key: number, slots: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> (Math.clz32(slots) + 1)) << 1;
}

/** The state reached from `node` by the edge `key`, or -1. */
export function childOf(tables: AutomatonTables, node: number, key: number): number {
  const denseLength = tables.denseLength[node] as number;
  if (denseLength !== 0) {
    const index = key - (tables.denseMin[node] as number);
    if (index < denseLength)
      return index >= 0 ? (tables.dense[(tables.denseBase[node] as number) + index] as number) : -1;
    if (node === 0) {
      const far = tables.rootFar;
      const length = far.length;
      for (let slot = farSlot(key, length >>> 1); ; slot = slot + 2 === length ? 0 : slot + 2) {
        const found = far[slot] as number;
        if (found === key) return far[slot + 1] as number;
        if (found === -1) return -1;
      }
    }
  }
  const keys = tables.edgeKeys;
  let low = tables.edgeStart[node] as number;
  let high = (tables.edgeStart[node + 1] as number) - 1;
  // Few edges (most states have one or two): a linear probe beats a binary search's branches.
  if (high - low < 8) {
    for (let i = low; i <= high; i++) if (keys[i] === key) return tables.edgeTargets[i] as number;
    return -1;
  }
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const found = keys[mid] as number;
    if (found === key) return tables.edgeTargets[mid] as number;
    if (found < key) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/** Edge keys are below 2^18 (symbol << 1 | doubled), so node * 2^18 + key is an exact number. */
const KEY_SPACE = 2 ** 18;

/** Builds the trie: one path per term variant, words separated by the boundary edge. */
export class TrieBuilder {
  // One map for all edges (not one per state): a 10,000-term list has ~80,000 states, and a Map
  // each would dominate the memory the build needs.
  private readonly edges = new Map<number, number>();
  readonly outputs: Array<TermOutput[] | undefined> = [undefined];

  /** Adds one path of edge keys; its final state reports `output`. */
  add(keys: readonly number[], output: TermOutput): void {
    let node = 0;
    for (const key of keys) {
      const slot = node * KEY_SPACE + key;
      let next = this.edges.get(slot);
      if (next === undefined) {
        next = this.outputs.length;
        this.outputs.push(undefined);
        this.edges.set(slot, next);
      }
      node = next;
    }
    const list = this.outputs[node] ?? [];
    if (!list.some((o) => o.slot === output.slot && o.term === output.term)) list.push(output);
    this.outputs[node] = list;
  }

  get stateCount(): number {
    return this.outputs.length;
  }

  compile(options: AutomatonOptions): Automaton {
    return new Automaton(this.compileTables(), options);
  }

  /** The trie as flat typed arrays (for the automaton, or any other exact walker). */
  compileTables(): AutomatonTables {
    const count = this.outputs.length;
    // Sorted by (node, key): each state's edges end up contiguous and ordered.
    const sorted = [...this.edges].sort((a, b) => a[0] - b[0]);
    let edgeStart: Int32Array = new Int32Array(count + 1);
    let edgeKeys: Int32Array = new Int32Array(sorted.length);
    let edgeTargets: Int32Array = new Int32Array(sorted.length);
    let nodeCursor = 0;
    sorted.forEach(([slot, target], index) => {
      const node = Math.floor(slot / KEY_SPACE);
      while (nodeCursor <= node) edgeStart[nodeCursor++] = index;
      edgeKeys[index] = slot - node * KEY_SPACE;
      edgeTargets[index] = target;
    });
    while (nodeCursor <= count) edgeStart[nodeCursor++] = sorted.length;
    // Breadth-first numbering keeps the states every word visits (the first letters) together
    // in memory, whatever the size of the list.
    const order = breadthFirstOrder(edgeStart, edgeTargets);
    ({ edgeStart, edgeKeys, edgeTargets } = renumber(order, edgeStart, edgeKeys, edgeTargets));

    // States with many edges (the root, the first letters of a large list) get a direct table
    // over their key range, so a lookup costs the same whatever the number of terms.
    const denseBase = new Int32Array(count);
    const denseMin = new Int32Array(count);
    const denseLength = new Int32Array(count);
    const denseParts: Int32Array[] = [];
    let denseSize = 0;
    for (let node = 0; node < count; node++) {
      const first = edgeStart[node] as number;
      const last = (edgeStart[node + 1] as number) - 1;
      if (last - first + 1 < DENSE_MIN_EDGES) continue;
      const min = edgeKeys[first] as number;
      const fullSpan = (edgeKeys[last] as number) - min + 1;
      // The root starts words of every script: its first keys get a table, the others (other
      // scripts) stay in the sorted edges. Other states spread that wide keep only the edges.
      if (fullSpan > DENSE_MAX_SPAN && node !== 0) continue;
      const span = Math.min(fullSpan, DENSE_MAX_SPAN);
      const table = new Int32Array(span).fill(-1);
      for (let e = first; e <= last; e++) {
        const index = (edgeKeys[e] as number) - min;
        if (index < span) table[index] = edgeTargets[e] as number;
      }
      denseBase[node] = denseSize;
      denseMin[node] = min;
      denseLength[node] = span;
      denseParts.push(table);
      denseSize += span;
    }
    const dense = new Int32Array(denseSize);
    let offset = 0;
    for (const part of denseParts) {
      dense.set(part, offset);
      offset += part.length;
    }
    const rootFar = farEdges(
      edgeStart,
      edgeKeys,
      edgeTargets,
      denseMin[0] as number,
      denseLength[0] as number,
    );

    const outputStart = new Int32Array(count + 1);
    const outputs: TermOutput[] = [];
    for (let node = 0; node < count; node++) {
      outputStart[node] = outputs.length;
      for (const output of this.outputs[order[node] as number] ?? []) outputs.push(Object.freeze(output));
    }
    outputStart[count] = outputs.length;

    return {
      edgeStart,
      edgeKeys,
      edgeTargets,
      denseBase,
      denseMin,
      denseLength,
      dense,
      rootFar,
      outputStart,
      outputs,
    };
  }
}

/** The root's edges past its direct table as rootFar's hash: at most half full, never full. */
function farEdges(
  edgeStart: Int32Array,
  edgeKeys: Int32Array,
  edgeTargets: Int32Array,
  denseMin: number,
  denseLength: number,
): Int32Array {
  const first = edgeStart[0] as number;
  const last = edgeStart[1] as number;
  let far = 0;
  for (let e = first; e < last; e++) if ((edgeKeys[e] as number) - denseMin >= denseLength) far++;
  let slots = 2;
  while (slots < far * 2) slots *= 2;
  const table = new Int32Array(slots * 2).fill(-1);
  for (let e = first; e < last; e++) {
    const key = edgeKeys[e] as number;
    if (key - denseMin < denseLength) continue;
    let slot = farSlot(key, slots);
    while (table[slot] !== -1) slot = slot + 2 === table.length ? 0 : slot + 2;
    table[slot] = key;
    table[slot + 1] = edgeTargets[e] as number;
  }
  return table;
}

/**
 * Letters of the scripts written without spaces (Thai, Lao, Myanmar, Khmer, kana, Han, half-width
 * kana), as folded symbols.
 */
function isUnspacedSymbol(symbol: number): boolean {
  return (
    (symbol >= 0x0e00 && symbol <= 0x0eff) ||
    (symbol >= 0x1000 && symbol <= 0x109f) ||
    (symbol >= 0x1780 && symbol <= 0x17ff) ||
    (symbol >= 0x3040 && symbol <= 0x30ff) ||
    (symbol >= 0x3400 && symbol <= 0x9fff) ||
    (symbol >= 0xf900 && symbol <= 0xfaff) ||
    (symbol >= 0xff66 && symbol <= 0xff9f)
  );
}

/** The clock is read every 4096 steps: often enough to stop in time, rarely enough to be free. */
const BUDGET_CHECK_MASK = 4095;

/** Halves of a split word are short ("fu ck", "bit ch"): longer words are words of their own. */
const MAX_GLUED_HALF = 4;

// Walk modes (bits): how the current walk has left the word it started in.
const MODE_JOINED = 1; // through single letters spelled out
const MODE_GLUED = 2; // into the next word
const MODE_PHRASE = 4; // across a word boundary of a phrase

/**
 * A trie over normalized symbols, compiled to flat typed arrays. Walks start at every letter of
 * every word and report every term they reach, with how the hit lies in the text (HitKind): the
 * caller decides which hits count (whole words, compounds, segment boundaries). The work per
 * start is bounded by the trie's depth, not by the number of terms, so a scan is linear in the
 * text.
 */
export class Automaton implements AutomatonTables {
  // Scan state (a scan is synchronous and not re-entrant).
  private text!: ScannedText;
  /** Symbol index and word where the current walk started (its span's start). */
  private startPos = 0;
  private startToken = 0;
  private sink!: HitSink;
  private steps = 0;
  private canStartJoin = new Uint8Array(64);
  private canEndJoin = new Uint8Array(64);
  /** The last word of the run of identical single letters each word begins ("a a a"). */
  private sameLetterRunEnd = new Int32Array(64);
  private budget: ScanBudget | undefined;
  /** Scans so far, and the scan `softRunEnd` was computed for (see afterSoftRun). */
  private scans = 0;
  private softRunsOf = -1;
  private softRunEnd = new Int32Array(64);
  /**
   * What the walks of each word did inside it, by word (see WalkCache): from its start, and the
   * inside automaton's from its inner letters. Made on first use.
   */
  private walks: WalkCache | undefined;
  /**
   * While a word's walks are recorded for the cache: its first symbol, and the events so far
   * (two entries each), or recordFrom = -1 when not recording.
   */
  private recordFrom = -1;
  private recorded = new Int32Array(64);
  private recordedCount = 0;

  readonly edgeStart: Int32Array;
  readonly edgeKeys: Int32Array;
  readonly edgeTargets: Int32Array;
  readonly denseBase: Int32Array;
  readonly denseMin: Int32Array;
  readonly denseLength: Int32Array;
  readonly dense: Int32Array;
  readonly rootFar: Int32Array;
  readonly outputStart: Int32Array;
  readonly outputs: readonly TermOutput[];
  /** The boundary edge of each state (-1 if none): looked up at every word end. */
  private readonly boundaryChild: Int32Array;
  /**
   * What a walk from a symbol read once may find, by symbol (see startsNoTerm): FIRST_NO_TERM,
   * FIRST_IS_TERM or FIRST_THEN_PAIRS, the two symbols then looked up in `pairs`.
   */
  private readonly firstKinds: Uint8Array;
  /** 1 at pairIndex(a, b) when a term starts with the symbols a, b (or another pair hashed alike). */
  private readonly pairs: Uint8Array;
  /** 1 where a state has an edge other than the boundary: a word may be glued to the next. */
  private readonly continues: Uint8Array;
  /**
   * Bit d set where d more letters can lead from a state to one that ends a term or goes on
   * past a word boundary (d up to MAX_GLUED_HALF): the only states where reading the next short
   * word as the rest of this one ("fu ck") can find anything.
   */
  private readonly gluedEnds: Uint8Array;

  constructor(
    tables: AutomatonTables,
    private readonly options: AutomatonOptions,
  ) {
    this.edgeStart = tables.edgeStart;
    this.edgeKeys = tables.edgeKeys;
    this.edgeTargets = tables.edgeTargets;
    this.denseBase = tables.denseBase;
    this.denseMin = tables.denseMin;
    this.denseLength = tables.denseLength;
    this.dense = tables.dense;
    this.rootFar = tables.rootFar;
    this.outputStart = tables.outputStart;
    this.outputs = tables.outputs;
    const count = this.edgeStart.length - 1;
    this.boundaryChild = new Int32Array(count);
    this.continues = new Uint8Array(count);
    // The symbols some term starts with, and the pairs: every first step of a walk from a
    // symbol read once, and every second one.
    this.firstKinds = new Uint8Array(0x10000);
    this.pairs = new Uint8Array(PAIR_SLOTS);
    const rootEnd = this.edgeStart[1] as number;
    for (let e = this.edgeStart[0] as number; e < rootEnd; e++) {
      const key = this.edgeKeys[e] as number;
      if ((key & 1) !== 0 || key >>> 1 > 0xffff) continue;
      const first = key >>> 1;
      const after = this.edgeTargets[e] as number;
      if (this.outputStart[after] !== this.outputStart[after + 1]) {
        this.firstKinds[first] = FIRST_IS_TERM;
        continue;
      }
      this.firstKinds[first] = FIRST_THEN_PAIRS;
      const afterEnd = this.edgeStart[after + 1] as number;
      for (let f = this.edgeStart[after] as number; f < afterEnd; f++) {
        const second = this.edgeKeys[f] as number;
        if ((second & 1) === 0 && second >>> 1 <= 0xffff) this.pairs[pairIndex(first, second >>> 1)] = 1;
      }
    }
    for (let node = 0; node < count; node++) {
      const boundary = this.child(node, BOUNDARY_KEY);
      this.boundaryChild[node] = boundary;
      const edges = (this.edgeStart[node + 1] as number) - (this.edgeStart[node] as number);
      this.continues[node] = edges > (boundary >= 0 ? 1 : 0) ? 1 : 0;
    }
    this.gluedEnds = new Uint8Array(count);
    // Breadth-first numbering puts every state after its parent: children are done first.
    const depths = (1 << (MAX_GLUED_HALF + 1)) - 1;
    for (let node = count - 1; node >= 0; node--) {
      let bits =
        this.outputStart[node] !== this.outputStart[node + 1] || this.boundaryChild[node] !== -1 ? 1 : 0;
      const last = this.edgeStart[node + 1] as number;
      for (let e = this.edgeStart[node] as number; e < last; e++) {
        if (this.edgeKeys[e] !== BOUNDARY_KEY)
          bits |= (this.gluedEnds[this.edgeTargets[e] as number] as number) << 1;
      }
      this.gluedEnds[node] = bits & depths;
    }
  }

  get stateCount(): number {
    return this.edgeStart.length - 1;
  }

  /**
   * Reports every term occurrence to `sink` (a span may be reported once per reading): the walks
   * from each word's start and, with `inside`, that automaton's walks from the letters inside
   * the words of at least `insideMinLength` symbols and of every word of a script written
   * without spaces ("bitchass", "你是傻逼吗"), which report inner hits only. One cache lookup a
   * word serves both (see wordWalks).
   */
  scan(text: ScannedText, sink: HitSink, budget?: ScanBudget, inside?: Automaton, insideMinLength = 0): void {
    this.begin(text, sink, budget);
    inside?.begin(text, sink, budget);
    // Without single letters there is nothing to join (the join arrays are then not read).
    const join = this.options.joinSeparatedLetters && text.singleLetters > 0;
    if (join) this.markRuns();
    this.walks ??= new WalkCache(this.options.walkCacheSlots ?? DEFAULT_SLOTS);
    // Words looked at, and the letters of the long words walked inside without the cache.
    let looked = text.tokenCount;
    try {
      for (let token = 0; token < text.tokenCount; token++) {
        const start = text.tokenStarts[token] as number;
        const end = text.tokenEnds[token] as number;
        const length = end - start;
        this.startToken = token;
        this.startPos = start;
        const walksInside =
          inside !== undefined &&
          (length >= insideMinLength || isUnspacedSymbol(text.symbols[start] as number));
        if (length >= 2 && length <= MAX_CACHED_WORD) {
          this.wordWalks(token, start, end, walksInside ? inside : undefined);
        } else {
          // A cached word costs one lookup, cheaper than the pair check (which few words fail).
          if (!this.startsNoTerm(start, end)) this.walk(0, token, start, 0);
          if (walksInside) {
            looked += length;
            inside.startToken = token;
            inside.walkInside(token, start, end);
          }
        }
        // "c.c.a.a": a spelled-out word may begin with a repeated letter. Inside a run of one
        // letter ("a a a a"), the join from the run's first word reads what a join from any later
        // one would, over a longer span: the run is joined once, not once a word.
        if (
          join &&
          this.canStartJoin[token] === 1 &&
          this.nextSingleRepeats(token) &&
          !this.repeatsJoinedLetter(token)
        )
          this.join(0, token);
      }
    } finally {
      // Every word start is looked at, walked or not; then every step of the walks.
      countWork(looked + this.steps + (inside?.steps ?? 0));
    }
  }

  /** The walks from each letter of the word at [start, end) but the first (see scan's `inside`). */
  private walkInside(token: number, start: number, end: number): void {
    const symbols = this.text.symbols;
    for (let pos = start + 1; pos < end; pos++) {
      if (symbols[pos] === SYMBOL_WILDCARD || this.startsNoTerm(pos, end)) continue;
      this.startPos = pos;
      this.walk(0, token, pos, 0);
    }
  }

  /**
   * The walks of one word from its start, and `inside`'s walks from its inner letters: replayed
   * from the cache when the word was walked before, else walked, recorded and cached. Replaying
   * costs a step per event, which the budget counts like walk steps.
   */
  private wordWalks(token: number, start: number, end: number, inside: Automaton | undefined): void {
    const cache = this.walks as WalkCache;
    const found = cache.find(this.text, start, end, this.text.tokenHashes[token] as number);
    if (found >= 0) {
      const count = cache.foundEvents;
      const insideCount = cache.foundInsideEvents;
      if (count > 0 || insideCount > 0) {
        this.replay(cache.table, found, count, token, start);
        if (insideCount > 0)
          (inside as Automaton).replay(cache.table, found + 2 * count, insideCount, token, start);
      } else this.tick(1);
      return;
    }
    this.recordFrom = start;
    this.recordedCount = 0;
    this.walk(0, token, start, 0);
    this.recordFrom = -1;
    let insideCount = 0;
    if (inside) {
      inside.startToken = token;
      inside.recordFrom = start;
      inside.recordedCount = 0;
      inside.walkInside(token, start, end);
      inside.recordFrom = -1;
      insideCount = inside.recordedCount;
    }
    const hash = this.text.tokenHashes[token] as number;
    if (this.recordedCount + insideCount <= maxEvents(end - start))
      cache.store(
        this.text,
        start,
        end,
        hash,
        this.recorded,
        this.recordedCount,
        inside?.recorded,
        insideCount,
      );
  }

  /**
   * What the walks of the word `token` of the last scan did, for KnownWords: WALKS_OTHER when
   * they may find a term whatever the words around (a term ends at the word's end, a leet symbol
   * breaks it...), else how many of them go on into the next word, written to `on` as
   * walk-on codes (state << 1 | 1 for a split word, | 0 for a phrase: see findsInWord), with
   * WALKS_INNER set when terms were found inside the word (for the deciding step to drop, or not).
   * With `decided`, the deciding step judged the terms of the word by the word alone (see
   * KnownWords' WORD_HAS_HITS): a term ending at the word's end is one of them, and only how the
   * walks go on is summarized.
   */
  walkSummary(token: number, on: Int32Array, decided = false): number {
    const text = this.text;
    const start = text.tokenStarts[token] as number;
    const end = text.tokenEnds[token] as number;
    if (end - start === 1) return this.singleLetterSummary(start, on);
    const cache = this.walks;
    if (!cache || end - start > MAX_CACHED_WORD) return WALKS_OTHER;
    const found = cache.find(text, start, end, text.tokenHashes[token] as number);
    if (found < 0) return WALKS_OTHER;
    const count = cache.foundEvents;
    let summary = 0;
    let walksOn = 0;
    for (let e = found, last = found + 2 * (count + cache.foundInsideEvents); e < last; e += 2) {
      const kind = (cache.table[e] as number) & 3;
      if (kind === WalkEvent.Inner) {
        summary |= WALKS_INNER;
        continue;
      }
      // A soft break is a leetspeak word, left to the full path. Inside walks that reach the
      // word's end report an inner hit there, and go no further (see wordEnd).
      if (kind !== WalkEvent.WordEnd) return WALKS_OTHER;
      if (e >= found + 2 * count) {
        if (!decided) return WALKS_OTHER;
        continue;
      }
      walksOn = this.walksOnFrom(cache.table[e + 1] as number, end - start, on, walksOn, decided);
      if (walksOn < 0) return WALKS_OTHER;
    }
    return summary | walksOn;
  }

  /** walkSummary for a word of one letter, which is walked every time rather than cached. */
  private singleLetterSummary(pos: number, on: Int32Array): number {
    const { symbols, runs, soft } = this.text;
    const symbol = symbols[pos] as number;
    // A letter, or a digit (read as itself from the root; as a letter only when joined).
    if (runs[pos] !== 1 || soft[pos] === SOFT_LEET || symbol === SYMBOL_WILDCARD) return WALKS_OTHER;
    let walksOn = 0;
    for (const reading of readingsOf(symbol) ?? [symbol]) {
      const node = this.child(0, reading << 1);
      if (node >= 0) walksOn = this.walksOnFrom(node, 1, on, walksOn);
      if (walksOn < 0) return WALKS_OTHER;
    }
    return walksOn;
  }

  /**
   * Adds to on[0, count) how a walk that ended a word of `length` symbols in `node` goes on (see
   * wordEnd): into the next word as a phrase, or as the second half of a split word. Returns the
   * new count, or -1 when the walk finds a term here (unless that term was `decided`) or goes on
   * in more ways than are kept.
   */
  private walksOnFrom(node: number, length: number, on: Int32Array, count: number, decided = false): number {
    if (!decided && this.outputStart[node] !== this.outputStart[node + 1]) return -1;
    let walksOn = count;
    const boundary = this.boundaryChild[node] as number;
    if (boundary >= 0) {
      if (walksOn === MAX_WALKS_ON) return -1;
      on[walksOn++] = boundary << 1;
    }
    if (node !== 0 && this.continues[node] === 1 && length <= MAX_GLUED_HALF) {
      if (walksOn === MAX_WALKS_ON) return -1;
      on[walksOn++] = (node << 1) | 1;
    }
    return walksOn;
  }

  /**
   * The symbols a next word must begin with for a walk going on (a walk-on code of walkSummary)
   * to take a step into it, as bits (see nextWordBit): the state's edges, and the ambiguous
   * symbols reading one of their letters. A cheap first test before findsInWord.
   */
  firstSymbols(walkOn: number): number {
    const node = walkOn >>> 1;
    let bits = 0;
    const last = this.edgeStart[node + 1] as number;
    for (let e = this.edgeStart[node] as number; e < last; e++) {
      const key = this.edgeKeys[e] as number;
      if (key === BOUNDARY_KEY) continue;
      const symbol = key >>> 1;
      bits |= 1 << nextWordBit(symbol);
      for (const ambiguous of AMBIGUOUS_SYMBOLS)
        if ((readingsOf(ambiguous) as readonly number[]).includes(symbol))
          bits |= 1 << nextWordBit(ambiguous);
    }
    return bits;
  }

  /**
   * Whether two words of one character in a row (`first` as folded, `next` as it joins, see
   * joinSymbolOf) may be read as the start of a spelled-out word: the trie goes on from the
   * first into the second. Where it does not, no term is spelled through them (see join).
   */
  joinsOn(first: number, next: number): boolean {
    for (const reading of readingsOf(first) ?? [first]) {
      const node = this.child(0, reading << 1);
      if (node < 0) continue;
      for (const joined of readingsOf(next) ?? [next]) if (this.child(node, joined << 1) >= 0) return true;
    }
    return false;
  }

  /**
   * Whether a walk going on (a walk-on code of walkSummary) into a next word of plain letters,
   * given as `count` symbols with their runs, finds anything there: a term ending with the word,
   * or a phrase going on past it. The same steps as walk() takes through such a word.
   */
  findsInWord(walkOn: number, symbols: Int32Array, runs: Int32Array, count: number): boolean {
    // A split word's second half is short (see mayEndGlued).
    if ((walkOn & 1) === 1 && count > MAX_GLUED_HALF) return false;
    return this.findsFrom(walkOn >>> 1, symbols, runs, 0, count);
  }

  private findsFrom(node: number, symbols: Int32Array, runs: Int32Array, at: number, count: number): boolean {
    if (at === count)
      return (
        this.outputStart[node] !== this.outputStart[node + 1] || (this.boundaryChild[node] as number) >= 0
      );
    const symbol = symbols[at] as number;
    const readings = readingsOf(symbol);
    if (!readings) return this.stepFinds(node, symbol, symbols, runs, at, count);
    for (const reading of readings) if (this.stepFinds(node, reading, symbols, runs, at, count)) return true;
    return false;
  }

  /** findsFrom's step on the letter `reading` at symbol `at`: single, or doubled for a run. */
  private stepFinds(
    node: number,
    reading: number,
    symbols: Int32Array,
    runs: Int32Array,
    at: number,
    count: number,
  ): boolean {
    const single = this.child(node, reading << 1);
    if (single >= 0 && this.findsFrom(single, symbols, runs, at + 1, count)) return true;
    if ((runs[at] as number) < 2 || !this.options.repeatedLetters) return false;
    const doubled = this.child(node, (reading << 1) | 1);
    return doubled >= 0 && this.findsFrom(doubled, symbols, runs, at + 1, count);
  }

  /** Does again what the recorded events at table[from...] say the walks of a word did. */
  private replay(table: Int32Array, from: number, count: number, token: number, start: number): void {
    this.tick(1 + count);
    this.startToken = token;
    for (let e = from, last = from + 2 * count; e < last; e += 2) {
      const head = table[e] as number;
      const node = table[e + 1] as number;
      this.startPos = start + ((head >>> 2) & 0xff);
      const pos = start + (head >>> 10);
      const kind = head & 3;
      if (kind === WalkEvent.Inner) this.reportInner(node, pos);
      else if (kind === WalkEvent.SoftBreak) this.softBreak(node, token, pos);
      else this.wordEnd(node, token, 0);
    }
  }

  /**
   * Notes an event of the word being recorded (see wordWalks), when it can have an effect: a walk
   * in the middle of a word depends on nothing else, so the events are all a replay needs.
   */
  private record(kind: number, node: number, pos: number): void {
    const count = this.recordedCount++;
    if (2 * count + 2 > this.recorded.length) return; // too many to cache: the word is not stored
    this.recorded[2 * count] =
      kind | ((this.startPos - this.recordFrom) << 2) | ((pos - this.recordFrom) << 10);
    this.recorded[2 * count + 1] = node;
  }

  /** Adds `count` steps of work, reading the clock whenever they cross a multiple of 4096. */
  private tick(count: number): void {
    const before = this.steps;
    this.steps += count;
    if (
      (before ^ this.steps) > BUDGET_CHECK_MASK &&
      this.budget &&
      this.budget.now() > this.budget.deadline
    ) {
      throw new ScanBudgetExceeded("text matching ran out of its time budget");
    }
  }

  /**
   * True when a walk from `pos` could only fail at its first or second step (most starts): its
   * symbol, read once, begins no term, or it begins terms and the word goes on with a second
   * symbol, read once, that no term goes on with. At the root a leet symbol cannot break a word;
   * at the second step it may (see softBreak), so there the symbol must be a plain one.
   */
  private startsNoTerm(pos: number, end: number): boolean {
    const { symbols, runs, soft } = this.text;
    const first = symbols[pos] as number;
    if (first > 0xffff || runs[pos] !== 1) return false;
    const kind = this.firstKinds[first] as number;
    if (kind !== FIRST_THEN_PAIRS) return kind === FIRST_NO_TERM;
    if (pos + 1 >= end) return false;
    const second = symbols[pos + 1] as number;
    return (
      second <= 0xffff &&
      runs[pos + 1] === 1 &&
      soft[pos + 1] === 0 &&
      this.pairs[pairIndex(first, second)] === 0
    );
  }

  private begin(text: ScannedText, sink: HitSink, budget: ScanBudget | undefined): void {
    this.text = text;
    this.sink = sink;
    this.budget = budget;
    this.steps = 0;
    this.scans++;
    // A scan that threw (out of budget) may have left a recording open: it is never stored.
    this.recordFrom = -1;
  }

  private child(node: number, key: number): number {
    return childOf(this, node, key);
  }

  /**
   * Depth-first over the readings of the text from one start. Branches (a leet '1' read as i or
   * l, a repeated letter read single or double, '*') only survive while the trie has a matching
   * path, so their number is bounded by the trie, whatever the text.
   */
  private walk(node: number, token: number, pos: number, mode: number): void {
    if ((++this.steps & BUDGET_CHECK_MASK) === 0 && this.budget && this.budget.now() > this.budget.deadline) {
      throw new ScanBudgetExceeded("text matching ran out of its time budget");
    }
    const text = this.text;
    const end = text.tokenEnds[token] as number;
    const outputStart = this.outputStart;
    // Fast path: a symbol that is not repeated and not ambiguous has one reading, so the walk is
    // a loop until the word ends, the trie has no edge, or a symbol with several readings comes.
    // A leet symbol that may be punctuation ("$", "@") breaks the word first (see softBreak).
    const { symbols, runs, soft } = text;
    while (pos < end) {
      const symbol = symbols[pos] as number;
      if (runs[pos] !== 1 || symbol > 0xffff) break;
      if (soft[pos] !== 0 && node !== 0) {
        if (mode === 0 && this.recordFrom >= 0 && this.breakMatters(node))
          this.record(WalkEvent.SoftBreak, node, pos);
        this.softBreak(node, token, pos);
      }
      node = this.child(node, symbol << 1);
      if (node < 0) return;
      pos++;
      // A term ending inside the word: a candidate part of a compound.
      if (mode === 0 && pos < end && outputStart[node] !== outputStart[node + 1])
        this.reportInner(node, pos - 1);
    }
    if (pos === end) {
      if (mode === 0 && this.recordFrom >= 0 && this.endMatters(node, token))
        this.record(WalkEvent.WordEnd, node, pos);
      this.wordEnd(node, token, mode);
      return;
    }
    // A leet symbol may be punctuation instead: the word may end just before it.
    if (text.soft[pos] === 1 && node !== 0) {
      if (mode === 0 && this.recordFrom >= 0 && this.breakMatters(node))
        this.record(WalkEvent.SoftBreak, node, pos);
      this.softBreak(node, token, pos);
    }
    const symbol = text.symbols[pos] as number;
    if (symbol === SYMBOL_WILDCARD) {
      this.wildcard(node, token, pos, mode);
      return;
    }
    const run = text.runs[pos] as number;
    const readings = readingsOf(symbol);
    if (readings) {
      for (const reading of readings) this.step(node, reading, run, token, pos + 1, mode);
      // "1" and "l" read alike, so the scanner made one run of "1ll": it may also be an "i"
      // and the "l"s after it ("k1ll" is "kill", "sk1ll" is "skill").
      if (symbol === SYMBOL_I_OR_L && run >= 2) {
        const i = this.child(node, LETTER_I << 1);
        if (i >= 0) this.step(i, LETTER_L, run - 1, token, pos + 1, mode);
      }
      return;
    }
    this.step(node, symbol, run, token, pos + 1, mode);
  }

  private step(node: number, symbol: number, run: number, token: number, next: number, mode: number): void {
    const single = this.child(node, symbol << 1);
    if (single >= 0) this.stepped(single, token, next, mode);
    // A run of two or more may stand for a doubled letter of the term ("asss" → "ass").
    if (run >= 2 && this.options.repeatedLetters) {
      const doubled = this.child(node, (symbol << 1) | 1);
      if (doubled >= 0) this.stepped(doubled, token, next, mode);
    }
  }

  /** After a step that did not end the word: report a term ending here, then walk on. */
  private stepped(node: number, token: number, next: number, mode: number): void {
    if (
      mode === 0 &&
      next < (this.text.tokenEnds[token] as number) &&
      this.outputStart[node] !== this.outputStart[node + 1]
    ) {
      this.reportInner(node, next - 1);
    }
    this.walk(node, token, next, mode);
  }

  private wildcard(node: number, token: number, pos: number, mode: number): void {
    const text = this.text;
    const nextIsWildcard =
      pos + 1 < (text.tokenEnds[token] as number) && text.symbols[pos + 1] === SYMBOL_WILDCARD;
    const last = this.edgeStart[node + 1] as number;
    for (let i = this.edgeStart[node] as number; i < last; i++) {
      const key = this.edgeKeys[i] as number;
      if (key === BOUNDARY_KEY) continue;
      const target = this.edgeTargets[i] as number;
      if ((key & 1) === 0) this.walk(target, token, pos + 1, mode);
      else if (nextIsWildcard) this.walk(target, token, pos + 2, mode);
    }
    // Or a separator: "f*u*c*k" spells the letters out.
    if (node !== 0) this.walk(node, token, pos + 1, mode);
  }

  /** The word read so far ends before the soft symbol at `pos`; a phrase may go on after it. */
  private softBreak(node: number, token: number, pos: number): void {
    const text = this.text;
    this.report(node, pos - 1, HitKind.Joined, token);
    const boundary = this.boundaryChild[node] as number;
    if (boundary < 0) return;
    const end = text.tokenEnds[token] as number;
    const next = this.afterSoftRun(pos, end);
    if (next < end) this.walk(boundary, token, next, MODE_PHRASE);
    else if (token + 1 < text.tokenCount)
      this.walk(boundary, token + 1, text.tokenStarts[token + 1] as number, MODE_PHRASE);
  }

  /**
   * The first position at or after `pos` (before `end`) that is not a leet symbol. The ends of
   * all runs of leet symbols are found in one pass, on first need in a scan, so a word of 20,000
   * of them stays linear.
   */
  private afterSoftRun(pos: number, end: number): number {
    const text = this.text;
    if (this.softRunsOf !== this.scans) {
      if (this.softRunEnd.length < text.length + 1) this.softRunEnd = new Int32Array(text.length * 2 + 1);
      const runEnd = this.softRunEnd;
      runEnd[text.length] = text.length;
      for (let i = text.length - 1; i >= 0; i--)
        runEnd[i] = text.soft[i] === 1 ? (runEnd[i + 1] as number) : i;
      this.softRunsOf = this.scans;
    }
    return Math.min(this.softRunEnd[pos] as number, end);
  }

  private reportInner(node: number, lastPos: number): void {
    if (this.recordFrom >= 0) this.record(WalkEvent.Inner, node, lastPos);
    this.report(node, lastPos, HitKind.Inner, this.startToken);
  }

  /**
   * Whether a walk of a word of two or more symbols reaching its end in `node` (mode 0) does
   * anything (see wordEnd): reports a term, or may go on into the next word, as a phrase or as
   * the first half of a split word. Single letters are never cached, so joining does not arise.
   */
  private endMatters(node: number, token: number): boolean {
    if (this.outputStart[node] !== this.outputStart[node + 1]) return true;
    if (this.startPos !== (this.text.tokenStarts[this.startToken] as number)) return false;
    const length = (this.text.tokenEnds[token] as number) - (this.text.tokenStarts[token] as number);
    return (
      (this.boundaryChild[node] as number) >= 0 ||
      (node !== 0 && this.continues[node] === 1 && length <= MAX_GLUED_HALF)
    );
  }

  /** Whether softBreak in `node` does anything: reports a term, or goes on as a phrase. */
  private breakMatters(node: number): boolean {
    return this.outputStart[node] !== this.outputStart[node + 1] || (this.boundaryChild[node] as number) >= 0;
  }

  private report(node: number, lastPos: number, kind: HitKind, lastToken: number): void {
    const first = this.outputStart[node] as number;
    const last = this.outputStart[node + 1] as number;
    if (first === last) return;
    for (let i = first; i < last; i++) {
      this.sink.hit(this.outputs[i] as TermOutput, this.startPos, lastPos, kind, this.startToken, lastToken);
    }
  }

  private nextSingleRepeats(token: number): boolean {
    const text = this.text;
    return (
      token + 1 < text.tokenCount &&
      ((text.tokenFlags[token + 1] as number) & TOKEN_SINGLE) !== 0 &&
      text.tokenJoinSymbols[token + 1] === text.tokenJoinSymbols[token]
    );
  }

  private wordEnd(node: number, token: number, mode: number): void {
    const text = this.text;
    const next = token + 1;
    const hasNext = next < text.tokenCount;
    const nextIsSingle = hasNext && ((text.tokenFlags[next] as number) & TOKEN_SINGLE) !== 0;
    const joined = (mode & MODE_JOINED) !== 0;
    // A spelled-out word is the whole run of single letters: "c l a s s" is "class", so it
    // cannot end (and match "ass") before the run does.
    if (joined && nextIsSingle && this.canEndJoin[token] === 0) {
      this.join(node, next);
      return;
    }
    const fromWordStart = this.startPos === (text.tokenStarts[this.startToken] as number);
    const kind =
      mode === 0
        ? fromWordStart
          ? HitKind.Whole
          : HitKind.Inner
        : (mode & MODE_GLUED) !== 0
          ? HitKind.Glued
          : (mode & MODE_PHRASE) !== 0
            ? HitKind.Phrase
            : HitKind.Joined;
    this.report(node, (text.tokenEnds[token] as number) - 1, kind, token);
    if (!hasNext || !fromWordStart) return;
    // The next word of a phrase.
    const boundary = this.boundaryChild[node] as number;
    if (boundary >= 0) this.walk(boundary, next, text.tokenStarts[next] as number, MODE_PHRASE);
    // Single letters separated by spaces or punctuation read as one word ("f.u.c.k"). Inside a
    // run of one letter ("a a a a"), the previous word's walk read this letter and joined the
    // rest of the run the same way, over a longer span: the run is joined once, not once a word.
    if (nextIsSingle && (joined || this.canStartJoin[token] === 1)) {
      if (!(mode === 0 && this.joinedFromPreviousWord(token, next))) this.join(node, next);
    }
    // A word split in two short halves ("fu ck"): read once into the next word, never further.
    else if (
      mode === 0 &&
      !nextIsSingle &&
      node !== 0 &&
      this.continues[node] === 1 &&
      (text.tokenEnds[token] as number) - (text.tokenStarts[token] as number) <= MAX_GLUED_HALF &&
      this.mayEndGlued(node, next)
    )
      this.walk(node, next, text.tokenStarts[next] as number, MODE_GLUED);
  }

  /**
   * Whether the single letter `token` repeats the one before it, whose walk joined on into the
   * run they are in, and at least two more of it follow (see wordEnd): then a join from `token`
   * into `next` reads what that one did, a doubled letter either way.
   */
  private joinedFromPreviousWord(token: number, next: number): boolean {
    return (
      this.options.repeatedLetters &&
      this.repeatsJoinedLetter(token) &&
      this.nextSingleRepeats(token) &&
      (this.sameLetterRunEnd[next] as number) > next
    );
  }

  /** Whether the single letter `token` repeats the one before it, where a join may start. */
  private repeatsJoinedLetter(token: number): boolean {
    return token > 0 && this.canStartJoin[token - 1] === 1 && this.nextSingleRepeats(token - 1);
  }

  /**
   * Whether walking the word `next` on from `node` can find anything: it is short, and a term
   * ends (or a phrase goes on) exactly as many letters on as it has. A word with leet symbols
   * may read shorter ('*' as a separator, a soft break), so it is always walked.
   */
  private mayEndGlued(node: number, next: number): boolean {
    const text = this.text;
    const length = (text.tokenEnds[next] as number) - (text.tokenStarts[next] as number);
    if (length > MAX_GLUED_HALF) return false;
    return (
      ((text.tokenFlags[next] as number) & TOKEN_HAS_SOFT) !== 0 ||
      (((this.gluedEnds[node] as number) >>> length) & 1) === 1
    );
  }

  /**
   * Where a spelled-out word may start and end: at the ends of a run of single letters, give
   * or take one-letter chat words at either end ("u r a f a g", "f u c k u").
   */
  private markRuns(): void {
    const text = this.text;
    const count = text.tokenCount;
    if (this.canStartJoin.length < count) {
      this.canStartJoin = new Uint8Array(count * 2);
      this.canEndJoin = new Uint8Array(count * 2);
      this.sameLetterRunEnd = new Int32Array(count * 2);
    }
    const flags = text.tokenFlags;
    const symbols = text.tokenJoinSymbols;
    let onlyDroppableBefore = true;
    for (let t = 0; t < count; t++) {
      const own = flags[t] as number;
      const single = (own & TOKEN_SINGLE) !== 0;
      if (!single || t === 0 || ((flags[t - 1] as number) & TOKEN_SINGLE) === 0) onlyDroppableBefore = true;
      this.canStartJoin[t] = single && (own & TOKEN_JOIN_START) !== 0 && onlyDroppableBefore ? 1 : 0;
      onlyDroppableBefore &&= (own & TOKEN_JOIN_START) !== 0 && isOneLetterWord(symbols[t] as number);
    }
    let onlyDroppableAfter = true;
    for (let t = count - 1; t >= 0; t--) {
      const own = flags[t] as number;
      const single = (own & TOKEN_SINGLE) !== 0;
      if (!single || t === count - 1 || ((flags[t + 1] as number) & TOKEN_SINGLE) === 0)
        onlyDroppableAfter = true;
      this.canEndJoin[t] = single && onlyDroppableAfter ? 1 : 0;
      onlyDroppableAfter &&= (own & TOKEN_JOIN_START) !== 0 && isOneLetterWord(symbols[t] as number);
      // Computed once here, so a join never rescans a long run ("a a a a ..." stays linear).
      const sameAsNext =
        single &&
        t + 1 < count &&
        ((flags[t + 1] as number) & TOKEN_SINGLE) !== 0 &&
        symbols[t + 1] === symbols[t];
      this.sameLetterRunEnd[t] = sameAsNext ? (this.sameLetterRunEnd[t + 1] as number) : t;
    }
  }

  /** Continues the current word with the single-letter token `next` (and its repeats). */
  private join(node: number, next: number): void {
    const text = this.text;
    const symbol = text.tokenJoinSymbols[next] as number;
    // "f u u c k": consecutive identical letters form one run, as inside a word.
    const last = this.options.repeatedLetters ? (this.sameLetterRunEnd[next] as number) : next;
    const run = last - next + 1;
    const after = text.tokenEnds[last] as number;
    const readings = readingsOf(symbol);
    if (readings) {
      for (const reading of readings) this.step(node, reading, run, last, after, MODE_JOINED);
    } else if (symbol !== SYMBOL_WILDCARD) {
      this.step(node, symbol, run, last, after, MODE_JOINED);
    }
  }
}
