import { Subject } from 'rxjs';
import type { ModelInput } from '../../src/core/preprocessing';
import { createPipeline, type Frame, type PipelineBackend } from '../../src/pipeline';
import { fakePostprocess, fakePreprocess, frameAt } from './fakes';

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Calls never finish until `release` is called: the device is stuck. */
class StuckBackend implements PipelineBackend {
  readonly maxBatch: number;
  readonly #resolvers: ((v: Float32Array[]) => void)[] = [];
  calls = 0;

  constructor(maxBatch = 1) {
    this.maxBatch = maxBatch;
  }

  infer(inputs: readonly ModelInput[]): Promise<Float32Array[]> {
    this.calls += 1;
    return new Promise((resolve) => this.#resolvers.push(() => resolve(inputs.map(() => Float32Array.of(1)))));
  }

  release(): void {
    for (const resolve of this.#resolvers.splice(0)) resolve([]);
  }
}

describe('shutdown on real timers', () => {
  it('cancels stuck in-flight work within the timeout, completes results and leaves no timer behind', async () => {
    const before = timeouts();
    const backend = new StuckBackend();
    const pipeline = createPipeline(
      { maxInflight: 2, queuePolicy: 'drop_newest', queueDepth: 4 },
      {
        backend,
        preprocess: fakePreprocess,
        postprocess: fakePostprocess,
      },
    );
    const frames = new Subject<Frame>();
    pipeline.addSource('cam', frames);
    let completed = false;
    pipeline.results.subscribe({ complete: () => (completed = true) });
    for (const id of ['a', 'b', 'c', 'd']) frames.next(frameAt(id, Date.now()));
    expect(pipeline.stats().backend.inflightCalls).toBe(2);

    const start = performance.now();
    await pipeline.shutdown({ timeoutMs: 100 });
    const elapsed = performance.now() - start;

    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    expect(completed).toBe(true);
    expect(frames.observed).toBe(false); // the source subscription was released
    expect(pipeline.stats().sources[0]).toMatchObject({
      received: 4,
      published: 0,
      inflight: 0,
      queueDepth: 0,
      dropped: { shutdown: 4 },
    });
    expect(pipeline.stats().bufferedFrames).toBe(0);
    // Jest's own timers may have ended meanwhile, so compare with <=: the shutdown timer must be gone.
    expect(timeouts()).toBeLessThanOrEqual(before);
    backend.release(); // a late completion after cancellation changes nothing
    await Promise.resolve();
    expect(pipeline.stats().sources[0]?.published).toBe(0);
    expect(() => pipeline.addSource('late', frames)).toThrow("cannot add source 'late': the pipeline is shut down");
  });

  it('drains in-flight work that finishes before the timeout', async () => {
    const backend = new StuckBackend();
    const pipeline = createPipeline(
      { maxInflight: 1 },
      { backend, preprocess: fakePreprocess, postprocess: fakePostprocess },
    );
    const frames = new Subject<Frame>();
    pipeline.addSource('cam', frames);
    const ids: string[] = [];
    pipeline.results.subscribe((r) => ids.push(r.header.frameId));
    frames.next(frameAt('a', Date.now()));
    setTimeout(() => backend.release(), 20);
    const start = performance.now();
    await pipeline.shutdown({ timeoutMs: 5000 });
    expect(performance.now() - start).toBeLessThan(2000);
    expect(ids).toEqual(['a']);
    expect(pipeline.stats().sources[0]).toMatchObject({ received: 1, published: 1, inflight: 0 });
  });

  it('clears a pending batch timer and resolves at once when nothing is running', async () => {
    const before = timeouts();
    const backend = new StuckBackend(4);
    const pipeline = createPipeline(
      { maxBatch: 4, maxWaitMs: 60_000 },
      { backend, preprocess: fakePreprocess, postprocess: fakePostprocess },
    );
    const frames = new Subject<Frame>();
    pipeline.addSource('cam', frames);
    frames.next(frameAt('a', Date.now()));
    expect(backend.calls).toBe(0); // waiting for a fuller batch
    expect(timeouts()).toBe(before + 1);
    await pipeline.shutdown();
    expect(timeouts()).toBe(before);
    expect(pipeline.stats().sources[0]?.dropped.shutdown).toBe(1);
    await expect(pipeline.drained()).resolves.toBeUndefined();
  });
});
