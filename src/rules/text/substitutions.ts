// The substitution table: characters people type in place of letters to get a word past a
// filter. It is data: each entry says what the character reads as, and where in a word it does.
//
// - "anywhere": inside any word that also has letters ("$hit", "a$$", "@ss").
// - "between": only between two word characters ("sh!t", "f+ck"); at either end of a word it is
//   punctuation ("shit!", "!shit", "c++").
// - reads "any": any one letter ("f*ck", "f#ck", "f^ck"), or a separator between letters spelled
//   out ("f*u*c*k").
//
// Digits are read the same way inside words that have letters ("sh1t", "b00bs"), never in
// numbers ("2024", "45s": a number with a unit stays a number, see NUMBER_UNITS).

export interface Substitution {
  char: string;
  reads: readonly string[] | "any";
  where: "anywhere" | "between";
}

export const SUBSTITUTIONS: readonly Substitution[] = [
  { char: "0", reads: ["o"], where: "anywhere" },
  { char: "1", reads: ["i", "l"], where: "anywhere" },
  { char: "3", reads: ["e"], where: "anywhere" },
  { char: "4", reads: ["a"], where: "anywhere" },
  { char: "5", reads: ["s"], where: "anywhere" },
  { char: "6", reads: ["g"], where: "anywhere" },
  { char: "7", reads: ["t"], where: "anywhere" },
  { char: "8", reads: ["b"], where: "anywhere" },
  { char: "9", reads: ["g"], where: "anywhere" },
  { char: "@", reads: ["a"], where: "anywhere" },
  { char: "$", reads: ["s"], where: "anywhere" },
  { char: "€", reads: ["e"], where: "anywhere" },
  { char: "!", reads: ["i"], where: "between" },
  { char: "¡", reads: ["i"], where: "between" },
  { char: "|", reads: ["i", "l"], where: "between" },
  { char: "∥", reads: ["i", "l"], where: "between" },
  { char: "+", reads: ["t"], where: "between" },
  { char: "¢", reads: ["c"], where: "between" },
  { char: "⊂", reads: ["c"], where: "between" },
  { char: "<", reads: ["c"], where: "anywhere" },
  { char: "*", reads: "any", where: "between" },
  { char: "#", reads: "any", where: "between" },
  { char: "^", reads: "any", where: "between" },
];

/**
 * Letters that also stand for another letter in messages: a capital I for an l ("heII"), an l
 * for an i ("shlt"), a v for a u ("fvck"). Read both ways; a dictionary word read as written
 * still wins ("love" is never "loue").
 */
export const AMBIGUOUS_LETTERS: ReadonlyArray<readonly [letter: string, reads: readonly string[]]> = [
  ["l", ["i", "l"]],
  ["I", ["i", "l"]],
  ["v", ["u", "v"]],
];

/** Units after a number: "45s", "10k", "3rd" are numbers, not leetspeak for "ass", "iok", "erd". */
export const NUMBER_UNITS: ReadonlySet<string> = new Set(
  "s st nd rd th k m h d x am pm ms kb mb gb tb hz kg km cm mm lb lbs ft min hr hrs yo p fps v".split(" "),
);
