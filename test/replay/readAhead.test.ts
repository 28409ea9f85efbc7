import { readAhead } from '../../src/replay/readAhead';

async function* numbers(n: number, log: string[], failAt?: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    log.push(`read ${i}`);
    await new Promise((r) => setImmediate(r));
    if (i === failAt) throw new Error(`bad ${i}`);
    yield i;
  }
}

describe('readAhead', () => {
  it('yields every item in order while reading ahead of the consumer', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const x of readAhead(numbers(5, log), 2)) {
      log.push(`use ${x}`);
      seen.push(x);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // Item 1 is already being read before item 0 is used.
    expect(log.indexOf('read 1')).toBeLessThan(log.indexOf('use 0'));
  });

  it('re-raises a failure at its position, after the items before it', async () => {
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of readAhead(numbers(5, [], 3), 2)) seen.push(x);
      })(),
    ).rejects.toThrow('bad 3');
    expect(seen).toEqual([0, 1, 2]);
  });

  it('handles empty sources and early exit', async () => {
    const none: number[] = [];
    for await (const x of readAhead(numbers(0, []), 3)) none.push(x);
    expect(none).toEqual([]);
    const log: string[] = [];
    for await (const x of readAhead(numbers(100, log), 2)) if (x === 1) break;
    expect(log.filter((l) => l.startsWith('read')).length).toBeLessThanOrEqual(4);
  });
});
