import { map } from 'rxjs';
import { boundedIntake } from '../../../src/pipeline/operators/boundedIntake';
import type { AnyFrame } from '../../../src/pipeline/sourceState';
import { frameAt } from '../fakes';
import { testScheduler } from './marbles';
import { contextWithLane } from './support';

describe('boundedIntake', () => {
  it.each([
    ['latest', 1, 'e', { queue_full: 4 }],
    ['drop_oldest', 2, 'de', { queue_full: 3 }],
    ['drop_newest', 2, 'ab', { queue_full: 3 }],
  ] as const)('%s (depth %i) keeps %s of a-b-c-d-e and counts the rest', (queuePolicy, queueDepth, kept, dropped) => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { ctx, lane } = contextWithLane(ts, { queuePolicy, queueDepth });
      const frames = cold('a-b-c-d-e').pipe(map((id) => frameAt(id, ts.now())));
      // Every accepted frame signals its lane (a refused drop_newest frame signals too: the lane still has work).
      expectObservable(
        frames.pipe(
          boundedIntake(lane, ctx),
          map((l) => l.name),
        ),
      ).toBe('a-b-c-d-e', {
        a: 'cam',
        b: 'cam',
        c: 'cam',
        d: 'cam',
        e: 'cam',
      });
      ts.flush();
      expect(
        lane.queue
          .clear()
          .map((q) => q.frame.header.frameId)
          .join(''),
      ).toBe(kept);
      expect(lane).toMatchObject({ received: 5, dropped });
      expect(ctx.maxBufferedFrames).toBe(kept.length);
    });
  });

  it('drops a frame without a valid header as malformed, and a stale one as stale, logs both, without signalling', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { ctx, lane, warnings } = contextWithLane(ts, { maxAgeMs: 50 });
      const frames = cold('-m 99ms s-f', {
        m: { ...frameAt('m', 0), header: undefined } as unknown as AnyFrame,
        s: frameAt('s', 0), // 101 ms old when it arrives
        f: frameAt('f', 100),
      });
      expectObservable(
        frames.pipe(
          boundedIntake(lane, ctx),
          map((l) => l.name),
        ),
      ).toBe('103ms c', { c: 'cam' });
      ts.flush();
      expect(lane).toMatchObject({ received: 3, dropped: { malformed: 1, stale: 1 } });
      expect(warnings).toEqual([
        "pipeline: source 'cam' sent a frame without a valid header or receive time",
        "pipeline: source 'cam' dropped a frame as stale: 101 ms old (header stamp) > max_age_ms 50",
      ]);
    });
  });

  it('lets a fresh frame into a full drop_newest buffer by dropping the stale ones first', () => {
    const ts = testScheduler();
    ts.run(({ cold }) => {
      const { ctx, lane } = contextWithLane(ts, { queuePolicy: 'drop_newest', queueDepth: 1, maxAgeMs: 10 });
      cold('a 19ms b')
        .pipe(
          map((id) => frameAt(id, ts.now())),
          boundedIntake(lane, ctx),
        )
        .subscribe();
      ts.flush();
      expect(lane.queue.clear().map((q) => q.frame.header.frameId)).toEqual(['b']);
      expect(lane.dropped).toMatchObject({ stale: 1, queue_full: 0 });
    });
  });

  it('passes completion and errors on, and ignores frames once its lane is inactive', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { ctx, lane } = contextWithLane(ts, {});
      expectObservable(cold<AnyFrame>('|').pipe(boundedIntake(lane, ctx))).toBe('|');
      expectObservable(cold<AnyFrame>('#').pipe(boundedIntake(lane, ctx))).toBe('#');
      lane.active = false;
      expectObservable(
        cold('a').pipe(
          map((id) => frameAt(id, 0)),
          boundedIntake(lane, ctx),
        ),
      ).toBe('-');
      ts.flush();
      expect(lane.received).toBe(0);
    });
  });
});
