import type { Observable, SchedulerLike } from 'rxjs';
import type { ClassScore, Classification } from '../core/classification';
import type { FrameHeader, ImageInput } from '../core/image';
import type { ModelInput } from '../core/preprocessing';

/** One camera (or bag) frame as it enters the pipeline, with its caller's payload `P` (default: none). */
export type Frame<P = undefined> = FrameFields & FramePayload<P>;

/** A payload is required exactly when `P` cannot be undefined. */
type FramePayload<P> = undefined extends P ? { readonly payload?: P } : { readonly payload: P };

interface FrameFields {
  /** Informational only: the name given to `addSource` is what results and statistics carry. */
  readonly source?: string;
  /** Carried unchanged into the result. */
  readonly header: FrameHeader;
  /** When the adapter received the frame, in the same clock domain as `PipelineDeps.clock` (ms). */
  readonly receiveTimeMs: number;
  readonly image: ImageInput;
}

export const QUEUE_POLICIES = ['latest', 'drop_oldest', 'drop_newest'] as const;
export type QueuePolicy = (typeof QUEUE_POLICIES)[number];

export const AGE_REFERENCES = ['stamp', 'receive_time'] as const;
export type AgeReference = (typeof AGE_REFERENCES)[number];

/** Pipeline parameters. `validatePipelineOptions` fills the defaults and rejects bad values. */
export interface PipelineOptions {
  /** Per-source buffer policy. Default 'latest' (keep only the newest frame; depth is then always 1). */
  readonly queuePolicy: QueuePolicy;
  /** Per-source buffer depth in frames for drop_oldest / drop_newest. Integer >= 1. Default 1; ignored under 'latest'. */
  readonly queueDepth: number;
  /** A frame older than this is dropped (cause 'stale') and never inferred. 0 = no limit (default). Unit ms. */
  readonly maxAgeMs: number;
  /** What a frame's age is measured from: its header stamp (default) or `receiveTimeMs`. */
  readonly ageReference: AgeReference;
  /** Most frames per backend call; capped by the backend's own `maxBatch`. Integer >= 1. Default 1. */
  readonly maxBatch: number;
  /** How long a partial batch may wait for more frames once its first frame is ready. 0 = never wait (default). Unit ms. */
  readonly maxWaitMs: number;
  /** Most backend `infer` calls running at once (each carries up to maxBatch frames). Integer >= 1. Default 2. */
  readonly maxInflight: number;
  /** Classes per result. Integer >= 1. Default 5. */
  readonly topK: number;
  /** A result whose best score is below this is flagged `unknown`. 0..1, default 0. */
  readonly scoreThreshold: number;
}

/** Anything the pipeline can run a batch on; every `InferenceBackend` fits. */
export interface PipelineBackend {
  /** Largest true batch `infer` accepts (1 = batch-1 backend that takes concurrent calls instead). */
  readonly maxBatch: number;
  /**
   * Calls the device executes at the same time (the BPU: 1 core); further calls in flight wait on the device.
   * The pipeline starts such a call only when a running one is about to end, with the newest frame. Default: as
   * many as are in flight (every call runs at once, e.g. ONNX sessions on separate threads).
   */
  readonly deviceParallelism?: number;
  /**
   * One result per input, in order. A Promise (real backends) or an Observable that emits once (tests on virtual
   * time); unsubscribing an Observable cancels it.
   */
  infer(inputs: readonly ModelInput[]): PromiseLike<Float32Array[]> | Observable<Float32Array[]>;
}

/** A frame that will have no result, with the reason and its caller's payload. */
export interface DroppedFrame<P = undefined> {
  readonly source: string;
  readonly cause: DropCause;
  readonly payload: P;
  /** What went wrong, for the causes that have an error (decode_error, backend_error, ...). */
  readonly error?: unknown;
}

/** Everything concrete is injected, so the pipeline imports nothing but src/core. */
export interface PipelineDeps<P = undefined> {
  readonly backend: PipelineBackend;
  /**
   * Turns one image into a model input. May return synchronously (cheapest), a Promise, or an Observable that
   * emits once. Failures are counted by the EdgenextError code: decode_error, malformed_frame,
   * unsupported_encoding (anything else counts as preprocess_error).
   */
  preprocess(image: ImageInput): ModelInput | PromiseLike<ModelInput> | Observable<ModelInput>;
  /** Softmax / top-k / labels for one logits vector. Throwing counts the frame as postprocess_error. */
  postprocess(logits: Float32Array, topK: number): readonly ClassScore[];
  /**
   * Monotonic milliseconds, the domain of `Frame.receiveTimeMs`; every duration and latency statistic is measured
   * with it. Default: `scheduler.now()` if given, else `performance.timeOrigin + performance.now()`.
   */
  readonly clock?: () => number;
  /**
   * Milliseconds in the domain of the frames' header stamps (a ROS node passes its ROS clock, which is sim time
   * under use_sim_time). Used only for frame ages measured from the stamp: `maxAgeMs` staleness and the
   * `totalAgeMs` statistic. Ages from `receiveTimeMs` use `clock`. Default: `clock`.
   */
  readonly ageClock?: () => number;
  /** Scheduler for the batching and shutdown timers. Default asyncScheduler; tests pass a TestScheduler. */
  readonly scheduler?: SchedulerLike;
  /** Where rate-limited error lines go (first occurrence, then one summary per window). Default: none. */
  readonly logger?: { warn(message: string): void };
  /** Window of the rate-limited error log, ms. Default 10000. */
  readonly logWindowMs?: number;
  /**
   * Told of every dropped frame as it is counted (every cause, including queue_full and shutdown), with its
   * payload: a caller that must answer for each input (a file list) learns here which ones have no result.
   * Must not throw.
   */
  onDrop?(drop: DroppedFrame<P>): void;
}

