import { sdtaChunkWidth } from '../edgenextParameters';
import { attr, type Scope, tensor } from '../GraphBuilder';
import { crossCovarianceAttention } from './crossCovarianceAttention';
import type { ModuleContext } from './ModuleContext';
import { positionalEncodingFourier } from './positionalEncodingFourier';
import { conv, layerNorm, mlp } from './primitives';

export interface SdtaOptions {
  readonly channels: number;
  readonly heads: number;
  readonly scales: number;
  readonly height: number;
  readonly width: number;
  readonly positionalEncoding: boolean;
}

/**
 * SDTA block (timm SplitTransposeBlock): channel split with a cascade of dw 3×3 convs, token view
 * (+ Fourier positional encoding in stage 1), XCA with its own residual, then LN + MLP + ×gamma and
 * the outer residual to the block input.
 */
export function sdtaBlock(ctx: ModuleContext, scope: Scope, x: string, prefix: string, options: SdtaOptions): string {
  const { channels, heads, scales, height, width } = options;
  const tokens = height * width;

  // torch.chunk's shape arithmetic: width = (C + scales − 1) / scales, ends = width·(i+1). Emitting it
  // (ONNX Runtime folds it) gives the surviving nodes the exporter's numbers: Add_1 is the first real Add,
  // Mul_<scales> is gamma_xca.
  const axes = scope.constant(tensor.int64([1]));
  const zero = scope.constant(tensor.int64([0]));
  const rounded = scope.node('Add', [
    scope.constant(tensor.int64([channels])),
    scope.constant(tensor.int64([scales - 1])),
  ]);
  const chunkWidth = scope.node('Div', [rounded, scope.constant(tensor.int64([scales]))]);
  const ends = Array.from({ length: scales }, (_, i) =>
    scope.node('Mul', [chunkWidth, scope.constant(tensor.int64([i + 1]))]),
  );
  const chunks = ends.map((end, i) => scope.node('Slice', [x, i === 0 ? zero : (ends[i - 1] as string), end, axes]));

  const convWidth = sdtaChunkWidth(channels, scales);
  const outputs: string[] = [];
  let carried = chunks[0] as string;
  for (let i = 0; i < scales - 1; i += 1) {
    if (i > 0) carried = scope.node('Add', [carried, chunks[i] as string]);
    carried = conv(ctx, scope.child(`convs.${i}`), carried, `${prefix}.convs.${i}`, {
      inChannels: convWidth,
      outChannels: convWidth,
      kernel: 3,
      padding: 1,
      groups: convWidth,
    });
    outputs.push(carried);
  }
  outputs.push(chunks[scales - 1] as string);
  const mixed = scope.node('Concat', outputs, { axis: attr.int(1) });

  const flat = scope.node('Reshape', [mixed, scope.constant(tensor.int64([0, channels, tokens]))]);
  let t = scope.node('Transpose', [flat], { perm: attr.ints([0, 2, 1]) });
  if (options.positionalEncoding) {
    const pos = positionalEncodingFourier(ctx, scope.child('pos_embd'), `${prefix}.pos_embd`, height, width, channels);
    // The encoding has batch 1 and broadcasts over the batch in the Add.
    const posFlat = scope.node('Reshape', [pos, scope.constant(tensor.int64([1, channels, tokens]))]);
    const posTokens = scope.node('Transpose', [posFlat], { perm: attr.ints([0, 2, 1]) });
    t = scope.node('Add', [t, posTokens]);
  }

  const normalized = layerNorm(ctx, scope.child('norm_xca'), t, `${prefix}.norm_xca`, channels);
  const attended = crossCovarianceAttention(
    ctx,
    scope.child('xca'),
    normalized,
    `${prefix}.xca`,
    channels,
    heads,
    tokens,
  );
  const scaledAttention = scope.node('Mul', [ctx.param(`${prefix}.gamma_xca`, [channels]), attended]);
  t = scope.node('Add', [t, scaledAttention]);

  const channelsLast = scope.node('Reshape', [t, scope.constant(tensor.int64([0, height, width, channels]))]);
  const normalizedMlp = layerNorm(ctx, scope.child('norm'), channelsLast, `${prefix}.norm`, channels);
  const expanded = mlp(ctx, scope, normalizedMlp, prefix, channels);
  const scaled = scope.node('Mul', [ctx.param(`${prefix}.gamma`, [channels]), expanded]);
  const channelsFirst = scope.node('Transpose', [scaled], { perm: attr.ints([0, 3, 1, 2]) });
  return scope.node('Add', [x, channelsFirst]);
}
