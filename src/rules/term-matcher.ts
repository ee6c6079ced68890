import type { NormalizationOptions } from "./normalize.ts";
import type { TermHit } from "./term-index.ts";
import type { Path } from "./validate.ts";

/** Whole-word matcher for the terms of one normalization profile. */
export class TermMatcher {
  private readonly phrases = new Map<string, Array<{ slot: number; term: number }>>();
  private longest = 1;

  constructor(readonly options: NormalizationOptions) {}

  addTerms(slot: number, terms: string[], _path: Path): void {
    terms.forEach((term, index) => {
      const words = tokenize(term).map((t) => t.word);
      if (words.length === 0) return;
      this.longest = Math.max(this.longest, words.length);
      const key = words.join(" ");
      const list = this.phrases.get(key) ?? [];
      list.push({ slot, term: index });
      this.phrases.set(key, list);
    });
  }

  compile(): void {}

  /** Appends hits to `out[slot]`. */
  scan(text: string, field: string, out: TermHit[][]): void {
    const tokens = tokenize(text);
    for (let i = 0; i < tokens.length; i++) {
      let key = "";
      for (let n = 0; n < this.longest && i + n < tokens.length; n++) {
        const token = tokens[i + n]!;
        key = n === 0 ? token.word : `${key} ${token.word}`;
        const found = this.phrases.get(key);
        if (!found) continue;
        const start = tokens[i]!.start;
        for (const { slot, term } of found) {
          const list = out[slot] ?? [];
          out[slot] = list;
          list.push({
            term,
            field,
            start,
            end: token.end,
            original: text.slice(start, token.end),
            normalized: key,
          });
        }
      }
    }
  }
}

function tokenize(text: string): Array<{ word: string; start: number; end: number }> {
  const out: Array<{ word: string; start: number; end: number }> = [];
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    out.push({
      word: match[0].normalize("NFKC").toLowerCase(),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return out;
}
