import { BoundedQueue } from '../../src/pipeline/boundedQueue';
import { LatencyWindow } from '../../src/pipeline/latencyWindow';
import { RateLimitedLog } from '../../src/core/rateLimitedLog';
import { RateMeter } from '../../src/pipeline/rateMeter';

describe('BoundedQueue', () => {
  it('latest holds one item and returns the replaced one', () => {
    const q = new BoundedQueue<number>('latest', 5);
    expect(q.capacity).toBe(1);
    expect(q.push(1)).toEqual([]);
    expect(q.push(2)).toEqual([1]);
    expect(q.length).toBe(1);
    expect(q.shift()).toBe(2);
    expect(q.shift()).toBeUndefined();
  });

  it('drop_oldest evicts from the front, drop_newest refuses the newcomer', () => {
    const oldest = new BoundedQueue<number>('drop_oldest', 2);
    const newest = new BoundedQueue<number>('drop_newest', 2);
    for (const n of [1, 2]) {
      oldest.push(n);
      newest.push(n);
    }
    expect(oldest.push(3)).toEqual([1]);
    expect(newest.push(3)).toEqual([3]);
    expect(oldest.clear()).toEqual([2, 3]);
    expect(newest.clear()).toEqual([1, 2]);
    expect(oldest.length + newest.length).toBe(0);
  });

  it('reconfigure returns what no longer fits, by policy', () => {
    const q = new BoundedQueue<number>('drop_oldest', 5);
    [1, 2, 3, 4, 5].forEach((n) => q.push(n));
    expect(q.reconfigure('drop_oldest', 3)).toEqual([1, 2]);
    expect(q.reconfigure('drop_newest', 2)).toEqual([5]);
    expect(q.reconfigure('latest', 9)).toEqual([3]);
    expect(q.clear()).toEqual([4]);
  });

  it('removeWhere takes out matching items in order', () => {
    const q = new BoundedQueue<number>('drop_oldest', 5);
    [1, 2, 3, 4].forEach((n) => q.push(n));
    expect(q.removeWhere((n) => n % 2 === 0)).toEqual([2, 4]);
    expect(q.clear()).toEqual([1, 3]);
  });
});

describe('LatencyWindow', () => {
  it('gives nearest-rank percentiles of the last N samples only', () => {
    const w = new LatencyWindow(100);
    expect(w.percentiles()).toEqual({ p50: 0, p95: 0, p99: 0, count: 0 });
    for (let i = 1000; i >= 1; i -= 1) w.add(i); // the last 100 added are 100..1
    expect(w.percentiles()).toEqual({ p50: 50, p95: 95, p99: 99, count: 100 });
  });
});

describe('RateMeter', () => {
  it('counts events in the trailing second', () => {
    const m = new RateMeter(1000, 1024);
    for (let t = 0; t < 3000; t += 20) m.mark(t); // 50 per second
    expect(m.perSecond(2990)).toBe(50);
    expect(m.perSecond(10_000)).toBe(0);
  });

  it('uses the ring span when the ring fills up inside the window', () => {
    const m = new RateMeter(1000, 10);
    for (let t = 0; t < 100; t += 1) m.mark(t); // 1000 per second
    expect(m.perSecond(99)).toBeCloseTo(1000 * (10 / 9), 5);
  });
});

describe('RateLimitedLog', () => {
  it('logs first occurrences per key, then one summary per window, and flushes the rest', () => {
    const lines: string[] = [];
    const log = new RateLimitedLog((m) => lines.push(m), 10_000);
    log.report('a', 'A failed', 0);
    log.report('a', 'A failed', 100);
    log.report('b', 'B failed', 200);
    log.report('a', 'A failed', 5000);
    log.report('a', 'A failed', 12_000);
    log.report('b', 'B failed', 300);
    log.flush();
    log.flush();
    expect(lines).toEqual(['A failed', 'B failed', 'A failed (3 times in the last 12 s)', 'B failed (1 more times)']);
  });
});
