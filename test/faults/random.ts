/**
 * A seeded generator (mulberry32), so a failing fault run can be replayed: every test prints its
 * seed, and GATEHOUSE_FAULTS_SEED reruns with that one.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function testSeed(): number {
  const fromEnv = Number(process.env.GATEHOUSE_FAULTS_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}

/** Longer runs when GATEHOUSE_SOAK=1 (not in CI's default run). */
export const SOAK = process.env.GATEHOUSE_SOAK === "1";
