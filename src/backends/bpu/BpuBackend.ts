import * as path from 'node:path';
import type { BackendModelInfo, InferenceBackend, TensorDescription } from '../../core/backend';
import { EdgenextError, ErrorCodes, errorMessage } from '../../core/errors';
import type { ModelInput } from '../../core/preprocessing';
import { BpuRuntimeError } from './BpuRuntimeError';
import { createOutputDecoder, elementTypeName, type OutputDecoder } from './outputDecoder';
import {
  HB_DNN_MAX_LIVE_TASKS,
  HbDataType,
  HbFlush,
  HbLayout,
  LibDnn,
  TENSOR_PROPERTIES_OFFSET,
  TENSOR_SIZE,
  allocPointerCell,
  allocStructs,
  decodeNumbers,
  decodeSysMem,
  decodeTensorProperties,
  encodeInferCtrlParam,
  freeNative,
  nativeView,
  type NativePointer,
  type OutCell,
  type TensorProperties,
} from './libdnn';

export const DEFAULT_BPU_LIBRARY = 'libdnn.so';
export const BPU_LIBRARY_ENV = 'EDGENEXT_BPU_LIB';

export interface BpuBackendOptions {
  /** Model file: a compiled `.bin` on the board, an emulator description (`*.emu.json`) with the emulator. */
  readonly modelPath: string;
  /**
   * libdnn to dlopen. Default: $EDGENEXT_BPU_LIB, else 'libdnn.so' (found through the loader path,
   * /usr/lib on RDK OS). Failure: EdgenextError 'backend_unavailable' naming the path tried.
   */
  readonly libraryPath?: string;
  /** Tasks in flight at once (each owns one input/output buffer set). Default 2, range 1..32. */
  readonly maxInflight?: number;
  /** hbDNNInferCtrlParam.priority, 0 (lowest, default) .. 255 (preemptive). */
  readonly priority?: number;
  /** hbDNNInferCtrlParam.bpuCoreId bit mask: 0 = any core (default), 1 = core 0, 2 = core 1. The X5 has core 0 only. */
  readonly bpuCoreMask?: number;
  /**
   * Longest time one task may take, in milliseconds from its submission (queueing behind the tasks ahead of it
   * included). Default 5000. On expiry that input rejects with code 'timeout' and the task is released (cancelled).
   */
  readonly waitTimeoutMs?: number;
  /**
   * How long the buffers of a timed-out task stay out of use after the task was released, in milliseconds:
   * hbDNNReleaseTask stops a running task "at some later point", so the BPU may still write them meanwhile. Then
   * they are freed. Default 60000.
   */
  readonly retiredQuarantineMs?: number;
  /**
   * Most timed-out tasks' buffers held in quarantine at once (about 80 KB each for EdgeNeXt at 224x224); beyond it
   * a timed-out slot is not replaced, so a runtime that keeps hanging runs out of slots and frames fail with the
   * reason (until quarantines end) instead of memory growing with every hang. Default 64.
   */
  readonly maxRetiredSlots?: number;
}

interface Slot {
  /** Native array: input tensor at 0, then the output tensors (272-byte pitch). */
  readonly tensors: NativePointer;
  /** Native cell holding the address of the output tensor array (the `hbDNNTensor **output` argument). */
  readonly outputCell: NativePointer;
  readonly ctrl: NativePointer;
  /** Alias of the input buffer's CPU mapping; set once the buffer exists. */
  input: Uint8Array;
  readonly outputs: ArrayBuffer[];
  readonly allocated: NativePointer[];
}

interface Job {
  readonly input: ModelInput;
  readonly resolve: (logits: Float32Array) => void;
  readonly reject: (error: Error) => void;
}

interface RunningTask {
  readonly job: Job;
  readonly slot: Slot;
  readonly task: NativePointer;
  /** Date.now() after which the task counts as hung: submission + waitTimeoutMs. */
  readonly deadlineMs: number;
}

/**
 * A blocking hbDNNWaitTaskDone cannot be interrupted, so a long wait is taken in slices of at most this long: a task
 * that runs past its deadline, or a close() deadline, is acted on within one slice instead of one whole timeout.
 */
