import { EdgenextError, ErrorCodes } from '../core/errors';
import { GraphBuilder } from './GraphBuilder';
import { edgeNeXtParameterSpecs } from './edgenextParameters';
import { convBlock, downsample, head, ModuleContext, sdtaBlock, stem } from './modules';
import {
  CONV_KERNEL_SIZES,
  EDGENEXT_VARIANT_SPECS,
  EDGENEXT_VARIANTS,
  type EdgeNeXtVariant,
  INPUT_SIZE,
  isEdgeNeXtVariant,
  isSdtaBlock,
  NUM_CLASSES,
  SDTA_POSITIONAL_ENCODING,
  SDTA_SCALES,
} from './edgenextVariants';
import { DEFAULT_WEIGHT_SEED, generateSyntheticWeights, type WeightMap } from './syntheticWeights';

/** Graph input and output names of the model zoo export. */
export const INPUT_NAME = 'data';
export const OUTPUT_NAME = 'output';
/** Symbolic name of the dynamic batch dimension. */
export const BATCH_DIM = 'batch';
/** ONNX opset of the model zoo export. */
export const OPSET_VERSION = 11;
/**
 * Version of what this builder emits; part of the cache file name, so a change in the graph or the
 * generator invalidates models cached by an older version.
 */
export const GRAPH_BUILDER_VERSION = 1;

/** Metadata keys written into ModelProto.metadata_props of synthetic models. */
export const METADATA_KEYS = {
  variant: 'edgenext.variant',
  synthetic: 'edgenext.synthetic_weights',
  seed: 'edgenext.weight_seed',
  builderVersion: 'edgenext.graph_builder_version',
} as const;

export interface BuildOptions {
  /** Seed of the Appendix B weight generator (unsigned 32-bit integer). Default 12345. */
  readonly seed?: number;
}

/**
 * @throws EdgenextError(invalid_argument) for an unknown variant or a seed that is not an unsigned 32-bit integer.
 */
export function validateBuildArguments(variant: string, seed: number): asserts variant is EdgeNeXtVariant {
  if (!isEdgeNeXtVariant(variant)) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `unknown EdgeNeXt variant "${variant}" (expected one of: ${EDGENEXT_VARIANTS.join(', ')})`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `seed must be an integer from 0 to 4294967295, got ${seed}`);
  }
}

/** Builds the graph of a variant around the given weights (PyTorch names and layouts). */
export function buildEdgeNeXtGraph(variant: EdgeNeXtVariant, weights: WeightMap): GraphBuilder {
  const spec = EDGENEXT_VARIANT_SPECS[variant];
  const builder = new GraphBuilder();
  const ctx = new ModuleContext(builder, weights);
  const root = builder.root;

  let x = builder.addInput(INPUT_NAME, 'float32', [BATCH_DIM, 3, INPUT_SIZE, INPUT_SIZE]);
  x = stem(ctx, root, x, spec.dims[0]);
  let size = INPUT_SIZE / 4;
  for (let stage = 0; stage < 4; stage += 1) {
    const channels = spec.dims[stage] as number;
    const stageScope = root.child('stages', `stages.${stage}`);
    const stagePrefix = `stages.${stage}`;
    if (stage > 0) {
      x = downsample(ctx, stageScope, x, stagePrefix, spec.dims[stage - 1] as number, channels);
      size /= 2;
    }
    for (let block = 0; block < (spec.depths[stage] as number); block += 1) {
      const scope = stageScope.child('blocks', `blocks.${block}`);
      const prefix = `${stagePrefix}.blocks.${block}`;
      x = isSdtaBlock(spec, stage, block)
        ? sdtaBlock(ctx, scope, x, prefix, {
            channels,
            heads: spec.heads,
            scales: SDTA_SCALES[stage] as number,
            height: size,
            width: size,
            positionalEncoding: SDTA_POSITIONAL_ENCODING[stage] as boolean,
          })
        : convBlock(ctx, scope, x, prefix, channels, CONV_KERNEL_SIZES[stage] as number);
    }
  }
  head(ctx, root, x, spec.dims[3], NUM_CLASSES, OUTPUT_NAME);
  builder.addOutput(OUTPUT_NAME, 'float32', [BATCH_DIM, NUM_CLASSES]);
  ctx.assertAllUsed();
  return builder;
}

/**
 * Builds an EdgeNeXt variant (timm architecture, 224×224, opset 11, input `data` [batch,3,224,224],
 * output `output` [batch,1000]) with synthetic weights from the Appendix B generator.
 * @returns the serialized ModelProto (the bytes of a .onnx file).
 * @throws EdgenextError(invalid_argument) for an unknown variant or a bad seed.
 */
export function buildEdgeNeXtModel(variant: EdgeNeXtVariant, options: BuildOptions = {}): Uint8Array {
  const seed = options.seed ?? DEFAULT_WEIGHT_SEED;
  validateBuildArguments(variant, seed);
  const weights = generateSyntheticWeights(edgeNeXtParameterSpecs(variant), seed);
  return buildEdgeNeXtGraph(variant, weights).serialize({
    opsetVersion: OPSET_VERSION,
    producerName: 'edgenext-graph-builder',
    producerVersion: String(GRAPH_BUILDER_VERSION),
    metadata: {
      [METADATA_KEYS.variant]: variant,
      [METADATA_KEYS.synthetic]: 'true',
      [METADATA_KEYS.seed]: String(seed),
      [METADATA_KEYS.builderVersion]: String(GRAPH_BUILDER_VERSION),
    },
  });
}
