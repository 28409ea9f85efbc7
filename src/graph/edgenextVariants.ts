/**
 * The four timm EdgeNeXt variants (timm `edgenext.py`; see docs/edgenext-architecture.md §1).
 * Shared constructor defaults are constants here; only what differs per variant is in the table.
 */

export const EDGENEXT_VARIANTS = ['xx_small', 'x_small', 'small', 'base'] as const;
export type EdgeNeXtVariant = (typeof EDGENEXT_VARIANTS)[number];

type Four = readonly [number, number, number, number];

export interface EdgeNeXtVariantSpec {
  readonly name: EdgeNeXtVariant;
  /** Blocks per stage; the last block of stages 1–3 is the SDTA block. */
  readonly depths: Four;
  /** Channel widths C0..C3. */
  readonly dims: Four;
  /** XCA heads (all stages). */
  readonly heads: number;
  /** timm's learned-parameter count (sum of `p.numel()`), the figure of the model zoo table. */
  readonly parameterCount: number;
}

export const EDGENEXT_VARIANT_SPECS: Readonly<Record<EdgeNeXtVariant, EdgeNeXtVariantSpec>> = {
  xx_small: { name: 'xx_small', depths: [2, 2, 6, 2], dims: [24, 48, 88, 168], heads: 4, parameterCount: 1_327_216 },
  x_small: { name: 'x_small', depths: [3, 3, 9, 3], dims: [32, 64, 100, 192], heads: 4, parameterCount: 2_336_804 },
  small: { name: 'small', depths: [3, 3, 9, 3], dims: [48, 96, 160, 304], heads: 8, parameterCount: 5_586_832 },
  base: { name: 'base', depths: [3, 3, 9, 3], dims: [80, 160, 288, 584], heads: 8, parameterCount: 18_511_292 },
};

/** Depthwise kernel of the ConvBlocks per stage ("adaptive kernel"). */
export const CONV_KERNEL_SIZES: Four = [3, 5, 7, 9];
/** SDTA channel-split count per stage (stage 0 has no SDTA block). */
export const SDTA_SCALES: Four = [2, 2, 3, 4];
/** Only the stage-1 SDTA block adds the Fourier positional encoding. */
export const SDTA_POSITIONAL_ENCODING: readonly [boolean, boolean, boolean, boolean] = [false, true, false, false];
/** PositionalEncodingFourier hidden_dim (channels of the Fourier map = 2 × this) and temperature. */
export const POS_ENCODING_HIDDEN_DIM = 32;
export const POS_ENCODING_TEMPERATURE = 10000;
export const MLP_EXPAND_RATIO = 4;
export const NUM_CLASSES = 1000;
/** Input resolution of the model zoo export (224×224); the stage-1 grid is 28×28. */
export const INPUT_SIZE = 224;
/** LayerNorm epsilon of every norm in EdgeNeXt. */
export const LAYER_NORM_EPS = 1e-6;

export function isEdgeNeXtVariant(value: string): value is EdgeNeXtVariant {
  return (EDGENEXT_VARIANTS as readonly string[]).includes(value);
}

/** Whether block `blockIndex` of `stage` is the SDTA (SplitTransposeBlock) block. */
export function isSdtaBlock(spec: EdgeNeXtVariantSpec, stage: number, blockIndex: number): boolean {
  return stage > 0 && blockIndex === (spec.depths[stage] as number) - 1;
}

/** The torch.onnx.export names of the XCA Softmax nodes (one per SDTA block), as the zoo's `node_info` quotes them. */
export function softmaxNodeNames(variant: EdgeNeXtVariant): readonly string[] {
  const spec = EDGENEXT_VARIANT_SPECS[variant];
  return [1, 2, 3].map(
    (stage) => `/stages/stages.${stage}/blocks/blocks.${(spec.depths[stage] as number) - 1}/xca/Softmax`,
  );
}
