// Every fault test prints its seed, and GATEHOUSE_FAULTS_SEED reruns with that one.
export { seededRandom } from "../support/seeded-random.ts";

export function testSeed(): number {
  const fromEnv = Number(process.env.GATEHOUSE_FAULTS_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}

/** Longer runs when GATEHOUSE_SOAK=1 (not in CI's default run). */
export const SOAK = process.env.GATEHOUSE_SOAK === "1";