const WAIT_SLICE_MS = 100;
const HB_DNN_TIMEOUT = -6000008;

/** Input geometry read from the model's input tensor properties. */
interface InputGeometry {
  readonly width: number;
  readonly height: number;
  /** Bytes per row in the device buffer (alignedShape width); >= width. */
  readonly rowPitch: number;
  readonly bufferBytes: number;
}

/**
 * InferenceBackend on the RDK X5 BPU through libdnn (or the project's emulator of it).
 *
 * Each in-flight task owns one "slot" of cached BPU memory allocated at open. Frames wait in a FIFO
 * for a free slot; a submitted task is waited for on a koffi worker thread, in submission order, by
 * a single waiter: with one BPU core tasks finish in that order anyway, and one waiter keeps at most
 * one libuv pool thread blocked whatever maxInflight is.
 */
export class BpuBackend implements InferenceBackend {
  readonly kind = 'bpu';
  readonly maxBatch = 1;
  readonly maxConcurrency: number;
  /** One BPU core: tasks in flight run one after another (the pipeline times its submissions by this). */
  readonly deviceParallelism = 1;
  readonly info: BackendModelInfo;
  /** The runtime's hbDNNGetVersion text. */
  readonly runtimeVersion: string;
  readonly libraryPath: string;

  #lib: LibDnn;
  #packed: NativePointer | null;
  #model: NativePointer;
  #geometry: InputGeometry;
  #decoders: OutputDecoder[];
  #outputBytes: number[];
  #options: Required<Omit<BpuBackendOptions, 'libraryPath' | 'modelPath'>>;
  #slots: Slot[] = [];
  #freeSlots: Slot[] = [];
  /** Slots whose task timed out, oldest first, with when: the BPU might still write into them until quarantine ends. */
  #retired: Array<{ readonly slot: Slot; readonly sinceMs: number }> = [];
  #pending: Job[] = [];
  #running: RunningTask[] = [];
  #waiting = false;
  #closing = false;
  #closeDeadline = 0;
  #drained: (() => void) | null = null;
  #closed: Promise<void> | null = null;

  private constructor(init: {
    lib: LibDnn;
    packed: NativePointer;
    model: NativePointer;
    info: BackendModelInfo;
    geometry: InputGeometry;
    decoders: OutputDecoder[];
    outputBytes: number[];
    options: Required<Omit<BpuBackendOptions, 'libraryPath' | 'modelPath'>>;
  }) {
    this.#lib = init.lib;
    this.libraryPath = init.lib.path;
    this.runtimeVersion = init.lib.version();
    this.#packed = init.packed;
    this.#model = init.model;
    this.info = init.info;
    this.#geometry = init.geometry;
    this.#decoders = init.decoders;
    this.#outputBytes = init.outputBytes;
    this.#options = init.options;
    this.maxConcurrency = init.options.maxInflight;
  }

  /**
   * Loads the library and the model, reads the tensor properties and allocates one buffer set per
   * in-flight slot. Everything acquired is released again when any step fails.
   */
  static async open(options: BpuBackendOptions): Promise<BpuBackend> {
    const settings = validateOptions(options);
    const libraryPath = options.libraryPath ?? process.env[BPU_LIBRARY_ENV] ?? DEFAULT_BPU_LIBRARY;
    const lib = loadLibrary(libraryPath);
    const modelPath = path.resolve(options.modelPath);
    const check = (step: string, status: number, context = `for model file '${modelPath}'`): void => {
      if (status !== 0) throw runtimeError(lib, step, status, context);
    };

    const packedCell: OutCell<NativePointer | null> = [null];
    check('hbDNNInitializeFromFiles', await lib.initializeFromFilesAsync([modelPath], packedCell));
    const packed = packedCell[0] as NativePointer;
    let backend: BpuBackend | null = null;
    try {
      const names: string[] = [];
      check('hbDNNGetModelNameList', lib.modelNameList(packed, names));
      const modelName = names[0];
      if (modelName === undefined) throw new EdgenextError(ErrorCodes.modelLoad, `'${modelPath}' contains no model`);
      const modelCell: OutCell<NativePointer | null> = [null];
      check('hbDNNGetModelHandle', lib.modelHandle(packed, modelName, modelCell));
      const model = modelCell[0] as NativePointer;
      const description = describeModel(lib, model, modelName, modelPath, check);
      backend = new BpuBackend({ lib, packed, model, ...description, options: settings });
      for (let i = 0; i < settings.maxInflight; i++) backend.#addSlot();
      return backend;
    } catch (error) {
      if (backend) backend.#releaseNative();
      else lib.release(packed);
      throw error;
    }
  }

