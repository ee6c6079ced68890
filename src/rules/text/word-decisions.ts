import { LRUCache } from "lru-cache";
import { HitKind, type TermOutput } from "./automaton.ts";

// What the deciding step kept of the terms found inside one word, by the word as written.
//
// Chat repeats its words, and the innocent ones that hold a term inside ("hello", "assignment",
// "class", "cumulative") are common: deciding them reads the dictionaries, the word's compounds
// and its forms, a microsecond or more each time; so do the terms themselves ("bitch"). When
// every candidate of a word lies inside it or is the whole word, and the word is in a script
// written with spaces, the decision depends on nothing but the word as written and its
// candidates (the facts of the word, its compound reading, the allow-lists), unless it asked for
// the message's language: see TermMatcher.decide, which keeps that true. The decision is then kept as one bit per
// candidate, checked against a fingerprint of the candidates it was made for.
//
// Bounded in bytes by lru-cache, like the normalizer's cache of rare characters.

/** Heap the decisions of one matcher may hold: a few thousand words. */
export const WORD_DECISIONS_BYTES = 512 * 1024;
/** Measured heap of one entry beside its key (the LRU's bookkeeping and the entry itself). */
const ENTRY_BYTES = 160;
/** Candidates a word may have and still be cached (one bit each). */
const MAX_CANDIDATES = 30;
/** Words longer than this (in UTF-16 units) are decided every time: long words rarely repeat. */
const MAX_WORD_LENGTH = 64;

/** A candidate as the deciding step sees it (see TermMatcher's Candidate). */
export interface DecisionCandidate {
  output: TermOutput;
  first: number;
  last: number;
  kind: HitKind;
  firstToken: number;
}

interface Kept {
  fingerprint: number;
  keep: number;
}

export class WordDecisions {
  private readonly kept: LRUCache<string, Kept>;

  constructor(maxBytes = WORD_DECISIONS_BYTES) {
    this.kept = new LRUCache<string, Kept>({
      maxSize: maxBytes,
      sizeCalculation: (_kept, word) => ENTRY_BYTES + 2 * word.length,
    });
  }

  /**
   * A fingerprint of the candidates [from, to) of one word whose first symbol is `wordStart`,
   * or -1 when their decision may depend on more than the word: a candidate that continues past
   * it (a phrase, a split word, letters spelled out), or too many of them. (A whole word's may
   * depend on the message's language: the deciding step does not keep such a decision.)
   */
  static fingerprint(
    candidates: readonly DecisionCandidate[],
    from: number,
    to: number,
    wordStart: number,
  ): number {
    if (to - from > MAX_CANDIDATES) return -1;
    let hash = 0x811c9dc5;
    for (let i = from; i < to; i++) {
      const candidate = candidates[i] as DecisionCandidate;
      if (candidate.kind !== HitKind.Inner && candidate.kind !== HitKind.Whole) return -1;
      const { output } = candidate;
      hash = Math.imul(hash ^ output.slot, 0x01000193);
      hash = Math.imul(hash ^ output.term, 0x01000193);
      hash = Math.imul(
        hash ^ (((candidate.first - wordStart) * 1024 + (candidate.last - wordStart)) * 2 + candidate.kind),
        0x01000193,
      );
    }
    return hash >>> 1;
  }

  /** The candidates kept for `word` (bit i: the i-th of its group), if decided before. */
  keepOf(word: string, fingerprint: number): number | undefined {
    if (word.length > MAX_WORD_LENGTH) return undefined;
    const kept = this.kept.get(word);
    return kept !== undefined && kept.fingerprint === fingerprint ? kept.keep : undefined;
  }

  remember(word: string, fingerprint: number, keep: number): void {
    if (word.length <= MAX_WORD_LENGTH) this.kept.set(word, { fingerprint, keep });
  }

  /** Heap the cache holds, as it counts it. */
  get bytes(): number {
    return this.kept.calculatedSize;
  }
}
