/**
 * What the ROS node needs from the rest of the product. The entry point (main.ts) passes the real ones
 * (openClassifier from src/runtime, createPipeline from src/pipeline, decodeImageMessage from src/messages);
 * tests pass fakes. These are structural subsets of the real contracts, so either fits.
 */
import type { ClassScore } from '../core/classification';
import type { FrameHeader, ImageInput } from '../core/image';
import type { InputFormat, ModelInput, ResizePolicy, ResizeSpec } from '../core/preprocessing';
import type { InferenceBackend } from '../core/backend';
import type { ClassificationPipeline, PipelineDeps, PipelineOptions } from '../pipeline';

/** The options of src/runtime openClassifier that the node sets from its parameters. */
export interface NodeClassifierOptions {
  model?: string;
  backend?: 'auto' | 'onnx' | 'bpu';
  bpuLibraryPath?: string;
  threads?: number;
  maxInflight?: number;
  bpuPriority?: number;
  bpuCoreMask?: number;
  resize?: ResizePolicy;
}

/** src/runtime ModelCard: what the latched ~/model_card topic publishes. */
export interface NodeModelCard {
  readonly modelName: string;
  readonly modelFile: string;
  readonly fileSha256: string;
  readonly backend: 'onnx' | 'bpu';
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly inputFormat: InputFormat;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly resize: ResizeSpec;
  readonly labelsFile: string;
  readonly syntheticWeights: boolean;
  readonly warmupLatencyMs: number;
}

/** src/runtime Classifier: a loaded, warmed-up model. */
export interface NodeClassifier {
  readonly backend: InferenceBackend;
  readonly card: NodeModelCard;
  readonly labels: readonly string[];
  preprocess(image: ImageInput): ModelInput | Promise<ModelInput>;
  postprocess(logits: Float32Array, topK: number): ClassScore[];
  close(): Promise<void>;
}

export type OpenClassifier = (options: NodeClassifierOptions) => Promise<NodeClassifier>;
export type CreatePipeline = (options: Partial<PipelineOptions>, deps: PipelineDeps) => ClassificationPipeline;
/** src/messages decodeImageMessage: throws EdgenextError malformed_frame for bytes that do not decode. */
export type DecodeImageMessage = (type: string, cdr: Uint8Array) => { header: FrameHeader; image: ImageInput };
