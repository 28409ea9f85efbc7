import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { BackendModelInfo, InferenceBackend, TensorDescription } from '../../core/backend';
import { EdgenextError, ErrorCodes } from '../../core/errors';
import type { ModelInput } from '../../core/preprocessing';
import { spawnPackageWorker } from './spawnWorker';
import type { OnnxWorkerData, RunRequest, WorkerReply, WorkerTensorInfo } from './workerProtocol';

export interface OnnxBackendOptions {
  readonly modelPath: string;
  /** ONNX Runtime intra-op threads per session. Default 1: on small CPUs one thread per worker scales best. */
  readonly intraOpThreads?: number;
  /** Worker threads, each with its own session; also the number of batches run at once. Default 1. */
  readonly workers?: number;
  /** Largest true batch sent to a model with a dynamic batch dimension. Default 8. */
  readonly maxBatch?: number;
  /** Name reported as the model name; default the file name without extension. */
  readonly modelName?: string;
}

interface PendingRun {
  readonly resolve: (value: { output: Float32Array; dims: number[] }) => void;
  readonly reject: (error: Error) => void;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly pending: Map<number, PendingRun>;
  alive: boolean;
}

/**
 * CPU inference on onnxruntime-node. Sessions live in worker threads so that inference never stalls the
 * event loop the ROS node needs for its callbacks (onnxruntime-node runs session.run on the calling thread).
 */
export class OnnxBackend implements InferenceBackend {
  readonly kind = 'onnx';
  readonly info: BackendModelInfo;
  readonly maxBatch: number;
  readonly maxConcurrency: number;
  readonly #slots: WorkerSlot[];
  #nextId = 1;
  #closed = false;

  private constructor(info: BackendModelInfo, maxBatch: number, slots: WorkerSlot[]) {
    this.info = info;
    this.maxBatch = maxBatch;
    this.maxConcurrency = slots.length;
    this.#slots = slots;
  }

  /** Loads the model in every worker; fails with the file name and ONNX Runtime's reason. */
  static async open(options: OnnxBackendOptions): Promise<OnnxBackend> {
    const modelPath = path.resolve(options.modelPath);
    if (!existsSync(modelPath)) {
      throw new EdgenextError(ErrorCodes.fileNotFound, `model file not found: ${modelPath}`);
    }
    const workerCount = checkCount('workers', options.workers ?? 1, 1, 64);
    const intraOpThreads = checkCount('intraOpThreads', options.intraOpThreads ?? 1, 1, 256);
    const requestedBatch = checkCount('maxBatch', options.maxBatch ?? 8, 1, 1024);
    const workerModule = path.join(__dirname, `onnxWorker${path.extname(__filename)}`);
    const data: OnnxWorkerData = { modelPath, intraOpThreads };

    const started = Array.from({ length: workerCount }, () => startWorker(workerModule, data, modelPath));
    const results = await Promise.allSettled(started);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(
        results.map((r) => (r.status === 'fulfilled' ? r.value.slot.worker.terminate() : Promise.resolve(0))),
      );
      throw failure.reason;
    }
    const ready = results.map((r) => (r as PromiseFulfilledResult<StartedWorker>).value);
    const first = ready[0]!;
    const slots = ready.map((r) => r.slot);
    let described: ReturnType<typeof describeModel>;
    try {
      described = describeModel(modelPath, first.inputs, first.outputs, options.modelName);
    } catch (error) {
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
      throw error;
    }
    const { info, fixedBatch } = described;
    const backend = new OnnxBackend(info, fixedBatch ?? requestedBatch, slots);
    for (const slot of slots) backend.#watch(slot);
    return backend;
  }

  async infer(inputs: readonly ModelInput[]): Promise<Float32Array[]> {
    if (this.#closed) throw new EdgenextError(ErrorCodes.closed, 'ONNX backend is closed');
    if (inputs.length === 0) return [];
    const { inputWidth: width, inputHeight: height } = this.info;
    const planeSize = 3 * width * height;
    for (const input of inputs) {
      if (input.format !== 'float32_nchw_rgb') {
        throw new EdgenextError(
          ErrorCodes.modelMismatch,
          `ONNX model ${this.info.modelName} takes float32 NCHW input, got ${input.format}`,
        );
      }
      if (input.width !== width || input.height !== height || input.data.length !== planeSize) {
        throw new EdgenextError(
          ErrorCodes.modelMismatch,
          `ONNX model ${this.info.modelName} takes 3x${height}x${width} input, got 3x${input.height}x${input.width}`,
        );
      }
    }
    const chunks: Promise<Float32Array[]>[] = [];
    for (let start = 0; start < inputs.length; start += this.maxBatch) {
      chunks.push(this.#runBatch(inputs.slice(start, start + this.maxBatch), planeSize));
    }
    return (await Promise.all(chunks)).flat();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots) {
      slot.alive = false;
      rejectAll(slot, new EdgenextError(ErrorCodes.closed, 'ONNX backend closed while inferring'));
    }
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  async #runBatch(batch: readonly ModelInput[], planeSize: number): Promise<Float32Array[]> {
    const slot = this.#pickWorker();
    // One contiguous buffer per batch: it is transferred to the worker, so each frame's tensor is copied exactly once.
    const tensor = new Float32Array(batch.length * planeSize);
    batch.forEach((input, index) => tensor.set(input.data as Float32Array, index * planeSize));
    const id = this.#nextId++;
    const reply = await new Promise<{ output: Float32Array; dims: number[] }>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const request: RunRequest = {
        kind: 'run',
        id,
        input: tensor,
        dims: [batch.length, 3, this.info.inputHeight, this.info.inputWidth],
      };
      slot.worker.postMessage(request, [tensor.buffer as ArrayBuffer]);
    });
    const classes = reply.output.length / batch.length;
    if (!Number.isInteger(classes) || classes !== this.info.numClasses) {
      throw new EdgenextError(
        ErrorCodes.backendError,
        `ONNX model ${this.info.modelName} returned output of shape [${reply.dims.join(',')}] for a batch of ${batch.length}`,
      );
    }
    return batch.map((_, index) => reply.output.subarray(index * classes, (index + 1) * classes));
  }

  #pickWorker(): WorkerSlot {
    let best: WorkerSlot | undefined;
    for (const slot of this.#slots) {
      if (slot.alive && (best === undefined || slot.pending.size < best.pending.size)) best = slot;
    }
    if (best === undefined) {
      throw new EdgenextError(
        ErrorCodes.backendError,
        `ONNX backend for ${this.info.modelName}: every worker thread has exited`,
      );
    }
    return best;
  }

  #watch(slot: WorkerSlot): void {
    slot.worker.on('message', (reply: WorkerReply) => {
      if (reply.kind !== 'result' && reply.kind !== 'run_error') return;
      const pending = slot.pending.get(reply.id);
      if (pending === undefined) return;
      slot.pending.delete(reply.id);
      if (reply.kind === 'result') pending.resolve({ output: reply.output, dims: reply.dims });
      else
        pending.reject(
          new EdgenextError(ErrorCodes.backendError, `ONNX Runtime failed on ${this.info.modelName}: ${reply.message}`),
        );
    });
    const fail = (reason: string) => {
      if (!slot.alive) return;
      slot.alive = false;
      rejectAll(slot, new EdgenextError(ErrorCodes.backendError, `ONNX worker thread ${reason}`));
    };
    slot.worker.on('error', (error) => fail(`failed: ${error.message}`));
    slot.worker.on('exit', (code) => fail(`exited with code ${code}`));
  }
}

