import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/** Runs in progress and how many more may start now, readable by whoever decides how much work to pull. */
export class InflightGauge {
  running = 0;
  /** Runs that may start now (set by limitInflight while subscribed). */
  startable: () => number = () => Number.POSITIVE_INFINITY;
}

/** Recent run durations kept to estimate the next one. */
const DURATION_WINDOW = 8;

export interface LimitInflightConfig<T, R> {
  /** Most runs at once (read at every arrival and completion, so it can change at run time). */
  readonly limit: () => number;
  /** The work for one input; every value it emits is passed on. Unsubscribed when the output is. */
  readonly run: (input: T) => Observable<R>;
  /** Called after a run ends and its slot is free: the place to pull more work. */
  readonly onSlotFree?: () => void;
  /** Updated as runs start and end. */
  readonly gauge?: InflightGauge;
  /**
   * Runs the device executes at the same time (default: limit(), no waiting). A run beyond them would only wait
   * on the device (which takes waiting runs in order), so it becomes startable `leadMs` before the run the device
   * is executing is expected to end (its start on the device plus the shortest recent execution), and
   * `onSlotFree` is called at that moment: its input is then as fresh as it can be and still keeps the device busy.
   */
  readonly parallel?: () => number;
  /** How long before the expected end of a run the next may start, ms. Default 1. */
  readonly leadMs?: number;
  /** Default asyncScheduler (its clock and timers). */
  readonly scheduler?: SchedulerLike;
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
      const scheduler = config.scheduler ?? asyncScheduler;
      const leadMs = config.leadMs ?? 1;
      const parallel = (): number => config.parallel?.() ?? Number.POSITIVE_INFINITY;
      // Runs in start order, with the moment the device began each one (undefined while it waits on the device:
      // the device takes waiting runs in order as running ones end).
      const onDevice = new Map<object, number | undefined>();
      const durations: number[] = [];
      let timer: Subscription | undefined;
      const admit = (): void => {
        let busy = [...onDevice.values()].filter((t) => t !== undefined).length;
        for (const [entry, began] of onDevice) {
          if (busy >= parallel()) return;
          if (began !== undefined) continue;
          onDevice.set(entry, scheduler.now());
          busy += 1;
        }
      };
      gauge.startable = () => {
        const free = config.limit() - gauge.running;
        if (free <= 0) return 0;
        if (gauge.running < parallel()) return free;
        // The device is busy: one more may start when the run it is executing is about to end.
        const expectedMs = durations.length > 0 ? Math.min(...durations) : 0;
        const began = [...onDevice.values()].filter((t): t is number => t !== undefined);
        if (began.length === 0) return 0;
        const waitMs = Math.min(...began) + expectedMs - leadMs - scheduler.now();
        if (waitMs <= 0) return 1;
        timer ??= scheduler.schedule(() => {
          timer = undefined;
          config.onSlotFree?.();
        }, waitMs);
        return 0;
      };
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
        onDevice.set(entry, undefined);
        admit();
        gauge.running += 1;
        runs.add(entry);
        const end = (): void => {
          if (ended) return;
          ended = true;
          const began = onDevice.get(entry);
          onDevice.delete(entry);
          if (began !== undefined) durations.push(scheduler.now() - began);
          if (durations.length > DURATION_WINDOW) durations.shift();
          admit();
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
        timer?.unsubscribe();
        gauge.startable = () => Number.POSITIVE_INFINITY;
        inputSub.unsubscribe();
        waiting.length = 0;
        gauge.running -= runs.size;
        const running = [...runs];
        runs.clear();
        for (const entry of running) entry.sub?.unsubscribe();
      };
    });
}
