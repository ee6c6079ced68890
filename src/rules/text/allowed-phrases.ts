import { plainForm } from "./plain-form.ts";
import { ScannedText, type Scanner } from "./scanner.ts";
import { countWork } from "./work.ts";

/** One allow-listed phrase, as the plain forms of its words, and the place of one word in it. */
interface PhrasePlace {
  words: readonly string[];
  at: number;
}

/** Characters between two words of a phrase at most ("honky - tonk"): more is no phrase. */
const MAX_GAP = 8;
/** What may stand between two words of a phrase: spaces and dashes, so "honky-tonk" is "honky tonk". */
const PHRASE_GAP = /^[\s\p{Pd}]+$/u;

/**
 * The phrases of an allow-list: innocent idioms that hold a term ("spick and span", "Maine
 * Coon", "honky-tonk"). An entry is a phrase when the scanner reads it as two words or more; its
 * words are compared with the text's words as the scanner reads them, so an entry written with
 * a hyphen matches the phrase written with spaces and the other way round.
 *
 * Only a candidate looks its phrases up, by the plain form of its first word: a text with no
 * candidate pays nothing, and one with a candidate pays a map lookup, plus a comparison of the
 * neighbouring words for each phrase that holds its word (bounded by the list, not the text).
 */
export class AllowedPhrases {
  private constructor(private readonly byWord: ReadonlyMap<string, readonly PhrasePlace[]>) {}

  /** The phrases of `allow`, read by `scanner`; undefined when it has none. */
  static of(allow: ReadonlySet<string>, scanner: Scanner): AllowedPhrases | undefined {
    const byWord = new Map<string, PhrasePlace[]>();
    const scanned = new ScannedText();
    // "honky tonk" and "honky-tonk" read alike: each phrase is placed once.
    const seen = new Set<string>();
    for (const entry of allow) {
      // A single word needs no scan: the whole-word allow-list already has it.
      if (!/[^\p{L}\p{M}\p{N}]/u.test(entry)) continue;
      scanner.scan(entry, scanned);
      if (scanned.tokenCount < 2) continue;
      const words: string[] = [];
      for (let t = 0; t < scanned.tokenCount; t++) words.push(tokenPlain(scanned, entry, t));
      const key = words.join(" ");
      if (seen.has(key)) continue;
      seen.add(key);
      words.forEach((word, at) => {
        const places = byWord.get(word) ?? [];
        places.push({ words, at });
        byWord.set(word, places);
      });
    }
    return byWord.size === 0 ? undefined : new AllowedPhrases(byWord);
  }

  /** The words of these phrases, in plain form. */
  words(): Iterable<string> {
    return this.byWord.keys();
  }

  /**
   * True when the tokens `first`..`last` of `scanned` (read from `text`) lie inside one
   * occurrence of a phrase: its words one after the other, apart by spaces or dashes only.
   * `plainOf` gives a token's plain form: the caller keeps it per token, as a text's hits ask
   * of the same words again and again (a 20,000-character word of an unspaced script holds
   * many).
   */
  covers(
    first: number,
    last: number,
    scanned: ScannedText,
    text: string,
    plainOf: (token: number) => string,
  ): boolean {
    const places = this.byWord.get(plainOf(first));
    if (places === undefined) return false;
    for (const { words, at } of places) {
      const start = first - at;
      const end = start + words.length;
      if (start < 0 || end > scanned.tokenCount || last >= end) continue;
      countWork(words.length);
      let matched = true;
      for (let i = 0; i < words.length && matched; i++) {
        const token = start + i;
        matched =
          (i === 0 || joined(scanned, text, token - 1)) && (token === first || plainOf(token) === words[i]);
      }
      if (matched) return true;
    }
    return false;
  }
}

/** The plain form of token `t` as written in `text`. */
function tokenPlain(scanned: ScannedText, text: string, t: number): string {
  const start = scanned.starts[scanned.tokenStarts[t] as number] as number;
  const end = scanned.ends[(scanned.tokenEnds[t] as number) - 1] as number;
  return plainForm(text.slice(start, end));
}

/** True when token `t` and the next are apart by a few spaces or dashes, nothing else. */
function joined(scanned: ScannedText, text: string, t: number): boolean {
  const end = scanned.ends[(scanned.tokenEnds[t] as number) - 1] as number;
  const next = scanned.starts[scanned.tokenStarts[t + 1] as number] as number;
  return next - end <= MAX_GAP && PHRASE_GAP.test(text.slice(end, next));
}
