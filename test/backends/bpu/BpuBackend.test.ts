import { BpuBackend } from '../../../src/backends/bpu/BpuBackend';
import { BpuRuntimeError } from '../../../src/backends/bpu/BpuRuntimeError';
import { openBpuBackend } from '../../../src/backends/bpu';
import {
  EXAMPLE_MODEL,
  emulatorProbe,
  ensureEmulator,
  expectNoLeaks,
  expectedClass,
  grayNv12,
  indexOfMax,
  nv12Input,
  tempDir,
  writeModel,
} from './emulator';

const lib = ensureEmulator();
const probe = emulatorProbe();
const dir = tempDir();

function smallModel(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    latencyUs: 1000,
    cores: 1,
    input: { name: 'data', height: 4, width: 16 },
    outputs: [{ name: 'logits', type: 'F32', validShape: [1, 10, 1, 1], logits: { high: 5, low: -1, step: 0 } }],
    ...fields,
  };
}

beforeEach(() => probe.resetCounters());
afterEach(() => expectNoLeaks(probe));

describe('BpuBackend on the EdgeNeXt_xx_small emulator model', () => {
  it('reports the model as the runtime describes it and classifies gray frames exactly', async () => {
    const backend = await openBpuBackend({ modelPath: EXAMPLE_MODEL, libraryPath: lib });
    try {
      expect(backend.kind).toBe('bpu');
      expect(backend.maxBatch).toBe(1);
      expect(backend.maxConcurrency).toBe(2);
      expect(backend.runtimeVersion).toBe('1.24.5_(emulator)');
      expect(backend.info).toEqual({
        modelName: 'EdgeNeXt_xx_small_224x224_nv12',
        inputFormat: 'nv12',
        inputWidth: 224,
        inputHeight: 224,
        numClasses: 1000,
        inputs: [{ name: 'data', dims: [1, 3, 224, 224], type: 'NV12' }],
        outputs: [{ name: 'output', dims: [1, 1000, 1, 1], type: 'F32' }],
      });
      const levels = [0, 37, 128, 200, 255];
      const results = await backend.infer(levels.map((l) => nv12Input(224, 224, grayNv12(224, 224, l))));
      expect(results).toHaveLength(levels.length);
      results.forEach((logits, i) => {
        const level = levels[i] as number;
        const k = expectedClass(level * 224 * 224, 224 * 224, 1000);
        expect(logits).toHaveLength(1000);
        expect(indexOfMax(logits)).toBe(k);
        expect(logits[k]).toBe(10);
        expect(logits.reduce((sum, v) => sum + v, 0)).toBe(10);
      });
      // 128 * 999 / 255 = 501.46..., so a mid-gray frame is class 501.
      expect(indexOfMax(results[2] as Float32Array)).toBe(501);
    } finally {
      await backend.close();
    }
  });

  it('takes the model name from the runtime, not from the file name', async () => {
    const file = writeModel(dir, 'renamed.emu.json', smallModel({ name: 'name_inside_the_file' }));
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib });
    expect(backend.info.modelName).toBe('name_inside_the_file');
    await backend.close();
  });
});

