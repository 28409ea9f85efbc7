import { performance } from 'node:perf_hooks';
import { nearestRankPercentile } from '../core/percentile';

/** When a measurement stops: after a fixed number of inferences, or after a fixed time. */
export type BenchStop = { readonly count: number } | { readonly durationMs: number };

export interface LoadOptions {
  /** Inferences in flight at once (the zoo's "threads"): each stream starts its next inference when one ends. */
  readonly streams: number;
  /** Inferences run (and discarded) before measuring, spread over the streams. */
  readonly warmup: number;
  readonly stop: BenchStop;
  /** After each measured inference: how far along (0..1). */
  readonly onProgress?: (fraction: number) => void;
}

export interface LoadResult {
  readonly streams: number;
  readonly frames: number;
  readonly elapsedMs: number;
  /** Frames per second over the whole measurement. */
  readonly fps: number;
  /** Per-inference latency (start to end of one call), nearest-rank. */
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/**
 * Runs `infer` with `streams` calls in flight until the stop condition, after a warm-up, and reports the latency of
 * each call and the throughput. `infer` rejecting stops the measurement with that error.
 */
export async function measureLoad(infer: () => Promise<unknown>, options: LoadOptions): Promise<LoadResult> {
  const { streams, stop } = options;
  if (!Number.isInteger(streams) || streams < 1)
    throw new RangeError(`streams must be a positive integer, got ${streams}`);
  let warm = 0;
  await Promise.all(
    Array.from({ length: streams }, async () => {
      while (warm < options.warmup) {
        warm++;
        await infer();
      }
    }),
  );

  const latencies: number[] = [];
  let started = 0;
  const startedAt = performance.now();
  const more = (): boolean =>
    'count' in stop ? started < stop.count : performance.now() - startedAt < stop.durationMs;
  const progress = (): number =>
    'count' in stop ? latencies.length / stop.count : Math.min(1, (performance.now() - startedAt) / stop.durationMs);
  await Promise.all(
    Array.from({ length: streams }, async () => {
      while (more()) {
        started++;
        const t0 = performance.now();
        await infer();
        latencies.push(performance.now() - t0);
        options.onProgress?.(progress());
      }
    }),
  );
  const elapsedMs = performance.now() - startedAt;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    streams,
    frames: latencies.length,
    elapsedMs,
    fps: elapsedMs > 0 ? (latencies.length * 1000) / elapsedMs : 0,
    medianMs: nearestRankPercentile(sorted, 50),
    p99Ms: nearestRankPercentile(sorted, 99),
    meanMs: latencies.length > 0 ? latencies.reduce((sum, v) => sum + v, 0) / latencies.length : 0,
  };
}
