import type { InputFormat, ModelInput } from './preprocessing';

/** Shape and meaning of a model's tensors, as the backend found them in the loaded file. */
export interface TensorDescription {
  readonly name: string;
  /** Dimensions; -1 for a dynamic one (for example a dynamic batch). */
  readonly dims: readonly number[];
  readonly type: string;
}

export interface BackendModelInfo {
  /** Model name as the runtime reports it (the BPU's in-file name, or the ONNX file's stem). */
  readonly modelName: string;
  readonly inputFormat: InputFormat;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly numClasses: number;
  readonly inputs: readonly TensorDescription[];
  readonly outputs: readonly TensorDescription[];
}

/**
 * The port every inference backend implements (ONNX Runtime on CPU, the BPU through libdnn).
 * `infer` never blocks the event loop: backends do their work on other threads.
 */
export interface InferenceBackend {
  /** 'onnx' or 'bpu'. */
  readonly kind: string;
  readonly info: BackendModelInfo;
  /**
   * Largest number of frames `infer` accepts in one call as a true batch. A batch-1 backend (the BPU)
   * reports 1 and takes concurrency instead.
   */
  readonly maxBatch: number;
  /** Number of `infer` calls the backend can usefully run at the same time. */
  readonly maxConcurrency: number;
  /** Runs one batch; resolves to one logits (or probabilities) vector per input, in order. */
  infer(inputs: readonly ModelInput[]): Promise<Float32Array[]>;
  /** Releases every native resource. Idempotent. Pending `infer` calls reject with code 'closed'. */
  close(): Promise<void>;
}