describe('buffers and flushes', () => {
  it('CLEANs the input before hbDNNInfer and INVALIDATEs the output after the wait, for every task', async () => {
    const file = writeModel(dir, 'flush.emu.json', smallModel());
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 2 });
    probe.resetCounters();
    const frames = [10, 90, 170, 250, 60].map((l) => nv12Input(16, 4, grayNv12(16, 4, l)));
    const results = await backend.infer(frames);
    await backend.close();
    expect(results.map(indexOfMax)).toEqual([10, 90, 170, 250, 60].map((l) => expectedClass(l * 64, 64, 10)));
    expect(probe.counter('stale_input_submissions')).toBe(0);
    expect(probe.counter('invalidates_before_completion')).toBe(0);
    expect(probe.counter('clean_flushes')).toBe(5);
    expect(probe.counter('invalidate_flushes')).toBe(5);
    // The emulator times the device work it does on the calling thread (bench/bpu.ts subtracts it from the binding).
    expect(probe.counter('caller_thread_ns')).toBeGreaterThan(0);

    // Trace grammar (native/README.md): C<buf> clean, S<task>:<in>><out> submit, W<task>=<status>,
    // I<buf> invalidate, R<task> release, F<buf> free.
    const events = probe.trace().trim().split(/\s+/);
    const submits = events.filter((e) => e.startsWith('S'));
    expect(submits).toHaveLength(5);
    for (const submit of submits) {
      const [, task, input, output] = /^S(\d+):(\d+)>(\d+)$/.exec(submit) ?? [];
      const at = events.indexOf(submit);
      const lastClean = events.lastIndexOf(`C${input}`, at);
      const previousUse = events
        .slice(0, at)
        .map((e, index) => (e.startsWith('S') && e.includes(`:${input}>`) ? index : -1))
        .reduce((a, b) => Math.max(a, b), -1);
      expect(lastClean).toBeGreaterThan(previousUse); // a fresh CLEAN for this submission
      const waited = events.indexOf(`W${task}=0`, at);
      const invalidated = events.indexOf(`I${output}`, waited);
      const released = events.indexOf(`R${task}`, waited);
      expect(waited).toBeGreaterThan(at);
      expect(invalidated).toBeGreaterThan(waited);
      expect(released).toBeGreaterThan(invalidated);
    }
    // close() frees what open() allocated: one input and one output buffer per slot.
    expect(events.filter((e) => e.startsWith('F'))).toHaveLength(4);
  });

  it('writes rows at the model row pitch when alignedShape is wider than the image', async () => {
    const file = writeModel(dir, 'pitch.emu.json', smallModel({ input: { height: 4, width: 16, rowPitch: 32 } }));
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib });
    // Luma rows 0, 255, 0, 255: mean 127.5. Writing the rows without the pitch would make the
    // emulator see rows 0, 0, (UV)128, 0 and answer class 1 instead.
    const data = grayNv12(16, 4, 0);
    data.fill(255, 16, 32);
    data.fill(255, 48, 64);
    const [logits] = await backend.infer([nv12Input(16, 4, data)]);
    await backend.close();
    expect(indexOfMax(logits as Float32Array)).toBe(expectedClass(255 * 32, 64, 10));
    expect(indexOfMax(logits as Float32Array)).toBe(5);
  });
});

describe('concurrency', () => {
  it('keeps maxInflight tasks in flight and queues the rest inside the backend', async () => {
    const file = writeModel(dir, 'queue.emu.json', smallModel({ latencyUs: 20000 }));
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 3 });
    probe.resetCounters();
    const levels = [0, 30, 60, 90, 120, 150, 180, 210];
    const started = performance.now();
    const results = await backend.infer(levels.map((l) => nv12Input(16, 4, grayNv12(16, 4, l))));
    const elapsedMs = performance.now() - started;
    await backend.close();
    expect(results.map(indexOfMax)).toEqual(levels.map((l) => expectedClass(l * 64, 64, 10)));
    expect(probe.counter('max_live_tasks')).toBe(3);
    // One emulated core: eight 20 ms tasks cannot finish faster than back to back.
    expect(elapsedMs).toBeGreaterThanOrEqual(8 * 20 - 1);
  });

  it('runs concurrent infer() calls and keeps each result with its own frame', async () => {
    const file = writeModel(dir, 'cores.emu.json', smallModel({ latencyUs: 5000, cores: 2 }));
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 4 });
    const levels = [255, 0, 128, 64, 192, 32];
    const results = await Promise.all(levels.map((l) => backend.infer([nv12Input(16, 4, grayNv12(16, 4, l))])));
    await backend.close();
    expect(results.map(([r]) => indexOfMax(r as Float32Array))).toEqual(
      levels.map((l) => expectedClass(l * 64, 64, 10)),
    );
  });

  it('does not block the event loop while a slow task runs', async () => {
    const file = writeModel(dir, 'slow.emu.json', smallModel({ latencyUs: 300000 }));
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const [logits] = await backend.infer([nv12Input(16, 4, grayNv12(16, 4, 255))]);
    clearInterval(timer);
    await backend.close();
    expect(indexOfMax(logits as Float32Array)).toBe(9);
    expect(ticks).toBeGreaterThanOrEqual(10); // a blocked loop would tick at most once
  });
});

