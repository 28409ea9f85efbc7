import { performance } from 'node:perf_hooks';

import { buildEdgeNeXtModel, validateBuildArguments } from './buildEdgeNeXtModel';
import { EDGENEXT_VARIANT_SPECS, type EdgeNeXtVariant } from './edgenextVariants';
import { DEFAULT_WEIGHT_SEED } from './syntheticWeights';
import { writeFileAtomic } from './writeFileAtomic';

export interface SynthesizeOptions {
  /** Weight generator seed (unsigned 32-bit integer). Default 12345. */
  readonly seed?: number;
  /** Where to write the .onnx file. */
  readonly outputPath: string;
}

export interface SynthesizedModelFile {
  readonly variant: EdgeNeXtVariant;
  readonly seed: number;
  readonly path: string;
  readonly sizeBytes: number;
  /** Learned parameters (= initializer elements) of the written model. */
  readonly parameterCount: number;
  /** Time to build and serialize the graph, without the file write. */
  readonly buildMs: number;
}

/**
 * Builds a variant with synthetic weights and writes it to `outputPath` (atomically: temp file + rename).
 * The weights are synthetic: the model's class labels are not meaningful.
 * @throws EdgenextError(invalid_argument) for an unknown variant, a bad seed or an unwritable output path.
 */
export async function synthesizeModelFile(
  variant: EdgeNeXtVariant,
  options: SynthesizeOptions,
): Promise<SynthesizedModelFile> {
  const seed = options.seed ?? DEFAULT_WEIGHT_SEED;
  validateBuildArguments(variant, seed);
  const started = performance.now();
  const bytes = buildEdgeNeXtModel(variant, { seed });
  const buildMs = performance.now() - started;
  await writeFileAtomic(options.outputPath, bytes);
  return {
    variant,
    seed,
    path: options.outputPath,
    sizeBytes: bytes.length,
    parameterCount: EDGENEXT_VARIANT_SPECS[variant].parameterCount,
    buildMs,
  };
}
