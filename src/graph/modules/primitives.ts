import { attr, type Scope, tensor } from '../GraphBuilder';
import { LAYER_NORM_EPS, MLP_EXPAND_RATIO } from '../edgenextVariants';
import type { ModuleContext } from './ModuleContext';

/**
 * The primitives every EdgeNeXt module is made of, in the op order of torch.onnx.export (opset 11,
 * docs/edgenext-architecture.md §2.7). Learned tensors become initializers; every other constant is a
 * `Constant` node, as in the raw export, so the initializer element count equals timm's parameter count.
 */

// Scalar constants are stored as float32 (√2 → 1.4142135381698608, 1e-6 → 9.99999997e-07), exactly the
// values torch's export holds.
const SQRT_2 = Math.SQRT2;

/** LayerNorm over the last axis, decomposed as torch exports it (ReduceMean, Sub, Pow, …, Add_1). */
export function layerNorm(ctx: ModuleContext, scope: Scope, x: string, prefix: string, channels: number): string {
  const mean = scope.node('ReduceMean', [x], { axes: attr.ints([-1]) });
  const centered = scope.node('Sub', [x, mean]);
  const squared = scope.node('Pow', [centered, scope.constant(tensor.scalar(2))]);
  const variance = scope.node('ReduceMean', [squared], { axes: attr.ints([-1]) });
  const shifted = scope.node('Add', [variance, scope.constant(tensor.scalar(LAYER_NORM_EPS))]);
  const std = scope.node('Sqrt', [shifted]);
  const normalized = scope.node('Div', [centered, std]);
  const scaled = scope.node('Mul', [normalized, ctx.param(`${prefix}.weight`, [channels])]);
  return scope.node('Add', [scaled, ctx.param(`${prefix}.bias`, [channels])]);
}

/** timm LayerNorm2d: NCHW → NHWC, LayerNorm over C, back to NCHW, all in one scope. */
export function layerNorm2d(ctx: ModuleContext, scope: Scope, x: string, prefix: string, channels: number): string {
  const channelsLast = scope.node('Transpose', [x], { perm: attr.ints([0, 2, 3, 1]) });
  const normalized = layerNorm(ctx, scope, channelsLast, prefix, channels);
  return scope.node('Transpose', [normalized], { perm: attr.ints([0, 3, 1, 2]) });
}

/** Exact (erf) GELU: 0.5·x·(1 + erf(x/√2)), in torch's op order. */
export function gelu(scope: Scope, x: string): string {
  const scaled = scope.node('Div', [x, scope.constant(tensor.scalar(SQRT_2))]);
  const erf = scope.node('Erf', [scaled]);
  const shifted = scope.node('Add', [erf, scope.constant(tensor.scalar(1))]);
  const product = scope.node('Mul', [x, shifted]);
  return scope.node('Mul', [product, scope.constant(tensor.scalar(0.5))]);
}

/** Linear on a ≥3-D tensor: MatMul with the transposed weight, then Add(bias, ·) (bias first, like torch). */
export function linear(
  ctx: ModuleContext,
  scope: Scope,
  x: string,
  prefix: string,
  inFeatures: number,
  outFeatures: number,
): string {
  const product = scope.node('MatMul', [x, ctx.transposedLinearWeight(`${prefix}.weight`, outFeatures, inFeatures)]);
  return scope.node('Add', [ctx.param(`${prefix}.bias`, [outFeatures]), product]);
}

/** timm Mlp: fc1 (C→4C), GELU, fc2 (4C→C), on channels-last tensors. */
export function mlp(ctx: ModuleContext, blockScope: Scope, x: string, blockPrefix: string, channels: number): string {
  const hidden = MLP_EXPAND_RATIO * channels;
  const scope = blockScope.child('mlp');
  const fc1 = linear(ctx, scope.child('fc1'), x, `${blockPrefix}.mlp.fc1`, channels, hidden);
  const act = gelu(scope.child('act'), fc1);
  return linear(ctx, scope.child('fc2'), act, `${blockPrefix}.mlp.fc2`, hidden, channels);
}

export interface ConvOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  /** Default 1. */
  readonly stride?: number;
  /** Symmetric padding on every side; default 0. */
  readonly padding?: number;
  /** Default 1; equal to the channel count for depthwise convolutions. */
  readonly groups?: number;
}

/** Conv2d with bias; weight [out, in/groups, k, k]. */
export function conv(ctx: ModuleContext, scope: Scope, x: string, prefix: string, options: ConvOptions): string {
  const { inChannels, outChannels, kernel } = options;
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 0;
  const groups = options.groups ?? 1;
  const weight = ctx.param(`${prefix}.weight`, [outChannels, inChannels / groups, kernel, kernel]);
  const bias = ctx.param(`${prefix}.bias`, [outChannels]);
  return scope.node('Conv', [x, weight, bias], {
    dilations: attr.ints([1, 1]),
    group: attr.int(groups),
    kernel_shape: attr.ints([kernel, kernel]),
    pads: attr.ints([padding, padding, padding, padding]),
    strides: attr.ints([stride, stride]),
  });
}