describe('failures', () => {
  it('reports a failed task with the runtime code, its description and the step, then keeps working', async () => {
    const file = writeModel(
      dir,
      'fail.emu.json',
      smallModel({ faults: { failTasks: [{ task: 2, code: -6000012 }], rejectTasks: [{ task: 4, code: -6000009 }] } }),
    );
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 1 });
    const frame = nv12Input(16, 4, grayNv12(16, 4, 255));
    await expect(backend.infer([frame])).resolves.toHaveLength(1);
    const failed = await backend.infer([frame]).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(BpuRuntimeError);
    expect(failed).toMatchObject({ code: 'backend_error', runtimeCode: -6000012, step: 'hbDNNWaitTaskDone' });
    expect((failed as Error).message).toMatch(
      /^hbDNNWaitTaskDone failed \(-6000012 HB_DNN_RUN_TASK_FAILED: run task failed\)/,
    );
    const [after] = await backend.infer([frame]);
    expect(indexOfMax(after as Float32Array)).toBe(9);
    const rejected = await backend.infer([frame]).catch((e: unknown) => e);
    expect(rejected).toMatchObject({ runtimeCode: -6000009, step: 'hbDNNInfer' });
    expect((rejected as Error).message).toMatch(/^hbDNNInfer failed \(-6000009 HB_DNN_TASK_NUM_EXCEED_LIMIT: /);
    await expect(backend.infer([frame])).resolves.toHaveLength(1);
    await backend.close();
  });

  it('times out a hung task, cancels it and serves the next frame from a fresh slot', async () => {
    const file = writeModel(dir, 'hang.emu.json', smallModel({ faults: { hangTasks: [1] } }));
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 1, waitTimeoutMs: 100 });
    probe.resetCounters();
    const frame = nv12Input(16, 4, grayNv12(16, 4, 0));
    const started = performance.now();
    const hung = await backend.infer([frame]).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(99);
    expect(hung).toMatchObject({ code: 'timeout', runtimeCode: -6000008, step: 'hbDNNWaitTaskDone' });
    expect((hung as Error).message).toContain('HB_DNN_TIMEOUT');
    const [next] = await backend.infer([frame]);
    expect(indexOfMax(next as Float32Array)).toBe(0);
    expect(probe.counter('released_unfinished_tasks')).toBe(1);
    await backend.close();
  });

  it('times hung tasks from their submission: two hung tasks in flight both fail after one timeout, not two', async () => {
    const file = writeModel(dir, 'hang2.emu.json', smallModel({ faults: { hangTasks: [1, 2] } }));
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 2, waitTimeoutMs: 300 });
    probe.resetCounters();
    const frame = nv12Input(16, 4, grayNv12(16, 4, 0));
    const started = performance.now();
    const outcomes = await Promise.all([
      backend.infer([frame]).catch((e: unknown) => e),
      backend.infer([frame]).catch((e: unknown) => e),
    ]);
    const elapsedMs = performance.now() - started;
    expect(outcomes).toEqual([
      expect.objectContaining({ code: 'timeout', runtimeCode: -6000008 }),
      expect.objectContaining({ code: 'timeout', runtimeCode: -6000008 }),
    ]);
    expect(elapsedMs).toBeGreaterThanOrEqual(299);
    // Waiting in 100 ms slices, the second task's deadline is checked right after the first one's.
    expect(elapsedMs).toBeLessThan(550);
    expect(probe.counter('released_unfinished_tasks')).toBe(2);
    await backend.close();
    expect(probe.counter('live_tasks')).toBe(0);
  });

  it('holds at most maxRetiredSlots timed-out slots: then frames fail with the reason until a quarantine ends', async () => {
    const file = writeModel(dir, 'hang3.emu.json', smallModel({ faults: { hangTasks: [1, 2] } }));
    const backend = await BpuBackend.open({
      modelPath: file,
      libraryPath: lib,
      maxInflight: 1,
      waitTimeoutMs: 50,
      maxRetiredSlots: 2,
      retiredQuarantineMs: 400,
    });
    probe.resetCounters();
    const frame = nv12Input(16, 4, grayNv12(16, 4, 0));
    const oneSlot = probe.counter('live_allocations');
    expect(oneSlot).toBeGreaterThan(0);
    await expect(backend.infer([frame])).rejects.toMatchObject({ code: 'timeout' });
    // The hung slot's buffers are held and a fresh slot serves the next frame.
    expect(probe.counter('live_allocations')).toBe(2 * oneSlot);
    await expect(backend.infer([frame])).rejects.toMatchObject({ code: 'timeout' });
    // The second hung slot was not replaced: two held, none usable, nothing more allocated.
    expect(probe.counter('live_allocations')).toBe(2 * oneSlot);
    const refused = await backend.infer([frame]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'backend_error' });
    expect((refused as Error).message).toMatch(
      /^BPU backend has no task slot left: 2 timed-out tasks' buffers are held in case the BPU still writes them \(maxRetiredSlots 2\); the oldest is freed in 0\.\d s\. Check the BPU runtime \(tasks time out after waitTimeoutMs 50\)$/,
    );
    // After the quarantine both held slots are freed and one fresh slot serves frames again.
    await new Promise((resolve) => setTimeout(resolve, 450));
    const [served] = await backend.infer([frame]);
    expect(indexOfMax(served as Float32Array)).toBe(0);
    expect(probe.counter('live_allocations')).toBe(oneSlot);
    expect(probe.counter('released_unfinished_tasks')).toBe(2);
    await backend.close();
    expect(probe.counter('live_allocations')).toBe(0);
    expect(probe.counter('live_tasks')).toBe(0);
  });

  it('rejects frames still queued at close() with code closed and finishes the running one', async () => {
    const file = writeModel(dir, 'close.emu.json', smallModel({ latencyUs: 30000 }));
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 1 });
    const frame = nv12Input(16, 4, grayNv12(16, 4, 255));
    const first = backend.infer([frame]);
    const second = backend.infer([frame]).catch((e: unknown) => e);
    await backend.close();
    await expect(first).resolves.toHaveLength(1);
    expect(await second).toMatchObject({ code: 'closed' });
    await expect(backend.infer([frame])).rejects.toMatchObject({ code: 'closed' });
    await backend.close(); // idempotent
  });

  it('rejects float inputs and frames of the wrong size with clear messages', async () => {
    const backend = await BpuBackend.open({
      modelPath: writeModel(dir, 'in.emu.json', smallModel()),
      libraryPath: lib,
    });
    const float = { format: 'float32_nchw_rgb' as const, width: 16, height: 4, data: new Float32Array(192) };
    await expect(backend.infer([float])).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining("format 'float32_nchw_rgb' is not accepted; the BPU model takes NV12"),
    });
    await expect(backend.infer([nv12Input(32, 4, grayNv12(32, 4, 1))])).rejects.toThrow(
      "frame is 32x4, the model 'in' takes 16x4",
    );
    await backend.close();
  });

  it('passes the core mask through with the doc semantics: a mask naming a missing core fails hbDNNInfer', async () => {
    const backend = await BpuBackend.open({
      modelPath: writeModel(dir, 'mask.emu.json', smallModel()),
      libraryPath: lib,
      bpuCoreMask: 2,
      priority: 255,
    });
    await expect(backend.infer([nv12Input(16, 4, grayNv12(16, 4, 1))])).rejects.toMatchObject({
      runtimeCode: -6000001,
      step: 'hbDNNInfer',
    });
    await backend.close();
    const core0 = await BpuBackend.open({ modelPath: EXAMPLE_MODEL, libraryPath: lib, bpuCoreMask: 1, maxInflight: 1 });
    await expect(core0.infer([nv12Input(224, 224, grayNv12(224, 224, 255))])).resolves.toHaveLength(1);
    await core0.close();
  });

  it.each([
    [{ maxInflight: 0 }, 'maxInflight=0 must be an integer in 1..32'],
    [{ maxInflight: 33 }, 'maxInflight=33 must be an integer in 1..32'],
    [{ priority: 256 }, 'priority=256 must be an integer in 0..255'],
    [{ waitTimeoutMs: 0 }, 'waitTimeoutMs=0'],
  ])('validates options %p', async (options, message) => {
    await expect(BpuBackend.open({ modelPath: EXAMPLE_MODEL, libraryPath: lib, ...options })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining(message),
    });
  });
});

