import { median, nearestRankPercentile } from '../../src/core/percentile';

describe('nearestRankPercentile', () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('returns a real sample: the ceil(p/100 * n)-th smallest', () => {
    expect(nearestRankPercentile(sorted, 50)).toBe(5);
    expect(nearestRankPercentile(sorted, 95)).toBe(10);
    expect(nearestRankPercentile(sorted, 91)).toBe(10);
    expect(nearestRankPercentile(sorted, 90)).toBe(9);
    expect(nearestRankPercentile(sorted, 0)).toBe(1);
    expect(nearestRankPercentile(sorted, 100)).toBe(10);
    expect(nearestRankPercentile(Float64Array.from([0.5, 2.5]), 99)).toBe(2.5);
  });

  it('returns the given empty value when there are no samples', () => {
    expect(nearestRankPercentile([], 50)).toBe(0);
    expect(nearestRankPercentile([], 50, Number.NaN)).toBeNaN();
  });

  it('median sorts a copy and leaves the input alone', () => {
    const values = [9, 1, 5];
    expect(median(values)).toBe(5);
    expect(values).toEqual([9, 1, 5]);
  });
});
