// Unicode properties asked of every character of a text: by the deciding step of whole words
// ("is any character not a letter?", "is any in a script written without spaces?") and by the
// link scan ("is it a space?"), looked up per character in a table filled on first sight (the
// BMP's at the first compile of rules, see warm-up.ts). V8 runs a regex of property classes at
// about 40 ns a character on non-Latin text: a 20,000-letter word cost over a millisecond per
// question. The table answers in one read.

import { codeUnitsOf } from "./code-units.ts";

const KNOWN = 1;
const LETTER_OR_MARK = 2;
const UNSPACED = 4;
const SPACE = 8;

const LETTER_OR_MARK_CHAR = /^[\p{L}\p{M}]$/u;
/** Scripts that run words together: Chinese, Japanese, Thai, Lao, Khmer, Myanmar. */
const UNSPACED_CHAR =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]$/u;
const SPACE_CHAR = /^\s$/u;

const bmp = new Uint8Array(0x10000);
/**
 * Characters outside the BMP (Han extensions, emoji, mathematical letters), one byte each, 1 MiB
 * once a process when the first one comes: a text of random ones would keep a smaller cache
 * computing, three regexes a character.
 */
let astral: Uint8Array | undefined;

function compute(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  return (
    KNOWN |
    (LETTER_OR_MARK_CHAR.test(char) ? LETTER_OR_MARK : 0) |
    (UNSPACED_CHAR.test(char) ? UNSPACED : 0) |
    (SPACE_CHAR.test(char) ? SPACE : 0)
  );
}

function kindsOf(codePoint: number): number {
  if (codePoint < 0x10000) {
    let kinds = bmp[codePoint] as number;
    if (kinds === 0) bmp[codePoint] = kinds = compute(codePoint);
    return kinds;
  }
  astral ??= new Uint8Array(0x100000);
  let kinds = astral[codePoint - 0x10000] as number;
  if (kinds === 0) astral[codePoint - 0x10000] = kinds = compute(codePoint);
  return kinds;
}

/** Works out every BMP character's kinds now, so that no message pays for their first sight. */
export function fillCharKinds(): void {
  for (let codePoint = 0; codePoint < 0x10000; codePoint++) kindsOf(codePoint);
}

/** A word holds a character that is neither a letter nor a mark ("sh1t", "f*ck"). */
export const HAS_NON_LETTER = 1;
/** A word holds a letter of a script written without spaces between words. */
export const HAS_UNSPACED = 2;

/** HAS_NON_LETTER and HAS_UNSPACED, as they apply to `text`: one pass over it for both. */
export function wordKinds(text: string): number {
  const codes = codeUnitsOf(text);
  let found = 0;
  for (let i = 0; i < text.length; i++) {
    let codePoint = codes === null ? text.charCodeAt(i) : (codes[i] as number);
    if (codePoint >= 0xd800 && codePoint <= 0xdbff && i + 1 < text.length) {
      const low = codes === null ? text.charCodeAt(i + 1) : (codes[i + 1] as number);
      if (low >= 0xdc00 && low <= 0xdfff) {
        codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    const kinds = kindsOf(codePoint);
    if ((kinds & LETTER_OR_MARK) === 0) found |= HAS_NON_LETTER;
    if ((kinds & UNSPACED) !== 0) found |= HAS_UNSPACED;
    if (found === (HAS_NON_LETTER | HAS_UNSPACED)) break;
  }
  return found;
}

/** True when `text` holds a letter of a script written without spaces between words. */
export function hasUnspacedScript(text: string): boolean {
  return (wordKinds(text) & HAS_UNSPACED) !== 0;
}

/** True when the code unit is a space (JavaScript's \s: Unicode spaces and line ends). */
export function isSpace(codeUnit: number): boolean {
  return (kindsOf(codeUnit) & SPACE) !== 0;
}
