/** Turns raw measurements into the report's chart data. */

/**
 * Equal-width bins from the smallest to the largest value (`count` bins, default 20). Empty input: no bins.
 */
export function histogramBins(values: readonly number[], count = 20): { from: number; to: number; count: number }[] {
  if (values.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const width = max > min ? (max - min) / count : 1;
  const bins = Array.from({ length: max > min ? count : 1 }, (_, i) => ({
    from: min + i * width,
    to: min + (i + 1) * width,
    count: 0,
  }));
  for (const v of values) {
    const index = Math.min(bins.length - 1, Math.floor((v - min) / width));
    (bins[index] as { count: number }).count += 1;
  }
  return bins;
}

/**
 * Results per second over time: `timesMs` (arrival times, any origin) grouped into buckets of `bucketMs`
 * (default: a thirtieth of the span, at least 100 ms); x is the bucket's start in seconds from the first result,
 * y the rate in that bucket.
 */
export function throughputSeries(timesMs: readonly number[], bucketMs?: number): { x: number; y: number }[] {
  if (timesMs.length === 0) return [];
  let start = Infinity;
  let end = -Infinity;
  for (const t of timesMs) {
    if (t < start) start = t;
    if (t > end) end = t;
  }
  const bucket = bucketMs ?? Math.max(100, (end - start) / 30);
  const counts: number[] = [];
  for (const t of timesMs) {
    const i = Math.floor((t - start) / bucket);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return Array.from(counts, (n, i) => ({ x: (i * bucket) / 1000, y: ((n ?? 0) * 1000) / bucket }));
}
