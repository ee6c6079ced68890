import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HAS_NON_LETTER, hasUnspacedScript, isSpace, wordKinds } from "../../src/rules/text/char-kinds.ts";
import { LONG_TEXT } from "../../src/rules/text/code-units.ts";

const hasNonLetter = (text: string) => (wordKinds(text) & HAS_NON_LETTER) !== 0;

// The table answers what the regexes of Unicode properties answer, for any text: BMP and astral
// characters, lone surrogates, and characters seen for the first time or again.
const NOT_A_LETTER = /[^\p{L}\p{M}]/u;
const UNSPACED_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

describe("character kinds", () => {
  it("answers as the Unicode property regexes do (property)", () => {
    const char = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
      fc.constantFrom("a", "ё", "中", "ก", "ุ", "ा", "한", "ع", "ـ", "\u0301", "𠀀", "😂", "𝐟", "1", "$", " "),
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 12 }), (chars) => {
        const text = chars.join("");
        expect(hasNonLetter(text)).toBe(NOT_A_LETTER.test(text));
        expect(hasUnspacedScript(text)).toBe(UNSPACED_SCRIPT.test(text));
        // A long word is read from a copy of its code units (see code-units.ts): the same answers.
        const long = `${"a".repeat(LONG_TEXT)}${text}`;
        expect(hasNonLetter(long)).toBe(NOT_A_LETTER.test(long));
        expect(hasUnspacedScript(long)).toBe(UNSPACED_SCRIPT.test(long));
      }),
      { numRuns: 5000 },
    );
  });

  it("answers for every code point outside the BMP as the regexes do, though it holds them all", () => {
    for (let codePoint = 0x10000; codePoint <= 0x10ffff; codePoint++) {
      const char = String.fromCodePoint(codePoint);
      const answered = { codePoint, nonLetter: hasNonLetter(char), unspaced: hasUnspacedScript(char) };
      const expected = {
        codePoint,
        nonLetter: NOT_A_LETTER.test(char),
        unspaced: UNSPACED_SCRIPT.test(char),
      };
      if (answered.nonLetter !== expected.nonLetter || answered.unspaced !== expected.unspaced)
        expect(answered).toEqual(expected);
    }
  });

  it("knows every code unit's space as \\s does", () => {
    for (let code = 0; code < 0x10000; code++)
      expect(isSpace(code), code.toString(16)).toBe(/^\s$/u.test(String.fromCharCode(code)));
  });

  it.each([
    ["fuck", false, false],
    ["sh1t", true, false],
    ["f*ck", true, false],
    ["你是傻逼", false, true],
    ["ちんこ", false, true],
    ["หูตา", false, true],
    ["عاهرة", false, false],
    ["𠀀", false, true],
    ["😂", true, false],
    ["\ud800a", true, false],
  ])("%j: not a letter %s, unspaced script %s", (text, nonLetter, unspaced) => {
    expect(hasNonLetter(text)).toBe(nonLetter);
    expect(hasUnspacedScript(text)).toBe(unspaced);
  });
});
