import type { QueuePolicy } from './types';

/**
 * A per-source frame buffer that never holds more than its capacity. Overflow is resolved by the policy and the
 * evicted items are returned to the caller, who counts them; nothing is dropped silently.
 */
export class BoundedQueue<T> {
  #items: T[] = [];
  #policy: QueuePolicy;
  #depth: number;

  constructor(policy: QueuePolicy, depth: number) {
    this.#policy = policy;
    this.#depth = depth;
  }

  /** 1 under 'latest', else the configured depth. */
  get capacity(): number {
    return this.#policy === 'latest' ? 1 : this.#depth;
  }

  get length(): number {
    return this.#items.length;
  }

  /** Adds `item`; returns what had to go (the oldest for latest/drop_oldest, `item` itself for drop_newest). */
  push(item: T): T[] {
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return [];
    }
    if (this.#policy === 'drop_newest') return [item];
    this.#items.push(item);
    return this.#items.splice(0, this.#items.length - this.capacity);
  }

  shift(): T | undefined {
    return this.#items.shift();
  }

  /** Removes the items `predicate` selects, returning them in queue order. */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed: T[] = [];
    this.#items = this.#items.filter((item) => {
      if (!predicate(item)) return true;
      removed.push(item);
      return false;
    });
    return removed;
  }

  /** Changes the policy/depth; returns the items that no longer fit (oldest first unless drop_newest). */
  reconfigure(policy: QueuePolicy, depth: number): T[] {
    this.#policy = policy;
    this.#depth = depth;
    const excess = this.#items.length - this.capacity;
    if (excess <= 0) return [];
    return policy === 'drop_newest' ? this.#items.splice(this.capacity) : this.#items.splice(0, excess);
  }

  /** Empties the queue, returning everything it held so references are released. */
  clear(): T[] {
    const all = this.#items;
    this.#items = [];
    return all;
  }
}
