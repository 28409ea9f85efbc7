import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nearestToNv12 } from '../../bench/pipeline';
import type { ImageInput } from '../../src/core/image';
import { createPipeline, type PipelineOptions, type PipelineStatsSnapshot } from '../../src/pipeline';
import { fakePostprocess } from './fakes';
import { SerialTimerBackend, timerCamera } from './realtime';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const WIDTH = 1280;
const HEIGHT = 720;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function preprocess(image: ImageInput) {
  if (image.kind !== 'raw') throw new Error('raw only');
  return nearestToNv12(image);
}

/**
 * 4 cameras x 60 FPS of 1280x720 bgr8 into a backend that manages 50 FPS, on real timers. The frames reuse
 * three real-size buffers so the test itself allocates almost nothing per frame.
 */
describe.each<[string, Partial<PipelineOptions>]>([
  ['latest', { queuePolicy: 'latest' }],
  ['drop_oldest depth 3', { queuePolicy: 'drop_oldest', queueDepth: 3 }],
])('overload with %s', (_name, options) => {
  it('stays within its bounds, accounts for every frame, serves every camera and keeps memory flat', async () => {
    const buffers = Array.from({ length: 3 }, (_, k) => new Uint8Array(WIDTH * HEIGHT * 3).fill(40 * k + 20));
    const backend = new SerialTimerBackend(20);
    const pipeline = createPipeline(
      { maxInflight: 2, ...options },
      { backend, preprocess, postprocess: fakePostprocess },
    );
    const perWindow = new Map<string, number[]>();
    let window = 0;
    pipeline.results.subscribe((r) => {
      const counts = perWindow.get(r.source) ?? [];
      counts[window] = (counts[window] ?? 0) + 1;
      perWindow.set(r.source, counts);
    });
    const violations: string[] = [];
    const check = (s: PipelineStatsSnapshot): void => {
      if (s.bufferedFrames > s.bufferBound) violations.push(`buffered ${s.bufferedFrames} > ${s.bufferBound}`);
      for (const src of s.sources) {
        const accounted = src.published + src.droppedTotal + src.queueDepth + src.inflight;
        if (src.received !== accounted) violations.push(`${src.name}: received ${src.received} != ${accounted}`);
      }
    };
    gc();
    const baseline = process.memoryUsage();
    const cams = ['front', 'rear', 'left', 'right'];
    for (const cam of cams) pipeline.addSource(cam, timerCamera(cam, 60, buffers, WIDTH, HEIGHT));
    const sampler = setInterval(() => check(pipeline.stats()), 25);
    const memory: number[] = [];
    for (window = 0; window < 5; window += 1) {
      await sleep(500);
      gc();
      memory.push(process.memoryUsage().arrayBuffers);
    }
    clearInterval(sampler);
    const stats = pipeline.stats();
    check(stats);
    await pipeline.shutdown({ timeoutMs: 200 });

    expect(violations).toEqual([]);
    // latest: 4 one-frame buffers + 2 in flight; drop_oldest 3: 4 x 3 + 2 (nothing is preprocessed ahead).
    const bound = options.queuePolicy === 'latest' ? 6 : 14;
    expect(stats.bufferBound).toBe(bound);
    expect(stats.maxBufferedFrames).toBeLessThanOrEqual(bound);
    expect(stats.maxBufferedFrames).toBeGreaterThanOrEqual(bound - 1); // the overload really filled the buffers
    const received = stats.sources.reduce((n, s) => n + s.received, 0);
    const published = stats.sources.reduce((n, s) => n + s.published, 0);
    const queueFull = stats.sources.reduce((n, s) => n + s.dropped.queue_full, 0);
    expect(queueFull).toBeGreaterThan(received / 4); // 240 offered vs 50 served: most frames are dropped as queue_full
    expect(published).toBeLessThanOrEqual(backend.tasks);
    // Fair: every camera got results in every half-second window, and a similar share overall.
    for (const cam of cams) {
      const counts = perWindow.get(cam) ?? [];
      expect(Array.from({ length: 5 }, (_, w) => (counts[w] ?? 0) > 0)).toEqual([true, true, true, true, true]);
    }
    const shares = stats.sources.map((s) => s.published / published);
    expect(Math.min(...shares)).toBeGreaterThan(0.15);
    // Memory: no growth across the run beyond a few model inputs (each 75 KB) and V8 noise.
    const growth = Math.max(...memory) - baseline.arrayBuffers;
    expect(growth).toBeLessThan(8 * 1024 * 1024);
    expect((memory[4] ?? 0) - (memory[1] ?? 0)).toBeLessThan(4 * 1024 * 1024);
  });
});