interface StartedWorker {
  readonly slot: WorkerSlot;
  readonly inputs: WorkerTensorInfo[];
  readonly outputs: WorkerTensorInfo[];
}

function startWorker(workerModule: string, data: OnnxWorkerData, modelPath: string): Promise<StartedWorker> {
  const worker = spawnPackageWorker(workerModule, data);
  return new Promise<StartedWorker>((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      cleanup();
      if (reply.kind === 'ready') {
        resolve({ slot: { worker, pending: new Map(), alive: true }, inputs: reply.inputs, outputs: reply.outputs });
      } else if (reply.kind === 'load_error') {
        void worker.terminate();
        reject(new EdgenextError(ErrorCodes.modelLoad, `cannot load ONNX model ${modelPath}: ${reply.message}`));
      }
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new EdgenextError(ErrorCodes.modelLoad, `ONNX worker for ${modelPath} failed to start: ${error.message}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
  });
}

function rejectAll(slot: WorkerSlot, error: Error): void {
  for (const pending of slot.pending.values()) pending.reject(error);
  slot.pending.clear();
}

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `ONNX backend option ${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

function toDescription(info: WorkerTensorInfo): TensorDescription {
  return { name: info.name, type: info.type, dims: info.dims.map((d) => (typeof d === 'number' && d > 0 ? d : -1)) };
}

/**
 * Checks that the model is an image classifier this product can feed: one float32 input [N,3,H,W] with fixed
 * H and W, and a float32 output [N,C] (or [N,C,1,1]). Anything else is refused with what was found.
 */
function describeModel(
  modelPath: string,
  inputs: readonly WorkerTensorInfo[],
  outputs: readonly WorkerTensorInfo[],
  modelName: string | undefined,
): { info: BackendModelInfo; fixedBatch: number | undefined } {
  const shown = (t: WorkerTensorInfo) => `${t.name} ${t.type}[${t.dims.join(',')}]`;
  const input = inputs[0];
  const output = outputs[0];
  if (inputs.length !== 1 || input === undefined || input.type !== 'float32' || input.dims.length !== 4) {
    throw new EdgenextError(
      ErrorCodes.modelMismatch,
      `model ${modelPath} does not fit: expected one float32 input [N,3,H,W], found ${inputs.map(shown).join('; ') || 'no inputs'}`,
    );
  }
  const [batch, channels, height, width] = input.dims;
  if (channels !== 3 || typeof height !== 'number' || typeof width !== 'number' || height <= 0 || width <= 0) {
    throw new EdgenextError(
      ErrorCodes.modelMismatch,
      `model ${modelPath} does not fit: input ${shown(input)} must be [N,3,H,W] with fixed H and W`,
    );
  }
  const classes = output?.dims[1];
  const trailingOnes = output?.dims.slice(2).every((d) => d === 1) ?? false;
  if (
    output === undefined ||
    output.type !== 'float32' ||
    typeof classes !== 'number' ||
    classes <= 0 ||
    !trailingOnes
  ) {
    throw new EdgenextError(
      ErrorCodes.modelMismatch,
      `model ${modelPath} does not fit: expected a float32 output [N,classes], found ${outputs.map(shown).join('; ') || 'no outputs'}`,
    );
  }
  const fixedBatch = typeof batch === 'number' && batch > 0 ? batch : undefined;
  if (fixedBatch !== undefined && fixedBatch !== 1) {
    throw new EdgenextError(
      ErrorCodes.modelMismatch,
      `model ${modelPath} has a fixed batch of ${fixedBatch}; export it with batch 1 or a dynamic batch`,
    );
  }
  return {
    fixedBatch,
    info: {
      modelName: modelName ?? path.basename(modelPath, path.extname(modelPath)),
      inputFormat: 'float32_nchw_rgb',
      inputWidth: width,
      inputHeight: height,
      numClasses: classes,
      inputs: inputs.map(toDescription),
      outputs: outputs.map(toDescription),
    },
  };
}
