import { map, type OperatorFunction } from 'rxjs';
import type { StageTimings } from '../../core/classification';
import type { PipelineContext } from '../context';
import type { Outcome } from '../sourceState';
import type { Classified } from '../types';

/**
 * Publication: turns each outcome that has scores into the caller's result (its payload restored) and records it
 * in its source's statistics: the published count, the output rate and the per-stage latency windows. Durations
 * come from the monotonic clock; the total age from the frame's own clock domain (see PipelineContext.ageMs).
 */
export function recordStats<P>(ctx: PipelineContext): OperatorFunction<Outcome, Classified<P>> {
  return map((outcome) => {
    const { item } = outcome;
    const scores = outcome.scores ?? [];
    const src = item.src;
    const timings: StageTimings = {
      queueMs: item.queueMs,
      preprocessMs: item.preprocessMs,
      inferenceMs: item.inferenceMs,
      postprocessMs: outcome.postprocessMs,
      totalAgeMs: ctx.ageMs(item.refMs),
    };
    src.inflight -= 1;
    src.published += 1;
    src.outRate.mark(ctx.clock());
    src.latency.queue.add(timings.queueMs);
    src.latency.preprocess.add(timings.preprocessMs);
    src.latency.inference.add(timings.inferenceMs);
    src.latency.postprocess.add(timings.postprocessMs);
    src.latency.total.add(timings.totalAgeMs);
    const best = scores[0]?.score ?? Number.NEGATIVE_INFINITY;
    return {
      source: src.name,
      header: item.header,
      topK: scores,
      unknown: best < ctx.options.scoreThreshold,
      timings,
      // The payload went in as a P with this frame; the lanes only erased its type.
      payload: item.payload as P,
    };
  });
}
