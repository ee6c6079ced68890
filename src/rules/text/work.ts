// A count of the work text matching does, in steps: characters scanned, automaton transitions,
// dictionary steps while reading compounds, candidates decided and characters segmented by ICU.
// Tests and benchmarks read it to show the work is linear in the text without timing anything;
// it is one integer add per scan or walk, nothing per character.

let steps = 0;

/** Adds `count` steps of text matching work. */
export function countWork(count: number): void {
  steps += count;
}

/** Steps of text matching work done in this process so far. */
export function textMatchingWork(): number {
  return steps;
}
