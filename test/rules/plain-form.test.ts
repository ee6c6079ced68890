import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LONG_TEXT } from "../../src/rules/text/code-units.ts";
import { plainForm, plainFormOfWhole } from "../../src/rules/text/plain-form.ts";

// The plain form is worked out per character where the characters allow it: it must equal the
// normalization of the whole text (the definition) on every text, the characters that need their
// neighbours included (marks, conjoining jamo, the capital sigma, surrogates, ß).
describe("plain form", () => {
  it("equals the normalization of the whole text (property)", () => {
    const char = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
      fc.constantFrom(
        ..."AaÉéeßẞΣσςİIıЁёЖжعاهرةآ\u0653\u0301\u0308\u0640กุาเ가각\u1100\u1161\u11a8ﬁǅÅΩ中ち".split(""),
      ),
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 10 }), (chars) => {
        const text = chars.join("");
        expect(plainForm(text)).toBe(plainFormOfWhole(text));
        // A long word is read from a copy of its code units (see code-units.ts): the same form.
        const long = `${"é".repeat(LONG_TEXT)}${text}`;
        expect(plainForm(long)).toBe(plainFormOfWhole(long));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ["Élan", "elan"],
    ["STRASSE", "strasse"],
    ["Straße", "strasse"],
    ["ΟΔΟΣ", "οδος"],
    ["ΣΟΦΟΣ", "σοφος"],
    ["ЁЖИК", "ежик"],
    ["عاهرة", "عاهرة"],
    ["가나다", "가나다"],
  ])("%j reads %j", (text, plain) => {
    expect(plainForm(text)).toBe(plainFormOfWhole(text));
    expect(plainForm(text)).toBe(plain);
  });
});
