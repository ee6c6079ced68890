import type { TermOutput } from "./automaton.ts";
import { ALL_WORD_LISTS, ENGLISH_LIST, FUNCTION_WORD, type Lexicon } from "./lexicon.ts";
import { type ScannedText, SOFT_DIGIT } from "./scanner.ts";

/** A term's place inside a word, in symbol indexes of the scanned text (last inclusive). */
export interface TermPiece {
  output: TermOutput;
  first: number;
  last: number;
}

/**
 * Reads a word as a sequence of parts: terms, dictionary words, runs of digits, and the German
 * linking "s" between parts ("Drecksfotze"). `reachable[i]` is 1 when the word's first i symbols
 * read as parts, `completes[i]` when its symbols from i to the end do; a term piece [a, b) lies
 * on a full reading exactly when reachable[a] and completes[b]. The same two, with `Content`,
 * say the parts include content: a term, digits or a word that is no function word ("piece|of",
 * not "her" alone). Each position is read once, with dictionary walks bounded by the longest
 * word, so the work is linear in the word's length.
 *
 * For the terms of other languages than English (read with words of every list), the same two
 * with `Native` say, as a bit per word list, for which languages the parts include one native to
 * a compound of that language: a word of its list or one English lacks, digits, a linking "s" or
 * a term. An Italian or Portuguese term does not glue to English words alone ("bird|cazzo",
 * "cona|bird"), while German compounds keep theirs ("Voll|arschloch", "Drecks|fotze").
 */
export class CompoundReader {
  constructor(private readonly lexicon: Lexicon) {}

