import {
  HbFlush,
  LibDnn,
  TENSOR_PROPERTIES_OFFSET,
  TENSOR_SIZE,
  allocPointerCell,
  allocStructs,
  decodeSysMem,
  decodeTensorProperties,
  encodeInferCtrlParam,
  freeNative,
  nativeView,
  type NativePointer,
  type OutCell,
} from '../../../src/backends/bpu/libdnn';
import { emulatorProbe, ensureEmulator, expectNoLeaks, tempDir, writeModel } from './emulator';

const lib = LibDnn.load(ensureEmulator());
const probe = emulatorProbe();
const dir = tempDir();
const description = (latencyUs: number) => ({
  latencyUs,
  input: { height: 2, width: 16 },
  outputs: [{ type: 'F32', validShape: [1, 4, 1, 1], logits: { high: 3, low: -1, step: 0 } }],
});
const modelFile = writeModel(dir, 'raw_model.emu.json', description(2000));
// Long enough that a 1 ms wait times out even when this busy CI host deschedules the test for a while.
const slowModelFile = writeModel(dir, 'raw_model.slow.emu.json', description(200000));

/** The C sample sequence of §3.8 written directly against the binding. */
class RawSession {
  readonly packed: NativePointer;
  readonly model: NativePointer;
  readonly tensors = allocStructs('hbDNNTensor', 2);
  readonly cell = allocPointerCell(this.tensors + BigInt(TENSOR_SIZE));
  readonly ctrl = allocStructs('hbDNNInferCtrlParam', 1);
  readonly input: Uint8Array;
  readonly output: Float32Array;

