import { countWork } from "./work.ts";

// English derivation: a word made from another word by a standard prefix or suffix ("un|kind",
// "kind|ness", "marsh|ite"). No dictionary lists every such word, so the deciding step reads a
// word it does not know as its base: when the base is an innocent word, so is the word
// ("un|niggard|ly", "whig|g|ery"), however rare the whole.
//
// The suffixes are derivational only. The endings a term takes itself (plural, -ed, -er, -ing,
// -ish, -y: see inflections.ts) are left out, so they keep counting as the term's forms
// ("twattish" is the term "twat", not a word made from it). One spelling is read as the word it
// spells: chat's "-in" for "-ing" ("crappin" is the dictionary's "crapping").

/** Prefixes that English puts before a word without changing it. */
const PREFIXES = [
  "anti",
  "counter",
  "dis",
  "hyper",
  "inter",
  "macro",
  "micro",
  "mis",
  "multi",
  "neo",
  "non",
  "out",
  "over",
  "post",
  "pre",
  "pro",
  "proto",
  "pseudo",
  "quasi",
  "re",
  "semi",
  "sub",
  "super",
  "trans",
  "ultra",
  "un",
  "under",
];

/**
 * Derivational suffixes, with the inflected forms that follow them ("-ise", "-ised", "-ises").
 * Those starting with a vowel may drop the base's final "e" ("cushite" → "cushitic"), turn its
 * final "y" into "i", or double its final consonant ("whig" → "whiggery").
 */
const SUFFIXES = [
  "ly",
  "ness",
  "less",
  "ful",
  "ment",
  "ments",
  "ship",
  "hood",
  "dom",
  "ise",
  "ised",
  "ises",
  "ising",
  "isation",
  "ize",
  "ized",
  "izes",
  "izing",
  "ization",
  "ism",
  "isms",
  "ist",
  "ists",
  "ity",
  "ities",
  "ic",
  "ical",
  "ically",
  "able",
  "ably",
  "ous",
  "ery",
  "eries",
  "ette",
  "ettes",
  "ite",
  "ites",
];

/** A base shorter than this is no evidence ("ass|ist" is no word made from "ass"). */
const MIN_BASE = 4;
/** Longer "words" are glued text, not derivations: reading them would cost work per character. */
const MAX_WORD = 40;

const VOWELS = /^[aeiouy]/;

/**
 * The words `plain` (lower case, no accents) may be made from by one prefix, one suffix or both,
 * in the spellings English gives a base before a suffix, and the word it is a casual spelling of
 * ("crappin" is "crapping"). Empty when none fits.
 */
export function derivationBases(plain: string): string[] {
  const bases: string[] = [];
  // The shortest derivation is a base and two letters ("cushite" + "ic" drops an "e").
  if (plain.length <= MIN_BASE || plain.length > MAX_WORD) return bases;
  // "-in" for "-ing": the same word, as chat writes it.
  if (plain.length > MIN_BASE + 1 && plain.endsWith("in")) bases.push(`${plain}g`);
  const stems = [plain];
  for (const prefix of PREFIXES) {
    if (plain.length - prefix.length >= MIN_BASE && plain.startsWith(prefix)) {
      const stem = plain.slice(prefix.length);
      bases.push(stem);
      stems.push(stem);
    }
  }
  for (const stem of stems) {
    for (const suffix of SUFFIXES) {
      if (stem.length - suffix.length < MIN_BASE - 1 || !stem.endsWith(suffix)) continue;
      const base = stem.slice(0, -suffix.length);
      if (base.length >= MIN_BASE) bases.push(base);
      if (!VOWELS.test(suffix)) continue;
      if (base.length + 1 >= MIN_BASE) bases.push(`${base}e`);
      if (base.endsWith("i") && base.length >= MIN_BASE) bases.push(`${base.slice(0, -1)}y`);
      // "whig" + "ery" is written "whiggery".
      const last = base.length - 1;
      if (last >= MIN_BASE && base[last] === base[last - 1]) bases.push(base.slice(0, -1));
    }
  }
  // Each affix is compared once per stem: a few steps each, on a word of bounded length.
  countWork(PREFIXES.length + stems.length * SUFFIXES.length);
  return bases;
}
