import { Observable, type OperatorFunction } from 'rxjs';

export interface FairMergeConfig<L, T> {
  /** The lanes, in a stable order (a lane keeps its place when others come and go). */
  readonly lanes: () => readonly L[];
  /** The next item of `lane` (undefined when it has none to give). */
  readonly take: (lane: L) => T | undefined;
  /** How many items downstream wants now; read again after every emission. */
  readonly wanted: () => number;
}

/**
 * Round-robin over lanes, pulled by demand. Every notification (a lane gained an item, downstream freed room)
 * takes up to `wanted()` items, one lane at a time starting after the lane served last, so a fast lane cannot
 * starve a slow one, and emits them as one array. Nothing is taken without demand: items wait in their lanes,
 * where their policy still applies.
 */
export function fairMerge<L, T>(config: FairMergeConfig<L, T>): OperatorFunction<unknown, T[]> {
  return (notifications) =>
    new Observable<T[]>((subscriber) => {
      let cursor = 0;
      let pulling = false;
      let again = false;
      const takeRound = (limit: number): T[] => {
        const taken: T[] = [];
        while (taken.length < limit) {
          const lanes = config.lanes();
          let found = false;
          for (let i = 0; i < lanes.length && taken.length < limit; i += 1) {
            const index = (cursor + i) % lanes.length;
            const lane = lanes[index];
            if (lane === undefined) continue;
            const item = config.take(lane);
            if (item === undefined) continue;
            taken.push(item);
            found = true;
            cursor = (index + 1) % lanes.length;
            break;
          }
          if (!found) break;
        }
        return taken;
      };
      const pull = (): void => {
        // Emissions can free room synchronously and notify again: loop here instead of recursing.
        if (pulling) {
          again = true;
          return;
        }
        pulling = true;
        try {
          do {
            again = false;
            const wanted = config.wanted();
            if (wanted <= 0) continue;
            const taken = takeRound(wanted);
            if (taken.length > 0) {
              subscriber.next(taken);
              again = true;
            }
          } while (again && !subscriber.closed);
        } finally {
          pulling = false;
        }
      };
      return notifications.subscribe({
        next: pull,
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