export const DROP_CAUSES = [
  'queue_full',
  'stale',
  'decode_error',
  'malformed',
  'unsupported_encoding',
  'preprocess_error',
  'backend_error',
  'postprocess_error',
  'source_removed',
  'shutdown',
] as const;
export type DropCause = (typeof DROP_CAUSES)[number];

/** Latency percentiles over a bounded rolling window of the most recent samples (ms). 0 when no sample yet. */
export interface LatencyPercentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Samples in the window (at most the window size). */
  readonly count: number;
}

export interface StageLatencies {
  readonly queue: LatencyPercentiles;
  readonly preprocess: LatencyPercentiles;
  readonly inference: LatencyPercentiles;
  readonly postprocess: LatencyPercentiles;
  readonly total: LatencyPercentiles;
}

export interface SourceStats {
  readonly name: string;
  /** False once removed or completed. */
  readonly active: boolean;
  readonly received: number;
  /** Frames whose inference succeeded. */
  readonly inferred: number;
  readonly published: number;
  readonly dropped: Readonly<Record<DropCause, number>>;
  readonly droppedTotal: number;
  /** Frames waiting in this source's buffer. */
  readonly queueDepth: number;
  /** Frames taken from the buffer and not yet published or dropped (preprocessing, waiting for a slot, inferring). */
  readonly inflight: number;
  /** Received and published frames per second over the last second. */
  readonly inputFps: number;
  readonly outputFps: number;
  readonly latencyMs: StageLatencies;
}

export interface BackendStats {
  /** `infer` calls running now. */
  readonly inflightCalls: number;
  readonly inflightFrames: number;
  /** Completed or failed `infer` calls. */
  readonly batches: number;
  /** Frames sent to `infer`. */
  readonly frames: number;
  readonly errors: number;
}

/**
 * A consistent snapshot. For every source, exactly:
 * received = published + droppedTotal + queueDepth + inflight.
 */
export interface PipelineStatsSnapshot {
  readonly timeMs: number;
  readonly sources: readonly SourceStats[];
  readonly backend: BackendStats;
  /** Frames held right now (queued + in flight) and the most ever held at once. */
  readonly bufferedFrames: number;
  readonly maxBufferedFrames: number;
  /** The bound that `bufferedFrames` can never exceed with the current options and sources. */
  readonly bufferBound: number;
}

export interface ShutdownOptions {
  /** How long in-flight inferences may take to finish before they are cancelled (cause 'shutdown'). Default 1000 ms. */
  readonly timeoutMs?: number;
}

/**
 * A result with the payload of the frame it belongs to, unchanged (the same reference): a caller never needs to
 * match results back to frames by stamp.
 */
export type Classified<P = undefined> = Classification & { readonly payload: P };

export interface ClassificationPipeline<P = undefined> {
  /**
   * Starts consuming a source: an Observable pushes frames (a camera), an AsyncIterable is pulled whenever the
   * source's buffer has room (a bag, a file list: nothing is dropped for room). Frames get `name` as their source. Throws EdgenextError invalid_argument if a source
   * of that name is active, or 'closed' after shutdown. A source that completes keeps its buffered frames flowing;
   * one that errors is logged and treated as completed.
   */
  addSource(name: string, frames: Observable<Frame<P>> | AsyncIterable<Frame<P>>): void;
  /** Stops consuming `name`; its buffered frames are dropped ('source_removed'), in-flight ones still publish. No-op if unknown. */
  removeSource(name: string): void;
  /** Hot. Results in frame order per source; completes when shutdown finishes. */
  readonly results: Observable<Classified<P>>;
  stats(): PipelineStatsSnapshot;
  /** Validates and applies a change; buffers shrunk below their content drop the excess ('queue_full'). */
  updateOptions(partial: Partial<PipelineOptions>): void;
  readonly options: PipelineOptions;
  /** Resolves once every source has completed and nothing is queued or in flight. */
  drained(): Promise<void>;
  /**
   * Stops the sources, drops buffered and not-yet-dispatched frames ('shutdown'), lets running inferences finish
   * within `timeoutMs` and cancels the rest, completes `results`, releases every buffer and timer. Idempotent.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}
