/**
 * Exponential backoff with jitter (half fixed, half random), so replicas retrying after a shared
 * outage spread out instead of hammering Stream in lockstep.
 */
export function backoffMs(
  attempt: number,
  baseMs = 200,
  capMs = 30_000,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
