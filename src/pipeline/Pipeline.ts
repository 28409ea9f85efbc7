import { catchError, EMPTY, finalize, isObservable, Observable, Subject, takeUntil, type Subscription } from 'rxjs';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { BoundedQueue } from './boundedQueue';
import { composePipeline, type SourceFeed } from './composePipeline';
import { PipelineContext } from './context';
import { pullWhenRoom } from './pullWhenRoom';
import { SourceState } from './sourceState';
import type {
  ClassificationPipeline,
  Classified,
  DropCause,
  Frame,
  PipelineDeps,
  PipelineOptions,
  PipelineStatsSnapshot,
  ShutdownOptions,
} from './types';
import { validatePipelineOptions } from './validatePipelineOptions';

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 1000;

/**
 * The long-lived pipeline of the node (and of every driver, through classifyFrames): sources come and go,
 * options change at run time, and shutdown lets running calls finish within a timeout. The work itself is the
 * operator chain of composePipeline; this class only feeds it, keeps the sources and answers for statistics.
 */
export class Pipeline<P = undefined> implements ClassificationPipeline<P> {
  readonly #ctx: PipelineContext;
  readonly #feeds = new Subject<SourceFeed>();
  readonly #wake = new Subject<void>();
  readonly #inputEnded = new Subject<void>();
  readonly #stops = new Map<SourceState, Subject<void>>();
  readonly #byName = new Map<string, SourceState>();
  readonly #results = new Subject<Classified<P>>();
  readonly results: Observable<Classified<P>> = this.#results.asObservable();
  readonly #work: Subscription;
  #closed = false;
  #shutdownPromise: Promise<void> | undefined;
  #resolveShutdown: (() => void) | undefined;
  #shutdownTimer: Subscription | undefined;
  #drainWaiters: (() => void)[] = [];

  constructor(options: Partial<PipelineOptions>, deps: PipelineDeps<P>) {
    this.#ctx = new PipelineContext(options, deps);
    this.#work = composePipeline<P>(this.#feeds, this.#ctx, {
      wake: this.#wake,
      inputEnded: this.#inputEnded,
      onSlotFree: () => this.#poke(),
    }).subscribe({
      next: (result) => this.#results.next(result),
      error: (error: unknown) => {
        this.#ctx.log.report('internal', `pipeline: internal error: ${errorMessage(error)}`, this.#ctx.clock());
        this.#finish();
      },
      complete: () => this.#finish(),
    });
  }

  get options(): PipelineOptions {
    return this.#ctx.options;
  }

  addSource(name: string, frames: Observable<Frame<P>> | AsyncIterable<Frame<P>>): void {
    if (this.#ctx.shuttingDown) {
      throw new EdgenextError(ErrorCodes.closed, `cannot add source '${name}': the pipeline is shut down`);
    }
    if (typeof name !== 'string' || name.length === 0) {
      throw new EdgenextError(ErrorCodes.invalidArgument, `invalid source name: ${JSON.stringify(name)}`);
    }
    let lane = this.#byName.get(name);
    if (lane?.active) throw new EdgenextError(ErrorCodes.invalidArgument, `source '${name}' is already added`);
    if (!lane) {
      lane = new SourceState(name, new BoundedQueue(this.#ctx.options.queuePolicy, this.#ctx.options.queueDepth));
      this.#byName.set(name, lane);
      this.#ctx.lanes.push(lane);
    }
    lane.active = true;
    const source = lane;
    const stop = new Subject<void>();
    this.#stops.set(source, stop);
    this.#feeds.next({
      lane: source,
      frames: (isObservable(frames) ? frames : pullWhenRoom(frames, source)).pipe(
        takeUntil(stop),
        catchError((error: unknown) => {
          this.#ctx.log.report(
            `${name}:source`,
            `pipeline: source '${name}' failed: ${errorMessage(error)}`,
            this.#ctx.clock(),
          );
          return EMPTY;
        }),
        finalize(() => this.#endSource(source, stop)),
      ),
    });
  }

  removeSource(name: string): void {
    const lane = this.#byName.get(name);
    if (!lane?.active) return;
    this.#stopSource(lane, 'source_removed');
    this.#poke();
  }

  updateOptions(partial: Partial<PipelineOptions>): void {
    if (this.#ctx.shuttingDown) {
      throw new EdgenextError(ErrorCodes.closed, 'cannot update options: the pipeline is shut down');
    }
    const next = validatePipelineOptions(partial, this.#ctx.options);
    this.#ctx.options = next;
    for (const lane of this.#ctx.lanes) {
      for (const evicted of lane.queue.reconfigure(next.queuePolicy, next.queueDepth))
        this.#ctx.drop(lane, 'queue_full', undefined, evicted.frame.payload);
    }
    this.#poke();
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
    this.#shutdownPromise = new Promise<void>((resolve) => (this.#resolveShutdown = resolve));
    this.#ctx.shuttingDown = true;
    for (const lane of this.#ctx.lanes) this.#stopSource(lane, 'shutdown');
    // Completing the inputs lets the chain wind down: held frames are dropped, running calls finish.
    this.#feeds.complete();
    this.#wake.complete();
    this.#inputEnded.complete();
    if (!this.#closed) {
      this.#shutdownTimer = this.#ctx.scheduler.schedule(() => {
        this.#work.unsubscribe(); // cancels the running calls; their frames count as 'shutdown'
        this.#finish();
      }, timeoutMs);
    }
    return this.#shutdownPromise;
  }

  stats(): PipelineStatsSnapshot {
    const ctx = this.#ctx;
    const now = ctx.clock();
    const { batches, frames, errors, inflightCalls, inflightFrames } = ctx.backend;
    return {
      timeMs: now,
      sources: ctx.lanes.map((lane) => lane.snapshot(now)),
      backend: { inflightCalls, inflightFrames, batches, frames, errors },
      bufferedFrames: ctx.bufferedFrames(),
      maxBufferedFrames: ctx.maxBufferedFrames,
      bufferBound: ctx.bufferBound(),
    };
  }

  #stopSource(lane: SourceState, cause: DropCause): void {
    lane.active = false;
    this.#stops.get(lane)?.next();
    for (const queued of lane.queue.clear()) this.#ctx.drop(lane, cause, undefined, queued.frame.payload);
  }

  #endSource(lane: SourceState, stop: Subject<void>): void {
    // A re-added source has a new stop subject: the end of its earlier subscription must not end it.
    if (this.#stops.get(lane) !== stop) return;
    this.#stops.delete(lane);
    lane.active = false;
    if (!this.#ctx.moreInput()) this.#inputEnded.next();
    this.#poke();
  }

  /** Pulls work if there is room, then resolves drained() if everything is done. */
  #poke(): void {
    this.#wake.next();
    if (this.#drainWaiters.length === 0 || !this.#isDrained()) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #isDrained(): boolean {
    return !this.#ctx.moreInput() && this.#ctx.workingFrames === 0;
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shutdownTimer?.unsubscribe();
    this.#shutdownTimer = undefined;
    this.#ctx.log.flush();
    this.#results.complete();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
    this.#resolveShutdown?.();
  }
}
