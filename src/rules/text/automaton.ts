import { type ScannedText, TOKEN_HAS_SOFT, TOKEN_JOIN_START, TOKEN_SINGLE } from "./scanner.ts";
import { BOUNDARY_KEY, I_OR_L_READINGS, SYMBOL_I_OR_L, SYMBOL_WILDCARD } from "./symbols.ts";

/** What reaching a final state means: which condition slot, which of its terms. */
export interface TermOutput {
  slot: number;
  term: number;
  /** The term as normalized (the matched span's normalized form). */
  normalized: string;
}

/** Receives each term occurrence; `start`/`end` are original text offsets. */
export interface HitSink {
  hit(output: TermOutput, start: number, end: number): void;
}

/** Raised from inside a scan when its time budget runs out. */
export class ScanBudgetExceeded extends Error {
  override readonly name = "ScanBudgetExceeded";
}

export interface ScanBudget {
  deadline: number;
  now(): number;
}

/** One-letter words of chat ("a", "I", "u" for you, "r" for are, "n" for and, "y" for why). */
const ONE_LETTER_WORDS = new Uint8Array(128);
for (const letter of "aiounry") ONE_LETTER_WORDS[letter.charCodeAt(0)] = 1;

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
/** ...unless its keys spread over more than this (mixed scripts): then a binary search. */
const DENSE_MAX_SPAN = 4096;

/** The compiled trie: flat typed arrays, built once. */
interface AutomatonTables {
  /** Edges of state n: indexes edgeStart[n] .. edgeStart[n+1]-1, sorted by key. */
  edgeStart: Int32Array;
  edgeKeys: Int32Array;
  edgeTargets: Int32Array;
  /** Direct tables: for a state with denseLength[n] > 0, dense[denseBase[n] + key - denseMin[n]]. */
  denseBase: Int32Array;
  denseMin: Int32Array;
  denseLength: Int32Array;
  dense: Int32Array;
  /** Terms ending at state n: outputs[outputStart[n]] .. outputs[outputStart[n+1]-1]. */
  outputStart: Int32Array;
  outputs: readonly TermOutput[];
}

/** Edge keys are below 2^18 (symbol << 1 | doubled), so node * 2^18 + key is an exact number. */
const KEY_SPACE = 2 ** 18;

/** Builds the trie: one path per term variant, words separated by the boundary edge. */
export class TrieBuilder {
  // One map for all edges (not one per state): a 10,000-term list has ~80,000 states, and a Map
  // each would dominate the memory the build needs.
  private readonly edges = new Map<number, number>();
  private readonly outputs: Array<TermOutput[] | undefined> = [undefined];

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

  compile(options: { joinSeparatedLetters: boolean; repeatedLetters: boolean }): Automaton {
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
      const span = (edgeKeys[last] as number) - min + 1;
      if (span > DENSE_MAX_SPAN) continue;
      const table = new Int32Array(span).fill(-1);
      for (let e = first; e <= last; e++) table[(edgeKeys[e] as number) - min] = edgeTargets[e] as number;
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

    const outputStart = new Int32Array(count + 1);
    const outputs: TermOutput[] = [];
    for (let node = 0; node < count; node++) {
      outputStart[node] = outputs.length;
      for (const output of this.outputs[order[node] as number] ?? []) outputs.push(Object.freeze(output));
    }
    outputStart[count] = outputs.length;

    const automaton = new Automaton(
      { edgeStart, edgeKeys, edgeTargets, denseBase, denseMin, denseLength, dense, outputStart, outputs },
      options,
    );
    return automaton;
  }
}

/** The clock is read every 4096 steps: often enough to stop in time, rarely enough to be free. */
const BUDGET_CHECK_MASK = 4095;

/**
 * A trie over normalized symbols, compiled to flat typed arrays. Matching starts only at word
 * starts and reports only at word ends, so a term never fires inside a longer word, and the
 * work per word is bounded by the trie's depth, not by the number of terms.
 */
