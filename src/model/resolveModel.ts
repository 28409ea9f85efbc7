import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EdgenextError, ErrorCodes } from '../core/errors';
import { findModelEntry, findModelEntryByFile, type ModelCatalog, type ModelEntry } from './modelCatalog';

export const MODEL_DIR_ENV = 'EDGENEXT_MODEL_DIR';
export const BACKEND_CHOICES = ['auto', 'bpu', 'onnx'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendKind = 'onnx' | 'bpu';

/** Where downloaded models live: `$EDGENEXT_MODEL_DIR`, else ~/.cache/edgenext/models. */
export function defaultModelDir(): string {
  const fromEnv = process.env[MODEL_DIR_ENV];
  return fromEnv !== undefined && fromEnv.length > 0
    ? fromEnv
    : path.join(os.homedir(), '.cache', 'edgenext', 'models');
}

export type ModelSource =
  | { readonly kind: 'synthetic'; readonly variant: string; readonly seed: number }
  | { readonly kind: 'file'; readonly path: string };

export interface ResolvedModel {
  /** Catalogue entry whose input, labels and preprocessing apply. */
  readonly entry: ModelEntry;
  readonly backend: BackendKind;
  readonly source: ModelSource;
}

export interface ResolveModelOptions {
  /**
   * A catalogue name or alias (`EdgeNeXt_small`, `small`), `synthetic:<name>[:<seed>]` for the graph builder's
   * synthetic-weight network, or a file path (.onnx, .bin, or an emulator's .emu.json). Default: synthetic default model.
   */
  readonly model?: string;
  readonly backend?: BackendChoice;
  readonly modelDir?: string;
  /** Whether a BPU runtime library is present; `auto` picks the BPU only then. */
  readonly bpuAvailable?: boolean;
}

const SYNTHETIC_PREFIX = 'synthetic:';
const DEFAULT_SYNTHETIC_SEED = 12345;

function backendOfFile(file: string): BackendKind | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.onnx')) return 'onnx';
  if (lower.endsWith('.bin') || lower.endsWith('.emu.json')) return 'bpu';
  return undefined;
}

function looksLikePath(spec: string): boolean {
  return spec.includes('/') || spec.includes(path.sep) || backendOfFile(spec) !== undefined;
}

/**
 * Turns the user's model and backend choice into one concrete model. Every refusal says what was asked,
 * why it cannot be served, and what to do instead (download command, synthetic alternative).
 */
export function resolveModel(catalog: ModelCatalog, options: ResolveModelOptions = {}): ResolvedModel {
  const requestedBackend = options.backend ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(requestedBackend)) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `unknown backend '${String(requestedBackend)}' (choose auto, bpu or onnx)`,
    );
  }
  const spec = options.model ?? `${SYNTHETIC_PREFIX}${catalog.defaultModel}`;

  if (spec.startsWith(SYNTHETIC_PREFIX)) {
    const [name = '', seedText] = spec.slice(SYNTHETIC_PREFIX.length).split(':');
    const entry = requireEntry(catalog, name);
    if (entry.syntheticVariant === undefined) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `model ${entry.name} has no synthetic variant (only EdgeNeXt entries do)`,
      );
    }
    if (requestedBackend === 'bpu') {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `synthetic models are ONNX graphs and run on the onnx backend; the BPU needs a compiled .bin (--model ${entry.name})`,
      );
    }
    const seed = seedText === undefined ? DEFAULT_SYNTHETIC_SEED : Number(seedText);
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `synthetic model seed must be a non-negative integer, got '${seedText}'`,
      );
    }
    return { entry, backend: 'onnx', source: { kind: 'synthetic', variant: entry.syntheticVariant, seed } };
  }

  if (looksLikePath(spec)) {
    const file = path.resolve(spec);
    const kind = backendOfFile(file);
    if (kind === undefined) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `model file ${file}: unknown type (expected .onnx, .bin or .emu.json)`,
      );
    }
    if (requestedBackend !== 'auto' && requestedBackend !== kind) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `model file ${file} is for the ${kind} backend, not ${requestedBackend}`,
      );
    }
    if (!existsSync(file)) throw new EdgenextError(ErrorCodes.fileNotFound, `model file not found: ${file}`);
    const entry = findModelEntryByFile(catalog, file) ?? requireEntry(catalog, catalog.defaultModel);
    return { entry, backend: kind, source: { kind: 'file', path: file } };
  }

  const entry = requireEntry(catalog, spec);
  const modelDir = options.modelDir ?? defaultModelDir();
  const onnxPath = entry.onnx !== undefined ? path.join(modelDir, entry.onnx.file) : undefined;
  const bpuPath = entry.bpu !== undefined ? path.join(modelDir, entry.bpu.file) : undefined;
  let backend: BackendKind;
  if (requestedBackend === 'auto') {
    backend = bpuPath !== undefined && options.bpuAvailable === true && existsSync(bpuPath) ? 'bpu' : 'onnx';
  } else {
    backend = requestedBackend;
  }
  const file = backend === 'bpu' ? bpuPath : onnxPath;
  const files = backend === 'bpu' ? entry.bpu : entry.onnx;
  if (file === undefined || files === undefined) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `model ${entry.name} has no ${backend} file in ${catalog.sourcePath}`,
    );
  }
  if (!existsSync(file)) {
    const synthetic =
      entry.syntheticVariant !== undefined
        ? ` or try the architecture with synthetic weights: --model synthetic:${entry.syntheticVariant}`
        : '';
    throw new EdgenextError(
      ErrorCodes.fileNotFound,
      `model ${entry.name} (${backend}): ${file} not found; download it with 'edgenext models download ${entry.name} --backend ${backend}'` +
        `${files.url !== undefined ? ` (${files.url})` : ''}${synthetic}`,
    );
  }
  return { entry, backend, source: { kind: 'file', path: file } };
}

function requireEntry(catalog: ModelCatalog, name: string): ModelEntry {
  const entry = findModelEntry(catalog, name);
  if (entry === undefined) {
    const known = catalog.entries.map((e) => e.name).join(', ');
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `unknown model '${name}' (known: ${known}; or give a file path)`,
    );
  }
  return entry;
}
