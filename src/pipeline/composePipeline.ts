import { mergeMap, mergeWith, tap, type Observable } from 'rxjs';
import type { PipelineContext } from './context';
import { batchFrames } from './operators/batchFrames';
import { boundedIntake } from './operators/boundedIntake';
import { fairMerge } from './operators/fairMerge';
import { InflightGauge, limitInflight } from './operators/limitInflight';
import { orderPerSource } from './operators/orderPerSource';
import { recordStats } from './operators/recordStats';
import { runBatch } from './runBatch';
import type { AnyFrame, SourceState } from './sourceState';
import type { Classified } from './types';

/** One source: its lane (buffer and counters) and its frames. */
export interface SourceFeed {
  readonly lane: SourceState;
  readonly frames: Observable<AnyFrame>;
}

export interface PipelineControl {
  /** Room may have opened downstream (options changed, a source ended): pull again. */
  readonly wake: Observable<unknown>;
  /** No more input can come: send a waiting partial batch now. */
  readonly inputEnded: Observable<unknown>;
  /** A call slot is free. */
  readonly onSlotFree: () => void;
}

/**
 * The pipeline, as the README draws it. Frames are pulled, never pushed past their buffers: a free call slot asks
 * for one batch, which the fair merge takes from the buffers at that moment (the newest frames the policy kept),
 * and which is preprocessed only then. Completes after `feeds` and `control.wake` complete and the work in flight
 * has ended.
 */
export function composePipeline<P>(
  feeds: Observable<SourceFeed>,
  ctx: PipelineContext,
  control: PipelineControl,
): Observable<Classified<P>> {
  const calls = new InflightGauge();
  let batching = 0; // taken from the buffers, not yet in a call
  return feeds.pipe(
    mergeMap((feed) => feed.frames.pipe(boundedIntake(feed.lane, ctx))), // per-camera bounded buffers
    mergeWith(control.wake),
    fairMerge({
      lanes: () => ctx.lanes,
      take: (lane) => ctx.take(lane),
      wanted: () => Math.min(calls.startable(), ctx.options.maxInflight - calls.running) * ctx.batchSize - batching,
    }), // fair round-robin, pulled by free call slots
    tap((frames) => (batching += frames.length)),
    batchFrames({
      size: () => ctx.batchSize,
      maxWaitMs: () => ctx.options.maxWaitMs,
      moreInput: () => ctx.moreInput(),
      flush: control.inputEnded,
      scheduler: ctx.scheduler,
      clock: ctx.clock,
      arrivedMs: (item) => item.enqueuedMs,
    }), // micro-batching
    tap((batch) => (batching -= batch.length)),
    limitInflight({
      limit: () => ctx.options.maxInflight,
      run: (batch) => runBatch(batch, ctx),
      gauge: calls,
      onSlotFree: control.onSlotFree,
      parallel: () => ctx.deps.backend.deviceParallelism ?? ctx.options.maxInflight,
      scheduler: ctx.scheduler,
    }), // ≤ N in flight: just-in-time preprocessing, inference, top-k
    orderPerSource({ source: (o) => o.item.src, seq: (o) => o.item.seq, hasResult: (o) => o.scores !== null }), // in frame order per camera
    recordStats<P>(ctx), // results, per-source statistics
  );
}
