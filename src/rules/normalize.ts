/** Steps of the text normalization pipeline; each may be turned off per rule. */
export interface NormalizationOptions {
  nfkc: boolean;
  case_folding: boolean;
  diacritics: boolean;
  confusables: boolean;
  zero_width: boolean;
  leetspeak: boolean;
  repeated_letters: boolean;
  separators: boolean;
}

export const NORMALIZATION_STEPS = [
  "nfkc",
  "case_folding",
  "diacritics",
  "confusables",
  "zero_width",
  "leetspeak",
  "repeated_letters",
  "separators",
] as const satisfies ReadonlyArray<keyof NormalizationOptions>;

export const FULL_NORMALIZATION: NormalizationOptions = {
  nfkc: true,
  case_folding: true,
  diacritics: true,
  confusables: true,
  zero_width: true,
  leetspeak: true,
  repeated_letters: true,
  separators: true,
};

/** A bit per enabled step: rules with the same profile share one index and one text pass. */
export function profileKey(options: NormalizationOptions): number {
  let key = 0;
  NORMALIZATION_STEPS.forEach((step, bit) => {
    if (options[step]) key |= 1 << bit;
  });
  return key;
}
