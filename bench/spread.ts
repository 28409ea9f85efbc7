/** The median of repeated measurements (the lower middle for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** "median (min .. max)" of repeated measurements, for a table cell. */
export function spread(values: readonly number[], digits: number, suffix = ''): string {
  const f = (v: number): string => `${v.toFixed(digits)}${suffix}`;
  return `${f(median(values))} (${f(Math.min(...values))} .. ${f(Math.max(...values))})`;
}
