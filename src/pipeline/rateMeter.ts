/** Events per second over a trailing window, from a fixed ring of event times (bounded memory). */
export class RateMeter {
  readonly #times: Float64Array;
  readonly #windowMs: number;
  #next = 0;
  #count = 0;

  constructor(windowMs = 1000, capacity = 1024) {
    this.#windowMs = windowMs;
    this.#times = new Float64Array(capacity);
  }

  mark(nowMs: number): void {
    this.#times[this.#next] = nowMs;
    this.#next = (this.#next + 1) % this.#times.length;
    if (this.#count < this.#times.length) this.#count += 1;
  }

  /** Events per second in the window ending at `nowMs`; if the ring filled up inside the window, over the ring's span. */
  perSecond(nowMs: number): number {
    const size = this.#times.length;
    let inWindow = 0;
    let oldest = nowMs;
    for (let i = 1; i <= this.#count; i += 1) {
      const t = this.#times[(this.#next - i + size) % size] ?? 0;
      if (t < nowMs - this.#windowMs) break;
      inWindow += 1;
      oldest = t;
    }
    if (inWindow === 0) return 0;
    const spanMs = inWindow === size ? Math.max(nowMs - oldest, 1) : this.#windowMs;
    return (inWindow * 1000) / spanMs;
  }
}
