import type { ClassScore } from '../core/classification';

/** Scores below this are forgotten, so a source's state stays small however many classes it has seen. */
const FORGET_BELOW = 1e-4;

/**
 * Exponential moving average of class scores per source: ema = (1 - alpha) * ema + alpha * score, where a class
 * missing from a frame's top-k counts as score 0. Only top-k scores are known per frame, so the average is over
 * those; with alpha = 1 it reproduces the frame's own top-k.
 */
export class ScoreSmoother {
  readonly #state = new Map<string, Map<number, { label: string; score: number }>>();
  #alpha: number;

  /** `alpha` in (0, 1]: the weight of the newest frame. */
  constructor(alpha: number) {
    this.#alpha = alpha;
  }

  get alpha(): number {
    return this.#alpha;
  }

  /** Changing alpha restarts every average (old state was weighted differently). */
  setAlpha(alpha: number): void {
    if (alpha !== this.#alpha) this.#state.clear();
    this.#alpha = alpha;
  }

  /** Adds one frame's top-k for `source` and returns the smoothed top `k`, best first (ties: lower class id). */
  update(source: string, topK: readonly ClassScore[], k: number): ClassScore[] {
    let scores = this.#state.get(source);
    if (scores === undefined) {
      scores = new Map();
      this.#state.set(source, scores);
    }
    const keep = 1 - this.#alpha;
    for (const [classId, entry] of scores) {
      entry.score *= keep;
      if (entry.score < FORGET_BELOW) scores.delete(classId);
    }
    for (const { classId, label, score } of topK) {
      const entry = scores.get(classId);
      if (entry === undefined) scores.set(classId, { label, score: this.#alpha * score });
      else entry.score += this.#alpha * score;
    }
    return [...scores.entries()]
      .map(([classId, entry]) => ({ classId, label: entry.label, score: entry.score }))
      .sort((a, b) => b.score - a.score || a.classId - b.classId)
      .slice(0, k);
  }

  /** Forgets a source (e.g. when it goes away). */
  reset(source?: string): void {
    if (source === undefined) this.#state.clear();
    else this.#state.delete(source);
  }
}
