import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { errorMessage } from '../core/errors';
import { stampToMs } from '../core/image';
import { RateLimitedLog } from '../core/rateLimitedLog';
import type { AnyFrame, SourceState, WorkItem } from './sourceState';
import type { DropCause, PipelineDeps, PipelineOptions } from './types';
import { validatePipelineOptions } from './validatePipelineOptions';

const DEFAULT_LOG_WINDOW_MS = 10_000;

function defaultClock(scheduler: SchedulerLike | undefined): () => number {
  if (scheduler) return () => scheduler.now();
  // Epoch milliseconds with sub-millisecond resolution, monotonic within the process.
  return () => performance.timeOrigin + performance.now();
}

/**
 * What the operators of one pipeline share: the live options, the two clocks, the sources (lanes), drop accounting
 * with its rate-limited log, and the counters behind the buffer statistics. Nothing in it schedules work.
 */
export class PipelineContext {
  readonly deps: PipelineDeps<unknown>;
  /** Monotonic ms: every duration and latency. */
  readonly clock: () => number;
  /** Stamp-domain ms: ages measured from header stamps only. */
  readonly ageClock: () => number;
  readonly scheduler: SchedulerLike;
  readonly log: RateLimitedLog;
  readonly lanes: SourceState[] = [];
  /** Frames taken from the lanes whose outcome is not known yet (batching, preprocessing, inferring). */
  workingFrames = 0;
  maxBufferedFrames = 0;
  readonly backend = { batches: 0, frames: 0, errors: 0, inflightCalls: 0, inflightFrames: 0 };
  shuttingDown = false;
  #options: PipelineOptions;

  constructor(options: Partial<PipelineOptions>, deps: PipelineDeps<unknown>) {
    this.#options = validatePipelineOptions(options);
    this.deps = deps;
    this.scheduler = deps.scheduler ?? asyncScheduler;
    this.clock = deps.clock ?? defaultClock(deps.scheduler);
    this.ageClock = deps.ageClock ?? this.clock;
    const logger = deps.logger;
    this.log = new RateLimitedLog((message) => logger?.warn(message), deps.logWindowMs ?? DEFAULT_LOG_WINDOW_MS);
  }

  get options(): PipelineOptions {
    return this.#options;
  }

  set options(next: PipelineOptions) {
    this.#options = next;
  }

  /** Frames per backend call: the option capped by what the backend takes as a true batch. */
  get batchSize(): number {
    const backendMax = Math.max(1, Math.floor(this.deps.backend.maxBatch) || 1);
    return Math.min(this.#options.maxBatch, backendMax);
  }

  /** The instant a frame's age is measured from, in its own clock domain; undefined for a malformed frame. */
  refMs(frame: AnyFrame): number | undefined {
    const value =
      this.#options.ageReference === 'stamp'
        ? frame?.header?.stamp
          ? stampToMs(frame.header.stamp)
          : NaN
        : frame?.receiveTimeMs;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }

  /** Age now of a frame whose reference instant is `refMs` (stamps on the age clock, receipts on the clock). */
  ageMs(refMs: number): number {
    const now = this.#options.ageReference === 'stamp' ? this.ageClock() : this.clock();
    return now - refMs;
  }

  isStale(refMs: number): boolean {
    return this.#options.maxAgeMs > 0 && this.ageMs(refMs) > this.#options.maxAgeMs;
  }

  /**
   * The next frame of `lane` that is still fresh, as a work item (stale ones on the way are counted and dropped);
   * undefined when the lane has none or the pipeline is shutting down.
   */
  take(lane: SourceState): WorkItem | undefined {
    if (this.shuttingDown || lane.queue.length === 0) return undefined;
    try {
      return this.#takeFresh(lane);
    } finally {
      lane.onRoom?.();
    }
  }

  #takeFresh(lane: SourceState): WorkItem | undefined {
    for (let queued = lane.queue.shift(); queued; queued = lane.queue.shift()) {
      const refMs = this.refMs(queued.frame) ?? this.clock();
      if (this.isStale(refMs)) {
        this.dropStale(lane, refMs, queued.frame.payload);
        continue;
      }
      lane.inflight += 1;
      this.workingFrames += 1;
      return {
        src: lane,
        seq: lane.nextSeq++,
        header: queued.frame.header,
        refMs,
        payload: queued.frame.payload,
        enqueuedMs: queued.enqueuedMs,
        frame: queued.frame,
        input: undefined,
        queueMs: 0,
        preprocessMs: 0,
        inferenceMs: 0,
        done: false,
      };
    }
    return undefined;
  }

  /** False once no source can deliver another frame: every lane ended and empty. */
  moreInput(): boolean {
    return this.lanes.some((lane) => lane.active || lane.queue.length > 0);
  }

  /**
   * Counts a frame dropped by `lane`, logs the reason (rate-limited) when there is an error to show, and tells the
   * caller's onDrop with the frame's payload.
   */
  drop(lane: SourceState, cause: DropCause, error?: unknown, payload?: unknown): void {
    lane.dropped[cause] += 1;
    this.deps.onDrop?.({ source: lane.name, cause, payload, error });
    if (error !== undefined) {
      this.log.report(
        `${lane.name}:${cause}`,
        `pipeline: source '${lane.name}' dropped a frame (${cause}): ${errorMessage(error)}`,
        this.clock(),
      );
    }
  }

  /** Ends a taken frame without a result. Idempotent per item. */
  fail(item: WorkItem, cause: DropCause, error?: unknown): void {
    if (!this.settle(item)) return;
    item.src.inflight -= 1;
    this.drop(item.src, cause, error, item.payload);
  }

  /** Marks a taken frame's outcome as known; false if it already was. Releases the image and the model input. */
  settle(item: WorkItem): boolean {
    if (item.done) return false;
    item.done = true;
    item.frame = undefined;
    item.input = undefined;
    this.workingFrames -= 1;
    return true;
  }

  /** Drops a frame whose age, measured from `refMs`, is past the limit, and says so in the log. */
  dropStale(lane: SourceState, refMs: number, payload: unknown): void {
    this.drop(lane, 'stale', undefined, payload);
    this.reportStale(lane, refMs);
  }

  /** A stale drop is silent in the statistics alone; a wrong clock (e.g. sim time not followed) must show in the log. */
  reportStale(lane: SourceState, refMs: number): void {
    const reference = this.#options.ageReference === 'stamp' ? 'header stamp' : 'receive time';
    this.log.report(
      `${lane.name}:stale`,
      `pipeline: source '${lane.name}' dropped a frame as stale: ${Math.round(this.ageMs(refMs))} ms old ` +
        `(${reference}) > max_age_ms ${this.#options.maxAgeMs}`,
      this.clock(),
    );
  }

  bufferedFrames(): number {
    let count = this.workingFrames;
    for (const lane of this.lanes) count += lane.queue.length;
    return count;
  }

  noteBuffered(): void {
    const buffered = this.bufferedFrames();
    if (buffered > this.maxBufferedFrames) this.maxBufferedFrames = buffered;
  }

  /** What `bufferedFrames` can never exceed: every live buffer full plus a full batch in every call slot. */
  bufferBound(): number {
    let queues = 0;
    for (const lane of this.lanes) if (lane.active || lane.queue.length > 0) queues += lane.queue.capacity;
    return queues + this.#options.maxInflight * this.batchSize;
  }
}
