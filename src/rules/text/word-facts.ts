import { LRUCache } from "lru-cache";
import { HAS_NON_LETTER, HAS_UNSPACED, wordKinds } from "./char-kinds.ts";
import { derivationBases } from "./derivations.ts";
import { commonLanguages, ENGLISH_LIST, wordLanguages } from "./lexicon.ts";
import { plainForm } from "./plain-form.ts";

// What the deciding step knows about a word as written, whatever the message: its plain form,
// the word lists that hold it, the words it may be derived from. Working these out costs a
// Unicode normalization and a dozen set lookups, and the words that hold terms come back message
// after message, so they are kept by the word as written (bounded, least recently used first).

export interface WordCore {
  plain: string;
  /**
   * The word lists that hold the word as an ordinary word (see wordLanguages); English too when
   * it is made from an English word by a derivational prefix or suffix ("un|kind|ly").
   */
  languages: number;
  /** The lists whose common words hold it (commonLanguages): a vote for the message's language. */
  common: number;
  /** The words it may be made from by such affixes (see derivations.ts). */
  bases: readonly string[];
  unspaced: boolean;
  /** Written with digits or symbols among the letters ("sh1thead"). */
  obfuscated: boolean;
}

const NO_BASES: readonly string[] = [];
/** Longer words are worked out every time: they are rare, and keys stay small. */
const MAX_KEPT_WORD = 48;

export class WordCores {
  private readonly kept: LRUCache<string, WordCore>;

  constructor(max: number) {
    this.kept = new LRUCache<string, WordCore>({ max: Math.max(16, max) });
  }

  of(written: string): WordCore {
    const kept = written.length <= MAX_KEPT_WORD ? this.kept.get(written) : undefined;
    if (kept) return kept;
    const core = wordCore(written);
    if (written.length <= MAX_KEPT_WORD) this.kept.set(written, core);
    return core;
  }
}

function wordCore(written: string): WordCore {
  const plain = plainForm(written);
  const kinds = wordKinds(written);
  const languages = wordLanguages(plain);
  const bases = languages === 0 ? derivationBases(plain) : NO_BASES;
  return {
    plain,
    languages:
      languages !== 0 || bases.some((base) => (wordLanguages(base) & ENGLISH_LIST) !== 0)
        ? languages || ENGLISH_LIST
        : 0,
    common: commonLanguages(plain),
    bases,
    unspaced: (kinds & HAS_UNSPACED) !== 0,
    // Any character but a letter or a mark: a word written with one is obfuscated ("sh1t").
    obfuscated: (kinds & HAS_NON_LETTER) !== 0,
  };
}
