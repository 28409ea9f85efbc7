import { map, Observable, timer, type SchedulerLike } from 'rxjs';
import type { ClassScore } from '../../src/core/classification';
import { EdgenextError, ErrorCodes } from '../../src/core/errors';
import type { ImageInput } from '../../src/core/image';
import type { ModelInput } from '../../src/core/preprocessing';
import type { Frame, PipelineBackend } from '../../src/pipeline';

/** A tiny raw frame whose id travels in frame_id; its single pixel byte marks how the fakes should treat it. */
export function frameAt(id: string, stampMs: number, options: { marker?: number; receiveTimeMs?: number } = {}): Frame {
  return {
    header: { stamp: { sec: Math.floor(stampMs / 1000), nanosec: Math.round((stampMs % 1000) * 1e6) }, frameId: id },
    receiveTimeMs: options.receiveTimeMs ?? stampMs,
    image: { kind: 'raw', width: 1, height: 1, encoding: 'mono8', step: 1, data: Uint8Array.of(options.marker ?? 0) },
  };
}

/** Pixel markers the fakes react to. */
export const MARK = { ok: 0, decodeError: 1, unsupported: 2, malformed: 3, backendError: 4, generic: 5 } as const;

/** Synchronous preprocess: copies the marker byte; throws the EdgenextError the marker asks for. */
export function fakePreprocess(image: ImageInput): ModelInput {
  const marker = image.data[0] ?? 0;
  if (marker === MARK.decodeError) throw new EdgenextError(ErrorCodes.decodeError, 'cannot decode frame');
  if (marker === MARK.unsupported)
    throw new EdgenextError(ErrorCodes.unsupportedEncoding, 'encoding x is not supported');
  if (marker === MARK.malformed) throw new EdgenextError(ErrorCodes.malformedFrame, 'step too small');
  if (marker === MARK.generic) throw new Error('boom');
  return { format: 'nv12', width: 1, height: 1, data: Uint8Array.of(marker) };
}

export function fakePostprocess(logits: Float32Array, topK: number): ClassScore[] {
  return Array.from(logits.slice(0, topK), (score, classId) => ({ classId, label: `c${classId}`, score }));
}

/**
 * A backend on virtual time: each call completes `delayMs(callIndex)` later. Records the batch sizes, the call
 * start times and the most calls that ran at once. Inputs marked backendError make their whole call fail after the delay.
 */
export class VirtualBackend implements PipelineBackend {
  readonly calls: { atMs: number; size: number }[] = [];
  running = 0;
  maxRunning = 0;

  constructor(
    readonly scheduler: SchedulerLike,
    readonly maxBatch = 1,
    readonly delayMs: (callIndex: number) => number = () => 10,
  ) {}

  infer(inputs: readonly ModelInput[]): Observable<Float32Array[]> {
    const index = this.calls.length;
    this.calls.push({ atMs: this.scheduler.now(), size: inputs.length });
    const fails = inputs.some((i) => i.data[0] === MARK.backendError);
    return new Observable<Float32Array[]>((subscriber) => {
      this.running += 1;
      this.maxRunning = Math.max(this.maxRunning, this.running);
      let finished = false;
      const inner = timer(this.delayMs(index), this.scheduler).subscribe(() => {
        // The device is free before the caller hears about it, as with a real completion callback.
        finished = true;
        this.running -= 1;
        if (fails) {
          subscriber.error(new EdgenextError(ErrorCodes.backendError, 'device fault'));
          return;
        }
        subscriber.next(inputs.map(() => Float32Array.of(0.9, 0.1)));
        subscriber.complete();
      });
      return () => {
        if (!finished) this.running -= 1;
        inner.unsubscribe();
      };
    });
  }
}

/**
 * A one-core device on virtual time: calls in flight wait for it in order, each runs `taskMs` once it starts.
 * Records when each call was submitted.
 */
export class SerialVirtualBackend implements PipelineBackend {
  readonly maxBatch = 1;
  readonly deviceParallelism = 1;
  readonly calls: { atMs: number; size: number }[] = [];
  #freeAtMs = 0;

  constructor(
    readonly scheduler: SchedulerLike,
    readonly taskMs = 10,
  ) {}

  infer(inputs: readonly ModelInput[]): Observable<Float32Array[]> {
    const now = this.scheduler.now();
    this.calls.push({ atMs: now, size: inputs.length });
    this.#freeAtMs = Math.max(now, this.#freeAtMs) + this.taskMs;
    const doneMs = this.#freeAtMs;
    return timer(doneMs - now, this.scheduler).pipe(map(() => inputs.map(() => Float32Array.of(0.9, 0.1))));
  }
}
