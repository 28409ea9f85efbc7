import { readFileSync } from 'node:fs';
import { OnnxBackend } from '../backends/onnx/OnnxBackend';
import { BpuBackend, openBpuBackend } from '../backends/bpu';
import type { InferenceBackend } from '../core/backend';
import type { ClassScore } from '../core/classification';
import { errorMessage } from '../core/errors';
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
import { loadModelCatalog, type ModelCatalog } from '../model/modelCatalog';
import { resolveModel, type BackendChoice, type ResolvedModel } from '../model/resolveModel';
import { sha256File } from '../model/sha256File';

export interface ClassifierOptions {
  /** Catalogue name/alias, `synthetic:<name>[:seed]`, or a file path. Default: the synthetic default model. */
  readonly model?: string;
  /**
   * Default 'auto': the BPU when the model's .bin is present and the runtime library loads; when it does not, a
   * one-line notice says why and the model's ONNX file is used instead.
   */
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
  /** Where one-line notices go (the auto backend falling back to ONNX). Default: stderr. */
  readonly onNotice?: (line: string) => void;
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
  /** False when a reader must not take the labels and scores as predictions (synthetic weights, the BPU emulator). */
  readonly labelsMeaningful: boolean;
  /** Why the labels are not meaningful, in words; absent when they are. */
  readonly labelsNote?: string;
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

export const SYNTHETIC_WEIGHTS_NOTE = 'SYNTHETIC WEIGHTS (no pretrained weights are bundled)';
export const BPU_EMULATOR_NOTE =
  "BPU EMULATOR (scores follow the emulator's test function of the mean luma, not a network)";

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

/** Why a reader must not take this classifier's labels as predictions, or undefined when they may. */
function labelsNoteFor(syntheticWeights: boolean, backend: InferenceBackend): string | undefined {
  if (syntheticWeights) return SYNTHETIC_WEIGHTS_NOTE;
  if (backend instanceof BpuBackend && backend.runtimeVersion.includes('emulator')) return BPU_EMULATOR_NOTE;
  return undefined;
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

interface OpenedModel {
  readonly resolved: ResolvedModel;
  readonly modelFile: string;
  readonly backend: InferenceBackend;
}

/**
 * Resolves and opens the model. `auto` tries the BPU whenever the model's .bin is present; when the runtime
 * library or the model does not load, it says why in one line and opens the model's ONNX file instead (a model
 * given as a .bin path has no ONNX counterpart: then the BPU error stands).
 */
async function openModel(catalog: ModelCatalog, options: ClassifierOptions): Promise<OpenedModel> {
  const common = {
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.modelDir !== undefined ? { modelDir: options.modelDir } : {}),
  };
  const choice = options.backend ?? 'auto';
  const resolved = resolveModel(catalog, { ...common, backend: choice, bpuAvailable: true });
  const modelFile = await modelFileOf(resolved, options);
  if (choice !== 'auto' || resolved.backend !== 'bpu') {
    return { resolved, modelFile, backend: await openBackend(resolved, modelFile, options) };
  }
  try {
    return { resolved, modelFile, backend: await openBackend(resolved, modelFile, options) };
  } catch (bpuError) {
    let onnx: ResolvedModel;
    try {
      onnx = resolveModel(catalog, { ...common, backend: 'onnx' });
    } catch {
      throw bpuError;
    }
    const notice = options.onNotice ?? ((line: string) => process.stderr.write(`edgenext: ${line}\n`));
    notice(`backend auto: the BPU is not usable (${errorMessage(bpuError)}); using ONNX Runtime on the CPU`);
    const onnxFile = await modelFileOf(onnx, options);
    return { resolved: onnx, modelFile: onnxFile, backend: await openBackend(onnx, onnxFile, options) };
  }
}

/**
 * The composition root: resolves the model, opens the backend, loads labels, fixes the preprocessing to
 * what the loaded model takes, and runs one warm-up inference so the first real frame is not slow.
 */
export async function openClassifier(options: ClassifierOptions = {}): Promise<Classifier> {
  const catalog = loadModelCatalog(options.catalogPath);
  const { resolved, modelFile, backend } = await openModel(catalog, options);
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
    const syntheticWeights = hasSyntheticWeights(resolved, modelFile);
    const labelsNote = labelsNoteFor(syntheticWeights, backend);
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
      syntheticWeights,
      labelsMeaningful: labelsNote === undefined,
      ...(labelsNote !== undefined ? { labelsNote } : {}),
      warmupLatencyMs,
    };
    return { backend, card, labels, preprocessSpec, preprocess, postprocess, close: () => backend.close() };
  } catch (error) {
    await backend.close();
    throw error;
  }
}