export class Automaton {
  // Scan state (a scan is synchronous and not re-entrant).
  private text!: ScannedText;
  /** Symbol index where the current walk started (its span's start). */
  private startPos = 0;
  private sink!: HitSink;
  private steps = 0;
  private canStartJoin = new Uint8Array(64);
  private canEndJoin = new Uint8Array(64);
  private budget: ScanBudget | undefined;

  private readonly edgeStart: Int32Array;
  private readonly edgeKeys: Int32Array;
  private readonly edgeTargets: Int32Array;
  private readonly denseBase: Int32Array;
  private readonly denseMin: Int32Array;
  private readonly denseLength: Int32Array;
  private readonly dense: Int32Array;
  private readonly outputStart: Int32Array;
  private readonly outputs: readonly TermOutput[];
  /** The boundary edge of each state (-1 if none): looked up at every word end. */
  private readonly boundaryChild: Int32Array;

  constructor(
    tables: AutomatonTables,
    private readonly options: { joinSeparatedLetters: boolean; repeatedLetters: boolean },
  ) {
    this.edgeStart = tables.edgeStart;
    this.edgeKeys = tables.edgeKeys;
    this.edgeTargets = tables.edgeTargets;
    this.denseBase = tables.denseBase;
    this.denseMin = tables.denseMin;
    this.denseLength = tables.denseLength;
    this.dense = tables.dense;
    this.outputStart = tables.outputStart;
    this.outputs = tables.outputs;
    const count = this.edgeStart.length - 1;
    this.boundaryChild = new Int32Array(count);
    for (let node = 0; node < count; node++) this.boundaryChild[node] = this.child(node, BOUNDARY_KEY);
  }

  get stateCount(): number {
    return this.edgeStart.length - 1;
  }

  /** Reports every term occurrence to `sink` (a span may be reported once per reading). */
  scan(text: ScannedText, sink: HitSink, budget?: ScanBudget): void {
    this.text = text;
    this.sink = sink;
    this.budget = budget;
    this.steps = 0;
    const join = this.options.joinSeparatedLetters;
    if (join) this.markRuns();
    for (let token = 0; token < text.tokenCount; token++) {
      const start = text.tokenStarts[token] as number;
      this.startPos = start;
      this.walk(0, token, start, false);
      const flags = text.tokenFlags[token] as number;
      // "c.c.a.a": a spelled-out word may begin with a repeated letter.
      if (join && this.canStartJoin[token] === 1 && this.nextSingleRepeats(token)) this.join(0, token);
      // "me@home": words also start after a leet symbol read as punctuation.
      if ((flags & TOKEN_HAS_SOFT) !== 0) {
        const end = text.tokenEnds[token] as number;
        for (let pos = start + 1; pos < end; pos++) {
          if (text.soft[pos - 1] === 1 && text.soft[pos] === 0) {
            this.startPos = pos;
            this.walk(0, token, pos, false);
          }
        }
      }
    }
  }

