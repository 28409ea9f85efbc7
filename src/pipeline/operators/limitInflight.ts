import { Observable, type OperatorFunction, type Subscription } from 'rxjs';

/** The number of runs in progress, readable by whoever decides how much work to pull. */
export class InflightGauge {
  running = 0;
}

export interface LimitInflightConfig<T, R> {
  /** Most runs at once (read at every arrival and completion, so it can change at run time). */
  readonly limit: () => number;
  /** The work for one input; every value it emits is passed on. Unsubscribed when the output is. */
  readonly run: (input: T) => Observable<R>;
  /** Called after a run ends and its slot is free: the place to pull more work. */
  readonly onSlotFree?: () => void;
  /** Updated as runs start and end. */
  readonly gauge?: InflightGauge;
}

/**
 * At most `limit()` runs at once, like mergeMap's concurrency, but meant to be fed by demand (`onSlotFree`) so that
 * nothing waits here: an input that does arrive with every slot busy waits for the next free slot. The output
 * completes when the input has completed and every run has ended; an error of a run is passed on.
 */
export function limitInflight<T, R>(config: LimitInflightConfig<T, R>): OperatorFunction<T, R> {
  return (input) =>
    new Observable<R>((subscriber) => {
      const gauge = config.gauge ?? new InflightGauge();
      // A run can end inside its own subscribe call, before its Subscription exists: keep it in a holder.
      const runs = new Set<{ sub?: Subscription }>();
      const waiting: T[] = [];
      let inputDone = false;
      const checkComplete = (): void => {
        if (inputDone && runs.size === 0 && waiting.length === 0) subscriber.complete();
      };
      const start = (value: T): void => {
        const entry: { sub?: Subscription } = {};
        let ended = false;
        gauge.running += 1;
        runs.add(entry);
        const end = (): void => {
          if (ended) return;
          ended = true;
          gauge.running -= 1;
          runs.delete(entry);
          const next = waiting.length > 0 && gauge.running < config.limit() ? waiting.shift() : undefined;
          if (next !== undefined) start(next);
          config.onSlotFree?.();
          checkComplete();
        };
        entry.sub = config.run(value).subscribe({
          next: (result) => subscriber.next(result),
          error: (error: unknown) => {
            end();
            subscriber.error(error);
          },
          complete: end,
        });
      };
      const inputSub = input.subscribe({
        next: (value) => {
          if (gauge.running < config.limit()) start(value);
          else waiting.push(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          inputDone = true;
          checkComplete();
        },
      });
      return () => {
        inputSub.unsubscribe();
        waiting.length = 0;
        gauge.running -= runs.size;
        const running = [...runs];
        runs.clear();
        for (const entry of running) entry.sub?.unsubscribe();
      };
    });
}
