// Look-alike characters mapped to the Latin letter they imitate. Unicode's confusables.txt is far
// larger; this is the subset seen in evasion of chat filters: Cyrillic, Greek and Armenian letters that
// render like Latin ones, Latin small capitals and IPA letters, and a few letters with strokes
// that NFKD does not decompose. Keys are lower case (case folding runs first); upper-case
// variants are derived for profiles that keep case.

// biome-ignore format: a compact table reads better than one entry per line
const CYRILLIC: Record<string, string> = {
  а: "a", б: "b", в: "b", г: "r", д: "d", е: "e", ё: "e", з: "3", и: "u", й: "u", к: "k", л: "n",
  м: "m", н: "h", о: "o", п: "n", р: "p", с: "c", т: "t", у: "y", ф: "f", х: "x", ц: "u", ч: "4",
  ш: "w", щ: "w", ъ: "b", ы: "bi", ь: "b", э: "e", ю: "io", я: "r", і: "i", ї: "i", ј: "j", ѕ: "s",
  ԁ: "d", ғ: "f", ԛ: "q", ԝ: "w", ү: "y", ұ: "y", һ: "h", ӏ: "l", ɡ: "g", ҡ: "k", ҝ: "k", ң: "h", ҫ: "c",
  ѵ: "v", ѡ: "w", є: "e", ґ: "r", ў: "y", ӓ: "a", ӧ: "o", ӱ: "y", ԍ: "g",
};

// biome-ignore format: a compact table reads better than one entry per line
const GREEK: Record<string, string> = {
  α: "a", ά: "a", β: "b", γ: "y", δ: "d", ε: "e", έ: "e", ζ: "z", η: "n", ή: "n", θ: "o", ι: "i",
  ί: "i", ϊ: "i", κ: "k", λ: "l", μ: "u", ν: "v", ξ: "e", ο: "o", ό: "o", π: "n", ρ: "p", σ: "o",
  ς: "c", τ: "t", υ: "u", ύ: "u", ϋ: "u", φ: "f", χ: "x", ψ: "w", ω: "w", ώ: "w", ϲ: "c", ϳ: "j",
};

// biome-ignore format: a compact table reads better than one entry per line
const ARMENIAN: Record<string, string> = {
  ս: "u", օ: "o", ո: "n", հ: "h", ց: "g", ք: "p", զ: "q", ա: "w", ւ: "l", լ: "l", ռ: "n", ճ: "6",
};

const LATIN_LOOKALIKES: Record<string, string> = {
  // Small capitals and IPA letters (no NFKC mapping).
  ᴀ: "a",
  ʙ: "b",
  ᴄ: "c",
  ᴅ: "d",
  ᴇ: "e",
  ꜰ: "f",
  ɢ: "g",
  ʜ: "h",
  ɪ: "i",
  ᴊ: "j",
  ᴋ: "k",
  ʟ: "l",
  ᴍ: "m",
  ɴ: "n",
  ᴏ: "o",
  ᴘ: "p",
  ʀ: "r",
  ꜱ: "s",
  ᴛ: "t",
  ᴜ: "u",
  ᴠ: "v",
  ᴡ: "w",
  ʏ: "y",
  ᴢ: "z",
  ɑ: "a",
  ɐ: "a",
  ɓ: "b",
  ƈ: "c",
  ɕ: "c",
  ɖ: "d",
  ɗ: "d",
  ɘ: "e",
  ə: "e",
  ɛ: "e",
  ɠ: "g",
  ɦ: "h",
  ɨ: "i",
  ɩ: "i",
  ʝ: "j",
  ɭ: "l",
  ɱ: "m",
  ɲ: "n",
  ɳ: "n",
  ɵ: "o",
  ɸ: "f",
  ɹ: "r",
  ɾ: "r",
  ʂ: "s",
  ʃ: "s",
  ʈ: "t",
  ʉ: "u",
  ʋ: "v",
  ʌ: "v",
  ʍ: "w",
  ʐ: "z",
  ʑ: "z",
  ȷ: "j",
  ı: "i",
  ƒ: "f",
  ɟ: "f",
};

/** Letters with strokes or ligatures: not decomposed by NFKD, so the diacritics step maps them. */
// biome-ignore format: a compact table reads better than one entry per line
export const STROKED_LETTERS: Record<string, string> = {
  ø: "o", đ: "d", ð: "d", ł: "l", ħ: "h", ŧ: "t", ƀ: "b", ɍ: "r", ȼ: "c", ɇ: "e", ɏ: "y", ƶ: "z",
  æ: "ae", œ: "oe", þ: "th", ŀ: "l", ŉ: "n",
};

function withUpperCase(map: Record<string, string>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [from, to] of Object.entries(map)) {
    out.set(from.codePointAt(0) as number, to);
    const upper = from.toUpperCase();
    if (upper !== from && [...upper].length === 1) out.set(upper.codePointAt(0) as number, to.toUpperCase());
  }
  return out;
}

export const CONFUSABLES: ReadonlyMap<number, string> = withUpperCase({
  ...CYRILLIC,
  ...GREEK,
  ...ARMENIAN,
  ...LATIN_LOOKALIKES,
});
export const STROKES: ReadonlyMap<number, string> = withUpperCase(STROKED_LETTERS);

/**
 * Letter variants folded with the diacritics step: Arabic alef with hamza or madda, alef
 * maksura, ta marbuta and hamza seats are written interchangeably in chat.
 */
export const LETTER_VARIANTS: ReadonlyMap<number, string> = new Map(
  Object.entries({ أ: "ا", إ: "ا", آ: "ا", ٱ: "ا", ى: "ي", ة: "ه", ؤ: "و", ئ: "ي" }).map(([from, to]) => [
    from.codePointAt(0) as number,
    to,
  ]),
);
