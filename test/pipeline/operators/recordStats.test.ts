import { map } from 'rxjs';
import { recordStats } from '../../../src/pipeline/operators/recordStats';
import type { Outcome } from '../../../src/pipeline/sourceState';
import { frameAt } from '../fakes';
import { testScheduler } from './marbles';
import { contextWithLane } from './support';

describe('recordStats', () => {
  it('publishes the result with its payload and timings and records it in its source statistics', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { ctx, lane } = contextWithLane(ts, { scoreThreshold: 0.5 }, { ageClock: () => 1000 + ts.now() });
      const payload = { file: 'a.jpg' };
      const outcome = (): Outcome => {
        const item = ctx.take(lane);
        if (item === undefined) throw new Error('no frame');
        Object.assign(item, { queueMs: 1, preprocessMs: 2, inferenceMs: 3 });
        return { item, scores: [{ classId: 7, label: 'c7', score: 0.4 }], postprocessMs: 0.5 };
      };
      lane.queue.push({ frame: { ...frameAt('a', 995), payload }, enqueuedMs: 0 });
      const out = cold('---o').pipe(map(outcome), recordStats<{ file: string }>(ctx));
      expectObservable(out).toBe('---r', {
        r: {
          source: 'cam',
          header: frameAt('a', 995).header,
          topK: [{ classId: 7, label: 'c7', score: 0.4 }],
          unknown: true,
          // The age is on the age clock: 1003 - 995.
          timings: { queueMs: 1, preprocessMs: 2, inferenceMs: 3, postprocessMs: 0.5, totalAgeMs: 8 },
          payload,
        },
      });
      ts.flush();
      // take() counted the frame in flight; publication ends that.
      expect(lane).toMatchObject({ published: 1, inflight: 0 });
      expect(lane.snapshot(ts.now()).latencyMs).toMatchObject({
        queue: { p50: 1, count: 1 },
        preprocess: { p50: 2 },
        inference: { p50: 3 },
        postprocess: { p50: 0.5 },
        total: { p50: 8 },
      });
    });
  });
});
