/**
 * Nearest-rank percentile of samples sorted ascending (`p` in 0..100): with few samples it reports a real
 * measurement, never an interpolation. `empty` is returned when there are no samples (default 0).
 */
export function nearestRankPercentile(sorted: ArrayLike<number>, p: number, empty = 0): number {
  if (sorted.length === 0) return empty;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Nearest-rank median of unsorted samples (sorts a copy). */
export function median(values: readonly number[], empty = 0): number {
  return nearestRankPercentile(
    [...values].sort((a, b) => a - b),
    50,
    empty,
  );
}
