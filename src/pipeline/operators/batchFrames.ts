import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

export interface BatchFramesConfig<T> {
  /** Items per batch (read at every arrival, so it can change at run time). Integer >= 1. */
  readonly size: () => number;
  /** How long a partial batch may wait for more items after its first one, ms; 0 = never wait. */
  readonly maxWaitMs: () => number;
  /** False once no more items can come: a partial batch then goes at once. Default: always true. */
  readonly moreInput?: () => boolean;
  /** Each emission sends a waiting partial batch now (e.g. when the last source ends). */
  readonly flush?: Observable<unknown>;
  /** Scheduler of the wait timer. Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
  /** When an item arrived upstream, ms on `clock`: the wait counts from the first item's arrival. Default: when it got here. */
  readonly arrivedMs?: (item: T) => number;
  /** Default `scheduler.now()`. */
  readonly clock?: () => number;
}

/**
 * Micro-batching: gathers the arriving item arrays into batches of `size()`. A batch goes as soon as it is full;
 * a partial one goes when `maxWaitMs()` has passed since its first item arrived (`arrivedMs`), at once when waiting is off or no more
 * input can come, on `flush`, and when the input completes. Unsubscribing releases the held items and the timer.
 */
export function batchFrames<T>(config: BatchFramesConfig<T>): OperatorFunction<readonly T[], T[]> {
  const scheduler = config.scheduler ?? asyncScheduler;
  const clock = config.clock ?? (() => scheduler.now());
  return (input) =>
    new Observable<T[]>((subscriber) => {
      let held: T[] = [];
      let firstArrivedMs = 0;
      let timer: Subscription | undefined;
      const clearTimer = (): void => {
        timer?.unsubscribe();
        timer = undefined;
      };
      const emitPartial = (): void => {
        clearTimer();
        if (held.length === 0) return;
        const batch = held;
        held = [];
        subscriber.next(batch);
      };
      const onItems = (items: readonly T[]): void => {
        const now = clock();
        for (const item of items) {
          if (held.length === 0) firstArrivedMs = config.arrivedMs?.(item) ?? now;
          held.push(item);
        }
        const size = Math.max(1, config.size());
        while (held.length >= size) {
          clearTimer();
          subscriber.next(held.splice(0, size));
          const next = held[0];
          if (next !== undefined) firstArrivedMs = config.arrivedMs?.(next) ?? now;
        }
        if (held.length === 0) return;
        const waitMs = firstArrivedMs + config.maxWaitMs() - now;
        if (waitMs <= 0 || config.moreInput?.() === false) emitPartial();
        else timer ??= scheduler.schedule(emitPartial, waitMs);
      };
      const flushSub = config.flush?.subscribe(emitPartial);
      const inputSub = input.subscribe({
        next: onItems,
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          emitPartial();
          subscriber.complete();
        },
      });
      return () => {
        flushSub?.unsubscribe();
        inputSub.unsubscribe();
        clearTimer();
        held = [];
      };
    });
}
