/**
 * The koffi binding to the RDK X5 BPU runtime (libdnn 1.24.5, "hbDNN" API) and, for tests, to the
 * emulator's hbEmu* introspection functions. This is the ONLY module that imports koffi.
 *
 * Struct and function declarations follow shared/docs/bpu-runtime-api.md §2.4 and §3.1 for
 * aarch64 LP64 (identical on x86-64). Prototype strings read like the C header so a reviewer can
 * hold them against it. Pointers are koffi 3 BigInts; `null` is NULL.
 */
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';

/** A native address (koffi 3 represents pointers as BigInt). */
export type NativePointer = bigint;

export const HB_DNN_TENSOR_MAX_DIMENSIONS = 8;

/** hbDNNDataType values used by the backend (§2.3). */
export const HbDataType = {
  IMG_Y: 0,
  IMG_NV12: 1,
  IMG_NV12_SEPARATE: 2,
  S8: 8,
  U8: 9,
  F16: 10,
  S16: 11,
  U16: 12,
  F32: 13,
  S32: 14,
  U32: 15,
} as const;

export const HbQuantiType = { NONE: 0, SHIFT: 1, SCALE: 2 } as const;
export const HbLayout = { NHWC: 0, NCHW: 2, NONE: 255 } as const;
export const HbFlush = { INVALIDATE: 1, CLEAN: 2 } as const;
export const HB_DNN_MAX_LIVE_TASKS = 32;

/** hbDNNStatus / hbSysStatus names (§4), for messages when the runtime's own text lacks them. */
export const HB_STATUS_NAMES: Readonly<Record<number, string>> = {
  [-6000001]: 'HB_DNN_INVALID_ARGUMENT',
  [-6000002]: 'HB_DNN_INVALID_MODEL',
  [-6000003]: 'HB_DNN_MODEL_NUMBER_EXCEED_LIMIT',
  [-6000004]: 'HB_DNN_INVALID_PACKED_DNN_HANDLE',
  [-6000005]: 'HB_DNN_INVALID_DNN_HANDLE',
  [-6000006]: 'HB_DNN_CAN_NOT_OPEN_FILE',
  [-6000007]: 'HB_DNN_OUT_OF_MEMORY',
  [-6000008]: 'HB_DNN_TIMEOUT',
  [-6000009]: 'HB_DNN_TASK_NUM_EXCEED_LIMIT',
  [-6000010]: 'HB_DNN_TASK_BATCH_SIZE_EXCEED_LIMIT',
  [-6000011]: 'HB_DNN_INVALID_TASK_HANDLE',
  [-6000012]: 'HB_DNN_RUN_TASK_FAILED',
  [-6000013]: 'HB_DNN_MODEL_IS_RUNNING',
  [-6000014]: 'HB_DNN_INCOMPATIBLE_MODEL',
  [-6000015]: 'HB_DNN_API_USE_ERROR',
  [-6000016]: 'HB_DNN_MULTI_PROGRESS_USE_ERROR',
  [-6000129]: 'HB_SYS_INVALID_ARGUMENT',
  [-6000130]: 'HB_SYS_OUT_OF_MEMORY',
  [-6000131]: 'HB_SYS_REGISTER_MEM_FAILED',
};

// ---------------------------------------------------------------- types (declared once per process)

/**
 * koffi keeps named types per Node environment, and jest evaluates this module once per test file in
 * the same environment; reuse a type already declared under the same name instead of failing.
 */
function named(name: string, declare: () => TypeObject): TypeObject {
  try {
    return koffi.type(name);
  } catch {
    return declare();
  }
}

named('hbPackedDNNHandle_t', () => koffi.alias('hbPackedDNNHandle_t', 'void *'));
named('hbDNNHandle_t', () => koffi.alias('hbDNNHandle_t', 'void *'));
named('hbDNNTaskHandle_t', () => koffi.alias('hbDNNTaskHandle_t', 'void *'));

const hbSysMem = named('hbSysMem', () =>
  koffi.struct('hbSysMem', {
    phyAddr: 'uint64_t',
    virAddr: 'void *',
    memSize: 'uint32_t',
  }),
);

const hbDNNTensorShape = named('hbDNNTensorShape', () =>
  koffi.struct('hbDNNTensorShape', {
    dimensionSize: koffi.array('int32_t', HB_DNN_TENSOR_MAX_DIMENSIONS),
    numDimensions: 'int32_t',
  }),
);

