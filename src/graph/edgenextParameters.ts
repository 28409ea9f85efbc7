import {
  CONV_KERNEL_SIZES,
  EDGENEXT_VARIANT_SPECS,
  type EdgeNeXtVariant,
  isSdtaBlock,
  MLP_EXPAND_RATIO,
  NUM_CLASSES,
  POS_ENCODING_HIDDEN_DIM,
  SDTA_POSITIONAL_ENCODING,
  SDTA_SCALES,
} from './edgenextVariants';

/**
 * How the synthetic generator fills a tensor (docs/edgenext-architecture.md Appendix B):
 * layerScale 0.5 + 0.25u · temperature 1 + 0.5u · normWeight 1 + 0.25u · normBias 0.25u ·
 * weight u·√(3/fan_in) · bias 0.1u.
 */
export type ParameterKind = 'layerScale' | 'temperature' | 'normWeight' | 'normBias' | 'weight' | 'bias';

export interface ParameterSpec {
  /** PyTorch state_dict name, e.g. `stages.1.blocks.0.mlp.fc1.weight`. */
  readonly name: string;
  /** PyTorch layout (Linear weights [out, in]). */
  readonly shape: readonly number[];
  readonly kind: ParameterKind;
}

/** Width of each SDTA channel chunk: ceil(C / scales) (the last chunk takes the remainder). */
export function sdtaChunkWidth(channels: number, scales: number): number {
  return Math.ceil(channels / scales);
}

function layerNorm(prefix: string, channels: number): ParameterSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [channels], kind: 'normWeight' },
    { name: `${prefix}.bias`, shape: [channels], kind: 'normBias' },
  ];
}

function withBias(prefix: string, weightShape: readonly number[]): ParameterSpec[] {
  return [
    { name: `${prefix}.weight`, shape: weightShape, kind: 'weight' },
    { name: `${prefix}.bias`, shape: [weightShape[0] as number], kind: 'bias' },
  ];
}

function mlp(prefix: string, channels: number): ParameterSpec[] {
  const hidden = MLP_EXPAND_RATIO * channels;
  return [...withBias(`${prefix}.mlp.fc1`, [hidden, channels]), ...withBias(`${prefix}.mlp.fc2`, [channels, hidden])];
}

/**
 * Every learned tensor of a variant in timm `state_dict` order (Appendix A): the order the synthetic
 * generator fills them in. 160 tensors for xx_small, 214 for the others.
 */
export function edgeNeXtParameterSpecs(variant: EdgeNeXtVariant): readonly ParameterSpec[] {
  const spec = EDGENEXT_VARIANT_SPECS[variant];
  const [c0] = spec.dims;
  const specs: ParameterSpec[] = [...withBias('stem.0', [c0, 3, 4, 4]), ...layerNorm('stem.1', c0)];
  for (let stage = 0; stage < 4; stage += 1) {
    const channels = spec.dims[stage] as number;
    const stagePrefix = `stages.${stage}`;
    if (stage > 0) {
      const previous = spec.dims[stage - 1] as number;
      specs.push(...layerNorm(`${stagePrefix}.downsample.0`, previous));
      specs.push(...withBias(`${stagePrefix}.downsample.1`, [channels, previous, 2, 2]));
    }
    for (let block = 0; block < (spec.depths[stage] as number); block += 1) {
      const p = `${stagePrefix}.blocks.${block}`;
      if (!isSdtaBlock(spec, stage, block)) {
        const k = CONV_KERNEL_SIZES[stage] as number;
        specs.push({ name: `${p}.gamma`, shape: [channels], kind: 'layerScale' });
        specs.push(...withBias(`${p}.conv_dw`, [channels, 1, k, k]));
        specs.push(...layerNorm(`${p}.norm`, channels));
        specs.push(...mlp(p, channels));
        continue;
      }
      const scales = SDTA_SCALES[stage] as number;
      const width = sdtaChunkWidth(channels, scales);
      specs.push({ name: `${p}.gamma_xca`, shape: [channels], kind: 'layerScale' });
      specs.push({ name: `${p}.gamma`, shape: [channels], kind: 'layerScale' });
      for (let j = 0; j < scales - 1; j += 1) specs.push(...withBias(`${p}.convs.${j}`, [width, 1, 3, 3]));
      if (SDTA_POSITIONAL_ENCODING[stage]) {
        specs.push(...withBias(`${p}.pos_embd.token_projection`, [channels, 2 * POS_ENCODING_HIDDEN_DIM, 1, 1]));
      }
      specs.push(...layerNorm(`${p}.norm_xca`, channels));
      specs.push({ name: `${p}.xca.temperature`, shape: [spec.heads, 1, 1], kind: 'temperature' });
      specs.push(...withBias(`${p}.xca.qkv`, [3 * channels, channels]));
      specs.push(...withBias(`${p}.xca.proj`, [channels, channels]));
      specs.push(...layerNorm(`${p}.norm`, channels));
      specs.push(...mlp(p, channels));
    }
  }
  const c3 = spec.dims[3];
  specs.push(...layerNorm('head.norm', c3));
  specs.push(...withBias('head.fc', [NUM_CLASSES, c3]));
  return specs;
}

export function parameterElementCount(shape: readonly number[]): number {
  return shape.reduce((product, d) => product * d, 1);
}
