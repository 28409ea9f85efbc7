/**
 * The short soak: 3,000 frames through the pipeline and the BPU backend on the emulator with faults switched on at
 * random task numbers (bench/soak.ts runs 100,000 for BENCHMARKS.md), asserting what the long run reports.
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
    expect(r.rssEndMb - r.rssAfterWarmupMb).toBeLessThan(10);
    expect(r.tailCorrect).toBe(r.tail);
  });
});
