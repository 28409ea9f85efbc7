import { Observable } from 'rxjs';
import type { ModelInput } from '../../src/core/preprocessing';
import type { Frame, PipelineBackend } from '../../src/pipeline';

/** One serialised "core" on real timers: each task takes `taskMs` after the previous one ends. */
export class SerialTimerBackend implements PipelineBackend {
  readonly maxBatch = 1;
  #busyUntilMs = 0;
  tasks = 0;

  constructor(readonly taskMs: number) {}

  infer(inputs: readonly ModelInput[]): Promise<Float32Array[]> {
    const now = performance.now();
    const endMs = Math.max(now, this.#busyUntilMs) + this.taskMs;
    this.#busyUntilMs = endMs;
    return new Promise((resolve) =>
      setTimeout(() => {
        this.tasks += 1;
        resolve(inputs.map(() => Float32Array.of(0.7, 0.2, 0.1)));
      }, endMs - now),
    );
  }
}

/** A camera on real timers: `fps` frames per second of a raw image cycling through `buffers` (no per-frame allocation of pixels). */
export function timerCamera(
  name: string,
  fps: number,
  buffers: Uint8Array[],
  width: number,
  height: number,
): Observable<Frame> {
  return new Observable<Frame>((subscriber) => {
    let n = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      subscriber.next({
        header: { stamp: { sec: Math.floor(now / 1000), nanosec: (now % 1000) * 1e6 }, frameId: name },
        receiveTimeMs: now,
        image: {
          kind: 'raw',
          width,
          height,
          encoding: 'bgr8',
          step: width * 3,
          data: buffers[n++ % buffers.length] ?? new Uint8Array(0),
        },
      });
    }, 1000 / fps);
    return () => clearInterval(timer);
  });
}
