import { batchFrames, type BatchFramesConfig } from '../../../src/pipeline/operators/batchFrames';
import { testScheduler } from './marbles';

const arrays = { a: ['a'], b: ['b'], c: ['c'], d: ['d'], p: ['a', 'b', 'c', 'd', 'e'] };

describe('batchFrames', () => {
  it('sends a batch as soon as it is full, and the rest when the input completes', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const config: BatchFramesConfig<string> = { size: () => 3, maxWaitMs: () => 50, scheduler: ts };
      expectObservable(cold('a-b-c-d|', arrays).pipe(batchFrames(config))).toBe('----x--(y|)', {
        x: ['a', 'b', 'c'],
        y: ['d'],
      });
    });
  });

  it('splits a large arrival into full batches and keeps the remainder waiting', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const config: BatchFramesConfig<string> = { size: () => 2, maxWaitMs: () => 5, scheduler: ts };
      expectObservable(cold('p', arrays).pipe(batchFrames(config))).toBe('(xy) 1ms z', {
        x: ['a', 'b'],
        y: ['c', 'd'],
        z: ['e'],
      });
    });
  });

  it('sends a partial batch when maxWaitMs has passed since its first item', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const config: BatchFramesConfig<string> = { size: () => 4, maxWaitMs: () => 5, scheduler: ts };
      expectObservable(cold('a-b 9ms c', arrays).pipe(batchFrames(config))).toBe('5ms x 6ms 5ms y', {
        x: ['a', 'b'],
        y: ['c'],
      });
    });
  });

  it('counts the wait from when the first item arrived upstream', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      // Items report that they arrived 3 ms before they got here: a partial batch waits only 2 ms more.
      const config: BatchFramesConfig<string> = {
        size: () => 4,
        maxWaitMs: () => 5,
        scheduler: ts,
        arrivedMs: () => ts.now() - 3,
      };
      expectObservable(cold('--a', arrays).pipe(batchFrames(config))).toBe('----x', { x: ['a'] });
    });
  });

  it('never waits when waiting is off or no more input can come, and sends on flush', () => {
    const ts = testScheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      const noWait: BatchFramesConfig<string> = { size: () => 4, maxWaitMs: () => 0, scheduler: ts };
      expectObservable(cold('a-b', arrays).pipe(batchFrames(noWait))).toBe('a-b', arrays);
      const ended: BatchFramesConfig<string> = { size: () => 4, maxWaitMs: () => 50, moreInput: () => false };
      expectObservable(cold('a-b', arrays).pipe(batchFrames(ended))).toBe('a-b', arrays);
      const flushed: BatchFramesConfig<string> = {
        size: () => 4,
        maxWaitMs: () => 50,
        scheduler: ts,
        flush: hot('----f'),
      };
      expectObservable(cold('a-b', arrays).pipe(batchFrames(flushed))).toBe('----x', { x: ['a', 'b'] });
    });
  });

  it('passes never, empty and errors on', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const config: BatchFramesConfig<string> = { size: () => 2, maxWaitMs: () => 5, scheduler: ts };
      expectObservable(cold<readonly string[]>('-').pipe(batchFrames(config))).toBe('-');
      expectObservable(cold<readonly string[]>('|').pipe(batchFrames(config))).toBe('|');
      expectObservable(cold('a-#', arrays).pipe(batchFrames(config))).toBe('--#');
    });
  });

  it('releases the held items and the timer when unsubscribed', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const input = cold('a', arrays);
      const config: BatchFramesConfig<string> = { size: () => 2, maxWaitMs: () => 5, scheduler: ts };
      expectObservable(input.pipe(batchFrames(config)), '^-!').toBe('---');
      expectSubscriptions(input.subscriptions).toBe('^-!');
    });
  });
});
