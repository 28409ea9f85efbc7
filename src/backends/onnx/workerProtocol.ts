/** Messages between OnnxBackend (main thread) and onnxWorker (one ONNX Runtime session per worker thread). */

export interface OnnxWorkerData {
  readonly modelPath: string;
  readonly intraOpThreads: number;
}

export interface WorkerTensorInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
  readonly type: string;
}

export type WorkerReply =
  | { readonly kind: 'ready'; readonly inputs: WorkerTensorInfo[]; readonly outputs: WorkerTensorInfo[] }
  | { readonly kind: 'load_error'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly output: Float32Array; readonly dims: number[] }
  | { readonly kind: 'run_error'; readonly id: number; readonly message: string };

export interface RunRequest {
  readonly kind: 'run';
  readonly id: number;
  /** Input tensor data; its buffer is transferred to the worker, not copied. */
  readonly input: Float32Array;
  readonly dims: readonly number[];
}