  infer(inputs: readonly ModelInput[]): Promise<Float32Array[]> {
    if (this.#closing) {
      return Promise.reject(new EdgenextError(ErrorCodes.closed, 'BPU backend is closed'));
    }
    for (const [i, input] of inputs.entries()) {
      const problem = this.#inputProblem(input);
      if (problem) {
        return Promise.reject(new EdgenextError(ErrorCodes.invalidArgument, `BPU backend input ${i}: ${problem}`));
      }
    }
    const results = inputs.map(
      (input) =>
        new Promise<Float32Array>((resolve, reject) => {
          this.#pending.push({ input, resolve, reject });
        }),
    );
    this.#pump();
    return Promise.all(results);
  }

  /**
   * Rejects frames that have not been submitted (code 'closed'), lets submitted tasks finish — each
   * wait is cut to end at most waitTimeoutMs after close() was called — releases the tasks that are
   * left, then frees every buffer and the model. Idempotent.
   */
  close(): Promise<void> {
    if (!this.#closed) this.#closed = this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#closeDeadline = Date.now() + this.#options.waitTimeoutMs;
    for (const job of this.#pending.splice(0)) {
      job.reject(new EdgenextError(ErrorCodes.closed, 'BPU backend closed before this frame was submitted'));
    }
    if (this.#running.length > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    this.#releaseNative();
  }

  #inputProblem(input: ModelInput): string | null {
    if (input.format !== 'nv12') {
      return `format '${input.format}' is not accepted; the BPU model takes NV12 (preprocess with format 'nv12')`;
    }
    const { width, height } = this.#geometry;
    if (input.width !== width || input.height !== height) {
      return `frame is ${input.width}x${input.height}, the model '${this.info.modelName}' takes ${width}x${height}`;
    }
    const needed = (width * height * 3) / 2;
    if (input.data.length < needed)
      return `NV12 data has ${input.data.length} bytes, ${width}x${height} needs ${needed}`;
    return null;
  }

  #addSlot(): Slot {
    const lib = this.#lib;
    const outputCount = this.#decoders.length;
    const tensors = allocStructs('hbDNNTensor', 1 + outputCount);
    const outputCell = allocPointerCell(tensors + BigInt(TENSOR_SIZE));
    const ctrl = allocStructs('hbDNNInferCtrlParam', 1);
    const slot: Slot = { tensors, outputCell, ctrl, input: new Uint8Array(0), outputs: [], allocated: [] };
    this.#slots.push(slot);
    const check = (step: string, status: number): void => {
      if (status !== 0) throw runtimeError(lib, step, status, `while allocating buffers for '${this.info.modelName}'`);
    };
    // The properties are copied verbatim by the runtime into the tensors, as the C samples do.
    check(
      'hbDNNGetInputTensorProperties',
      lib.inputTensorProperties(tensors + BigInt(TENSOR_PROPERTIES_OFFSET), this.#model, 0),
    );
    check('hbSysAllocCachedMem', lib.sysAllocCachedMem(tensors, this.#geometry.bufferBytes));
    slot.allocated.push(tensors);
    const inputMem = decodeSysMem(tensors);
    slot.input = new Uint8Array(nativeView(inputMem.virAddr, inputMem.memSize));
    for (let j = 0; j < outputCount; j++) {
      const tensor = tensors + BigInt(TENSOR_SIZE * (1 + j));
      check(
        'hbDNNGetOutputTensorProperties',
        lib.outputTensorProperties(tensor + BigInt(TENSOR_PROPERTIES_OFFSET), this.#model, j),
      );
      check('hbSysAllocCachedMem', lib.sysAllocCachedMem(tensor, this.#outputBytes[j] as number));
      slot.allocated.push(tensor);
      const mem = decodeSysMem(tensor);
      slot.outputs.push(nativeView(mem.virAddr, mem.memSize));
    }
    encodeInferCtrlParam(ctrl, { bpuCoreId: this.#options.bpuCoreMask, priority: this.#options.priority });
    this.#freeSlots.push(slot);
    return slot;
  }

  /** Submits pending frames while slots are free. */
  #pump(): void {
    if (this.#retired.length > 0 && this.#freeEndedQuarantines()) this.#refillSlots();
    const oldest = this.#retired[0];
    if (this.#slots.length === this.#retired.length && oldest !== undefined && !this.#closing) {
      // Every slot is in quarantine and none may be added: no frame can be served until the oldest one ends.
      const waitS = (oldest.sinceMs + this.#options.retiredQuarantineMs - Date.now()) / 1000;
      const failure = new EdgenextError(
        ErrorCodes.backendError,
        `BPU backend has no task slot left: ${this.#retired.length} timed-out tasks' buffers are held in case the ` +
          `BPU still writes them (maxRetiredSlots ${this.#options.maxRetiredSlots}); the oldest is freed in ` +
          `${Math.max(0, waitS).toFixed(1)} s. Check the BPU runtime (tasks time out after waitTimeoutMs ` +
          `${this.#options.waitTimeoutMs})`,
      );
      for (const job of this.#pending.splice(0)) job.reject(failure);
      return;
    }
    while (this.#pending.length > 0 && this.#freeSlots.length > 0 && !this.#closing) {
      const job = this.#pending.shift() as Job;
      const slot = this.#freeSlots.pop() as Slot;
      try {
        const task = this.#submit(slot, job.input);
        this.#running.push({ job, slot, task, deadlineMs: Date.now() + this.#options.waitTimeoutMs });
      } catch (error) {
        this.#freeSlots.push(slot);
        job.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.#waitNext();
  }

  #submit(slot: Slot, input: ModelInput): NativePointer {
    const lib = this.#lib;
    writeNv12(slot.input, input.data as Uint8Array, this.#geometry);
    // CLEAN: push the CPU's writes out of the cache so the BPU reads this frame, not stale bytes.
    let status = lib.sysFlushMem(slot.tensors, HbFlush.CLEAN);
    if (status !== 0) throw runtimeError(lib, 'hbSysFlushMem(CLEAN)', status, 'on the input buffer');
    const taskCell: OutCell<NativePointer | null> = [null];
    status = lib.infer(taskCell, slot.outputCell, slot.tensors, this.#model, slot.ctrl);
    if (status !== 0 || taskCell[0] === null) {
      throw runtimeError(lib, 'hbDNNInfer', status, `for model '${this.info.modelName}'`);
    }
    return taskCell[0];
  }

  /** Starts waiting for the oldest running task unless a wait is already under way. */
  #waitNext(): void {
    if (this.#waiting) return;
    const head = this.#running[0];
    if (!head) {
      if (this.#drained) {
        const done = this.#drained;
        this.#drained = null;
        done();
      }
      return;
    }
    this.#waiting = true;
    const deadline = (): number => (this.#closing ? Math.min(head.deadlineMs, this.#closeDeadline) : head.deadlineMs);
    const timeoutMs = Math.max(1, Math.min(WAIT_SLICE_MS, deadline() - Date.now()));
    this.#lib.waitTaskDoneAsync(head.task, timeoutMs).then(
      (status) => {
        if (status === HB_DNN_TIMEOUT && Date.now() < deadline()) {
          // Only this slice ran out: wait again for the same task.
          this.#waiting = false;
          this.#waitNext();
        } else this.#finish(status, null);
      },
      (error: unknown) => this.#finish(null, error),
    );
  }

  #finish(status: number | null, callError: unknown): void {
    const { job, slot, task } = this.#running.shift() as RunningTask;
    this.#waiting = false;
    const lib = this.#lib;
    let result: Float32Array | null = null;
    let failure: Error | null = null;
    let reusable = true;
    if (status === 0) {
      try {
        result = this.#readOutputs(slot);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    } else if (status !== null) {
      const closingTimeout = this.#closing && status === HB_DNN_TIMEOUT;
      failure = closingTimeout
        ? new EdgenextError(ErrorCodes.closed, 'BPU backend closed while this frame was still running')
        : runtimeError(lib, 'hbDNNWaitTaskDone', status, `for model '${this.info.modelName}'`);
      // A task that did not finish may still be written by the BPU later: keep its buffers out of use.
      reusable = status !== HB_DNN_TIMEOUT;
    } else {
      failure = new EdgenextError(ErrorCodes.backendError, `hbDNNWaitTaskDone call failed: ${errorMessage(callError)}`);
      reusable = false;
    }
    // Every task is released exactly once, whatever happened to it (this also cancels a hung one).
    const released = lib.releaseTask(task);
    if (released !== 0 && !failure) failure = runtimeError(lib, 'hbDNNReleaseTask', released, '');
    if (reusable) {
      this.#freeSlots.push(slot);
    } else {
      this.#retired.push({ slot, sinceMs: Date.now() });
      this.#freeEndedQuarantines();
      this.#refillSlots();
    }
    if (failure) job.reject(failure);
    else job.resolve(result as Float32Array);
    this.#pump();
  }

  /** Frees the timed-out slots whose quarantine has ended; true when it freed any. */
  #freeEndedQuarantines(): boolean {
    const now = Date.now();
    let freed = false;
    for (let oldest = this.#retired[0]; oldest !== undefined; oldest = this.#retired[0]) {
      if (now - oldest.sinceMs < this.#options.retiredQuarantineMs) break;
      this.#retired.shift();
      this.#slots = this.#slots.filter((s) => s !== oldest.slot);
      this.#freeSlotMemory(oldest.slot);
      freed = true;
    }
    return freed;
  }

  /**
   * Brings the usable slots back to maxInflight as far as maxRetiredSlots allows. Tried when a slot is retired or a
   * quarantine ends, not per frame: an allocation that failed is not retried until then.
   */
  #refillSlots(): void {
    if (this.#closing) return;
    while (
      this.#slots.length - this.#retired.length < this.#options.maxInflight &&
      this.#retired.length < this.#options.maxRetiredSlots
    ) {
      try {
        this.#addSlot();
      } catch (error) {
        // Running with one slot fewer is better than failing every later frame.
        process.emitWarning(`BPU backend: could not replace a timed-out slot: ${errorMessage(error)}`);
        return;
      }
    }
  }

  #readOutputs(slot: Slot): Float32Array {
    const lib = this.#lib;
    let logits: Float32Array | null = null;
    for (let j = 0; j < this.#decoders.length; j++) {
      const tensor = slot.tensors + BigInt(TENSOR_SIZE * (1 + j));
      // INVALIDATE: drop cached lines so the CPU reads what the BPU wrote.
      const status = lib.sysFlushMem(tensor, HbFlush.INVALIDATE);
      if (status !== 0) throw runtimeError(lib, 'hbSysFlushMem(INVALIDATE)', status, `on output ${j}`);
      // Output 0 carries the logits; the others are flushed for correctness but not decoded.
      if (j === 0) logits = (this.#decoders[0] as OutputDecoder).decode(slot.outputs[0] as ArrayBuffer);
    }
    return logits as Float32Array;
  }

  #freeSlotMemory(slot: Slot): void {
    for (const mem of slot.allocated) this.#lib.sysFreeMem(mem);
    freeNative(slot.tensors);
    freeNative(slot.outputCell);
    freeNative(slot.ctrl);
  }

  #releaseNative(): void {
    const lib = this.#lib;
    for (const slot of [...this.#slots]) this.#freeSlotMemory(slot);
    this.#slots = [];
    this.#freeSlots = [];
    this.#retired = [];
    if (this.#packed !== null) {
      lib.release(this.#packed);
      this.#packed = null;
    }
  }
}

function validateOptions(options: BpuBackendOptions): Required<Omit<BpuBackendOptions, 'libraryPath' | 'modelPath'>> {
  const intIn = (name: string, value: number, lo: number, hi: number): number => {
    if (!Number.isInteger(value) || value < lo || value > hi) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `BPU option ${name}=${value} must be an integer in ${lo}..${hi}`,
      );
    }
    return value;
  };
  if (typeof options.modelPath !== 'string' || options.modelPath === '') {
    throw new EdgenextError(ErrorCodes.invalidArgument, 'BPU option modelPath is required');
  }
  return {
    maxInflight: intIn('maxInflight', options.maxInflight ?? 2, 1, HB_DNN_MAX_LIVE_TASKS),
    priority: intIn('priority', options.priority ?? 0, 0, 255),
    bpuCoreMask: intIn('bpuCoreMask', options.bpuCoreMask ?? 0, 0, 3),
    waitTimeoutMs: intIn('waitTimeoutMs', options.waitTimeoutMs ?? 5000, 1, 2 ** 31 - 1),
    retiredQuarantineMs: intIn('retiredQuarantineMs', options.retiredQuarantineMs ?? 60_000, 0, 2 ** 31 - 1),
    maxRetiredSlots: intIn('maxRetiredSlots', options.maxRetiredSlots ?? 64, 0, 1024),
  };
}

function loadLibrary(libraryPath: string): LibDnn {
  try {
    return LibDnn.load(libraryPath);
  } catch (error) {
    throw new EdgenextError(
      ErrorCodes.backendUnavailable,
      `cannot load the BPU runtime library '${libraryPath}' (${errorMessage(error)}). ` +
        `On an RDK X5 install the hobot-dnn package (RDK OS ships libdnn.so in /usr/lib); ` +
        `elsewhere pass --bpu-lib <path> (or set ${BPU_LIBRARY_ENV}).`,
      { cause: error },
    );
  }
}

function runtimeError(lib: LibDnn, step: string, status: number, context: string): BpuRuntimeError {
  return new BpuRuntimeError({ step, runtimeCode: status, description: lib.errorDesc(status), context });
}

function shapeOf(shape: { dimensionSize: ArrayLike<number>; numDimensions: number }): number[] {
  return Array.from(shape.dimensionSize).slice(0, shape.numDimensions);
}

function describeModel(
  lib: LibDnn,
  model: NativePointer,
  modelName: string,
  modelPath: string,
  check: (step: string, status: number) => void,
): { info: BackendModelInfo; geometry: InputGeometry; decoders: OutputDecoder[]; outputBytes: number[] } {
  const mismatch = (problem: string): never => {
    throw new EdgenextError(ErrorCodes.modelMismatch, `BPU model '${modelName}' (${modelPath}): ${problem}`);
  };
  const count: OutCell<number> = [0];
  check('hbDNNGetInputCount', lib.inputCount(model, count));
  if (count[0] !== 1) mismatch(`has ${count[0]} inputs; one NV12 input is supported`);
  check('hbDNNGetOutputCount', lib.outputCount(model, count));
  const outputCount = count[0];
  if (outputCount < 1) mismatch('has no outputs');

  const props = allocStructs('hbDNNTensor', 1);
  const propsPtr = props + BigInt(TENSOR_PROPERTIES_OFFSET);
  try {
    const name: OutCell<string | null> = [null];
    check('hbDNNGetInputName', lib.inputName(model, 0, name));
    const inputName = name[0] ?? 'input';
    check('hbDNNGetInputTensorProperties', lib.inputTensorProperties(propsPtr, model, 0));
    const input = decodeTensorProperties(propsPtr);
    if (input.tensorType !== HbDataType.IMG_NV12) {
      mismatch(`input tensor type ${input.tensorType} is not NV12 in one buffer (1)`);
    }
    const geometry = inputGeometry(input, mismatch);
    const inputs: TensorDescription[] = [{ name: inputName, dims: shapeOf(input.validShape), type: 'NV12' }];

    const outputs: TensorDescription[] = [];
    const decoders: OutputDecoder[] = [];
    const outputBytes: number[] = [];
    for (let j = 0; j < outputCount; j++) {
      check('hbDNNGetOutputName', lib.outputName(model, j, name));
      check('hbDNNGetOutputTensorProperties', lib.outputTensorProperties(propsPtr, model, j));
      const p = decodeTensorProperties(propsPtr);
      const outputName = name[0] ?? `output${j}`;
      const dims = shapeOf(p.validShape);
      const typeName = elementTypeName(p.tensorType);
      if (!typeName) mismatch(`output '${outputName}' has unsupported tensor type ${p.tensorType}`);
      decoders.push(
        createOutputDecoder({
          name: outputName,
          tensorType: p.tensorType,
          validShape: dims,
          stride: Array.from(p.stride).slice(0, dims.length),
          alignedByteSize: p.alignedByteSize,
          quantiType: p.quantiType,
          quantizeAxis: p.quantizeAxis,
          scale: readArray(p.scale.scaleData, 'float', p.scale.scaleLen),
          zeroPoint: readArray(p.scale.zeroPointData, 'int8_t', p.scale.zeroPointLen),
          shift: readArray(p.shift.shiftData, 'uint8_t', p.shift.shiftLen),
        }),
      );
      outputBytes.push(p.alignedByteSize);
      outputs.push({ name: outputName, dims, type: typeName as string });
    }
    const logitsDims = outputs[0]?.dims ?? [];
    const batch = logitsDims[0] ?? 1;
    const numClasses = (decoders[0] as OutputDecoder).elementCount / Math.max(1, batch);
    const info: BackendModelInfo = {
      modelName,
      inputFormat: 'nv12',
      inputWidth: geometry.width,
      inputHeight: geometry.height,
      numClasses,
      inputs,
      outputs,
    };
    return { info, geometry, decoders, outputBytes };
  } finally {
    freeNative(props);
  }
}

function readArray(ptr: NativePointer | null, type: 'float' | 'int8_t' | 'uint8_t', count: number): number[] {
  return ptr === null || count <= 0 ? [] : decodeNumbers(ptr, type, count);
}

function inputGeometry(p: TensorProperties, mismatch: (problem: string) => never): InputGeometry {
  const valid = shapeOf(p.validShape);
  const aligned = shapeOf(p.alignedShape);
  if (valid.length !== 4) mismatch(`input validShape [${valid.join(', ')}] is not 4-D`);
  // NV12 models report a logical NCHW (1,3,H,W); an NHWC report puts H and W at 1 and 2.
  const [h, w] = p.tensorLayout === HbLayout.NHWC ? [valid[1], valid[2]] : [valid[2], valid[3]];
  const alignedW = (p.tensorLayout === HbLayout.NHWC ? aligned[2] : aligned[3]) ?? w;
  const height = h as number;
  const width = w as number;
  if (height % 2 !== 0 || width % 2 !== 0) mismatch(`NV12 input ${width}x${height} has an odd dimension`);
  const rowPitch = Math.max(width, alignedW as number);
  const bufferBytes = Math.max(p.alignedByteSize, (rowPitch * height * 3) / 2);
  return { width, height, rowPitch, bufferBytes };
}

/** Copies tightly packed NV12 (Y rows then interleaved UV rows) into a buffer whose rows are rowPitch apart. */
export function writeNv12(dest: Uint8Array, nv12: Uint8Array, geometry: InputGeometry): void {
  const { width, height, rowPitch } = geometry;
  const rows = (height * 3) / 2;
  if (rowPitch === width) {
    dest.set(nv12.subarray(0, width * rows));
    return;
  }
  for (let r = 0; r < rows; r++) dest.set(nv12.subarray(r * width, (r + 1) * width), r * rowPitch);
}
