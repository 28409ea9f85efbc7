import type { ClassScore } from './classification';

/** Numerically stable softmax (subtracts the max so large logits do not overflow). */
export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const value of logits) if (value > max) max = value;
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/**
 * The k best classes, best first; ties keep the lower class index first (a stable, reproducible order).
 * A partial selection keeps this O(n·k) with no sort of all 1000 scores.
 */
export function topK(scores: Float32Array, k: number, labels: readonly string[]): ClassScore[] {
  const count = Math.min(Math.max(0, Math.floor(k)), scores.length);
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (best.length === count && score <= (scores[best[count - 1] as number] as number)) continue;
    let pos = best.length < count ? best.length : count - 1;
    while (pos > 0 && score > (scores[best[pos - 1] as number] as number)) pos--;
    best.splice(pos, 0, i);
    if (best.length > count) best.pop();
  }
  return best.map((classId) => ({
    classId,
    label: labels[classId] ?? `class_${classId}`,
    score: scores[classId] as number,
  }));
}