  constructor(file = modelFile) {
    const packed: OutCell<NativePointer | null> = [null];
    expect(lib.initializeFromFiles([file], packed)).toBe(0);
    this.packed = packed[0] as NativePointer;
    const names: string[] = [];
    expect(lib.modelNameList(this.packed, names)).toBe(0);
    expect(names).toHaveLength(1);
    const model: OutCell<NativePointer | null> = [null];
    expect(lib.modelHandle(this.packed, names[0] as string, model)).toBe(0);
    this.model = model[0] as NativePointer;
    const out = this.tensors + BigInt(TENSOR_SIZE);
    expect(lib.inputTensorProperties(this.tensors + BigInt(TENSOR_PROPERTIES_OFFSET), this.model, 0)).toBe(0);
    expect(lib.outputTensorProperties(out + BigInt(TENSOR_PROPERTIES_OFFSET), this.model, 0)).toBe(0);
    const inProps = decodeTensorProperties(this.tensors + BigInt(TENSOR_PROPERTIES_OFFSET));
    expect(inProps).toMatchObject({ tensorType: 1, tensorLayout: 2, quantiType: 0, alignedByteSize: 48 });
    expect(Array.from(inProps.stride)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(lib.sysAllocCachedMem(this.tensors, inProps.alignedByteSize)).toBe(0);
    expect(lib.sysAllocCachedMem(out, 16)).toBe(0);
    const inMem = decodeSysMem(this.tensors);
    expect(BigInt(inMem.phyAddr)).not.toBe(inMem.virAddr);
    this.input = new Uint8Array(nativeView(inMem.virAddr, inMem.memSize));
    this.output = new Float32Array(nativeView(decodeSysMem(out).virAddr, 16));
    encodeInferCtrlParam(this.ctrl, { bpuCoreId: 0, priority: 0 });
  }

  submit(): { status: number; task: NativePointer | null } {
    const task: OutCell<NativePointer | null> = [null];
    const status = lib.infer(task, this.cell, this.tensors, this.model, this.ctrl);
    return { status, task: task[0] };
  }

  close(): void {
    expect(lib.sysFreeMem(this.tensors)).toBe(0);
    expect(lib.sysFreeMem(this.tensors + BigInt(TENSOR_SIZE))).toBe(0);
    freeNative(this.tensors);
    freeNative(this.cell);
    freeNative(this.ctrl);
    expect(lib.release(this.packed)).toBe(0);
  }
}

afterEach(() => expectNoLeaks(probe));

describe('the libdnn binding against the emulator', () => {
  it('runs the sample sequence and shows why both flushes are needed', async () => {
    expect(lib.version()).toBe('1.24.5_(emulator)');
    const s = new RawSession();
    s.input.fill(255, 0, 32); // bright frame: class 3 of 4
    // Without CLEAN the BPU reads the stale (zero) device copy: class 0.
    let { status, task } = s.submit();
    expect(status).toBe(0);
    expect(await lib.waitTaskDoneAsync(task as NativePointer, 0)).toBe(0);
    expect(lib.sysFlushMem(s.tensors + BigInt(TENSOR_SIZE), HbFlush.INVALIDATE)).toBe(0);
    expect(Array.from(s.output)).toEqual([3, -1, -1, -1]);
    expect(lib.releaseTask(task as NativePointer)).toBe(0);
    expect(probe.counter('stale_input_submissions')).toBeGreaterThanOrEqual(1);

    // With CLEAN, but reading without INVALIDATE, the CPU still sees the previous result.
    expect(lib.sysFlushMem(s.tensors, HbFlush.CLEAN)).toBe(0);
    ({ status, task } = s.submit());
    expect(status).toBe(0);
    expect(await lib.waitTaskDoneAsync(task as NativePointer, 0)).toBe(0);
    expect(Array.from(s.output)).toEqual([3, -1, -1, -1]);
    expect(lib.sysFlushMem(s.tensors + BigInt(TENSOR_SIZE), HbFlush.INVALIDATE)).toBe(0);
    expect(Array.from(s.output)).toEqual([-1, -1, -1, 3]);
    expect(lib.releaseTask(task as NativePointer)).toBe(0);

    // A released task handle is dead.
    expect(lib.releaseTask(task as NativePointer)).toBe(-6000011);
    expect(lib.waitTaskDoneSync(task as NativePointer, 1)).toBe(-6000011);
    s.close();
  });

  it('refuses a 33rd live task with HB_DNN_TASK_NUM_EXCEED_LIMIT and a non-NULL *task', () => {
    const s = new RawSession();
    lib.sysFlushMem(s.tensors, HbFlush.CLEAN);
    const tasks: NativePointer[] = [];
    for (let i = 0; i < 32; i++) {
      const { status, task } = s.submit();
      expect(status).toBe(0);
      tasks.push(task as NativePointer);
    }
    const extra = s.submit();
    expect(extra).toEqual({ status: -6000009, task: null });
    expect(lib.errorDesc(-6000009)).toContain('HB_DNN_TASK_NUM_EXCEED_LIMIT');
    const reused: OutCell<NativePointer | null> = [tasks[0] as NativePointer];
    expect(lib.infer(reused, s.cell, s.tensors, s.model, s.ctrl)).toBe(-6000015);
    // A model with live tasks cannot be released.
    expect(lib.release(s.packed)).toBe(-6000013);
    for (const task of tasks) expect(lib.releaseTask(task)).toBe(0);
    expect(probe.counter('live_tasks')).toBe(0);
    s.close();
  });

  it('times out a wait with HB_DNN_TIMEOUT and still completes the task afterwards', async () => {
    const s = new RawSession(slowModelFile);
    lib.sysFlushMem(s.tensors, HbFlush.CLEAN);
    const { task } = s.submit();
    try {
      expect(lib.waitTaskDoneSync(task as NativePointer, 1)).toBe(-6000008);
      expect(await lib.waitTaskDoneAsync(task as NativePointer, 5000)).toBe(0);
    } finally {
      expect(lib.releaseTask(task as NativePointer)).toBe(0);
      s.close();
    }
  });

  it('rejects bad handles and bad flush flags with the documented codes', () => {
    const bogus = 0x1234n;
    const names: string[] = [];
    expect(lib.modelNameList(bogus, names)).toBe(-6000004);
    const count: OutCell<number> = [0];
    expect(lib.inputCount(bogus, count)).toBe(-6000005);
    expect(lib.releaseTask(bogus)).toBe(-6000011);
    const s = new RawSession();
    expect(lib.sysFlushMem(s.tensors, 3 as 1)).toBe(-6000129);
    s.close();
  });
});