const hbDNNQuantiShift = named('hbDNNQuantiShift', () =>
  koffi.struct('hbDNNQuantiShift', {
    shiftLen: 'int32_t',
    shiftData: 'uint8_t *',
  }),
);

const hbDNNQuantiScale = named('hbDNNQuantiScale', () =>
  koffi.struct('hbDNNQuantiScale', {
    scaleLen: 'int32_t',
    scaleData: 'float *',
    zeroPointLen: 'int32_t',
    zeroPointData: 'int8_t *',
  }),
);

const hbDNNTensorProperties = named('hbDNNTensorProperties', () =>
  koffi.struct('hbDNNTensorProperties', {
    validShape: hbDNNTensorShape,
    alignedShape: hbDNNTensorShape,
    tensorLayout: 'int32_t',
    tensorType: 'int32_t',
    shift: hbDNNQuantiShift,
    scale: hbDNNQuantiScale,
    quantiType: 'int32_t',
    quantizeAxis: 'int32_t',
    alignedByteSize: 'int32_t',
    stride: koffi.array('int32_t', HB_DNN_TENSOR_MAX_DIMENSIONS),
  }),
);

const hbDNNTensor = named('hbDNNTensor', () =>
  koffi.struct('hbDNNTensor', {
    sysMem: koffi.array(hbSysMem, 4),
    properties: hbDNNTensorProperties,
  }),
);

const hbDNNRoi = named('hbDNNRoi', () =>
  koffi.struct('hbDNNRoi', {
    left: 'int32_t',
    top: 'int32_t',
    right: 'int32_t',
    bottom: 'int32_t',
  }),
);

const hbDNNInferCtrlParam = named('hbDNNInferCtrlParam', () =>
  koffi.struct('hbDNNInferCtrlParam', {
    bpuCoreId: 'int32_t',
    dspCoreId: 'int32_t',
    priority: 'int32_t',
    more: 'int32_t',
    customId: 'int64_t',
    reserved1: 'int32_t',
    reserved2: 'int32_t',
  }),
);

const STRUCTS = {
  hbSysMem,
  hbDNNTensorShape,
  hbDNNQuantiShift,
  hbDNNQuantiScale,
  hbDNNTensorProperties,
  hbDNNTensor,
  hbDNNRoi,
  hbDNNInferCtrlParam,
} as const;

export type StructName = keyof typeof STRUCTS;

export interface StructLayout {
  readonly size: number;
  readonly alignment: number;
  /** Byte offset of each direct member. */
  readonly offsets: Readonly<Record<string, number>>;
}

/** Sizes, alignments and member offsets as koffi computed them (checked against the doc by tests). */
export function structLayouts(): Record<StructName, StructLayout> {
  const result = {} as Record<StructName, StructLayout>;
  for (const [name, type] of Object.entries(STRUCTS) as [StructName, TypeObject][]) {
    const offsets: Record<string, number> = {};
    for (const [member, info] of Object.entries(type.members ?? {})) offsets[member] = info.offset;
    result[name] = { size: koffi.sizeof(type), alignment: koffi.alignof(type), offsets };
  }
  return result;
}

export const TENSOR_SIZE = koffi.sizeof(hbDNNTensor);
export const TENSOR_PROPERTIES_OFFSET = koffi.offsetof(hbDNNTensor, 'properties');

// ---------------------------------------------------------------- decoded shapes

export interface TensorShape {
  readonly dimensionSize: ArrayLike<number>;
  readonly numDimensions: number;
}

/** hbDNNTensorProperties as koffi decodes it; quantisation pointers are library-owned. */
export interface TensorProperties {
  readonly validShape: TensorShape;
  readonly alignedShape: TensorShape;
  readonly tensorLayout: number;
  readonly tensorType: number;
  readonly shift: { readonly shiftLen: number; readonly shiftData: NativePointer | null };
  readonly scale: {
    readonly scaleLen: number;
    readonly scaleData: NativePointer | null;
    readonly zeroPointLen: number;
    readonly zeroPointData: NativePointer | null;
  };
  readonly quantiType: number;
  readonly quantizeAxis: number;
  readonly alignedByteSize: number;
  readonly stride: ArrayLike<number>;
}

