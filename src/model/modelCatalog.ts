import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { packageRoot } from '../core/packageRoot';
import { INTERPOLATIONS, RESIZE_POLICIES, type ResizeSpec } from '../core/preprocessing';

/** config/models.yaml shipped with the package. */
/** Environment variable naming a catalogue to use instead of the package's own (add models without editing the install). */
export const CATALOG_ENV = 'EDGENEXT_MODEL_CATALOG';

/** `$EDGENEXT_MODEL_CATALOG`, else config/models.yaml of the package. */
export function defaultCatalogPath(): string {
  const fromEnv = process.env[CATALOG_ENV];
  return fromEnv !== undefined && fromEnv.length > 0 ? fromEnv : path.join(packageRoot(), 'config', 'models.yaml');
}

const resizeSchema = z.strictObject({
  policy: z.enum(RESIZE_POLICIES),
  interpolation: z.enum(INTERPOLATIONS).default('bilinear'),
  pad_value: z.number().int().min(0).max(255).default(127),
  crop_pct: z.number().gt(0).max(1).default(0.875),
});

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);
/** A pinned SHA-256 (hex) of a downloadable file; `edgenext models download` prints the one to pin. */
const sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (a SHA-256)')
  .transform((hex) => hex.toLowerCase());

const entrySchema = z.strictObject({
  aliases: z.array(z.string().min(1)).default([]),
  /** Graph-builder variant used for `synthetic:<name>` models (EdgeNeXt entries only). */
  synthetic_variant: z.string().optional(),
  input: z.strictObject({ width: z.number().int().positive(), height: z.number().int().positive() }),
  labels: z.string().min(1),
  /** Whether the model's output is raw logits (softmax applied here) or already probabilities. */
  output: z.enum(['logits', 'probabilities']).default('logits'),
  resize: resizeSchema,
  onnx: z
    .strictObject({
      file: z.string().min(1),
      url: z.string().optional(),
      sha256: sha256Hex.optional(),
      mean: rgbTriple.default([0.485, 0.456, 0.406]),
      std: rgbTriple.default([0.229, 0.224, 0.225]),
    })
    .optional(),
  bpu: z.strictObject({ file: z.string().min(1), url: z.string().optional(), sha256: sha256Hex.optional() }).optional(),
  x5_reference: z
    .strictObject({
      params_m: z.number().positive(),
      float_top1: z.number().min(0).max(100),
      quantized_top1: z.number().min(0).max(100),
      latency_1_thread_ms: z.number().positive(),
      latency_multi_thread_ms: z.number().positive(),
      fps: z.number().positive(),
    })
    .optional(),
  quantization: z
    .strictObject({
      int16_nodes: z.array(z.string().min(1)).default([]),
      hb_mapper_internal_nodes: z.array(z.string().min(1)).default([]),
    })
    .optional(),
});

const catalogSchema = z.strictObject({
  version: z.literal(1),
  default_model: z.string().min(1),
  models: z.record(z.string().min(1), entrySchema),
});

export interface ModelEntry {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly syntheticVariant?: string;
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** Absolute path of the labels JSON file. */
  readonly labelsPath: string;
  readonly output: 'logits' | 'probabilities';
  readonly resize: ResizeSpec;
  readonly onnx?: {
    readonly file: string;
    readonly url?: string;
    /** Pinned SHA-256 (lower-case hex) of the file, where known. */
    readonly sha256?: string;
    readonly mean: readonly [number, number, number];
    readonly std: readonly [number, number, number];
  };
  readonly bpu?: { readonly file: string; readonly url?: string; readonly sha256?: string };
  /** The RDK X5 model zoo's published figures for this model (compared with measurements by `edgenext bench`). */
  readonly x5Reference?: X5Reference;
  /** hb_mapper settings beyond the Softmax nodes (see src/model/quantConfig.ts). */
  readonly quantization?: QuantizationHints;
}

/** The model zoo's performance table row: X5 at 224x224, BPU Bayes-e @ 1 GHz, A55 @ 1.8 GHz. */
export interface X5Reference {
  readonly paramsM: number;
  /** Top-1 (%) of the float ONNX and of the quantised .bin, on the zoo's ImageNet evaluation. */
  readonly floatTop1: number;
  readonly quantizedTop1: number;
  /** BPU latency with 1 thread, and per frame with the zoo's multi-thread run, in ms. */
  readonly latency1ThreadMs: number;
  readonly latencyMultiThreadMs: number;
  readonly fps: number;
}

