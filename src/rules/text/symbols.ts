// Symbols the scanner produces and the automaton consumes: a folded UTF-16 code unit
// (0..0xFFFF), or one of the two leetspeak placeholders below.

/** '1' or '|' inside a word, or an "l" or "I" in a message: read as either "i" or "l". */
export const SYMBOL_I_OR_L = 0x10000;
/** '*' inside a word: any one letter ("f**k"), or a separator between letters ("f*u*c*k"). */
export const SYMBOL_WILDCARD = 0x10001;
/** A "v" in a message: read as "v" or as "u" ("fvck"). */
export const SYMBOL_U_OR_V = 0x10002;

const AMBIGUOUS: ReadonlyArray<readonly number[] | undefined> = [
  [0x69, 0x6c], // i, l
  undefined, // the wildcard reads any letter: see Automaton.wildcard
  [0x75, 0x76], // u, v
];

/** The letters an ambiguous symbol reads as; undefined for a plain symbol or the wildcard. */
export function readingsOf(symbol: number): readonly number[] | undefined {
  return symbol > 0xffff ? AMBIGUOUS[symbol - 0x10000] : undefined;
}

/** The ambiguous symbol reading exactly these letters (in any order), if there is one. */
export function symbolReading(letters: readonly string[]): number | undefined {
  const codes = letters.map((letter) => letter.charCodeAt(0)).sort((a, b) => a - b);
  const index = AMBIGUOUS.findIndex((readings) => readings?.join() === codes.join());
  return index < 0 ? undefined : 0x10000 + index;
}

export const I_OR_L_READINGS: readonly number[] = AMBIGUOUS[0] as readonly number[];

/**
 * Automaton edge label: the symbol, and whether it stands for a doubled letter ("ss" in "ass").
 * With repeated-letter folding on, a run of two or more letters is one symbol with the doubled
 * bit, so "asss" still reads "ass" but "as" does not.
 */
export function edgeKey(symbol: number, doubled: boolean): number {
  return (symbol << 1) | (doubled ? 1 : 0);
}

/** Between two words of a phrase ("2 girls 1 cup"). A space never survives as a symbol. */
export const BOUNDARY_KEY = edgeKey(0x20, false);