export interface InferCtrlParam {
  readonly bpuCoreId: number;
  readonly priority: number;
}

/** A one-element array koffi fills for `_Out_`/`_Inout_` pointer-sized parameters. */
export type OutCell<T> = [T];

type Fn = ReturnType<LibraryHandle['func']>;

/** Typed access to one loaded libdnn (the board's or the emulator). Methods return raw status codes. */
export class LibDnn {
  readonly path: string;
  #f: Record<string, Fn>;

  private constructor(path: string, f: Record<string, Fn>) {
    this.path = path;
    this.#f = f;
  }

  /**
   * dlopen()s `path` (RTLD_NOW | RTLD_LOCAL, as koffi does by default) and declares every function.
   * Throws the loader's or koffi's error unchanged; the backend turns it into a user-facing message.
   */
  static load(path: string): LibDnn {
    const lib = koffi.load(path);
    const declare = (proto: string): Fn => lib.func(proto);
    const f: Record<string, Fn> = {
      getVersion: declare('const char *hbDNNGetVersion()'),
      getErrorDesc: declare('const char *hbDNNGetErrorDesc(int32_t errorCode)'),
      initializeFromFiles: declare(
        'int32_t hbDNNInitializeFromFiles(_Out_ hbPackedDNNHandle_t *packedDNNHandle, const char **modelFileNames, int32_t modelFileCount)',
      ),
      initializeFromDDR: declare(
        'int32_t hbDNNInitializeFromDDR(_Out_ hbPackedDNNHandle_t *packedDNNHandle, const void **modelData, int32_t *modelDataLengths, int32_t modelDataCount)',
      ),
      release: declare('int32_t hbDNNRelease(hbPackedDNNHandle_t packedDNNHandle)'),
      getModelNameList: declare(
        'int32_t hbDNNGetModelNameList(_Out_ const char ***modelNameList, _Out_ int32_t *modelNameCount, hbPackedDNNHandle_t packedDNNHandle)',
      ),
      getModelHandle: declare(
        'int32_t hbDNNGetModelHandle(_Out_ hbDNNHandle_t *dnnHandle, hbPackedDNNHandle_t packedDNNHandle, const char *modelName)',
      ),
      getInputCount: declare('int32_t hbDNNGetInputCount(_Out_ int32_t *inputCount, hbDNNHandle_t dnnHandle)'),
      getOutputCount: declare('int32_t hbDNNGetOutputCount(_Out_ int32_t *outputCount, hbDNNHandle_t dnnHandle)'),
      getInputName: declare(
        'int32_t hbDNNGetInputName(_Out_ const char **name, hbDNNHandle_t dnnHandle, int32_t inputIndex)',
      ),
      getOutputName: declare(
        'int32_t hbDNNGetOutputName(_Out_ const char **name, hbDNNHandle_t dnnHandle, int32_t outputIndex)',
      ),
      getInputTensorProperties: declare(
        'int32_t hbDNNGetInputTensorProperties(_Out_ hbDNNTensorProperties *properties, hbDNNHandle_t dnnHandle, int32_t inputIndex)',
      ),
      getOutputTensorProperties: declare(
        'int32_t hbDNNGetOutputTensorProperties(_Out_ hbDNNTensorProperties *properties, hbDNNHandle_t dnnHandle, int32_t outputIndex)',
      ),
      infer: declare(
        'int32_t hbDNNInfer(_Inout_ hbDNNTaskHandle_t *taskHandle, hbDNNTensor **output, const hbDNNTensor *input, hbDNNHandle_t dnnHandle, hbDNNInferCtrlParam *inferCtrlParam)',
      ),
      waitTaskDone: declare('int32_t hbDNNWaitTaskDone(hbDNNTaskHandle_t taskHandle, int32_t timeout)'),
      releaseTask: declare('int32_t hbDNNReleaseTask(hbDNNTaskHandle_t taskHandle)'),
      sysAllocMem: declare('int32_t hbSysAllocMem(_Out_ hbSysMem *mem, uint32_t size)'),
      sysAllocCachedMem: declare('int32_t hbSysAllocCachedMem(_Out_ hbSysMem *mem, uint32_t size)'),
      sysFlushMem: declare('int32_t hbSysFlushMem(hbSysMem *mem, int32_t flag)'),
      sysFreeMem: declare('int32_t hbSysFreeMem(hbSysMem *mem)'),
      sysWriteMem: declare('int32_t hbSysWriteMem(hbSysMem *dest, char *src, uint32_t size)'),
      sysReadMem: declare('int32_t hbSysReadMem(_Out_ char *dest, hbSysMem *src, uint32_t size)'),
    };
    return new LibDnn(path, f);
  }

