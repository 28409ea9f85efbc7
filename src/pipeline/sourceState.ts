import type { ClassScore } from '../core/classification';
import type { FrameHeader } from '../core/image';
import type { ModelInput } from '../core/preprocessing';
import type { Subscription } from 'rxjs';
import type { BoundedQueue } from './boundedQueue';
import { LatencyWindow } from './latencyWindow';
import { RateMeter } from './rateMeter';
import { DROP_CAUSES, type DropCause, type Frame, type SourceStats } from './types';

/** Frames are held with their payload type erased; the engine restores it on the result. */
export type AnyFrame = Frame<unknown>;

export interface QueuedFrame {
  readonly frame: AnyFrame;
  readonly enqueuedMs: number;
}

/** One frame from the moment it leaves its source buffer until its outcome is known. */
export interface WorkItem {
  readonly src: SourceState;
  /** Position in its source's arrival order: results are published in this order. */
  readonly seq: number;
  readonly header: FrameHeader;
  /** The instant its age is measured from (see PipelineContext.refMs). */
  readonly refMs: number;
  /** The caller's payload, carried to the result untouched. */
  readonly payload: unknown;
  /** When it entered its source buffer (clock ms). */
  readonly enqueuedMs: number;
  /** Held only until preprocessing finishes, so the raw image can be collected early. */
  frame: AnyFrame | undefined;
  /** Held only until inference finishes. */
  input: ModelInput | undefined;
  queueMs: number;
  preprocessMs: number;
  inferenceMs: number;
  done: boolean;
}

/** How a taken frame ended: its scores, or null when it was dropped (counted by cause already). */
export interface Outcome {
  readonly item: WorkItem;
  readonly scores: readonly ClassScore[] | null;
  readonly postprocessMs: number;
}

/** Everything the pipeline keeps per source: its bounded buffer, counters, latency windows and rates. */
export class SourceState {
  readonly name: string;
  readonly queue: BoundedQueue<QueuedFrame>;
  subscription: Subscription | undefined;
  active = true;
  received = 0;
  inferred = 0;
  published = 0;
  inflight = 0;
  readonly dropped = Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>;
  nextSeq = 0;
  /** Set by a pulled source: called when a frame left the buffer. */
  onRoom: (() => void) | undefined;
  readonly latency = {
    queue: new LatencyWindow(),
    preprocess: new LatencyWindow(),
    inference: new LatencyWindow(),
    postprocess: new LatencyWindow(),
    total: new LatencyWindow(),
  };
  readonly inRate = new RateMeter();
  readonly outRate = new RateMeter();

  constructor(name: string, queue: BoundedQueue<QueuedFrame>) {
    this.name = name;
    this.queue = queue;
  }

  droppedTotal(): number {
    let total = 0;
    for (const cause of DROP_CAUSES) total += this.dropped[cause];
    return total;
  }

  /** The source's part of a stats snapshot at `nowMs`. */
  snapshot(nowMs: number): SourceStats {
    return {
      name: this.name,
      active: this.active,
      received: this.received,
      inferred: this.inferred,
      published: this.published,
      dropped: { ...this.dropped },
      droppedTotal: this.droppedTotal(),
      queueDepth: this.queue.length,
      inflight: this.inflight,
      inputFps: this.inRate.perSecond(nowMs),
      outputFps: this.outRate.perSecond(nowMs),
      latencyMs: {
        queue: this.latency.queue.percentiles(),
        preprocess: this.latency.preprocess.percentiles(),
        inference: this.latency.inference.percentiles(),
        postprocess: this.latency.postprocess.percentiles(),
        total: this.latency.total.percentiles(),
      },
    };
  }
}
