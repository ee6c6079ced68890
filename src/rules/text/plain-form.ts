import { codeUnitsOf } from "./code-units.ts";

// The plain form of a word: lower case without decoration, what makes two spellings "the same
// word" for the dictionary ("Élan" and "elan"). Worked out per character from a table where the
// characters allow it: Unicode normalization of a whole long word (NFD, then NFC) costs about 30
// ns a character, and the deciding step asks it of every word it judges.

/** Lower case without decoration, by normalizing the whole text: the definition. */
export function plainFormOfWhole(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .normalize("NFC");
}

// What a character's plain form depends on. Most characters' plain form is a function of the
// character alone, and then the plain form of a text is the plain forms of its characters, one
// after another. Not so for a mark (normalization reorders marks and composes them with the
// letter before), a conjoining Hangul jamo (composed with its neighbours into a syllable), the
// capital sigma (lower case "σ" or, at a word's end, "ς") or a surrogate: a text with one of
// those is normalized whole.
const UNKNOWN = 0;
const ITSELF = 1;
const CHANGED = 2;
const IN_CONTEXT = 3;

const NEEDS_CONTEXT = /^[\p{M}\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff\u03a3\ud800-\udfff]$/u;
const kinds = new Uint8Array(0x10000);
const changedTo = new Map<number, string>();

function kindOf(code: number): number {
  let kind = kinds[code] as number;
  if (kind !== UNKNOWN) return kind;
  const char = String.fromCharCode(code);
  if (NEEDS_CONTEXT.test(char)) kind = IN_CONTEXT;
  else {
    const plain = plainFormOfWhole(char);
    kind = plain === char ? ITSELF : CHANGED;
    if (kind === CHANGED) changedTo.set(code, plain);
  }
  kinds[code] = kind;
  return kind;
}

/** Works out every BMP character's kind now, so that no message pays for their first sight. */
export function fillPlainForms(): void {
  for (let code = 0; code < 0x10000; code++) kindOf(code);
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Lower case without decoration: what makes two spellings "the same word" for the dictionary. */
export function plainForm(text: string): string {
  // Most words are plain ASCII: lower case is all there is to do.
  if (isAscii(text)) return text.toLowerCase();
  const codes = codeUnitsOf(text);
  let out = "";
  let copiedTo = 0;
  for (let i = 0; i < text.length; i++) {
    const code = codes === null ? text.charCodeAt(i) : (codes[i] as number);
    if (code < 0x80) {
      if (code >= 0x41 && code <= 0x5a) {
        out += text.slice(copiedTo, i) + String.fromCharCode(code + 0x20);
        copiedTo = i + 1;
      }
      continue;
    }
    const kind = kindOf(code);
    if (kind === ITSELF) continue;
    if (kind === IN_CONTEXT) return plainFormOfWhole(text);
    out += text.slice(copiedTo, i) + (changedTo.get(code) as string);
    copiedTo = i + 1;
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}