  #call(name: string, ...args: unknown[]): number {
    return (this.#f[name] as Fn)(...args) as number;
  }

  version(): string {
    return this.#call('getVersion') as unknown as string;
  }

  /** hbDNNGetErrorDesc: the runtime's own text for a status code (library-owned string). */
  errorDesc(code: number): string {
    const text = (this.#f.getErrorDesc as Fn)(code) as string | null;
    return text ?? '';
  }

  initializeFromFiles(fileNames: readonly string[], packed: OutCell<NativePointer | null>): number {
    return this.#call('initializeFromFiles', packed, fileNames, fileNames.length);
  }

  /** hbDNNInitializeFromFiles on a koffi worker thread: loading a `.bin` takes 100+ ms on the board. */
  initializeFromFilesAsync(fileNames: readonly string[], packed: OutCell<NativePointer | null>): Promise<number> {
    return new Promise((resolve, reject) => {
      (this.#f.initializeFromFiles as Fn).async(packed, fileNames, fileNames.length, (err: unknown, status: number) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(status);
      });
    });
  }

  release(packed: NativePointer): number {
    return this.#call('release', packed);
  }

  /** hbDNNGetModelNameList; `names` receives copies of the library-owned strings. */
  modelNameList(packed: NativePointer, names: string[]): number {
    const list: OutCell<NativePointer | null> = [null];
    const count: OutCell<number> = [0];
    const status = this.#call('getModelNameList', list, count, packed);
    if (status === 0 && list[0] !== null && count[0] > 0) {
      names.push(...(koffi.decode(list[0], 'const char *', count[0]) as string[]));
    }
    return status;
  }

  modelHandle(packed: NativePointer, name: string, model: OutCell<NativePointer | null>): number {
    return this.#call('getModelHandle', model, packed, name);
  }

  inputCount(model: NativePointer, count: OutCell<number>): number {
    return this.#call('getInputCount', count, model);
  }

  outputCount(model: NativePointer, count: OutCell<number>): number {
    return this.#call('getOutputCount', count, model);
  }

  inputName(model: NativePointer, index: number, name: OutCell<string | null>): number {
    return this.#call('getInputName', name, model, index);
  }

  outputName(model: NativePointer, index: number, name: OutCell<string | null>): number {
    return this.#call('getOutputName', name, model, index);
  }

  /** Copies the 176-byte properties into native memory at `dest` (e.g. inside an hbDNNTensor). */
  inputTensorProperties(dest: NativePointer, model: NativePointer, index: number): number {
    return this.#call('getInputTensorProperties', dest, model, index);
  }

  outputTensorProperties(dest: NativePointer, model: NativePointer, index: number): number {
    return this.#call('getOutputTensorProperties', dest, model, index);
  }

  /**
   * hbDNNInfer. `task` must hold null (a new task); `outputCell` is a native pointer-sized cell that
   * holds the address of the output tensor array; `input` and `ctrl` point to native structs. All
   * of them must stay allocated until the task has been waited for and released.
   */
  infer(
    task: OutCell<NativePointer | null>,
    outputCell: NativePointer,
    input: NativePointer,
    model: NativePointer,
    ctrl: NativePointer,
  ): number {
    return this.#call('infer', task, outputCell, input, model, ctrl);
  }

