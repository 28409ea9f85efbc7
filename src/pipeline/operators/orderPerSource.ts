import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

export interface OrderPerSourceConfig<T> {
  /** The source an item belongs to (compared by identity). */
  readonly source: (item: T) => unknown;
  /** The item's position in its source, 0, 1, 2, ... without gaps. */
  readonly seq: (item: T) => number;
  /** False for an item that ended without a result: it is not published, it only frees its turn. */
  readonly hasResult: (item: T) => boolean;
}

/**
 * Per-source ordering: an item is published only after every earlier item of its source has been published or
 * has ended without a result. Held items are bounded by the work in flight; unsubscribing releases them.
 */
export function orderPerSource<T>(config: OrderPerSourceConfig<T>): MonoTypeOperatorFunction<T> {
  return (input) =>
    new Observable<T>((subscriber) => {
      const bySource = new Map<unknown, { next: number; held: Map<number, T> }>();
      const sub = input.subscribe({
        next: (item) => {
          const key = config.source(item);
          let state = bySource.get(key);
          if (state === undefined) {
            state = { next: 0, held: new Map() };
            bySource.set(key, state);
          }
          state.held.set(config.seq(item), item);
          for (let ready = state.held.get(state.next); ready !== undefined; ready = state.held.get(state.next)) {
            state.held.delete(state.next);
            state.next += 1;
            if (config.hasResult(ready)) subscriber.next(ready);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        bySource.clear();
      };
    });
}