export interface QuantizationHints {
  /** ONNX nodes the model zoo's yaml pins to the BPU in int16, besides the Softmax nodes. */
  readonly int16Nodes: readonly string[];
  /** Names the zoo's yaml pins that exist only in hb_mapper's internal graph, not in the ONNX export. */
  readonly hbMapperInternalNodes: readonly string[];
}

export interface ModelCatalog {
  readonly sourcePath: string;
  readonly defaultModel: string;
  readonly entries: readonly ModelEntry[];
}

/**
 * Reads and validates a model catalogue. Every problem is reported with the file and the key path
 * (`models.EdgeNeXt_small.resize.policy: ...`), because a typo in YAML must not become a silent default.
 */
export function loadModelCatalog(catalogPath: string = defaultCatalogPath()): ModelCatalog {
  let text: string;
  try {
    text = readFileSync(catalogPath, 'utf8');
  } catch (error) {
    throw new EdgenextError(
      ErrorCodes.fileNotFound,
      `model catalogue ${catalogPath}: cannot read (${errorMessage(error)})`,
      {
        cause: error,
      },
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new EdgenextError(
      ErrorCodes.invalidConfig,
      `model catalogue ${catalogPath}: not valid YAML (${errorMessage(error)})`,
    );
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new EdgenextError(ErrorCodes.invalidConfig, `model catalogue ${catalogPath}: ${problems.join('; ')}`);
  }
  const baseDir = path.dirname(catalogPath);
  const entries: ModelEntry[] = Object.entries(parsed.data.models).map(([name, entry]) => ({
    name,
    aliases: entry.aliases,
    ...(entry.synthetic_variant !== undefined ? { syntheticVariant: entry.synthetic_variant } : {}),
    inputWidth: entry.input.width,
    inputHeight: entry.input.height,
    labelsPath: path.resolve(baseDir, entry.labels),
    output: entry.output,
    resize: {
      policy: entry.resize.policy,
      interpolation: entry.resize.interpolation,
      padValue: entry.resize.pad_value,
      cropPct: entry.resize.crop_pct,
    },
    ...(entry.onnx !== undefined ? { onnx: entry.onnx } : {}),
    ...(entry.bpu !== undefined ? { bpu: entry.bpu } : {}),
    ...(entry.x5_reference !== undefined
      ? {
          x5Reference: {
            paramsM: entry.x5_reference.params_m,
            floatTop1: entry.x5_reference.float_top1,
            quantizedTop1: entry.x5_reference.quantized_top1,
            latency1ThreadMs: entry.x5_reference.latency_1_thread_ms,
            latencyMultiThreadMs: entry.x5_reference.latency_multi_thread_ms,
            fps: entry.x5_reference.fps,
          },
        }
      : {}),
    ...(entry.quantization !== undefined
      ? {
          quantization: {
            int16Nodes: entry.quantization.int16_nodes,
            hbMapperInternalNodes: entry.quantization.hb_mapper_internal_nodes,
          },
        }
      : {}),
  }));
  checkUniqueNames(catalogPath, entries);
  if (findModelEntry({ sourcePath: catalogPath, defaultModel: '', entries }, parsed.data.default_model) === undefined) {
    throw new EdgenextError(
      ErrorCodes.invalidConfig,
      `model catalogue ${catalogPath}: default_model '${parsed.data.default_model}' is not one of the models`,
    );
  }
  return { sourcePath: catalogPath, defaultModel: parsed.data.default_model, entries };
}

function checkUniqueNames(catalogPath: string, entries: readonly ModelEntry[]): void {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    for (const key of [entry.name, ...entry.aliases].map((n) => n.toLowerCase())) {
      const owner = seen.get(key);
      if (owner !== undefined && owner !== entry.name) {
        throw new EdgenextError(
          ErrorCodes.invalidConfig,
          `model catalogue ${catalogPath}: name '${key}' is used by both ${owner} and ${entry.name}`,
        );
      }
      seen.set(key, entry.name);
    }
  }
}

/** Finds an entry by name or alias, case-insensitively. */
export function findModelEntry(catalog: ModelCatalog, name: string): ModelEntry | undefined {
  const wanted = name.toLowerCase();
  return catalog.entries.find(
    (entry) => entry.name.toLowerCase() === wanted || entry.aliases.some((alias) => alias.toLowerCase() === wanted),
  );
}

/** Finds the entry whose ONNX or BPU file has this base name (so `--model /opt/x/edgenext_small.onnx` gets small's settings). */
export function findModelEntryByFile(catalog: ModelCatalog, filePath: string): ModelEntry | undefined {
  const base = path.basename(filePath).toLowerCase();
  return catalog.entries.find(
    (entry) => entry.onnx?.file.toLowerCase() === base || entry.bpu?.file.toLowerCase() === base,
  );
}
