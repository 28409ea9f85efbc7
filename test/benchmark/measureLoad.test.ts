import { measureLoad } from '../../src/benchmark/measureLoad';

/** An inference that takes `ms` of timer time and records how many calls overlap. */
function fakeInference(ms: number) {
  const state = { inFlight: 0, maxInFlight: 0, calls: 0 };
  const infer = async (): Promise<void> => {
    state.calls++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await new Promise((resolve) => setTimeout(resolve, ms));
    state.inFlight--;
  };
  return { state, infer };
}

describe('measureLoad', () => {
  it('keeps exactly N calls in flight, warms up first, and measures exactly --count calls', async () => {
    const { state, infer } = fakeInference(2);
    const progress: number[] = [];
    const result = await measureLoad(infer, {
      streams: 3,
      warmup: 4,
      stop: { count: 12 },
      onProgress: (f) => progress.push(f),
    });
    expect(state.calls).toBe(16);
    expect(state.maxInFlight).toBe(3);
    expect(result.streams).toBe(3);
    expect(result.frames).toBe(12);
    expect(progress[progress.length - 1]).toBe(1);
    expect(result.fps).toBeCloseTo((12 * 1000) / result.elapsedMs, 6);
    // Node's timers fire at most about 1 ms early (millisecond rounding), so each call takes over 1 of its 2 ms.
    expect(result.medianMs).toBeGreaterThanOrEqual(1);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.medianMs);
  });

  it('stops starting calls after the duration', async () => {
    const { state, infer } = fakeInference(5);
    const result = await measureLoad(infer, { streams: 2, warmup: 0, stop: { durationMs: 60 } });
    expect(result.frames).toBe(state.calls);
    expect(result.frames).toBeGreaterThan(0);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(59);
  });

  it('refuses a stream count that is not a positive integer', async () => {
    await expect(measureLoad(async () => undefined, { streams: 0, warmup: 0, stop: { count: 1 } })).rejects.toThrow(
      'streams must be a positive integer, got 0',
    );
  });
});
