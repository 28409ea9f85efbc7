import { map, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { InflightGauge, limitInflight } from '../../../src/pipeline/operators/limitInflight';
import { testScheduler } from './marbles';

type ColdRun = ReturnType<TestScheduler['createColdObservable']>;

describe('limitInflight', () => {
  it('runs at most limit() at once and starts a waiting input when a slot frees', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const run = (x: string): Observable<string> => cold('---(r|)').pipe(map(() => x.toUpperCase()));
      const out = cold('abc|').pipe(limitInflight({ limit: () => 2, run }));
      // a and b run at once; c waits for a's slot (free at 3), then runs 3 frames.
      expectObservable(out).toBe('---AB-(C|)');
    });
  });

  it('tells each freed slot after the run ended, with the gauge already down', () => {
    const ts = testScheduler();
    const gauge = new InflightGauge();
    const seen: number[] = [];
    ts.run(({ cold, flush }) => {
      const run = (): Observable<string> => cold('--(r|)');
      cold('ab')
        .pipe(limitInflight({ limit: () => 2, run, gauge, onSlotFree: () => seen.push(gauge.running) }))
        .subscribe();
      flush();
    });
    // b started at 1 and is still running when a's slot frees at 2; then none.
    expect(seen).toEqual([1, 0]);
  });

  it('completes when the input has and every run ended; passes a run error on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a|').pipe(limitInflight({ limit: () => 1, run: () => cold('---r|') }))).toBe('---r|');
      expectObservable(cold('|').pipe(limitInflight({ limit: () => 1, run: () => cold('r|') }))).toBe('|');
      expectObservable(cold('-').pipe(limitInflight({ limit: () => 1, run: () => cold('r|') }))).toBe('-');
      expectObservable(cold('a').pipe(limitInflight({ limit: () => 1, run: () => cold('--#') }))).toBe('--#');
    });
  });

  it('cancels running work when unsubscribed', () => {
    const ts = testScheduler();
    const runs: ColdRun[] = [];
    const gauge = new InflightGauge();
    ts.run(({ cold, expectObservable }) => {
      const run = (): Observable<string> => {
        const inner = cold('-----r|');
        runs.push(inner);
        return inner;
      };
      expectObservable(cold('ab').pipe(limitInflight({ limit: () => 2, run, gauge })), '^--!').toBe('---');
    });
    expect(runs.map((r) => r.subscriptions)).toEqual([
      [{ subscribedFrame: 0, unsubscribedFrame: 3 }],
      [{ subscribedFrame: 1, unsubscribedFrame: 3 }],
    ]);
    expect(gauge.running).toBe(0);
  });
});

describe('limitInflight on a device that runs fewer than limit() at once', () => {
  it('makes one more run startable lead ms before the running one is expected to end, and says when', () => {
    const ts = testScheduler();
    const gauge = new InflightGauge();
    const freedAt: number[] = [];
    const startable: number[] = [];
    ts.run(({ cold, flush }) => {
      const run = (): Observable<string> => cold('----(r|)');
      cold('a----b')
        .pipe(
          limitInflight({
            limit: () => 2,
            parallel: () => 1,
            leadMs: 1,
            run,
            gauge,
            scheduler: ts,
            onSlotFree: () => {
              freedAt.push(ts.now());
              startable.push(gauge.startable());
            },
          }),
        )
        .subscribe();
      // a runs 0..4 (4 ms on the device); b starts at 5 and is expected to end at 9: one more may start at 8.
      ts.schedule(() => startable.push(gauge.startable()), 6);
      flush();
    });
    expect(freedAt).toEqual([4, 8, 9]);
    expect(startable).toEqual([2, 0, 1, 2]);
  });
});