  private child(node: number, key: number): number {
    const denseLength = this.denseLength[node] as number;
    if (denseLength !== 0) {
      const index = key - (this.denseMin[node] as number);
      return index >= 0 && index < denseLength
        ? (this.dense[(this.denseBase[node] as number) + index] as number)
        : -1;
    }
    const keys = this.edgeKeys;
    let low = this.edgeStart[node] as number;
    let high = (this.edgeStart[node + 1] as number) - 1;
    // Few edges (most states have one or two): a linear probe beats a binary search's branches.
    if (high - low < 8) {
      for (let i = low; i <= high; i++) if (keys[i] === key) return this.edgeTargets[i] as number;
      return -1;
    }
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const found = keys[mid] as number;
      if (found === key) return this.edgeTargets[mid] as number;
      if (found < key) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  /**
   * Depth-first over the readings of the text from one word start. Branches (a leet '1' read as
   * i or l, a repeated letter read single or double, '*') only survive while the trie has a
   * matching path, so their number is bounded by the trie, whatever the text.
   */
  private walk(node: number, token: number, pos: number, joined: boolean): void {
    if ((++this.steps & BUDGET_CHECK_MASK) === 0 && this.budget && this.budget.now() > this.budget.deadline) {
      throw new ScanBudgetExceeded("text matching ran out of its time budget");
    }
    const text = this.text;
    const end = text.tokenEnds[token] as number;
    // Fast path: plain letters (no run, no leet symbol) have one reading, so the walk is a loop
    // until the word ends, the trie has no edge, or a symbol with several readings comes.
    const { symbols, runs, soft } = text;
    while (pos < end) {
      const symbol = symbols[pos] as number;
      if (runs[pos] !== 1 || soft[pos] !== 0 || symbol > 0xffff) break;
      node = this.child(node, symbol << 1);
      if (node < 0) return;
      pos++;
    }
    if (pos === end) {
      this.wordEnd(node, token, joined);
      return;
    }
    // A leet symbol may be punctuation instead: the word may end just before it.
    if (text.soft[pos] === 1 && node !== 0) this.softBreak(node, token, pos);
    const symbol = text.symbols[pos] as number;
    if (symbol === SYMBOL_WILDCARD) {
      this.wildcard(node, token, pos, joined);
      return;
    }
    const run = text.runs[pos] as number;
    if (symbol === SYMBOL_I_OR_L) {
      for (const reading of I_OR_L_READINGS) this.step(node, reading, run, token, pos + 1, joined);
      return;
    }
    this.step(node, symbol, run, token, pos + 1, joined);
  }

  private step(
    node: number,
    symbol: number,
    run: number,
    token: number,
    next: number,
    joined: boolean,
  ): void {
    const single = this.child(node, symbol << 1);
    if (single >= 0) this.walk(single, token, next, joined);
    // A run of two or more may stand for a doubled letter of the term ("asss" → "ass").
    if (run >= 2 && this.options.repeatedLetters) {
      const doubled = this.child(node, (symbol << 1) | 1);
      if (doubled >= 0) this.walk(doubled, token, next, joined);
    }
  }

  private wildcard(node: number, token: number, pos: number, joined: boolean): void {
    const text = this.text;
    const nextIsWildcard =
      pos + 1 < (text.tokenEnds[token] as number) && text.symbols[pos + 1] === SYMBOL_WILDCARD;
    const visit = (key: number, target: number) => {
      if (key === BOUNDARY_KEY) return;
      if ((key & 1) === 0) this.walk(target, token, pos + 1, joined);
      else if (nextIsWildcard) this.walk(target, token, pos + 2, joined);
    };
    const last = this.edgeStart[node + 1] as number;
    for (let i = this.edgeStart[node] as number; i < last; i++) {
      visit(this.edgeKeys[i] as number, this.edgeTargets[i] as number);
    }
    // Or a separator: "f*u*c*k" spells the letters out.
    if (node !== 0) this.walk(node, token, pos + 1, joined);
  }

  /** The word read so far ends before the soft symbol at `pos`; a phrase may go on after it. */
  private softBreak(node: number, token: number, pos: number): void {
    const text = this.text;
    this.report(node, pos - 1);
    const boundary = this.boundaryChild[node] as number;
    if (boundary < 0) return;
    const end = text.tokenEnds[token] as number;
    let next = pos;
    while (next < end && text.soft[next] === 1) next++;
    if (next < end) this.walk(boundary, token, next, false);
    else if (token + 1 < text.tokenCount)
      this.walk(boundary, token + 1, text.tokenStarts[token + 1] as number, false);
  }

  private report(node: number, lastPos: number): void {
    const first = this.outputStart[node] as number;
    const last = this.outputStart[node + 1] as number;
    if (first === last) return;
    const text = this.text;
    const start = text.starts[this.startPos] as number;
    const end = text.ends[lastPos] as number;
    for (let i = first; i < last; i++) this.sink.hit(this.outputs[i] as TermOutput, start, end);
  }

  private nextSingleRepeats(token: number): boolean {
    const text = this.text;
    return (
      token + 1 < text.tokenCount &&
      ((text.tokenFlags[token + 1] as number) & TOKEN_SINGLE) !== 0 &&
      text.tokenJoinSymbols[token + 1] === text.tokenJoinSymbols[token]
    );
  }

  private wordEnd(node: number, token: number, joined: boolean): void {
    const text = this.text;
    const next = token + 1;
    const hasNext = next < text.tokenCount;
    const nextIsSingle = hasNext && ((text.tokenFlags[next] as number) & TOKEN_SINGLE) !== 0;
    // A spelled-out word is the whole run of single letters: "c l a s s" is "class", so it
    // cannot end (and match "ass") before the run does.
    if (joined && nextIsSingle && this.canEndJoin[token] === 0) {
      this.join(node, next);
      return;
    }
    this.report(node, (text.tokenEnds[token] as number) - 1);
    if (!hasNext) return;
    // The next word of a phrase.
    const boundary = this.boundaryChild[node] as number;
    if (boundary >= 0) this.walk(boundary, next, text.tokenStarts[next] as number, false);
    // Single letters separated by spaces or punctuation read as one word ("f.u.c.k").
    if (nextIsSingle && (joined || this.canStartJoin[token] === 1)) this.join(node, next);
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
    }
    const flags = text.tokenFlags;
    const symbols = text.tokenJoinSymbols;
    let onlyDroppableBefore = true;
    for (let t = 0; t < count; t++) {
      const own = flags[t] as number;
      const single = (own & TOKEN_SINGLE) !== 0;
      if (!single || t === 0 || ((flags[t - 1] as number) & TOKEN_SINGLE) === 0) onlyDroppableBefore = true;
      this.canStartJoin[t] = single && (own & TOKEN_JOIN_START) !== 0 && onlyDroppableBefore ? 1 : 0;
      onlyDroppableBefore &&= (own & TOKEN_JOIN_START) !== 0 && ONE_LETTER_WORDS[symbols[t] as number] === 1;
    }
    let onlyDroppableAfter = true;
    for (let t = count - 1; t >= 0; t--) {
      const own = flags[t] as number;
      const single = (own & TOKEN_SINGLE) !== 0;
      if (!single || t === count - 1 || ((flags[t + 1] as number) & TOKEN_SINGLE) === 0)
        onlyDroppableAfter = true;
      this.canEndJoin[t] = single && onlyDroppableAfter ? 1 : 0;
      onlyDroppableAfter &&= (own & TOKEN_JOIN_START) !== 0 && ONE_LETTER_WORDS[symbols[t] as number] === 1;
    }
  }

  /** Continues the current word with the single-letter token `next` (and its repeats). */
  private join(node: number, next: number): void {
    const text = this.text;
    const symbol = text.tokenJoinSymbols[next] as number;
    // "f u u c k": consecutive identical letters form one run, as inside a word.
    let last = next;
    while (
      this.options.repeatedLetters &&
      last + 1 < text.tokenCount &&
      ((text.tokenFlags[last + 1] as number) & TOKEN_SINGLE) !== 0 &&
      text.tokenJoinSymbols[last + 1] === symbol
    ) {
      last++;
    }
    const run = last - next + 1;
    const after = text.tokenEnds[last] as number;
    if (symbol === SYMBOL_I_OR_L) {
      for (const reading of I_OR_L_READINGS) this.step(node, reading, run, last, after, true);
    } else if (symbol !== SYMBOL_WILDCARD) {
      this.step(node, symbol, run, last, after, true);
    }
  }
}