describe('opening', () => {
  it('names the library path it tried and what to install when libdnn is missing', async () => {
    const error = await BpuBackend.open({ modelPath: EXAMPLE_MODEL, libraryPath: '/nonexistent/libdnn.so' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'backend_unavailable' });
    const message = (error as Error).message;
    expect(message).toContain("'/nonexistent/libdnn.so'");
    expect(message).toContain('hobot-dnn');
    expect(message).toContain('--bpu-lib');
  });

  it('uses EDGENEXT_BPU_LIB when no library path is given', async () => {
    const saved = process.env.EDGENEXT_BPU_LIB;
    process.env.EDGENEXT_BPU_LIB = '/elsewhere/libdnn.so';
    try {
      await expect(BpuBackend.open({ modelPath: EXAMPLE_MODEL })).rejects.toThrow("'/elsewhere/libdnn.so'");
      process.env.EDGENEXT_BPU_LIB = lib;
      const backend = await BpuBackend.open({ modelPath: EXAMPLE_MODEL });
      expect(backend.libraryPath).toBe(lib);
      await backend.close();
    } finally {
      if (saved === undefined) delete process.env.EDGENEXT_BPU_LIB;
      else process.env.EDGENEXT_BPU_LIB = saved;
    }
  });

  it('reports a missing model file with the runtime code and the path', async () => {
    const missing = `${dir}/absent.bin`;
    const error = await BpuBackend.open({ modelPath: missing, libraryPath: lib }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'file_not_found', runtimeCode: -6000006, step: 'hbDNNInitializeFromFiles' });
    expect((error as Error).message).toBe(
      `hbDNNInitializeFromFiles failed (-6000006 HB_DNN_CAN_NOT_OPEN_FILE: can not open file) for model file '${missing}'`,
    );
  });

  it.each([
    ['garbage bytes', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]).toString('latin1'), -6000002],
    ['truncated JSON', '{"latencyUs": 10, "input": {', -6000002],
    ['a description without outputs', JSON.stringify({ input: { height: 4, width: 16 } }), -6000002],
    ['a model the runtime refuses', JSON.stringify(smallModel({ faults: { loadError: -6000014 } })), -6000014],
  ])('refuses %s with code model_load', async (_what, content, runtimeCode) => {
    const file = writeModel(dir, 'bad.bin', content);
    const error = await BpuBackend.open({ modelPath: file, libraryPath: lib }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'model_load', runtimeCode, step: 'hbDNNInitializeFromFiles' });
    expect((error as Error).message).toContain(file);
  });

  it('frees everything it acquired when a buffer allocation fails during open', async () => {
    // Two slots allocate input, output, input, output: the third allocation fails.
    const file = writeModel(dir, 'oom.emu.json', smallModel({ faults: { failAllocation: 3 } }));
    const error = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ runtimeCode: -6000130, step: 'hbSysAllocCachedMem' });
    expect((error as Error).message).toMatch(/^hbSysAllocCachedMem failed \(-6000130 HB_SYS_OUT_OF_MEMORY: /);
  });
});
