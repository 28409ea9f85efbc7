import { nearestRankPercentile } from '../core/percentile';
import type { LatencyPercentiles } from './types';

/** Percentiles over the most recent `size` samples; memory is fixed at construction. */
export class LatencyWindow {
  readonly #samples: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size = 1024) {
    this.#samples = new Float64Array(size);
  }

  add(valueMs: number): void {
    this.#samples[this.#next] = valueMs;
    this.#next = (this.#next + 1) % this.#samples.length;
    if (this.#count < this.#samples.length) this.#count += 1;
  }

  /** Nearest-rank percentiles; all zero when empty. */
  percentiles(): LatencyPercentiles {
    if (this.#count === 0) return { p50: 0, p95: 0, p99: 0, count: 0 };
    const sorted = this.#samples.slice(0, this.#count).sort();
    const rank = (p: number): number => nearestRankPercentile(sorted, p);
    return { p50: rank(50), p95: rank(95), p99: rank(99), count: this.#count };
  }
}
