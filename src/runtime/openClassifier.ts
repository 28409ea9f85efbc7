import { existsSync, readFileSync } from 'node:fs';
import { OnnxBackend } from '../backends/onnx/OnnxBackend';
import { BPU_LIBRARY_ENV, openBpuBackend } from '../backends/bpu';
import type { InferenceBackend } from '../core/backend';
import type { ClassScore } from '../core/classification';
import type { ImageInput } from '../core/image';
import {
  withResizePolicy,
  type InputFormat,
  type ModelInput,
  type PreprocessSpec,
  type ResizePolicy,
  type ResizeSpec,
} from '../core/preprocessing';
import { softmax, topK } from '../core/postprocess';
import { ensureSyntheticModel, inspectOnnxModel, isEdgeNeXtVariant, METADATA_KEYS } from '../graph';
import { preprocessImage, preprocessRaw } from '../image';
import { loadLabels } from '../model/labels';
import { loadModelCatalog } from '../model/modelCatalog';
import { resolveModel, type BackendChoice, type ResolvedModel } from '../model/resolveModel';
import { sha256File } from '../model/sha256File';

export interface ClassifierOptions {
  /** Catalogue name/alias, `synthetic:<name>[:seed]`, or a file path. Default: the synthetic default model. */
  readonly model?: string;
  /** Default 'auto': the BPU when its runtime library is present and the model has a .bin, else ONNX. */
  readonly backend?: BackendChoice;
  readonly modelDir?: string;
  /** Model catalogue file; default config/models.yaml of the package. */
  readonly catalogPath?: string;
  readonly bpuLibraryPath?: string;
  /** ONNX: intra-op threads per worker (default 1). */
  readonly threads?: number;
  /** ONNX: worker threads (default 1). BPU: tasks in flight (default 2). */
  readonly maxInflight?: number;
  /** ONNX: largest true batch (default 8). */
  readonly maxBatch?: number;
  readonly bpuPriority?: number;
  readonly bpuCoreMask?: number;
  /** BPU: how long one task may run before it counts as hung and fails (default: the backend's, 5000 ms). */
  readonly bpuTaskTimeoutMs?: number;
  /** Overrides the catalogue's resize policy. */
  readonly resize?: ResizePolicy;
  /** Skips the warm-up inference (tools that only inspect). Default false. */
  readonly skipWarmup?: boolean;
}

/** What a consumer needs to know about the loaded model (published latched by the ROS node). */
export interface ModelCard {
  readonly modelName: string;
  readonly catalogEntry: string;
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
  readonly numClasses: number;
  /** True for graph-builder models: their labels carry no meaning. */
  readonly syntheticWeights: boolean;
  readonly warmupLatencyMs: number;
}

export interface Classifier {
  readonly backend: InferenceBackend;
  readonly card: ModelCard;
  readonly labels: readonly string[];
  readonly preprocessSpec: PreprocessSpec;
  /** Raw frames are converted synchronously (fast path); compressed ones are decoded by sharp off the main thread. */
  preprocess(image: ImageInput): ModelInput | Promise<ModelInput>;
  /** Softmax (for logit models) then the k best classes. */
  postprocess(logits: Float32Array, topK: number): ClassScore[];
  close(): Promise<void>;
}

const DEFAULT_BPU_LIBRARY_PATHS = ['/usr/lib/libdnn.so', '/usr/hobot/lib/libdnn.so'];

function bpuRuntimePresent(libraryPath: string | undefined): boolean {
  if (libraryPath !== undefined) return true;
  const fromEnv = process.env[BPU_LIBRARY_ENV];
  if (fromEnv !== undefined && fromEnv.length > 0) return true;
  return DEFAULT_BPU_LIBRARY_PATHS.some((candidate) => existsSync(candidate));
}

async function modelFileOf(resolved: ResolvedModel, options: ClassifierOptions): Promise<string> {
  if (resolved.source.kind === 'file') return resolved.source.path;
  const { variant, seed } = resolved.source;
  if (!isEdgeNeXtVariant(variant))
    throw new Error(`catalogue entry ${resolved.entry.name} names unknown synthetic variant ${variant}`);
  return ensureSyntheticModel(variant, {
    seed,
    ...(options.modelDir !== undefined ? { cacheDir: options.modelDir } : {}),
  });
}

/** Synthetic graph-builder models say so in their ONNX metadata, also when loaded from a file path. */
function hasSyntheticWeights(resolved: ResolvedModel, modelFile: string): boolean {
  if (resolved.source.kind === 'synthetic') return true;
  if (resolved.backend !== 'onnx') return false;
  try {
    return inspectOnnxModel(readFileSync(modelFile)).metadata[METADATA_KEYS.synthetic] === 'true';
  } catch {
    return false;
  }
}

