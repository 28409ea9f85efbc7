/**
 * Logs the first occurrence of each key at once, then at most one summary line per window with the number of
 * further occurrences. Driven by the caller's clock, not by timers, so it never keeps the process alive;
 * `flush` writes the pending summaries (at shutdown).
 */
export class RateLimitedLog {
  readonly #warn: (message: string) => void;
  readonly #windowMs: number;
  readonly #keys = new Map<string, { windowStartMs: number; suppressed: number; lastMessage: string }>();

  constructor(warn: (message: string) => void, windowMs: number) {
    this.#warn = warn;
    this.#windowMs = windowMs;
  }

  report(key: string, message: string, nowMs: number): void {
    const entry = this.#keys.get(key);
    if (!entry) {
      this.#keys.set(key, { windowStartMs: nowMs, suppressed: 0, lastMessage: message });
      this.#warn(message);
      return;
    }
    entry.lastMessage = message;
    if (nowMs - entry.windowStartMs < this.#windowMs) {
      entry.suppressed += 1;
      return;
    }
    const count = entry.suppressed + 1;
    this.#warn(`${message} (${count} times in the last ${Math.round((nowMs - entry.windowStartMs) / 1000)} s)`);
    entry.windowStartMs = nowMs;
    entry.suppressed = 0;
  }

  flush(): void {
    for (const entry of this.#keys.values()) {
      if (entry.suppressed > 0) this.#warn(`${entry.lastMessage} (${entry.suppressed} more times)`);
      entry.suppressed = 0;
    }
  }
}
