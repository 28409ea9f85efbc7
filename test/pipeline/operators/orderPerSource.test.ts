import { map } from 'rxjs';
import { orderPerSource } from '../../../src/pipeline/operators/orderPerSource';
import { testScheduler } from './marbles';

/** Marble values: source letter + seq, e.g. 'x1'; a trailing '!' marks an item that ended without a result. */
interface Item {
  readonly source: string;
  readonly seq: number;
  readonly ok: boolean;
}
const item = (code: string): Item => ({ source: code[0] ?? '', seq: Number(code[1]), ok: !code.endsWith('!') });
const order = orderPerSource<Item>({ source: (i) => i.source, seq: (i) => i.seq, hasResult: (i) => i.ok });
const name = map((i: Item) => `${i.source}${i.seq}`);

describe('orderPerSource', () => {
  it('holds a later item until every earlier one of its source is out', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('a-b-c', { a: 'x2', b: 'x1', c: 'x0' }).pipe(map(item));
      expectObservable(input.pipe(order, name)).toBe('----(abc)', { a: 'x0', b: 'x1', c: 'x2' });
    });
  });

  it('does not hold results behind an item that ended without a result, nor publish it', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('a-b-c', { a: 'x1', b: 'x2', c: 'x0!' }).pipe(map(item));
      expectObservable(input.pipe(order, name)).toBe('----(ab)', { a: 'x1', b: 'x2' });
    });
  });

  it('keeps sources independent', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('a-b-c', { a: 'x1', b: 'y0', c: 'x0' }).pipe(map(item));
      expectObservable(input.pipe(order, name)).toBe('--b-(ca)', { a: 'x1', b: 'y0', c: 'x0' });
    });
  });

  it('passes never, empty and errors on, and unsubscribes its input', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold('-').pipe(map(item), order)).toBe('-');
      expectObservable(cold('|').pipe(map(item), order)).toBe('|');
      expectObservable(cold('a#', { a: 'x0' }).pipe(map(item), order, name)).toBe('a#', { a: 'x0' });
      const input = cold('--a', { a: 'x0' });
      expectObservable(input.pipe(map(item), order), '^!').toBe('-');
      expectSubscriptions(input.subscriptions).toBe('^!');
    });
  });
});
