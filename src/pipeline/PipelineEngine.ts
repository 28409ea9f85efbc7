import {
  asyncScheduler,
  from,
  isObservable,
  Observable,
  Subject,
  take,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { ClassScore } from '../core/classification';
import { EdgenextError, ErrorCodes, errorMessage, isEdgenextError } from '../core/errors';
import { stampToMs } from '../core/image';
import type { ModelInput } from '../core/preprocessing';
import { BoundedQueue } from './boundedQueue';
import { RateLimitedLog } from '../core/rateLimitedLog';
import { SourceState, type AnyFrame, type Pending, type WorkItem } from './sourceState';
import {
  type ClassificationPipeline,
  type Classified,
  type DropCause,
  type Frame,
  type PipelineDeps,
  type PipelineOptions,
  type PipelineStatsSnapshot,
  type ShutdownOptions,
  type SourceStats,
} from './types';
import { validatePipelineOptions } from './validatePipelineOptions';

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 1000;
const DEFAULT_LOG_WINDOW_MS = 10_000;

interface BackendCall {
  readonly items: WorkItem[];
  readonly startMs: number;
  sub: Subscription | undefined;
  done: boolean;
}

const PREPROCESS_CAUSES: Partial<Record<string, DropCause>> = {
  [ErrorCodes.decodeError]: 'decode_error',
  [ErrorCodes.malformedFrame]: 'malformed',
  [ErrorCodes.unsupportedEncoding]: 'unsupported_encoding',
};

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function defaultClock(scheduler: SchedulerLike | undefined): () => number {
  if (scheduler) return () => scheduler.now();
  // Epoch milliseconds (the domain of ROS stamps) with sub-millisecond resolution for stage timings.
  return () => performance.timeOrigin + performance.now();
}

/**
 * The pull-driven core. Frames are pushed into bounded per-source queues; work is pulled out of them only when
 * there is room downstream: at most one batch being preprocessed or waiting (the prefetch that overlaps
 * preprocessing with inference) and at most `maxInflight` backend calls. Nothing here grows with the input rate.
 */
export class PipelineEngine<P = undefined> implements ClassificationPipeline<P> {
  readonly #deps: PipelineDeps;
  readonly #clock: () => number;
  readonly #scheduler: SchedulerLike;
  readonly #log: RateLimitedLog;
  readonly #results = new Subject<Classified<P>>();
  readonly results: Observable<Classified<P>> = this.#results.asObservable();
  #options: PipelineOptions;

  readonly #sources: SourceState[] = [];
  readonly #byName = new Map<string, SourceState>();
  #cursor = 0;
  readonly #preparing = new Set<WorkItem>();
  #prepared: WorkItem[] = [];
  readonly #calls = new Set<BackendCall>();
  #batchTimer: Subscription | undefined;
  #batchDeadlineReached = false;

  #pumping = false;
  #repump = false;
  #maxBuffered = 0;
  readonly #backendStats = { batches: 0, frames: 0, errors: 0 };

  #shuttingDown = false;
  #closed = false;
  #shutdownPromise: Promise<void> | undefined;
  #shutdownTimer: Subscription | undefined;
  #resolveShutdown: (() => void) | undefined;
  #drainWaiters: (() => void)[] = [];

  constructor(options: Partial<PipelineOptions>, deps: PipelineDeps) {
    this.#options = validatePipelineOptions(options);
    this.#deps = deps;
    this.#scheduler = deps.scheduler ?? asyncScheduler;
    this.#clock = deps.clock ?? defaultClock(deps.scheduler);
    const logger = deps.logger;
    this.#log = new RateLimitedLog((message) => logger?.warn(message), deps.logWindowMs ?? DEFAULT_LOG_WINDOW_MS);
  }

  get options(): PipelineOptions {
    return this.#options;
  }

  /** Frames per backend call: the option capped by what the backend takes as a true batch. */
  get #batchSize(): number {
    const backendMax = Math.max(1, Math.floor(this.#deps.backend.maxBatch) || 1);
    return Math.min(this.#options.maxBatch, backendMax);
  }

  addSource(name: string, frames: Observable<Frame<P>>): void {
    if (this.#shuttingDown) {
      throw new EdgenextError(ErrorCodes.closed, `cannot add source '${name}': the pipeline is shut down`);
    }
    if (typeof name !== 'string' || name.length === 0) {
      throw new EdgenextError(ErrorCodes.invalidArgument, `invalid source name: ${JSON.stringify(name)}`);
    }
    let src = this.#byName.get(name);
    if (src?.active) {
      throw new EdgenextError(ErrorCodes.invalidArgument, `source '${name}' is already added`);
    }
    if (!src) {
      src = new SourceState(name, new BoundedQueue(this.#options.queuePolicy, this.#options.queueDepth));
      this.#byName.set(name, src);
      this.#sources.push(src);
    }
    src.active = true;
    const state = src;
    state.subscription = frames.subscribe({
      next: (frame) => this.#onFrame(state, frame),
      error: (error: unknown) => {
        this.#log.report(`${name}:source`, `pipeline: source '${name}' failed: ${errorMessage(error)}`, this.#clock());
        this.#endSource(state);
      },
      complete: () => this.#endSource(state),
    });
    // A source that completed synchronously inside subscribe has already been ended.
    if (!state.active) state.subscription = undefined;
  }

  removeSource(name: string): void {
    const src = this.#byName.get(name);
    if (!src?.active) return;
    src.active = false;
    src.subscription?.unsubscribe();
    src.subscription = undefined;
    this.#dropQueued(src, 'source_removed');
    this.#pump();
  }

  updateOptions(partial: Partial<PipelineOptions>): void {
    if (this.#shuttingDown) {
      throw new EdgenextError(ErrorCodes.closed, 'cannot update options: the pipeline is shut down');
    }
    const next = validatePipelineOptions(partial, this.#options);
    this.#options = next;
    for (const src of this.#sources) {
      for (const _evicted of src.queue.reconfigure(next.queuePolicy, next.queueDepth))
        this.#countDrop(src, 'queue_full');
    }
    this.#pump();
  }

  drained(): Promise<void> {
    if (this.#closed || this.#isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.#shutdownPromise) return this.#shutdownPromise;
    const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new EdgenextError(ErrorCodes.invalidArgument, `invalid shutdown timeoutMs: ${timeoutMs} (must be >= 0)`);
    }
    this.#shuttingDown = true;
    this.#shutdownPromise = new Promise<void>((resolve) => (this.#resolveShutdown = resolve));
    for (const src of this.#sources) {
      src.active = false;
      src.subscription?.unsubscribe();
      src.subscription = undefined;
      this.#dropQueued(src, 'shutdown');
    }
    this.#clearBatchTimer();
    for (const item of [...this.#preparing]) {
      item.sub?.unsubscribe();
      this.#preparing.delete(item);
      this.#fail(item, 'shutdown', undefined);
    }
    const prepared = this.#prepared;
    this.#prepared = [];
    for (const item of prepared) this.#fail(item, 'shutdown', undefined);
    if (this.#calls.size === 0) {
      this.#finish();
    } else {
      this.#shutdownTimer = this.#scheduler.schedule(() => this.#cancelCalls(), timeoutMs);
    }
    return this.#shutdownPromise;
  }

  stats(): PipelineStatsSnapshot {
    const now = this.#clock();
    const sources: SourceStats[] = this.#sources.map((src) => src.snapshot(now));
    let inflightFrames = 0;
    for (const call of this.#calls) inflightFrames += call.items.length;
    return {
      timeMs: now,
      sources,
      backend: { inflightCalls: this.#calls.size, inflightFrames, ...this.#backendStats },
      bufferedFrames: this.#bufferedFrames(),
      maxBufferedFrames: this.#maxBuffered,
      bufferBound: this.#bufferBound(),
    };
  }

  // ---- intake ----

  #onFrame(src: SourceState, frame: AnyFrame): void {
    // Runs inside a transport callback (an rclnodejs callback aborts the process on a throw): never throw.
    try {
      if (!src.active) return;
      const now = this.#clock();
      src.received += 1;
      src.inRate.mark(now);
      const refMs = this.#refMs(frame);
      if (refMs === undefined) {
        this.#countDrop(src, 'malformed');
        this.#log.report(
          `${src.name}:malformed`,
          `pipeline: source '${src.name}' sent a frame without a valid header or receive time`,
          now,
        );
        return;
      }
      if (this.#isStale(refMs, now)) {
        this.#countDrop(src, 'stale');
        return;
      }
      if (src.queue.length >= src.queue.capacity && this.#options.maxAgeMs > 0) {
        // Stale frames must not keep a fresh one out of a full drop_newest buffer.
        for (const _stale of src.queue.removeWhere((q) => this.#isStale(this.#refMs(q.frame) ?? 0, now))) {
          this.#countDrop(src, 'stale');
        }
      }
      for (const _evicted of src.queue.push({ frame, enqueuedMs: now })) this.#countDrop(src, 'queue_full');
      const buffered = this.#bufferedFrames();
      if (buffered > this.#maxBuffered) this.#maxBuffered = buffered;
      this.#pump();
    } catch (error) {
      this.#log.report(
        `${src.name}:internal`,
        `pipeline: internal error on a frame from '${src.name}': ${errorMessage(error)}`,
        this.#clock(),
      );
    }
  }

  #endSource(src: SourceState): void {
    src.active = false;
    src.subscription = undefined;
    this.#pump();
  }

  #refMs(frame: AnyFrame): number | undefined {
    const value =
      this.#options.ageReference === 'stamp'
        ? frame?.header?.stamp
          ? stampToMs(frame.header.stamp)
          : NaN
        : frame?.receiveTimeMs;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }

  #isStale(refMs: number, nowMs: number): boolean {
    return this.#options.maxAgeMs > 0 && nowMs - refMs > this.#options.maxAgeMs;
  }

  // ---- scheduling ----

  #pump(): void {
    if (this.#pumping) {
      this.#repump = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#repump = false;
        this.#step();
      } while (this.#repump);
    } finally {
      this.#pumping = false;
    }
    this.#checkDrained();
  }

  #step(): void {
    for (;;) {
      this.#fillPrefetch();
      if (!this.#dispatchOne()) return;
    }
  }

  /** Keeps one batch worth of frames preprocessing or preprocessed, so the backend never waits for the CPU. */
  #fillPrefetch(): void {
    while (!this.#shuttingDown && this.#preparing.size + this.#prepared.length < this.#batchSize) {
      const item = this.#takeNext();
      if (!item) return;
      this.#startPreprocess(item);
    }
  }

  /** Round-robin over the sources: each call starts after the source served last, so no camera can starve another. */
  #takeNext(): WorkItem | undefined {
    const count = this.#sources.length;
    const now = this.#clock();
    for (let i = 0; i < count; i += 1) {
      const index = (this.#cursor + i) % count;
      const src = this.#sources[index];
      if (!src) continue;
      for (let queued = src.queue.shift(); queued; queued = src.queue.shift()) {
        const refMs = this.#refMs(queued.frame) ?? now;
        if (this.#isStale(refMs, now)) {
          this.#countDrop(src, 'stale');
          continue;
        }
        this.#cursor = (index + 1) % count;
        src.inflight += 1;
        return {
          src,
          seq: src.nextSeq++,
          header: queued.frame.header,
          refMs,
          payload: queued.frame.payload,
          frame: queued.frame,
          input: undefined,
          waitMs: now - queued.enqueuedMs,
          preprocessMs: 0,
          readyMs: now,
          inferenceMs: 0,
          sub: undefined,
          done: false,
        };
      }
    }
    return undefined;
  }

  #startPreprocess(item: WorkItem): void {
    const frame = item.frame;
    if (!frame) {
      this.#fail(item, 'preprocess_error', new Error('frame released before preprocessing'));
      return;
    }
    const startMs = this.#clock();
    this.#preparing.add(item);
    let output: ReturnType<PipelineDeps['preprocess']>;
    try {
      output = this.#deps.preprocess(frame.image);
    } catch (error) {
      this.#preparing.delete(item);
      this.#fail(item, this.#preprocessCause(error), error);
      return;
    }
    if (!isObservable(output) && !isPromiseLike(output)) {
      this.#onPrepared(item, output, startMs);
      return;
    }
    let emitted = false;
    const source: Observable<ModelInput> = isObservable(output) ? output.pipe(take(1)) : from(output);
    item.sub = source.subscribe({
      next: (input) => {
        emitted = true;
        this.#onPrepared(item, input, startMs);
      },
      error: (error: unknown) => {
        if (!this.#preparing.delete(item)) return;
        this.#fail(item, this.#preprocessCause(error), error);
        this.#pump();
      },
      complete: () => {
        if (emitted || !this.#preparing.delete(item)) return;
        this.#fail(item, 'preprocess_error', new Error('preprocess completed without a model input'));
        this.#pump();
      },
    });
  }

  #onPrepared(item: WorkItem, input: ModelInput, startMs: number): void {
    if (!this.#preparing.delete(item)) return;
    const now = this.#clock();
    item.sub = undefined;
    item.frame = undefined;
    item.input = input;
    item.preprocessMs = now - startMs;
    item.readyMs = now;
    this.#prepared.push(item);
    this.#pump();
  }

  #preprocessCause(error: unknown): DropCause {
    return (isEdgenextError(error) && PREPROCESS_CAUSES[error.code]) || 'preprocess_error';
  }

  /** Sends one batch if a call slot is free and the batch is full, its wait is over, or no more frames can come. */
  #dispatchOne(): boolean {
    if (this.#shuttingDown || this.#prepared.length === 0 || this.#calls.size >= this.#options.maxInflight)
      return false;
    const now = this.#clock();
    if (this.#options.maxAgeMs > 0) {
      const fresh: WorkItem[] = [];
      for (const item of this.#prepared) {
        if (this.#isStale(item.refMs, now)) this.#fail(item, 'stale', undefined);
        else fresh.push(item);
      }
      if (fresh.length < this.#prepared.length) {
        // Room opened up in the prefetch: let the caller refill it before forming the batch.
        this.#prepared = fresh;
        if (fresh.length === 0) this.#clearBatchTimer();
        return true;
      }
    }
    const batchSize = this.#batchSize;
    const first = this.#prepared[0];
    if (!first) return false;
    const full = this.#prepared.length >= batchSize;
    if (!full && !this.#batchDeadlineReached && this.#options.maxWaitMs > 0 && !this.#noMoreInput()) {
      const delayMs = first.readyMs + this.#options.maxWaitMs - now;
      if (delayMs > 0) {
        this.#batchTimer ??= this.#scheduler.schedule(() => {
          this.#batchTimer = undefined;
          this.#batchDeadlineReached = true;
          this.#pump();
        }, delayMs);
        return false;
      }
    }
    this.#clearBatchTimer();
    const batch = this.#prepared.splice(0, batchSize);
    this.#dispatch(batch, now);
    return true;
  }

  #noMoreInput(): boolean {
    return this.#preparing.size === 0 && this.#sources.every((s) => !s.active && s.queue.length === 0);
  }

  #clearBatchTimer(): void {
    this.#batchTimer?.unsubscribe();
    this.#batchTimer = undefined;
    this.#batchDeadlineReached = false;
  }

  #dispatch(items: WorkItem[], now: number): void {
    const call: BackendCall = { items, startMs: now, sub: undefined, done: false };
    this.#calls.add(call);
    this.#backendStats.frames += items.length;
    const inputs: ModelInput[] = [];
    for (const item of items) {
      item.waitMs += now - item.readyMs;
      if (item.input) inputs.push(item.input);
    }
    let output: ReturnType<PipelineDeps['backend']['infer']>;
    try {
      output = this.#deps.backend.infer(inputs);
    } catch (error) {
      this.#onInferFailed(call, error);
      return;
    }
    let emitted = false;
    const source: Observable<Float32Array[]> = isObservable(output) ? output.pipe(take(1)) : from(output);
    call.sub = source.subscribe({
      next: (logits) => {
        emitted = true;
        this.#onInferred(call, logits);
      },
      error: (error: unknown) => this.#onInferFailed(call, error),
      complete: () => {
        if (!emitted) this.#onInferFailed(call, new Error('backend completed without a result'));
      },
    });
  }

  #onInferred(call: BackendCall, logits: Float32Array[]): void {
    if (call.done) return;
    if (!Array.isArray(logits) || logits.length !== call.items.length) {
      const got = Array.isArray(logits) ? logits.length : typeof logits;
      this.#onInferFailed(call, new Error(`backend returned ${got} results for ${call.items.length} inputs`));
      return;
    }
    call.done = true;
    this.#calls.delete(call);
    this.#backendStats.batches += 1;
    const inferenceMs = this.#clock() - call.startMs;
    call.items.forEach((item, i) => {
      item.input = undefined;
      item.inferenceMs = inferenceMs;
      item.src.inferred += 1;
      const start = this.#clock();
      let scores: readonly ClassScore[];
      try {
        scores = this.#deps.postprocess(logits[i] ?? new Float32Array(0), this.#options.topK);
      } catch (error) {
        this.#fail(item, 'postprocess_error', error);
        return;
      }
      this.#complete(item, { item, scores, postprocessMs: this.#clock() - start });
    });
    this.#afterCall();
  }

  #onInferFailed(call: BackendCall, error: unknown): void {
    if (call.done) return;
    call.done = true;
    this.#calls.delete(call);
    this.#backendStats.batches += 1;
    this.#backendStats.errors += 1;
    for (const item of call.items) {
      item.input = undefined;
      this.#fail(item, 'backend_error', error);
    }
    this.#afterCall();
  }

  #afterCall(): void {
    if (this.#shuttingDown) {
      if (this.#calls.size === 0) this.#finish();
      return;
    }
    this.#pump();
  }

  // ---- completion and accounting ----

  #complete(item: WorkItem, pending: Pending): void {
    if (item.done) return;
    item.done = true;
    item.src.finished.set(item.seq, pending);
    this.#publishInOrder(item.src);
  }

  #fail(item: WorkItem, cause: DropCause, error: unknown): void {
    if (item.done) return;
    item.done = true;
    item.frame = undefined;
    item.input = undefined;
    const src = item.src;
    src.inflight -= 1;
    this.#countDrop(src, cause);
    if (error !== undefined) {
      this.#log.report(
        `${src.name}:${cause}`,
        `pipeline: source '${src.name}' dropped a frame (${cause}): ${errorMessage(error)}`,
        this.#clock(),
      );
    }
    src.finished.set(item.seq, null);
    this.#publishInOrder(src);
  }

  #countDrop(src: SourceState, cause: DropCause): void {
    src.dropped[cause] += 1;
  }

  #dropQueued(src: SourceState, cause: DropCause): void {
    for (const _frame of src.queue.clear()) this.#countDrop(src, cause);
  }

  /** Emits finished results of `src` in frame order; a later frame waits (bounded by in-flight work) for an earlier one. */
  #publishInOrder(src: SourceState): void {
    for (
      let entry = src.finished.get(src.nextPublishSeq);
      entry !== undefined;
      entry = src.finished.get(src.nextPublishSeq)
    ) {
      src.finished.delete(src.nextPublishSeq);
      src.nextPublishSeq += 1;
      if (entry === null) continue;
      const now = this.#clock();
      const { item, scores, postprocessMs } = entry;
      const timings = {
        queueMs: item.waitMs,
        preprocessMs: item.preprocessMs,
        inferenceMs: item.inferenceMs,
        postprocessMs,
        totalAgeMs: now - item.refMs,
      };
      src.inflight -= 1;
      src.published += 1;
      src.outRate.mark(now);
      src.latency.queue.add(timings.queueMs);
      src.latency.preprocess.add(timings.preprocessMs);
      src.latency.inference.add(timings.inferenceMs);
      src.latency.postprocess.add(timings.postprocessMs);
      src.latency.total.add(timings.totalAgeMs);
      const best = scores[0]?.score ?? Number.NEGATIVE_INFINITY;
      this.#results.next({
        source: src.name,
        header: item.header,
        topK: scores,
        unknown: best < this.#options.scoreThreshold,
        timings,
        // The payload went in as a P with this frame; the queues only erased its type.
        payload: item.payload as P,
      });
    }
  }

  #bufferedFrames(): number {
    let count = this.#preparing.size + this.#prepared.length;
    for (const src of this.#sources) count += src.queue.length;
    for (const call of this.#calls) count += call.items.length;
    return count;
  }

  #bufferBound(): number {
    let queues = 0;
    for (const src of this.#sources) if (src.active || src.queue.length > 0) queues += src.queue.capacity;
    const batch = this.#batchSize;
    return queues + batch + this.#options.maxInflight * batch;
  }

  #isDrained(): boolean {
    return this.#noMoreInput() && this.#prepared.length === 0 && this.#calls.size === 0;
  }

  #checkDrained(): void {
    if (this.#drainWaiters.length === 0 || !this.#isDrained()) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #cancelCalls(): void {
    this.#shutdownTimer = undefined;
    const calls = [...this.#calls];
    this.#calls.clear();
    for (const call of calls) {
      call.done = true;
      call.sub?.unsubscribe();
      for (const item of call.items) this.#fail(item, 'shutdown', undefined);
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shutdownTimer?.unsubscribe();
    this.#shutdownTimer = undefined;
    this.#clearBatchTimer();
    for (const src of this.#sources) src.finished.clear();
    this.#log.flush();
    this.#results.complete();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
    this.#resolveShutdown?.();
  }
}
