/**
 * The short soak: 3,000 frames through the pipeline and the BPU backend on the emulator with faults switched on at
 * random task numbers (bench/soak.ts runs 100,000 in a process of its own for BENCHMARKS.md), asserting what the long
 * run reports.
 */
import { FAULT_KINDS, runSoak } from '../../bench/soak';

describe('soak with faults (short)', () => {
  it('leaks nothing, accounts for every frame, keeps memory flat and still classifies after the faults', async () => {
    const r = await runSoak({ frames: 3_000, warmupFrames: 1_000 });
    // Nothing left behind in the runtime once the backend closed.
    expect({ tasks: r.liveTasks, allocations: r.liveAllocations, models: r.livePackedHandles }).toEqual({
      tasks: 0,
      allocations: 0,
      models: 0,
    });
    // Every fault switched on was met and reported as its own kind.
    for (const kind of FAULT_KINDS)
      expect({ kind, seen: r.faultsSeen[kind] }).toEqual({ kind, seen: r.faultsPlanned[kind] });
    expect(r.faultsPlanned.rejected).toBeGreaterThan(0);
    expect(r.faultsPlanned.hung).toBeGreaterThan(0);
    expect(r.cancelledTasks).toBeGreaterThanOrEqual(r.faultsPlanned.hung);
    // Every frame: published, or dropped as the backend error its fault caused; nothing else dropped.
    const failures = r.faultsSeen.rejected + r.faultsSeen.failed + r.faultsSeen.hung;
    expect(r.dropped).toEqual({ backend_error: failures });
    expect(r.published + failures).toBe(r.frames);
    // Samples at every tenth of warm-up and of the rest, the first of the rest being the baseline.
    expect(r.samples.map((m) => m.frame)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i * 100),
      ...Array.from({ length: 10 }, (_, i) => 1_000 + i * 200),
    ]);
    expect(r.samples[10]).toEqual(r.afterWarmup);
    // Live JS objects after a full collection: a frame, result or subscription kept per frame would show here (the
    // 2,000 frames after warm-up are 147 MB of images); jest's own heap makes the figure larger than the bench's.
    expect(r.end.heapUsedMb - r.afterWarmup.heapUsedMb).toBeLessThan(2);
    // Memory outside the heap that V8 knows of (Buffers, native views): only the hung tasks' retired buffers stay.
    const retiredMb = (r.faultsPlanned.hung * ((224 * 224 * 3) / 2 + 1000 * 4)) / 2 ** 20;
    expect(r.end.externalMb - r.afterWarmup.externalMb).toBeLessThan(retiredMb + 1);
    // RSS of a jest worker is not the soak's alone (it grew 19 MB over these 2,000 frames with heap used, heap total
    // and external flat, seen): the bench measures RSS in a process of its own; here it catches gross native leaks.
    expect(r.end.rssMb - r.afterWarmup.rssMb).toBeLessThan(50);
    expect(r.tailCorrect).toBe(r.tail);
  });
});
