import { tap } from 'rxjs';
import { fairMerge } from '../../../src/pipeline/operators/fairMerge';
import { testScheduler } from './marbles';

/** Lanes as arrays; `credit` is the demand, spent by what is emitted. */
function rig(lanes: string[][], credit: number) {
  const state = { credit };
  const operator = fairMerge<string[], string>({
    lanes: () => lanes,
    take: (lane) => lane.shift(),
    wanted: () => state.credit,
  });
  const spend = tap((taken: string[]) => (state.credit -= taken.length));
  return { state, operator, spend };
}

describe('fairMerge', () => {
  it('takes one item per lane in turn, up to the demand, as one array', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { operator, spend } = rig([['a', 'b', 'c'], ['A'], [], ['x']], 4);
      expectObservable(cold('n').pipe(operator, spend)).toBe('n', { n: ['a', 'A', 'x', 'b'] });
    });
  });

  it('takes nothing without demand and resumes after the lane served last', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const lanes = [
        ['a', 'b'],
        ['A', 'B'],
      ];
      const { state, operator, spend } = rig(lanes, 0);
      // The first notification finds no demand; each later one grants one item.
      expectObservable(
        cold('x-n-n-n-n-n').pipe(
          tap((v) => {
            if (v === 'n') state.credit = 1;
          }),
          operator,
          spend,
        ),
      ).toBe('--a-b-c-d--', { a: ['a'], b: ['A'], c: ['b'], d: ['B'] });
    });
  });

  it('never emits an empty array, and passes completion and errors on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-n-|').pipe(rig([[]], 5).operator)).toBe('---|');
      expectObservable(cold('-n-#').pipe(rig([[]], 5).operator)).toBe('---#');
      expectObservable(cold('').pipe(rig([['a']], 5).operator)).toBe('');
    });
  });

  it('loops instead of recursing when an emission adds demand synchronously', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const lanes = [['a', 'b', 'c']];
      const state = { credit: 1 };
      const operator = fairMerge<string[], string>({
        lanes: () => lanes,
        take: (lane) => lane.shift(),
        wanted: () => state.credit,
      });
      // Each emitted item is "finished" at once: demand stays at 1 and the lane drains in one notification.
      expectObservable(cold('n').pipe(operator)).toBe('(abc)', { a: ['a'], b: ['b'], c: ['c'] });
    });
  });

  it('stops listening when unsubscribed', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const notes = cold('n-n-n-n');
      expectObservable(notes.pipe(rig([['a', 'b', 'c', 'd']], 9).operator), '^--!').toBe('a', {
        a: ['a', 'b', 'c', 'd'],
      });
      expectSubscriptions(notes.subscriptions).toBe('^--!');
    });
  });
});
