import { Observable, type OperatorFunction } from 'rxjs';
import { errorMessage } from '../../core/errors';
import type { PipelineContext } from '../context';
import type { AnyFrame, SourceState } from '../sourceState';

/**
 * Per-source bounded buffer: each frame is counted as received and either dropped at once (malformed header,
 * already stale) or pushed into `lane`'s queue, whose policy decides what an overflow evicts ('queue_full').
 * Emits `lane` each time it gained a frame, as a signal that there is work. Never throws into the source: a
 * transport callback (rclnodejs) would abort the process.
 */
export function boundedIntake(lane: SourceState, ctx: PipelineContext): OperatorFunction<AnyFrame, SourceState> {
  return (frames) =>
    new Observable<SourceState>((subscriber) =>
      frames.subscribe({
        next: (frame) => {
          try {
            if (accept(lane, frame, ctx)) subscriber.next(lane);
          } catch (error) {
            ctx.log.report(
              `${lane.name}:internal`,
              `pipeline: internal error on a frame from '${lane.name}': ${errorMessage(error)}`,
              ctx.clock(),
            );
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

function accept(lane: SourceState, frame: AnyFrame, ctx: PipelineContext): boolean {
  if (!lane.active) return false;
  const now = ctx.clock();
  lane.received += 1;
  lane.inRate.mark(now);
  const refMs = ctx.refMs(frame);
  if (refMs === undefined) {
    ctx.drop(lane, 'malformed', undefined, frame?.payload);
    ctx.log.report(
      `${lane.name}:malformed`,
      `pipeline: source '${lane.name}' sent a frame without a valid header or receive time`,
      now,
    );
    return false;
  }
  if (ctx.isStale(refMs)) {
    ctx.dropStale(lane, refMs, frame.payload);
    return false;
  }
  if (lane.queue.length >= lane.queue.capacity && ctx.options.maxAgeMs > 0) {
    // Stale frames must not keep a fresh one out of a full drop_newest buffer.
    for (const stale of lane.queue.removeWhere((q) => ctx.isStale(ctx.refMs(q.frame) ?? 0))) {
      ctx.dropStale(lane, ctx.refMs(stale.frame) ?? 0, stale.frame.payload);
    }
  }
  for (const evicted of lane.queue.push({ frame, enqueuedMs: now }))
    ctx.drop(lane, 'queue_full', undefined, evicted.frame.payload);
  ctx.noteBuffered();
  return true;
}
