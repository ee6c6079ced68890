// Symbols the scanner produces and the automaton consumes: a folded UTF-16 code unit
// (0..0xFFFF), or one of the two leetspeak placeholders below.

/** '1' or '|' inside a word: read as either "i" or "l". */
export const SYMBOL_I_OR_L = 0x10000;
/** '*' inside a word: any one letter ("f**k"), or a separator between letters ("f*u*c*k"). */
export const SYMBOL_WILDCARD = 0x10001;

const I = 0x69;
const L = 0x6c;
export const I_OR_L_READINGS: readonly number[] = [I, L];

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
