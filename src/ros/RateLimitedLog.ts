/**
 * Logs the first occurrence of each problem key at once, then at most one summary line per window with the number
 * of repeats. rclnodejs captures a stack trace per log call, so per-frame logging would cost more than the frame.
 */
export class RateLimitedLog {
  readonly #write: (line: string) => void;
  readonly #windowMs: number;
  readonly #clock: () => number;
  readonly #entries = new Map<string, { lastMs: number; suppressed: number }>();

  /** `windowMs` default 10000. */
  constructor(write: (line: string) => void, options: { windowMs?: number; clock?: () => number } = {}) {
    this.#write = write;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  log(key: string, line: string): void {
    const now = this.#clock();
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#entries.set(key, { lastMs: now, suppressed: 0 });
      this.#write(line);
      return;
    }
    if (now - entry.lastMs >= this.#windowMs) {
      const repeats = entry.suppressed > 0 ? ` (${entry.suppressed} more since the last report)` : '';
      entry.lastMs = now;
      entry.suppressed = 0;
      this.#write(`${line}${repeats}`);
      return;
    }
    entry.suppressed++;
  }
}