  /** hbDNNWaitTaskDone on a koffi worker thread, so the event loop never blocks. */
  waitTaskDoneAsync(task: NativePointer, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      (this.#f.waitTaskDone as Fn).async(task, timeoutMs, (err: unknown, status: number) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(status);
      });
    });
  }

  /** Blocking hbDNNWaitTaskDone; only for tests and for timeouts known to be short. */
  waitTaskDoneSync(task: NativePointer, timeoutMs: number): number {
    return this.#call('waitTaskDone', task, timeoutMs);
  }

  releaseTask(task: NativePointer): number {
    return this.#call('releaseTask', task);
  }

  /** hbSysAllocCachedMem writing the hbSysMem struct at native address `mem`. */
  sysAllocCachedMem(mem: NativePointer, sizeBytes: number): number {
    return this.#call('sysAllocCachedMem', mem, sizeBytes);
  }

  sysAllocMem(mem: NativePointer, sizeBytes: number): number {
    return this.#call('sysAllocMem', mem, sizeBytes);
  }

  sysFlushMem(mem: NativePointer, flag: (typeof HbFlush)[keyof typeof HbFlush]): number {
    return this.#call('sysFlushMem', mem, flag);
  }

  sysFreeMem(mem: NativePointer): number {
    return this.#call('sysFreeMem', mem);
  }
}

// ---------------------------------------------------------------- native memory helpers

/** Zero-filled native memory for `count` structs of `name` (malloc, 16-byte aligned); free with freeNative. */
export function allocStructs(name: StructName, count: number): NativePointer {
  const ptr = koffi.alloc(STRUCTS[name], count) as NativePointer;
  new Uint8Array(koffi.view(ptr, koffi.sizeof(STRUCTS[name]) * count)).fill(0);
  return ptr;
}

/** A native cell holding one pointer value (for `hbDNNTensor **output`). */
export function allocPointerCell(value: NativePointer): NativePointer {
  const ptr = koffi.alloc('void *', 1) as NativePointer;
  koffi.encode(ptr, 'void *', value);
  return ptr;
}

export function freeNative(ptr: NativePointer): void {
  koffi.free(ptr);
}

/** An ArrayBuffer aliasing native memory (no copy); must not be used after the memory is freed. */
export function nativeView(ptr: NativePointer, sizeBytes: number): ArrayBuffer {
  return koffi.view(ptr, sizeBytes);
}

export function decodeTensorProperties(ptr: NativePointer): TensorProperties {
  return koffi.decode(ptr, hbDNNTensorProperties) as TensorProperties;
}

export function decodeSysMem(ptr: NativePointer): {
  phyAddr: number | bigint;
  virAddr: NativePointer;
  memSize: number;
} {
  return koffi.decode(ptr, hbSysMem) as { phyAddr: number | bigint; virAddr: NativePointer; memSize: number };
}

export function encodeInferCtrlParam(ptr: NativePointer, ctrl: InferCtrlParam): void {
  // Same effect as HB_DNN_INITIALIZE_INFER_CTRL_PARAM (all zero) followed by the two knobs we set.
  koffi.encode(ptr, hbDNNInferCtrlParam, {
    bpuCoreId: ctrl.bpuCoreId,
    dspCoreId: 0,
    priority: ctrl.priority,
    more: 0,
    customId: 0,
    reserved1: 0,
    reserved2: 0,
  });
}

/** Reads `count` library-owned numbers of a C array (float, int8_t or uint8_t). */
export function decodeNumbers(ptr: NativePointer, type: 'float' | 'int8_t' | 'uint8_t', count: number): number[] {
  return Array.from(koffi.decode(ptr, type, count) as ArrayLike<number>);
}

// ---------------------------------------------------------------- emulator introspection (tests only)

/** The emulator's hbEmu* functions (absent from the board's libdnn). */
export class EmulatorProbe {
  #getCounter: Fn;
  #reset: Fn;
  #readTrace: Fn;
  #lastError: Fn;

  constructor(path: string) {
    const lib = koffi.load(path);
    this.#getCounter = lib.func('int64_t hbEmuGetCounter(const char *name)');
    this.#reset = lib.func('void hbEmuResetCounters()');
    this.#readTrace = lib.func('int32_t hbEmuReadTrace(_Out_ uint8_t *buf, int32_t size)');
    this.#lastError = lib.func('const char *hbEmuLastError()');
  }

  counter(name: string): number {
    return Number(this.#getCounter(name));
  }

  resetCounters(): void {
    this.#reset();
  }

  trace(): string {
    const length = this.#readTrace(null, 0) as number;
    const buf = Buffer.alloc(length + 1);
    this.#readTrace(buf, buf.length);
    return buf.subarray(0, length).toString('latin1');
  }

  lastError(): string {
    return (this.#lastError() as string | null) ?? '';
  }
}
