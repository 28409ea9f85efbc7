import { softmax, topK } from '../../src/core/postprocess';

/** Softmax in float64, the straightforward way, for comparison. */
function reference(logits: number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

describe('softmax', () => {
  it('matches the textbook formula and sums to 1', () => {
    const logits = [1, 2, 3, -1, 0.5];
    const out = softmax(Float32Array.from(logits));
    const want = reference(logits);
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(out[2]).toBeCloseTo(
      Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(-1) + Math.exp(0.5)),
      6,
    );
  });

  it('stays finite for large logits (no overflow) and keeps their differences', () => {
    const out = softmax(Float32Array.from([1000, 999, 998]));
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
    const want = reference([2, 1, 0]);
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
    const negative = softmax(Float32Array.from([-1000, -1001]));
    expect(negative[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
  });

  it('gives a uniform distribution for equal logits and does not modify its input', () => {
    const logits = new Float32Array(1000).fill(7.5);
    const out = softmax(logits);
    expect(out).not.toBe(logits);
    expect(logits[0]).toBe(7.5);
    expect(out[0]).toBeCloseTo(0.001, 9);
    expect(out[999]).toBeCloseTo(0.001, 9);
  });

  it('puts all the mass on one class when the gap exceeds float range', () => {
    expect(Array.from(softmax(Float32Array.from([0, 200, -50])))).toEqual([0, 1, 0]);
  });
});

describe('topK', () => {
  const labels = ['a', 'b', 'c', 'd', 'e'];
  const scores = Float32Array.from([0.1, 0.4, 0.05, 0.3, 0.15]);

  it('returns the k best, best first, with labels and scores', () => {
    expect(topK(scores, 3, labels)).toEqual([
      { classId: 1, label: 'b', score: scores[1] },
      { classId: 3, label: 'd', score: scores[3] },
      { classId: 4, label: 'e', score: scores[4] },
    ]);
  });

  it('keeps the lower class index first among ties', () => {
    const tied = Float32Array.from([0.2, 0.5, 0.2, 0.5, 0.2]);
    expect(topK(tied, 5, labels).map((s) => s.classId)).toEqual([1, 3, 0, 2, 4]);
    expect(topK(tied, 3, labels).map((s) => s.classId)).toEqual([1, 3, 0]);
    expect(topK(new Float32Array(6), 2, labels).map((s) => s.classId)).toEqual([0, 1]);
  });

  it('caps k at the number of classes and returns nothing for k <= 0', () => {
    expect(topK(scores, 10, labels).map((s) => s.classId)).toEqual([1, 3, 4, 0, 2]);
    expect(topK(scores, 0, labels)).toEqual([]);
    expect(topK(scores, -2, labels)).toEqual([]);
    expect(topK(new Float32Array(0), 5, labels)).toEqual([]);
  });

  it('names a class without a label class_<id>', () => {
    expect(topK(Float32Array.from([0, 0, 0, 0, 0, 0, 1]), 1, labels)).toEqual([
      { classId: 6, label: 'class_6', score: 1 },
    ]);
  });

  it('agrees with a full sort on 1000 random scores', () => {
    let seed = 42;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const many = Float32Array.from({ length: 1000 }, () => Math.round(random() * 200) / 200);
    const sorted = Array.from(many.keys()).sort((a, b) => (many[b] as number) - (many[a] as number) || a - b);
    expect(topK(many, 10, []).map((s) => s.classId)).toEqual(sorted.slice(0, 10));
  });
});
