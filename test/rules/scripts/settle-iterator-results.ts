// Run with --allow-natives-syntax, `settled` or not as its argument: prints whether a function
// that loops with for-of, compiled by the optimizing compiler, keeps its compiled code once a
// `{ value, ... }` literal's value is assigned, with or without settleIteratorResultFields first.
import { settleIteratorResultFields } from "../../../src/rules/warm-up.ts";

type Probe = (f: unknown) => number;
const optimizationStatus = new Function("f", "return %GetOptimizationStatus(f)") as Probe;
const prepareForOptimization = new Function("f", "%PrepareFunctionForOptimization(f)") as Probe;
const optimizeOnNextCall = new Function("f", "%OptimizeFunctionOnNextCall(f)") as Probe;
/** V8's "optimized" bit of %GetOptimizationStatus. */
const OPTIMIZED = 16;

if (process.argv[2] === "settled") settleIteratorResultFields();

function total(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

prepareForOptimization(total);
total([1, 2, 3]);
total([4, 5]);
optimizeOnNextCall(total);
total([6]);
const optimizedBefore = (optimizationStatus(total) & OPTIMIZED) !== 0;

// What zod does for each schema it builds: a property descriptor literal whose value changes.
const descriptor: { value: unknown; enumerable: boolean } = { value: undefined, enumerable: false };
descriptor.value = { internals: true };
descriptor.value = undefined;

const optimizedAfter = (optimizationStatus(total) & OPTIMIZED) !== 0;
console.log(JSON.stringify({ optimizedBefore, optimizedAfter }));