  /**
   * `terms` are the term hits that may be parts of a compound; `termSpans` every term hit in the
   * word, whatever its length: a dictionary word that is also a term ("ass" in "cockass") is no
   * innocent reading.
   */
  read(
    text: ScannedText,
    token: number,
    terms: readonly TermPiece[],
    termSpans: readonly TermPiece[],
    languages: number,
  ): CompoundReading {
    const start = text.tokenStarts[token] as number;
    const end = text.tokenEnds[token] as number;
    const size = end - start;
    // Ends of the parts starting at each position (relative to the word's start): words, digits
    // and linking letters in `wordParts`, terms in `termParts`.
    const wordParts: number[][] = Array.from({ length: size }, () => []);
    // The ends in `wordParts` that are content: words that are no function word, and digits.
    const contentParts: number[][] = Array.from({ length: size }, () => []);
    const termParts: number[][] = Array.from({ length: size }, () => []);
    // Dictionary words of any list starting at each position (`wordParts` keeps the term's own).
    const anyWordParts: number[][] = Array.from({ length: size }, () => []);
    // For the ends in `wordParts`, the languages whose compounds they are native to (see the
    // class comment): read for terms of other languages than English only.
    const native = languages !== ENGLISH_LIST;
    const nativeMasks: number[][] = native ? Array.from({ length: size }, () => []) : [];
    const reachableNative = new Uint8Array(native ? size + 1 : 0);
    for (const piece of terms) termParts[piece.first - start]?.push(piece.last + 1 - start);
    const termWords = new Set(
      termSpans.map((piece) => (piece.first - start) * (size + 1) + (piece.last + 1 - start)),
    );
    // Where a term beginning with "s" starts ("shit", "slut", "scum"). A reading by words alone
    // may not end a part with that "s", as the plural of the word before or a linking "s":
    // "dumbs|hit" and "dumb|s|hit" are no innocent readings of "dumb|shit". The first part of an
    // English compound is singular; where the letters before the "s" are no word, no term
    // reading needs them either ("glass|hit").
    const termWithS = new Uint8Array(size + 1);
    for (const piece of termSpans)
      if (text.symbols[piece.first] === LETTER_S) termWithS[piece.first - start] = 1;
    const reachable = new Uint8Array(size + 1);
    const reachableContent = new Uint8Array(size + 1);
    // Reachable by words alone: a word that reads entirely as words is innocent ("heart|water",
    // not "hear|twater"; "frigo|therapy").
    const clean = new Uint8Array(size + 1);
    // Where a dictionary word ends at a reachable position: a linking "s" may follow it.
    const wordEnds = new Uint8Array(size + 1);
    reachable[0] = 1;
    clean[0] = 1;
    const found: number[] = [];
    for (let i = 0; i < size; i++) {
      const ends = wordParts[i] as number[];
      const fromHere = reachable[i] === 1;
      const anyWord = anyWordParts[i] as number[];
      found.length = 0;
      this.lexicon.wordsFrom(text, start + i, end, found);
      for (let f = 0; f < found.length; f += 2) {
        const wordEnd = (found[f] as number) - start;
        anyWord.push(wordEnd);
        // Only words of the term's languages are parts of its compound.
        if (((found[f + 1] as number) & languages) === 0) continue;
        ends.push(wordEnd);
        if (((found[f + 1] as number) & FUNCTION_WORD) === 0) (contentParts[i] as number[]).push(wordEnd);
        if (native) (nativeMasks[i] as number[]).push(nativeTo(found[f + 1] as number));
        if (fromHere) wordEnds[wordEnd] = 1;
      }
      if (text.soft[start + i] === SOFT_DIGIT) {
        let j = i;
        while (j < size && text.soft[start + j] === SOFT_DIGIT) j++;
        ends.push(j);
        (contentParts[i] as number[]).push(j);
        if (native) (nativeMasks[i] as number[]).push(EVERY_LANGUAGE);
      }
      // The linking "s" of German compounds ("Drecks|fotze"): right after a word, never last.
      if (
        wordEnds[i] === 1 &&
        i + 1 < size &&
        text.symbols[start + i] === LETTER_S &&
        text.runs[start + i] === 1
      ) {
        ends.push(i + 1);
        if (native) (nativeMasks[i] as number[]).push(EVERY_LANGUAGE);
      }
      // Words of any language make a word innocent ("frigo|therapy").
      if (clean[i] === 1) {
        for (const next of anyWord)
          if (!termWords.has(i * (size + 1) + next) && termWithS[next - 1] !== 1) clean[next] = 1;
        for (const next of ends)
          if (!termWords.has(i * (size + 1) + next) && termWithS[next - 1] !== 1) clean[next] = 1;
      }
      if (fromHere) {
        const content = reachableContent[i] === 1;
        for (const next of ends) {
          reachable[next] = 1;
          if (content) reachableContent[next] = 1;
        }
        for (const next of contentParts[i] as number[]) reachableContent[next] = 1;
        for (const next of termParts[i] as number[]) {
          reachable[next] = 1;
          reachableContent[next] = 1;
        }
        if (native) {
          const here = reachableNative[i] as number;
          const masks = nativeMasks[i] as number[];
          for (let k = 0; k < ends.length; k++) {
            const next = ends[k] as number;
            reachableNative[next] = (reachableNative[next] as number) | here | (masks[k] as number);
          }
          for (const next of termParts[i] as number[]) reachableNative[next] = EVERY_LANGUAGE;
        }
      }
    }
    const completes = new Uint8Array(size + 1);
    const completesContent = new Uint8Array(size + 1);
    const completesNative = new Uint8Array(native ? size + 1 : 0);
    completes[size] = 1;
    for (let i = size - 1; i >= 0; i--) {
      const words = wordParts[i] as number[];
      const terms = termParts[i] as number[];
      if (anyIsSet(completes, words) || anyIsSet(completes, terms)) completes[i] = 1;
      if (
        anyIsSet(completesContent, words) ||
        anyIsSet(completes, contentParts[i] as number[]) ||
        anyIsSet(completes, terms)
      )
        completesContent[i] = 1;
      if (native && completes[i] === 1) {
        const masks = nativeMasks[i] as number[];
        let mask = anyIsSet(completes, terms) ? EVERY_LANGUAGE : 0;
        for (let k = 0; k < words.length; k++) {
          const next = words[k] as number;
          if (completes[next] === 1) mask |= (completesNative[next] as number) | (masks[k] as number);
        }
        completesNative[i] = mask;
      }
    }
    return {
      innocent: clean[size] === 1,
      reachable,
      completes,
      reachableContent,
      completesContent,
      reachableNative,
      completesNative,
    };
  }
}

/** How a word reads as parts: `innocent` when words alone cover it. */
export interface CompoundReading {
  innocent: boolean;
  reachable: Uint8Array;
  completes: Uint8Array;
  /** As `reachable` and `completes`, by readings whose parts include content (see CompoundReader). */
  reachableContent: Uint8Array;
  completesContent: Uint8Array;
  /**
   * Bits of the word lists whose languages have a native part in a reading of the first i
   * symbols, or of the symbols from i (see CompoundReader); empty when read for English terms.
   */
  reachableNative: Uint8Array;
  completesNative: Uint8Array;
}

const LETTER_S = 0x73;
/** Native to a compound of any language: digits, a linking "s", a term, a word English lacks. */
const EVERY_LANGUAGE = 0xff;

/** The languages a compound part held by the word lists `lists` is native to. */
function nativeTo(lists: number): number {
  return (lists & ENGLISH_LIST) === 0 ? EVERY_LANGUAGE : lists & ALL_WORD_LISTS & ~ENGLISH_LIST;
}

/** True when `flags` is 1 at any of `positions`. */
function anyIsSet(flags: Uint8Array, positions: readonly number[]): boolean {
  for (const position of positions) if (flags[position] === 1) return true;
  return false;
}
