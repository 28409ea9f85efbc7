/**
 * Keeps an evenly spaced sample of at most `limit` items from a stream of unknown length: every item whose index
 * is a multiple of the stride, the stride doubling (and half the kept items going) whenever the sample is full.
 * Memory stays bounded by `limit`; the sample spans the whole stream.
 */
export class ItemSampler<T> {
  readonly #limit: number;
  #stride = 1;
  #seen = 0;
  #kept: { index: number; item: T }[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`sample limit must be an integer >= 1, got ${limit}`);
    this.#limit = limit;
  }

  /** Whether the next offered item would be kept (lets callers skip expensive work, like a thumbnail). */
  wantsNext(): boolean {
    return this.#seen % this.#stride === 0;
  }

  /** Offers the next item; `make` is called only when the item is kept. */
  async offer(make: () => T | Promise<T>): Promise<void> {
    const index = this.#seen++;
    if (index % this.#stride !== 0) return;
    const item = await make();
    this.#kept.push({ index, item });
    this.#kept.sort((a, b) => a.index - b.index);
    while (this.#kept.length > this.#limit) {
      this.#stride *= 2;
      this.#kept = this.#kept.filter((k) => k.index % this.#stride === 0);
    }
  }

  /** Items offered so far. */
  get seen(): number {
    return this.#seen;
  }

  get items(): T[] {
    return this.#kept.map((k) => k.item);
  }
}