async function openBackend(
  resolved: ResolvedModel,
  modelFile: string,
  options: ClassifierOptions,
): Promise<InferenceBackend> {
  if (resolved.backend === 'bpu') {
    return openBpuBackend({
      modelPath: modelFile,
      ...(options.bpuLibraryPath !== undefined ? { libraryPath: options.bpuLibraryPath } : {}),
      ...(options.maxInflight !== undefined ? { maxInflight: options.maxInflight } : {}),
      ...(options.bpuPriority !== undefined ? { priority: options.bpuPriority } : {}),
      ...(options.bpuCoreMask !== undefined ? { bpuCoreMask: options.bpuCoreMask } : {}),
      ...(options.bpuTaskTimeoutMs !== undefined ? { waitTimeoutMs: options.bpuTaskTimeoutMs } : {}),
    });
  }
  return OnnxBackend.open({
    modelPath: modelFile,
    ...(options.threads !== undefined ? { intraOpThreads: options.threads } : {}),
    ...(options.maxInflight !== undefined ? { workers: options.maxInflight } : {}),
    ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
    ...(resolved.source.kind === 'synthetic'
      ? { modelName: `${resolved.entry.name}_synthetic_seed${resolved.source.seed}` }
      : {}),
  });
}

/**
 * The composition root: resolves the model, opens the backend, loads labels, fixes the preprocessing to
 * what the loaded model takes, and runs one warm-up inference so the first real frame is not slow.
 */
export async function openClassifier(options: ClassifierOptions = {}): Promise<Classifier> {
  const catalog = loadModelCatalog(options.catalogPath);
  const resolved = resolveModel(catalog, {
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    ...(options.modelDir !== undefined ? { modelDir: options.modelDir } : {}),
    bpuAvailable: bpuRuntimePresent(options.bpuLibraryPath),
  });
  const modelFile = await modelFileOf(resolved, options);
  const backend = await openBackend(resolved, modelFile, options);
  try {
    const { entry } = resolved;
    const labels = loadLabels(entry.labelsPath, backend.info.numClasses);
    const mean = entry.onnx?.mean ?? ([0.485, 0.456, 0.406] as const);
    const std = entry.onnx?.std ?? ([0.229, 0.224, 0.225] as const);
    const resize: ResizeSpec =
      options.resize !== undefined ? withResizePolicy(entry.resize, options.resize) : entry.resize;
    const preprocessSpec: PreprocessSpec = {
      width: backend.info.inputWidth,
      height: backend.info.inputHeight,
      format: backend.info.inputFormat,
      resize,
      mean,
      std,
    };
    const applySoftmax = entry.output === 'logits';
    const preprocess = (image: ImageInput): ModelInput | Promise<ModelInput> =>
      image.kind === 'raw' ? preprocessRaw(image, preprocessSpec) : preprocessImage(image, preprocessSpec);
    const postprocess = (logits: Float32Array, k: number): ClassScore[] =>
      topK(applySoftmax ? softmax(logits) : logits, k, labels);

    let warmupLatencyMs = 0;
    if (options.skipWarmup !== true) {
      const gray = new Uint8Array(preprocessSpec.width * preprocessSpec.height * 3).fill(127);
      const input = preprocessRaw(
        {
          kind: 'raw',
          width: preprocessSpec.width,
          height: preprocessSpec.height,
          encoding: 'rgb8',
          step: preprocessSpec.width * 3,
          data: gray,
        },
        preprocessSpec,
      );
      const started = performance.now();
      await backend.infer([input]);
      warmupLatencyMs = performance.now() - started;
    }
    const card: ModelCard = {
      modelName: backend.info.modelName,
      catalogEntry: entry.name,
      modelFile,
      fileSha256: await sha256File(modelFile),
      backend: resolved.backend,
      inputWidth: preprocessSpec.width,
      inputHeight: preprocessSpec.height,
      inputFormat: preprocessSpec.format,
      mean: [...mean],
      std: [...std],
      resize,
      labelsFile: entry.labelsPath,
      numClasses: backend.info.numClasses,
      syntheticWeights: hasSyntheticWeights(resolved, modelFile),
      warmupLatencyMs,
    };
    return { backend, card, labels, preprocessSpec, preprocess, postprocess, close: () => backend.close() };
  } catch (error) {
    await backend.close();
    throw error;
  }
}
