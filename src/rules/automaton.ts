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
    const edgeStart = new Int32Array(count + 1);
    const edgeKeys = new Int32Array(sorted.length);
    const edgeTargets = new Int32Array(sorted.length);
    const rootKeys: number[] = [];
    const rootTargets: number[] = [];
    let nodeCursor = 0;
    sorted.forEach(([slot, target], index) => {
      const node = Math.floor(slot / KEY_SPACE);
      const key = slot - node * KEY_SPACE;
      while (nodeCursor <= node) edgeStart[nodeCursor++] = index;
      edgeKeys[index] = key;
      edgeTargets[index] = target;
      if (node === 0) {
        rootKeys.push(key);
        rootTargets.push(target);
      }
    });
    while (nodeCursor <= count) edgeStart[nodeCursor++] = sorted.length;
    // The root is visited once per word: a direct table instead of a search.
    const rootTable = new Int32Array((rootKeys.at(-1) ?? 0) + 1).fill(-1);
    rootKeys.forEach((key, i) => {
      rootTable[key] = rootTargets[i] as number;
    });
    return new Automaton(
      rootTable,
      Int32Array.from(rootKeys),
      Int32Array.from(rootTargets),
      edgeStart,
      edgeKeys,
      edgeTargets,
      this.outputs.map((list) => (list ? Object.freeze(list) : undefined)),
      options,
    );
  }
}

const BUDGET_CHECK_INTERVAL = 4096;

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
  private budget: ScanBudget | undefined;

  constructor(
    private readonly rootTable: Int32Array,
    private readonly rootKeys: Int32Array,
    private readonly rootTargets: Int32Array,
    private readonly edgeStart: Int32Array,
    private readonly edgeKeys: Int32Array,
    private readonly edgeTargets: Int32Array,
    private readonly outputs: ReadonlyArray<readonly TermOutput[] | undefined>,
    private readonly options: { joinSeparatedLetters: boolean; repeatedLetters: boolean },
  ) {}

  get stateCount(): number {
    return this.outputs.length;
  }

  /** Reports every term occurrence to `sink` (a span may be reported once per reading). */
  scan(text: ScannedText, sink: HitSink, budget?: ScanBudget): void {
    this.text = text;
    this.sink = sink;
    this.budget = budget;
    this.steps = 0;
    const join = this.options.joinSeparatedLetters;
    for (let token = 0; token < text.tokenCount; token++) {
      const start = text.tokenStarts[token] as number;
      this.startPos = start;
      this.walk(0, token, start, false);
      const flags = text.tokenFlags[token] as number;
      // "c.c.a.a": a spelled-out word may begin with a repeated letter.
      if (join && (flags & TOKEN_JOIN_START) !== 0 && this.nextSingleRepeats(token)) this.join(0, token);
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
    if (node === 0) return key < this.rootTable.length ? (this.rootTable[key] as number) : -1;
    const keys = this.edgeKeys;
    let low = this.edgeStart[node] as number;
    let high = (this.edgeStart[node + 1] as number) - 1;
    // Most states have one or two edges: a linear probe beats the binary search's branches.
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
    if (
      ++this.steps % BUDGET_CHECK_INTERVAL === 0 &&
      this.budget &&
      this.budget.now() > this.budget.deadline
    ) {
      throw new ScanBudgetExceeded("text matching ran out of its time budget");
    }
    const text = this.text;
    const end = text.tokenEnds[token] as number;
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
    if (node === 0) {
      for (let i = 0; i < this.rootKeys.length; i++)
        visit(this.rootKeys[i] as number, this.rootTargets[i] as number);
      return;
    }
    const last = this.edgeStart[node + 1] as number;
    for (let i = this.edgeStart[node] as number; i < last; i++) {
      visit(this.edgeKeys[i] as number, this.edgeTargets[i] as number);
    }
  }

  /** The word read so far ends before the soft symbol at `pos`; a phrase may go on after it. */
  private softBreak(node: number, token: number, pos: number): void {
    const text = this.text;
    this.report(node, pos - 1);
    const boundary = this.child(node, BOUNDARY_KEY);
    if (boundary < 0) return;
    const end = text.tokenEnds[token] as number;
    let next = pos;
    while (next < end && text.soft[next] === 1) next++;
    if (next < end) this.walk(boundary, token, next, false);
    else if (token + 1 < text.tokenCount)
      this.walk(boundary, token + 1, text.tokenStarts[token + 1] as number, false);
  }

  private report(node: number, lastPos: number): void {
    const outputs = this.outputs[node];
    if (!outputs) return;
    const text = this.text;
    const start = text.starts[this.startPos] as number;
    const end = text.ends[lastPos] as number;
    for (const output of outputs) this.sink.hit(output, start, end);
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
    this.report(node, (text.tokenEnds[token] as number) - 1);
    const next = token + 1;
    if (next >= text.tokenCount) return;
    // The next word of a phrase.
    const boundary = this.child(node, BOUNDARY_KEY);
    if (boundary >= 0) this.walk(boundary, next, text.tokenStarts[next] as number, false);
    // Single letters separated by spaces or punctuation read as one word ("f.u.c.k").
    if (
      this.options.joinSeparatedLetters &&
      ((text.tokenFlags[token] as number) & TOKEN_SINGLE) !== 0 &&
      ((text.tokenFlags[next] as number) & TOKEN_SINGLE) !== 0 &&
      (joined || ((text.tokenFlags[token] as number) & TOKEN_JOIN_START) !== 0)
    ) {
      this.join(node, next);
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
