/**
 * Percentiles read off the fixed log-scale buckets of stats_bucket() (migrations/
 * 0004_stats_aggregates.sql): four buckets per doubling of a duration in microseconds, signed.
 * Bucket 0 holds (-1 us, 1 us); k > 0 holds [2^((k-1)/4), 2^(k/4)) us; -k its mirror image.
 */

export interface Percentiles {
  p50: number | null;
  p99: number | null;
  count: number;
}

/** Bucket index to count. */
export type Histogram = ReadonlyMap<number, number>;

const BUCKETS_PER_DOUBLING = 4;

/** The largest value a bucket holds, in microseconds. */
export function bucketUpperUs(k: number): number {
  if (k === 0) return 1;
  return k > 0 ? 2 ** (k / BUCKETS_PER_DOUBLING) : -(2 ** ((-k - 1) / BUCKETS_PER_DOUBLING));
}

/** The smallest value a bucket holds, in microseconds. */
export function bucketLowerUs(k: number): number {
  return -bucketUpperUs(-k);
}

const toMs = (us: number) => Math.round(us) / 1000;

/**
 * The upper edge of the bucket holding the value of rank ceil(q * count): a duration the
 * exact percentile does not exceed, and at most one bucket (about 19 %) above it.
 */
export function percentileMs(histogram: Histogram, q: number): number | null {
  const total = countOf(histogram);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const k of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(k) ?? 0;
    if (seen >= rank) return toMs(bucketUpperUs(k));
  }
  return null;
}

export function countOf(histogram: Histogram): number {
  let total = 0;
  for (const n of histogram.values()) total += n;
  return total;
}

/** The lower edge of the lowest bucket in use: no value recorded is below it. */
export function minimumMs(histogram: Histogram): number | null {
  const used = [...histogram.entries()].filter(([, n]) => n > 0).map(([k]) => k);
  return used.length === 0 ? null : toMs(bucketLowerUs(Math.min(...used)));
}

export function percentilesOf(histogram: Histogram): Percentiles {
  return {
    p50: percentileMs(histogram, 0.5),
    p99: percentileMs(histogram, 0.99),
    count: countOf(histogram),
  };
}
